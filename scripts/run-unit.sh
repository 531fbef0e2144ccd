#!/usr/bin/env bash
# Runs cmocka unit-test binaries; prints one summary line; fails if any failed.
set -uo pipefail
pass=0; fail=0; failed=()
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  echo "$out" | grep -E '^\[  (FAILED|PASSED)|ERROR|Assert|error' | sed "s|^|$(basename "$t"): |" | grep -v PASSED
  p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  if [ $rc -ne 0 ]; then failed+=("$(basename "$t")"); [ -z "$f" ] && fail=$((fail + 1)); echo "$out" | tail -20; fi
  # a skipped test is not a pass: it means a service the suite needs was missing
  sk=$(echo "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
  if [ -n "$sk" ] && [ "$sk" -gt 0 ]; then
    echo "$(basename "$t"): $sk test(s) skipped"; fail=$((fail + sk)); failed+=("$(basename "$t")")
  fi
done
echo "unit: $pass passed, $fail failed"
[ ${#failed[@]} -eq 0 ]
