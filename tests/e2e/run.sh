#!/usr/bin/env bash
# Runs a Python test with the pinned clients in ./.venv-e2e: `run.sh pytest ARGS...` or
# `run.sh python ARGS...`, from the repo root, with $PLEXUS and $SOURCE_DIR set (ctest does).
# A missing venv is a failure, not a skip.
set -euo pipefail
venv="${SOURCE_DIR:?SOURCE_DIR must be the repo root}/.venv-e2e"
if [ ! -x "$venv/bin/pytest" ]; then
  echo "FAIL: $venv is missing: run scripts/setup-python-tests" >&2
  exit 1
fi
tool="$1"
shift
cd "$SOURCE_DIR"
exec "$venv/bin/$tool" "$@"
