#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine: Debian tools, then a virtualenv.
# Idempotent; run by `make` before the demo or the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v xmlsec1 >/dev/null 2>&1 || need_apt+=(xmlsec1)
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "bootstrap: installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
