#!/usr/bin/env bash
# `make test`: every test layer, each run even if an earlier one failed; exits non-zero if any
# failed. Ends with one line "tests: N passed, N failed" totalling all layers.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/test-logs
pass=0; fail=0; failed_layers=()

count() { # adds a layer's counts from its log
  local log=$1 p f
  # node's test runner: "# pass N" / "# fail N"; our unit runner: "unit: N passed, N failed"
  p=$(grep -E '^(# pass|ℹ pass) [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
  f=$(grep -E '^(# fail|ℹ fail) [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
  if grep -qE '^unit: [0-9]+ passed' "$log"; then
    p=$((p + $(sed -nE 's/^unit: ([0-9]+) passed.*/\1/p' "$log" | tail -1)))
    f=$((f + $(sed -nE 's/^unit: [0-9]+ passed, ([0-9]+) failed.*/\1/p' "$log" | tail -1)))
  fi
  p=$((p + $(grep -cE '^fuzz: .*: ok$' "$log")))
  pass=$((pass + p)); fail=$((fail + f))
}

layer() { # name, command...
  local name=$1; shift
  local log="build/test-logs/$name.log"
  echo "=== $name"
  if "$@" 2>&1 | tee "$log"; then :; else failed_layers+=("$name"); fi
  count "$log"
  grep -qE '^(# fail|ℹ fail) [1-9]' "$log" && [[ ! " ${failed_layers[*]} " =~ " $name " ]] && failed_layers+=("$name")
  return 0
}

# One throwaway PostgreSQL (Debian's server, on 127.0.0.1, a free port) serves every layer
# that tests the PostgreSQL backend; it is stopped when this script ends.
pg_dir="$PWD/build/pg-test-all"
scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true
if PONGD_TEST_DATABASE_URL=$(scripts/pg.sh start "$pg_dir"); then
  export PONGD_TEST_DATABASE_URL
  trap 'scripts/pg.sh stop "$pg_dir"' EXIT
else
  echo "PostgreSQL could not be started: the PostgreSQL tests will fail" >&2
fi

layer build-rules      make -s build-test
layer unit             make -s unit
layer unit-asan        make -s unit-asan
layer fuzz             make -s fuzz-short
layer web-unit         node --test tests/web/
layer game             make -s game-test
layer integration      make -s integration
layer integration-pg   make -s integration-pg
layer integration-asan make -s integration-asan
layer browser          make -s browser

echo
if [ ${#failed_layers[@]} -gt 0 ]; then
  echo "FAILED layers: ${failed_layers[*]}"
  [ "$fail" -eq 0 ] && fail=${#failed_layers[@]}
fi
echo "tests: $pass passed, $fail failed"
[ ${#failed_layers[@]} -eq 0 ]
