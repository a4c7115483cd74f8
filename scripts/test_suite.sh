#!/usr/bin/env bash
# The full test suite as two pytest processes side by side (`make test`): the database tests on PostgreSQL, and
# the same tests on SQLite with everything else (the browser suite among it). Each process has its own databases,
# data directory and server ports (tests/conftest.py), so they share nothing but the machine; on two cores the
# suite takes about half as long. With arguments (PYTEST_ARGS) it is one ordinary pytest run of those.
# pytest's exit 5 (nothing collected) is reported, not treated as a broken build.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

status() {  # pytest's exit status, with 5 (nothing collected) counted as success
  if [ "$1" -eq 5 ]; then echo "no tests collected" >&2; return 0; fi
  return "$1"
}

if [ "$#" -gt 0 ]; then
  "$PY" -m pytest "$@"
  status $?
  exit $?
fi

logs=$(mktemp -d)
"$PY" -m pytest -k "postgresql" >"$logs/postgresql.log" 2>&1 &
first=$!
"$PY" -m pytest -k "not postgresql" >"$logs/sqlite-and-the-rest.log" 2>&1 &
second=$!
wait "$first"; rc_first=$?
wait "$second"; rc_second=$?
for part in postgresql sqlite-and-the-rest; do
  echo "=== $part"
  cat "$logs/$part.log"
done
rm -rf "$logs"
status "$rc_first"; rc_first=$?
status "$rc_second"; rc_second=$?
[ "$rc_first" -eq 0 ] && [ "$rc_second" -eq 0 ]
