#!/usr/bin/env bash
# WSS room-broadcast benchmark: pongd (and the Node ws reference server) under build/bench/broadcast.
#
# For each server and scenario N:R (N connections in one room, R chat messages/s in total,
# sent by min(N,100) of them for DURATION seconds; every message is delivered to all N):
# starts a fresh server pinned to CPU $SERVER_CPU, runs the generator pinned to CPU $CLIENT_CPU,
# reads the server's CPU time (utime+stime from /proc) and RSS before the handshakes, after
# them (idle, before the first message), and after the run. Then an idle run: RSS with
# $IDLE_N idle connections minus RSS with none. Repeats everything $REPEAT times, prints medians.
#
# usage: bench/ws.sh                    (both servers, default scenarios, ~10-12 minutes)
#        TARGETS=node bench/ws.sh       (only the Node ws reference)
#        SCENARIOS="100:100 1000:100" REPEAT=1 DURATION=5 bench/ws.sh
# env:   TARGETS="pongd node"  SCENARIOS="100:100 1000:50 1000:100 1000:200 10000:10 1000:500"  DURATION=5
#        REPEAT=3  IDLE_N=10000 (0 skips the idle run)  SENDERS=100  BATCH=100
#        PONGD_ENV="WORKER_THREADS=4"  (extra pongd variables)  SERVER_CPU=0 CLIENT_CPU=1
# Output: a table on stdout; bench/results/ws-<UTC stamp>.md (markdown) and .tsv (every run).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

DURATION="${DURATION:-5}"
REPEAT="${REPEAT:-3}"
SCENARIOS="${SCENARIOS:-100:100 1000:50 1000:100 1000:200 10000:10 1000:500}"
IDLE_N="${IDLE_N:-10000}"
SENDERS="${SENDERS:-100}"
BATCH="${BATCH:-100}"
HOLD=2          # idle seconds between "all connected" and the first message
DRAIN=5         # seconds the generator waits for late deliveries
PONGD_ENV="${PONGD_ENV:-}"
if [ -z "${TARGETS:-}" ]; then
  if [ -x "$PONGD_BIN" ]; then TARGETS="pongd node"; else TARGETS="node"; log "no $PONGD_BIN: Node ws only"; fi
fi

raise_nofile 65536
load_warning
[ "$(ulimit -n)" -ge $((IDLE_N + 200)) ] || log "warning: open-file limit $(ulimit -n) is below $IDLE_N connections"
[ -x "$GEN_BIN" ] && [ "$GEN_BIN" -nt "$ROOT/bench/broadcast.c" ] && [ "$GEN_BIN" -nt "$ROOT/bench/wsclient.c" ] && [ "$GEN_BIN" -nt "$ROOT/bench/wsclient.h" ] || "$ROOT/bench/build.sh" >&2 || die "cannot build the generator"

bench_setup ws
TSV="$RESULTS_DIR/ws-$STAMP.tsv"
MD="$RESULTS_DIR/ws-$STAMP.md"
PROBLEMS="$RESULTS_DIR/ws-$STAMP-problems.txt"
# shellcheck disable=SC2034
STUCK_REPORT="$PROBLEMS"   # stop_server writes there what a server that ignores SIGTERM is doing
printf 'server\trep\tkind\tn\tsenders\trate\toffered_dps\tachieved_dps\tp50_ms\tp99_ms\tmax_ms\texpected\treceived\tlost\tconnect_fail\tserver_closes\tcpu_send_s\tcpu_us_per_delivery\tcpu_ms_per_handshake\trss0_kb\trss_conn_kb\trss_end_kb\thwm_kb\tidle_kb_per_conn\tgen_cpu_pct\tother_load\tstatus\n' >"$TSV"

# pongd's room chat takes logged-in users only: after the start, one user is registered
# and the generator logs every connection in with its token (BROADCAST_TOKEN, read by
# build/bench/broadcast; the env keeps it out of GEN_CMD and the logs). The Node reference
# has no accounts: no token, no auth frame.
start_target() { # name
  unset BROADCAST_TOKEN
  case "$1" in
    pongd) # shellcheck disable=SC2086
      start_pongd "$TMP" CHAT_RATE=0 ACCESS_LOG=0 WS_QUEUE_MAX_BYTES=67108864 $PONGD_ENV || return 1
      BROADCAST_TOKEN="$(register_token "$SRV_PORT")" || { stop_server; return 1; }
      export BROADCAST_TOKEN ;;
    node) start_node "$TMP" ;;
    *) die "unknown target $1" ;;
  esac
}

problem() { # text...
  { echo "== $(date -u +%FT%TZ) $*"; echo "server log (last 40 lines):"; tail -n 40 "$SRV_LOG" 2>/dev/null; echo; } >>"$PROBLEMS"
  log "PROBLEM: $* (see $PROBLEMS)"
}

# run_gen N SENDERS RATE HOLD -> waits for READY, samples, waits for the end. Sets RES, C0 C1 C2, R0 R1 R2 HWM, STATUS
run_gen() {
  local n="$1" s="$2" rate="$3" hold="$4" out="$TMP/gen.out" err="$TMP/gen.err"
  local limit=$((120 + hold + ${DURATION%.*} + DRAIN + 10))
  C0="$(cpu_ticks "$SRV_PID")"; R0="$(rss_kb "$SRV_PID")"
  GEN_CMD="taskset -c $CLIENT_CPU $GEN_BIN -p $SRV_PORT -r bench -n $n -s $s -R $rate -d $DURATION -b $BATCH -H $hold -W $DRAIN -C 120 -L $limit -q"
  : >"$out"
  # shellcheck disable=SC2086
  timeout -s INT $((limit + 15)) $GEN_CMD >"$out" 2>"$err" &
  local gpid=$! t_end=$((SECONDS + limit + 20))
  until grep -q '^READY' "$out"; do
    kill -0 "$gpid" 2>/dev/null || break
    [ "$SECONDS" -lt "$t_end" ] || break
    sleep 0.05
  done
  if [ "$hold" -gt 2 ]; then sleep 2; fi    # let an idle server settle before sampling RSS
  if kill -0 "$SRV_PID" 2>/dev/null; then C1="$(cpu_ticks "$SRV_PID")"; R1="$(rss_kb "$SRV_PID")"; else C1=""; R1=""; fi
  local b1; b1="$(machine_busy_ticks)"
  wait "$gpid"; local grc=$?
  local b2; b2="$(machine_busy_ticks)"
  RES="$(grep '^RESULT' "$out" | tail -n 1)"
  STATUS=ok; OTHER="-"
  if kill -0 "$SRV_PID" 2>/dev/null; then
    C2="$(cpu_ticks "$SRV_PID")"; R2="$(rss_kb "$SRV_PID")"; HWM="$(hwm_kb "$SRV_PID")"
    OTHER="$(other_load $((b2 - b1)) $((C2 - ${C1:-$C2})) "$(kv gen_cpu_after_ready_s "$RES")" "$(kv after_ready_s "$RES")")"
  else
    C2=""; R2=""; HWM=""; OTHER="-"; STATUS=server-died
    wait "$SRV_PID" 2>/dev/null; local src=$?; SRV_PID=""
    problem "$SRV_NAME died during: $GEN_CMD (exit status $src; >128 = signal $((src - 128)))"$'\n'"generator: $RES"$'\n'"$(tail -n 5 "$err")"
  fi
  if [ -z "$RES" ]; then STATUS="${STATUS/ok/gen-failed}"; problem "generator gave no result (rc $grc): $GEN_CMD"$'\n'"$(tail -n 20 "$err")"; fi
}

row() { # name rep kind ...computed
  local name="$1" rep="$2" kind="$3" n="$4" s="$5" rate="$6"
  local recv lost exp ach p50 p99 mx cf sc gcpu cpu_send="-" us_per="-" ms_hs="-" idle="-"
  recv="$(kv received "$RES")"; exp="$(kv expected "$RES")"; lost="$(kv lost "$RES")"
  ach="$(kv deliveries_per_s "$RES")"; p50="$(kv p50_ms "$RES")"; p99="$(kv p99_ms "$RES")"; mx="$(kv max_ms "$RES")"
  cf="$(kv connect_failures "$RES")"; sc="$(kv server_closes "$RES")"; gcpu="$(kv gen_cpu_pct "$RES")"
  local open; open="$(kv open "$RES")"
  if [ -n "$C1" ] && [ -n "$C0" ] && [ "${open:-0}" -gt 0 ]; then
    ms_hs="$(awk -v a="$C0" -v b="$C1" -v n="$open" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", (b-a)/hz*1000/n}')"
  fi
  if [ "$kind" = send ] && [ -n "$C2" ] && [ -n "$C1" ]; then
    cpu_send="$(ticks_to_s $((C2 - C1)))"
    [ "${recv:-0}" -gt 0 ] && us_per="$(awk -v t=$((C2 - C1)) -v r="$recv" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", t/hz*1e6/r}')"
  fi
  if [ "$kind" = idle ] && [ -n "$R1" ] && [ "${open:-0}" -gt 0 ]; then
    idle="$(awk -v a="$R0" -v b="$R1" -v n="$open" 'BEGIN{printf "%.2f", (b-a)/n}')"
  fi
  local offered=$((n * ${rate%.*}))
  [ "$kind" = idle ] && offered=0
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$name" "$rep" "$kind" "$n" "$s" "$rate" "$offered" "${ach:--}" "${p50:--}" "${p99:--}" "${mx:--}" "${exp:--}" "${recv:--}" \
    "${lost:--}" "${cf:--}" "${sc:--}" "$cpu_send" "$us_per" "$ms_hs" "${R0:--}" "${R1:--}" "${R2:--}" "${HWM:--}" "$idle" "${gcpu:--}" "$OTHER" "$STATUS" >>"$TSV"
  log "$name rep $rep $kind n=$n rate=$rate: ${ach:--} deliveries/s p50 ${p50:--} ms p99 ${p99:--} ms lost ${lost:--} cf ${cf:--} | server CPU ${cpu_send}s ${us_per} us/delivery, ${ms_hs} ms/handshake, RSS ${R0:--}/${R1:--}/${R2:--} KiB, idle ${idle} KiB/conn, gen ${gcpu:--}%, other load $OTHER cores [$STATUS]"
}

# one measured run, repeated while the machine was busy during it (see wait_quiet in lib.sh)
measure() { # name rep kind n senders rate hold
  local name="$1" rep="$2" kind="$3" n="$4" s="$5" rate="$6" hold="$7" attempt
  for attempt in $(seq 0 "$RETRIES"); do
    wait_quiet
    start_target "$name" || { problem "$name did not start"; return; }
    [ "$kind" = idle ] && sleep 1
    run_gen "$n" "$s" "$rate" "$hold"
    stop_server
    if [ "$STATUS" = ok ] && [ "$name" = pongd ] && [ "${SRV_EXIT:-0}" -ne 0 ]; then
      problem "pongd exited with status $SRV_EXIT on SIGTERM after: $GEN_CMD"
    fi
    local noisy=""
    [ "$STATUS" = ok ] && is_noisy "$OTHER" && { STATUS=noisy; noisy=1; }
    row "$name" "$rep" "$kind" "$n" "$s" "$rate"
    [ -n "$noisy" ] && [ "$attempt" -lt "$RETRIES" ] && budget_left || break
    log "other load $OTHER cores > $QUIET_MAX during that run: measuring it again"
  done
}

t_start=$SECONDS
for rep in $(seq "$REPEAT"); do
  for name in $TARGETS; do
    for sc in $SCENARIOS; do
      n="${sc%%:*}"; rate="${sc##*:}"; s=$SENDERS; [ "$n" -lt "$s" ] && s=$n
      measure "$name" "$rep" send "$n" "$s" "$rate" "$HOLD"
    done
    [ "$IDLE_N" -gt 0 ] && measure "$name" "$rep" idle "$IDLE_N" 0 0 6
  done
done
elapsed=$((SECONDS - t_start))

# ---- medians per (server, kind, n, rate)
summary() {
  # medians over the "ok" runs of each (server, kind, N, senders, rate); where every run was
  # "noisy" (machine busy), over those, with the run count marked "noisy"
  awk -F'\t' 'NR > 1 && ($27 == "ok" || $27 == "noisy") { k = $1 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7
      if (!(k in seen)) { seen[k] = 1; order[m++] = k }
      q = ($27 == "ok") ? "ok" : "noisy"
      for (c = 8; c <= 26; c++) v[q, k, c] = v[q, k, c] " " $c; cnt[q, k]++ }
    function med(s,   a, n, i, j, t, x) { n = split(s, a, " "); x = 0
      for (i = 1; i <= n; i++) if (a[i] != "-") b[++x] = a[i] + 0
      if (!x) return "-"
      for (i = 1; i <= x; i++) for (j = i + 1; j <= x; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
      return (x % 2) ? b[(x + 1) / 2] : (b[x / 2] + b[x / 2 + 1]) / 2 }
    END { for (i = 0; i < m; i++) { k = order[i]; q = cnt["ok", k] ? "ok" : "noisy"
      printf "%s\t%s", k, (q == "ok") ? cnt["ok", k] : cnt["noisy", k] "-noisy"
      for (c = 8; c <= 26; c++) printf "\t%s", med(v[q, k, c]); printf "\n" } }' "$TSV"
}
SUM="$(summary)"
fmt() { awk -v x="$1" 'BEGIN{ if (x == "-") print "-"; else if (x >= 1000) printf "%\047.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.3g", x }'; }

{
  echo "### WSS room broadcast ($STAMP)"
  echo
  echo "Machine: $(machine_line). Server pinned to CPU $SERVER_CPU, generator to CPU $CLIENT_CPU."
  echo "pongd: $PONGD_DESC; pongd env: CHAT_RATE=0 ACCESS_LOG=0 WS_QUEUE_MAX_BYTES=67108864 $PONGD_ENV. Node: $(node --version), ws $(node -p "require('$ROOT/node_modules/ws/package.json').version" 2>/dev/null)."
  echo "Generator: \`build/bench/broadcast -n N -s S -R R -d $DURATION -H $HOLD -W $DRAIN\` (one room; S = min(N, $SENDERS) senders)."
  echo "Medians of $REPEAT run(s) per row; runs during which other work on the machine used more than $QUIET_MAX cores were repeated (up to $RETRIES times) and are left out when a quiet one exists (\"runs\" says \"noisy\" otherwise); failed runs are left out. Every run is in \`$(basename "$TSV")\`. Total time ${elapsed}s."
  echo
  echo "| server | N | msgs/s | offered deliveries/s | achieved deliveries/s | p50 ms | p99 ms | max ms | lost | connect failures | server CPU s | CPU-µs / delivery | RSS after KiB | generator CPU % | other load (cores) | runs |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r srv kind n s rate off cnt ach p50 p99 mx exp recv lost cf sc cpus usper mshs r0 r1 r2 hwm idle gcpu other; do
    [ "$kind" = send ] || continue
    echo "| $srv | $n | $rate | $(fmt "$off") | $(fmt "$ach") | $(fmt "$p50") | $(fmt "$p99") | $(fmt "$mx") | $(fmt "$lost") | $cf | $cpus | $usper | $(fmt "$r2") | $gcpu | $other | $cnt |"
  done <<<"$SUM"
  if [ "$IDLE_N" -gt 0 ]; then
    echo
    echo "Idle connections (\`-n $IDLE_N -s 0\`): RSS before any connection, with all of them open and idle, and the difference per connection."
    echo
    echo "| server | N | RSS before KiB | RSS with N idle KiB | KiB per idle connection | server CPU-ms per TLS+WS handshake | connect failures | runs |"
    echo "|---|---|---|---|---|---|---|---|"
    while IFS=$'\t' read -r srv kind n s rate off cnt ach p50 p99 mx exp recv lost cf sc cpus usper mshs r0 r1 r2 hwm idle gcpu other; do
      [ "$kind" = idle ] || continue
      echo "| $srv | $n | $(fmt "$r0") | $(fmt "$r1") | $idle | $mshs | $cf | $cnt |"
    done <<<"$SUM"
  fi
  # pongd / node ratio of CPU-µs per delivery
  if grep -q '^pongd' <<<"$SUM" && grep -q '^node' <<<"$SUM"; then
    echo
    echo "CPU-µs per delivery, pongd ÷ Node ws (same N and rate):"
    echo
    awk -F'\t' '$2 == "send" { k = $3 ":" $5; u[$1, k] = $18; if (!(k in s)) { s[k] = 1; o[m++] = k } }
      END { for (i = 0; i < m; i++) { k = o[i]; split(k, p, ":"); a = u["pongd", k]; b = u["node", k]
        if (a != "" && b != "" && a != "-" && b != "-" && b > 0) printf "- N=%s, %s msgs/s: %.3f ÷ %.3f = %.2f\n", p[1], p[2], a, b, a / b } }' <<<"$SUM"
  fi
  if [ -s "$PROBLEMS" ]; then echo; echo "Problems were recorded: \`$(basename "$PROBLEMS")\`."; fi
} >"$MD"
cat "$MD"
log "wrote $MD and $TSV"
