#!/usr/bin/env bash
# Prepare this machine for the platform: Debian packages (when missing), uv, and .venv from uv.lock.
#   bash scripts/setup.sh          # what `invoices` needs
#   bash scripts/setup.sh --dev    # plus what the tests and linters need
set -euo pipefail
cd "$(dirname "$0")/.."

# tesserocr is compiled against Debian's libtesseract (pyproject.toml [tool.uv]): hence the -dev packages,
# a C++ compiler and Python's headers. The tesseract command is the benchmarks' reference.
DEBIAN_PACKAGES=(tesseract-ocr tesseract-ocr-spa tesseract-ocr-eng libtesseract-dev libleptonica-dev g++ pkg-config
  python3-dev fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv" >&2
  # A distribution Python may refuse system-wide installs (PEP 668); uv is a self-contained binary.
  python3 -m pip install --quiet --disable-pip-version-check uv \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages uv
fi

# A local machine runs everything: training and the UI too (the production images install subsets).
extras=(--extra training --extra webserver)
# uv sync removes the packages of a locked extra it is not asked for, even with --inexact: a venv that has
# the dev tools (the test command installed them) keeps them when the demo syncs.
if [ "${1:-}" = "--dev" ] || [ -x .venv/bin/pytest ]; then extras+=(--extra dev); fi
echo "setup: syncing .venv from uv.lock" >&2
uv sync --frozen --inexact --python "$(command -v python3)" "${extras[@]}" --quiet
