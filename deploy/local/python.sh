#!/usr/bin/env bash
# Create the virtualenv, installing Debian's python3-venv first when it is missing.
set -euo pipefail
python="${1:-python3}"; venv="${2:-.venv}"
if [ -x "$venv/bin/python" ]; then exit 0; fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "Linli needs Python 3.11 (found: $("$python" --version 2>&1)); install python3.11 and run again (or make PYTHON=/path/to/python3.11)." >&2
  exit 1
fi
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    echo "Python's venv module is missing: install python3-venv (sudo apt-get install python3-venv)." >&2
    exit 1
  fi
fi
