#!/usr/bin/env bash
# README command 1: set up what is missing, then run the whole platform on a synthetic demo inbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/invoices demo "$@"
