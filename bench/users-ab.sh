#!/usr/bin/env bash
# Two pongd binaries compared on bench/users.sh, interleaved: A, B, A, B, ... so that the
# VM's speed drift (±30 % within minutes on this machine) falls on both alike. Prints one
# table row per run and the medians per binary and backend.
#
# usage: bench/users-ab.sh OLD_PONGD NEW_PONGD
#        ROUNDS=5 BACKENDS="sqlite postgres" WRK_DURATION=5s bench/users-ab.sh /tmp/old/build/pongd build/pongd
# A binary of an older commit: git worktree add /tmp/old <commit> && make -C /tmp/old build
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_PONGD NEW_PONGD" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
ROUNDS="${ROUNDS:-5}"
export BACKENDS="${BACKENDS:-sqlite postgres}" REPEAT=1 WRK_DURATION="${WRK_DURATION:-5s}"
OUT="$(mktemp /tmp/users-ab.XXXXXX)"
for i in $(seq "$ROUNDS"); do
  for side in old new; do
    bin="$1"; [ "$side" = new ] && bin="$2"
    PONGD_BIN="$(realpath "$bin")" "$HERE/users.sh" 2>/dev/null | grep -E '^\| (sqlite|postgres) ' | sed "s/^/$side /" | tee -a "$OUT"
  done
done
echo
echo "medians of $ROUNDS interleaved runs (requests/s, pongd CPU-µs/req, p99 ms):"
for be in $BACKENDS; do
  for side in old new; do
    awk -F'|' -v s="$side" -v b="$be" '$1 ~ "^"s" " && $2 ~ b { print $5 + 0, $9 + 0, $7 + 0 }' "$OUT" | sort -n |
      awk -v s="$side" -v b="$be" '{ r[NR] = $1; c[NR] = $2; p[NR] = $3 } END { if (NR) { m = int((NR + 1) / 2); printf "%-8s %-4s %8d req/s  (rps-sorted median run: %s µs/req, p99 %s ms)  n=%d\n", b, s, r[m], c[m], p[m], NR } }'
  done
done
rm -f "$OUT"
