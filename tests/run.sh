#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: a virtualenv with the test extras,
# Dovecot (apt-get, when missing and we are root), lint, types, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "dunmail needs Python 3.11 or newer ($python is $("$python" --version 2>&1))." >&2
  exit 1
fi

# A venv left half-made by an interrupted run (no pip inside) is made again.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  echo "== creating .venv"
  rm -rf .venv
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv support in a separate package.
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "== installing python3-venv"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv .venv
    else
      echo "Python cannot create a virtualenv here. Install it once, then run again:" >&2
      echo "    sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi
stamp=.venv/.dunmail-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "== installing dunmail with its test extras"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test,demo,reports]'
  echo "$want" > "$stamp"
fi
if [ "${1:-}" = "--setup" ]; then
  exit 0  # `make demo`: the virtualenv is all it needs
fi

if ! command -v dovecot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Dovecot (the integration tests talk to a real IMAP server)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq dovecot-imapd >/dev/null
  else
    echo "Dovecot is missing. Install it once, then run the tests again:" >&2
    echo "    sudo apt-get install dovecot-imapd" >&2
    exit 1
  fi
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (strict on daemon/domain and parsers)"
.venv/bin/mypy daemon/domain parsers
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
