#!/usr/bin/env bash
# README command 2 (and CI): set up what is missing, lint, then run every test with coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export OMP_THREAD_LIMIT=1
# The MySQL variants of the tests run against a local MariaDB, installed and started when missing
# (scripts/mariadb.sh); a server already named in INVOICES_TEST_MYSQL_URL is used as it is.
if [ -z "${INVOICES_TEST_MYSQL_URL:-}" ]; then
  INVOICES_TEST_MYSQL_URL="$(bash scripts/mariadb.sh)"
fi
export INVOICES_TEST_MYSQL_URL
echo "test: ruff check and ruff format --check" >&2
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "test: lint-imports (the layer contracts in pyproject.toml)" >&2
.venv/bin/lint-imports
echo "test: pytest" >&2
.venv/bin/pytest --cov --cov-report=term "$@"
