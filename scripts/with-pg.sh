#!/usr/bin/env bash
# Runs a command with PONGD_TEST_DATABASE_URL pointing at a PostgreSQL for tests: the one
# already given in the environment (make test starts one for the whole run), or else a
# throwaway one started here with scripts/pg.sh and removed afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PONGD_TEST_DATABASE_URL:-}" ]; then exec "$@"; fi
dir="$PWD/build/pg-$$"
url=$(scripts/pg.sh start "$dir") || { echo "with-pg: could not start PostgreSQL" >&2; exit 1; }
trap 'scripts/pg.sh stop "$dir"' EXIT
PONGD_TEST_DATABASE_URL=$url "$@"
