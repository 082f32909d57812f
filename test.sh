#!/bin/sh
# Install everything the tests need, then run linters, type checks and the test suite.
set -eu
cd "$(dirname "$0")"
tools/bootstrap.sh test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; .venv/bin/ruff check crm pengine lrmd tools pycorosync tests
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider "$@"
