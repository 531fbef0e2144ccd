#!/usr/bin/env bash
# Two pongd binaries compared on bench/ws.sh (WSS room broadcast), interleaved: A, B, A, B, ...
# so that the VM's speed drift (±30 % within minutes on this machine) falls on both alike.
# Each run is one bench/ws.sh invocation (fresh server, TARGETS=pongd, REPEAT=1, IDLE_N=0)
# covering every scenario. Prints one row per run and scenario, then per scenario the medians
# per binary of achieved deliveries/s, delivery latency p50/p99, server CPU s (READY to the
# end of the run) and server CPU-µs per delivery, the ratio new ÷ old of each median, and each
# side's min..max (a difference inside both ranges is within the run-to-run spread).
#
# usage: bench/ws-ab.sh OLD_PONGD NEW_PONGD
#        ROUNDS=5 SCENARIOS="1000:100 1000:500" DURATION=5 bench/ws-ab.sh /tmp/old/build/pongd build/pongd
# A binary of an older commit: git worktree add /tmp/old <commit> && make -C /tmp/old build
# env:   ROUNDS=5 SCENARIOS="1000:100 1000:500" DURATION=5 (s of sending per run)
#        everything else goes through to ws.sh (PONGD_ENV, SERVER_CPU, CLIENT_CPU, QUIET_MAX, ...)
# Output: stdout; every run's ws.sh output (.md, .tsv, stderr log) under
#         bench/results/ws-ab-<UTC stamp>/<round>-<old|new>/, and the rows in runs.tsv there.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_PONGD NEW_PONGD" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
OLD="$(realpath "$1")" NEW="$(realpath "$2")"
for b in "$OLD" "$NEW"; do [ -x "$b" ] || { echo "$0: $b is not an executable" >&2; exit 2; }; done
ROUNDS="${ROUNDS:-5}"
export TARGETS=pongd SCENARIOS="${SCENARIOS:-1000:100 1000:500}" REPEAT=1 IDLE_N=0 DURATION="${DURATION:-5}"
[ -x "$HERE/../build/bench/broadcast" ] || "$HERE/build.sh" >&2 || exit 1
OUTDIR="${RESULTS_DIR:-$HERE/results}/ws-ab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUTDIR"
RUNS="$OUTDIR/runs.tsv"
printf 'side\tround\tn\trate\tachieved_dps\tp50_ms\tp99_ms\tcpu_send_s\tcpu_us_per_delivery\tlost\tgen_cpu_pct\tother_load\tstatus\n' >"$RUNS"
echo "old: $OLD ($(sha256sum "$OLD" | cut -c1-12))"
echo "new: $NEW ($(sha256sum "$NEW" | cut -c1-12))"
echo "scenarios (N:msgs/s): $SCENARIOS; DURATION=$DURATION s; $ROUNDS rounds, old then new in each"
echo "start $(date -u +%FT%TZ); uptime:$(uptime)"
echo
printf '%-4s %-5s %-10s %10s %8s %8s %7s %8s %8s %5s %7s %-8s\n' side round scenario "deliv/s" "p50 ms" "p99 ms" "CPU s" "µs/deliv" lost "gen %" other status
for i in $(seq "$ROUNDS"); do
  for side in old new; do
    bin="$OLD"; [ "$side" = new ] && bin="$NEW"
    dir="$OUTDIR/$i-$side"; mkdir -p "$dir"
    PONGD_BIN="$bin" RESULTS_DIR="$dir" "$HERE/ws.sh" >"$dir/stdout.md" 2>"$dir/stderr.log"
    tsv=""; for f in "$dir"/ws-*.tsv; do [ -f "$f" ] && tsv="$f"; done
    [ -n "$tsv" ] || { echo "$side round $i: ws.sh wrote no .tsv (see $dir/stderr.log)" >&2; continue; }
    # one row per scenario: the last "ok" run, else the last "noisy" one (ws.sh repeats a run
    # during which the rest of the machine used more than QUIET_MAX cores)
    awk -F'\t' -v s="$side" -v r="$i" 'NR > 1 && $3 == "send" && ($27 == "ok" || $27 == "noisy") {
        k = $4 ":" $6; if (!(k in seen)) { seen[k] = 1; o[m++] = k }
        if ($27 == "ok" || !(k in ok)) { row[k] = s "\t" r "\t" $4 "\t" $6 "\t" $8 "\t" $9 "\t" $10 "\t" $17 "\t" $18 "\t" $14 "\t" $25 "\t" $26 "\t" $27 }
        if ($27 == "ok") ok[k] = 1 }
      END { for (j = 0; j < m; j++) print row[o[j]] }' "$tsv" | tee -a "$RUNS" |
      awk -F'\t' '{ printf "%-4s %-5s %-10s %10s %8s %8s %7s %8s %8s %5s %7s %-8s\n", $1, $2, $3 ":" $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }'
  done
done
echo
echo "end $(date -u +%FT%TZ); uptime:$(uptime)"
echo
echo "medians of the interleaved runs per scenario (n = runs counted), ratio new ÷ old, and each side's range:"
awk -F'\t' '
  function med(s,   a, n, i, j, t) { n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    lo = n ? a[1] : "-"; hi = n ? a[n] : "-"
    return n ? ((n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : "" }
  NR > 1 { k = $3 ":" $4; if (!(k in seen)) { seen[k] = 1; o[m++] = k }
    for (c = 5; c <= 9; c++) if ($c != "-" && $c != "") v[$1, k, c] = v[$1, k, c] " " $c
    cnt[$1, k]++ }
  END { split("deliveries/s p50_ms p99_ms server_CPU_s CPU_us/delivery", name, " ")
    for (j = 0; j < m; j++) { k = o[j]
      printf "\nscenario %s (N:msgs/s)   old n=%d, new n=%d\n", k, cnt["old", k], cnt["new", k]
      printf "  %-16s %10s %10s %8s   %-21s %-21s\n", "median", "old", "new", "new/old", "old min..max", "new min..max"
      for (c = 5; c <= 9; c++) { a = med(v["old", k, c]); ra = lo ".." hi; b = med(v["new", k, c]); rb = lo ".." hi
        printf "  %-16s %10s %10s %8s   %-21s %-21s\n", name[c - 4], a, b, (a != "" && b != "" && a + 0 > 0) ? sprintf("%.3f", b / a) : "-", ra, rb } } }' "$RUNS"
echo
echo "every run: $RUNS (and ws.sh outputs in $OUTDIR/)"
