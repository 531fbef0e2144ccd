#!/usr/bin/env bash
# Persisted room chat (issue 13): room broadcast through the bus with every message written to
# the database first, against the in-memory chat of an older pongd and the Node ws reference.
#
# Targets (one fresh server per run, pinned to CPU $SERVER_CPU; the generator on $CLIENT_CPU):
#   sqlite    build/pongd (PONGD_BIN), SQLite in a fresh VAR_DIR: messages stored, then published
#   postgres  the same binary on a throwaway PostgreSQL (scripts/pg.sh, fsync off), a fresh
#             database per run; the postmaster and its backends pinned to $PG_CPU (default the
#             server's core: pongd and its database share one core, as pongd and SQLite do)
#   old       OLD_PONGD (the in-memory chat "as it is today": e.g. commit 2cb0e2f), SQLite
#   node      bench/node-ws-server.mjs (no accounts, no persistence)
#   base-sqlite, base-postgres   BASE_PONGD (another persisted pongd, e.g. the commit before a
#             change of the batcher) on SQLite / PostgreSQL, as sqlite / postgres: a before/after
#             comparison measured interleaved with the rest
# Scenario N:G:R = N connections spread over G rooms (build/bench/broadcast -G: connection i in
# room i mod G, N/G each), min(N, SENDERS) of them sending R messages/s in total for DURATION
# seconds; each message goes to every socket of its room, so offered deliveries/s = R x N/G.
# pongd runs with CHAT_RATE=0 (the per-user limit off: every connection is the same user, one
# token) ACCESS_LOG=0 WS_QUEUE_MAX_BYTES=67108864, like bench/ws.sh. Rounds are interleaved
# (round 1: every scenario, every target in turn; round 2: ...) because the VM's speed drifts.
#
# usage: bench/chat.sh
#        ROUNDS=1 SCENARIOS="1000:10:1000" TARGETS="sqlite old" bench/chat.sh
# env:   TARGETS="sqlite postgres old node"  OLD_PONGD=/tmp/old-chat/build/pongd  BASE_PONGD (for base-*)
#        SCENARIOS="1000:10:500 1000:10:1000 1000:10:1500 1000:10:2000 1000:10:3000 100:10:10000"
#        ROUNDS=3 DURATION=5 SENDERS=100 COMMON=1000:10:1000 (the scenario of the CPU ratios)
#        P99_MAX=50 (ms)  NICE=0 (e.g. -15, root: server, its database and the generator reniced)
#        PONGD_ENV="" (extra pongd variables)  PG_CPU=$SERVER_CPU  SERVER_CPU=0 CLIENT_CPU=1
#        QUIET_MAX QUIET_WAIT RETRIES BUDGET (lib.sh's quiet-machine gate)
#        SUMMARY_ONLY=bench/results/chat-<stamp>.tsv: no runs, the .md again from that .tsv
#        BUSY_PATTERN="" (a pgrep -f pattern: before each run, wait while such processes run,
#        e.g. another engineer's benchmark; up to BUSY_WAIT=3600 s in all)
# Figures per run (bench/results/chat-<stamp>.tsv): achieved deliveries/s, p50/p99/max ms,
# lost, error frames (pongd's "busy": its write queue was full), misrouted deliveries, server
# CPU from READY to the end of the run per delivery (pongd; PostgreSQL's processes separately;
# "total" = both), and from pongd's shutdown log line ("chat: M messages stored in B batches")
# the messages stored per second, batches per second and the mean batch size.
# Output: bench/results/chat-<stamp>.md (medians, ranges, the goal's figures) and .tsv.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

TARGETS="${TARGETS:-sqlite postgres old node}"
OLD_PONGD="${OLD_PONGD:-/tmp/old-chat/build/pongd}"
BASE_PONGD="${BASE_PONGD:-}"
# CPU time in ns (schedstat: finer than the 10 ms ticks of stat): pongd's event loop (its main
# thread), pongd's other threads (the pools: in this test the database workers), PostgreSQL
cpu_split_ns() { # pid -> "loop_ns rest_ns pg_ns"
  local t loop=0 rest=0 pg=0 v p
  for t in /proc/"$1"/task/*; do
    v="$(awk '{print $1}' "$t/schedstat" 2>/dev/null)" || continue
    if [ "${t##*/}" = "$1" ]; then loop=$v; else rest=$((rest + ${v:-0})); fi
  done
  for p in $(pg_pids); do v="$(awk '{print $1}' "/proc/$p/schedstat" 2>/dev/null)" && pg=$((pg + ${v:-0})); done
  echo "$loop $rest $pg"
}
is_pg() { [ "$1" = postgres ] || [ "$1" = base-postgres ]; }
SCENARIOS="${SCENARIOS:-1000:10:500 1000:10:1000 1000:10:1500 1000:10:2000 1000:10:3000 100:10:10000}"
COMMON="${COMMON:-1000:10:1000}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-5}"
SENDERS="${SENDERS:-100}"
P99_MAX="${P99_MAX:-50}"
NICE="${NICE:-0}"
PONGD_ENV="${PONGD_ENV:-}"
PG_CPU="${PG_CPU:-$SERVER_CPU}"
HOLD=2 DRAIN=5 BATCH=100

if [ -z "${SUMMARY_ONLY:-}" ]; then
raise_nofile 65536
load_warning
[ -x "$GEN_BIN" ] && [ "$GEN_BIN" -nt "$ROOT/bench/broadcast.c" ] && [ "$GEN_BIN" -nt "$ROOT/bench/wsclient.c" ] && [ "$GEN_BIN" -nt "$ROOT/bench/wsclient.h" ] || "$ROOT/bench/build.sh" >&2 || die "cannot build the generator"
WS_VERSION="$(cd "$ROOT" && node -p "require('ws/package.json').version" 2>/dev/null)"
case " $TARGETS " in *" node "*) [ -n "$WS_VERSION" ] || die "the node target needs the ws package (npm ci; or NODE_PATH=<a node_modules with ws>)" ;; esac
case " $TARGETS " in *" old "*) [ -x "$OLD_PONGD" ] || die "OLD_PONGD=$OLD_PONGD is not built (git worktree add /tmp/old-chat 2cb0e2f && make -C /tmp/old-chat build)" ;; esac
case " $TARGETS " in *" base-"*) [ -x "$BASE_PONGD" ] || die "the base-* targets need BASE_PONGD=<a built pongd>" ;; esac

bench_setup chat   # TMP, certificate, web root, STAMP; snapshots build/pongd when TARGETS has "pongd"
NEW_BIN="$TMP/srv-under-test"
cp "$PONGD_BIN" "$NEW_BIN" || die "cannot copy $PONGD_BIN"
NEW_DESC="$PONGD_BIN, sha256 $(sha256sum "$NEW_BIN" | cut -c1-12), built $(date -u -r "$PONGD_BIN" +%FT%TZ)"
OLD_BIN="$TMP/srv-under-test-old"
OLD_DESC="-"
if [ -x "$OLD_PONGD" ]; then
  cp "$OLD_PONGD" "$OLD_BIN" || die "cannot copy $OLD_PONGD"
  OLD_DESC="$OLD_PONGD, sha256 $(sha256sum "$OLD_BIN" | cut -c1-12), built $(date -u -r "$OLD_PONGD" +%FT%TZ)$(git -C "$(dirname "$OLD_PONGD")/.." log -1 --format=', commit %h' 2>/dev/null)"
fi
BASE_BIN="$TMP/srv-under-test-base"
BASE_DESC="-"
if [ -n "$BASE_PONGD" ]; then
  cp "$BASE_PONGD" "$BASE_BIN" || die "cannot copy $BASE_PONGD"
  BASE_DESC="$BASE_PONGD, sha256 $(sha256sum "$BASE_BIN" | cut -c1-12), built $(date -u -r "$BASE_PONGD" +%FT%TZ)"
fi
TSV="$RESULTS_DIR/chat-$STAMP.tsv"
MD="$RESULTS_DIR/chat-$STAMP.md"
PROBLEMS="$RESULTS_DIR/chat-$STAMP-problems.txt"
STUCK_REPORT="$PROBLEMS"
printf 'target\tround\tn\trooms\tsenders\trate\toffered_dps\tachieved_dps\tp50_ms\tp99_ms\tmax_ms\texpected\treceived\tlost\terror_frames\tmisrouted\tconnect_fail\tserver_closes\tsend_s\tpongd_cpu_s\tpg_cpu_s\tpongd_us_per_delivery\ttotal_us_per_delivery\tstored\tbatches\tmean_batch\tlargest_batch\tstored_per_s\tbatches_per_s\tgen_cpu_pct\tother_load\tstatus\tunparsed\tloop_cpu_s\tloop_us_per_delivery\tdb_us_per_msg\n' >"$TSV"

problem() { # text...
  { echo "== $(date -u +%FT%TZ) $*"; echo "server log (last 40 lines):"; tail -n 40 "$SRV_LOG" 2>/dev/null; echo; } >>"$PROBLEMS"
  log "PROBLEM: $* (see $PROBLEMS)"
}

# ---- PostgreSQL: one throwaway server for the whole run, a fresh database per pongd run
PG_DIR="" PG_PID="" PG_PORT="" PG_BIN="" PG_VERSION="-" PG_DB=""
pg_pids() { [ -n "$PG_PID" ] || return 0; echo "$PG_PID"; ps -o pid= --ppid "$PG_PID" 2>/dev/null | tr -d ' '; }
pg_ticks() { local t=0 p v; for p in $(pg_pids); do v="$(cpu_ticks "$p" 2>/dev/null)" && t=$((t + v)); done; echo "$t"; }
pg_pin() { local p; for p in $(pg_pids); do taskset -a -cp "$PG_CPU" "$p" >/dev/null 2>&1 || true; [ "$NICE" = 0 ] || renice -n "$NICE" -p "$p" >/dev/null 2>&1 || true; done; }
start_pg() {
  PG_DIR="$ROOT/build/bench-pg-chat-$$"
  local url; url="$("$ROOT/scripts/pg.sh" start "$PG_DIR")" || { PG_DIR=""; die "scripts/pg.sh start failed"; }
  PG_PORT="$(cat "$PG_DIR/port")"
  PG_PID="$(head -n 1 "$PG_DIR/data/postmaster.pid")"
  PG_BIN="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  PG_VERSION="$("$PG_BIN/postgres" --version)"
  pg_pin
  log "PostgreSQL at $url (pid $PG_PID, pinned to CPU $PG_CPU): $PG_VERSION"
}
pg_newdb() { # -> PG_DB, a fresh database for one pongd run
  PG_DB="chat_$1"
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB" || die "createdb $PG_DB failed"
}
pg_dropdb() { [ -z "$PG_DB" ] || "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB" >/dev/null 2>&1 || true; PG_DB=""; }
cleanup() { stop_server; pg_dropdb; [ -z "$PG_DIR" ] || "$ROOT/scripts/pg.sh" stop "$PG_DIR"; rm -rf "$TMP"; }
trap cleanup EXIT
case " $TARGETS " in *" postgres "*|*" base-postgres "*) start_pg ;; esac

RUN_NO=0
start_target() { # target -> SRV_PID SRV_PORT SRV_LOG, BROADCAST_TOKEN for pongd
  unset BROADCAST_TOKEN
  RUN_NO=$((RUN_NO + 1))
  case "$1" in
    sqlite|postgres|old|base-sqlite|base-postgres)
      local db=()
      if is_pg "$1"; then pg_newdb "$RUN_NO"; db=("DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/$PG_DB"); fi
      PONGD_BIN="$NEW_BIN"; [ "$1" = old ] && PONGD_BIN="$OLD_BIN"; case "$1" in base-*) PONGD_BIN="$BASE_BIN" ;; esac
      # shellcheck disable=SC2086
      start_pongd "$TMP" CHAT_RATE=0 ACCESS_LOG=0 WS_QUEUE_MAX_BYTES=67108864 "${db[@]}" $PONGD_ENV || return 1
      BROADCAST_TOKEN="$(register_token "$SRV_PORT")" || { stop_server; return 1; }
      export BROADCAST_TOKEN ;;
    node) start_node "$TMP" ;;
    *) die "unknown target $1 (sqlite postgres old node base-sqlite base-postgres)" ;;
  esac
  [ "$NICE" = 0 ] || for t in /proc/"$SRV_PID"/task/*; do renice -n "$NICE" -p "${t##*/}" >/dev/null 2>&1; done
  ! is_pg "$1" || pg_pin
}

BUSY_PATTERN="${BUSY_PATTERN:-}" BUSY_WAIT="${BUSY_WAIT:-3600}" BUSY_WAITED=0
wait_not_busy() {
  [ -n "$BUSY_PATTERN" ] || return 0
  local said=""
  while [ "$BUSY_WAITED" -lt "$BUSY_WAIT" ] && pgrep -f "$BUSY_PATTERN" >/dev/null; do
    [ -n "$said" ] || { log "waiting while processes matching '$BUSY_PATTERN' run: $(pgrep -f "$BUSY_PATTERN" | head -n 3 | tr '\n' ' ')"; said=1; }
    sleep 10; BUSY_WAITED=$((BUSY_WAITED + 10))
  done
  [ -z "$said" ] || log "no more processes matching '$BUSY_PATTERN' (waited ${BUSY_WAITED}s in all)"
}

# one run: sets the row's figures
run_one() { # target round n rooms senders rate
  local target="$1" round="$2" n="$3" g="$4" s="$5" rate="$6" out="$TMP/gen.out" err="$TMP/gen.err"
  local limit=$((120 + HOLD + ${DURATION%.*} + DRAIN + 10))
  wait_not_busy
  wait_quiet
  start_target "$target" || { problem "$target did not start"; return 1; }
  local c0 p0 c1 p1 c2 p2 b1 b2 l1 l2 status=ok
  c0="$(cpu_ticks "$SRV_PID")"
  local gen_cmd="$GEN_BIN -p $SRV_PORT -r bench -G $g -n $n -s $s -R $rate -d $DURATION -b $BATCH -H $HOLD -W $DRAIN -C 120 -L $limit -q"
  : >"$out"
  # shellcheck disable=SC2086
  timeout -s INT $((limit + 15)) nice -n "$NICE" taskset -c "$CLIENT_CPU" $gen_cmd >"$out" 2>"$err" &
  local gpid=$! t_end=$((SECONDS + limit + 20))
  until grep -q '^READY' "$out"; do
    kill -0 "$gpid" 2>/dev/null || break
    [ "$SECONDS" -lt "$t_end" ] || break
    sleep 0.05
  done
  c1="$(cpu_ticks "$SRV_PID" 2>/dev/null)"; p1="$(pg_ticks)"; b1="$(machine_busy_ticks)"; l1="$(cpu_split_ns "$SRV_PID")"
  wait "$gpid"; local grc=$?
  b2="$(machine_busy_ticks)"
  local res; res="$(grep '^RESULT' "$out" | tail -n 1)"
  if kill -0 "$SRV_PID" 2>/dev/null; then c2="$(cpu_ticks "$SRV_PID")"; l2="$(cpu_split_ns "$SRV_PID")"; else c2=""; status=server-died; fi
  p2="$(pg_ticks)"
  stop_server
  [ "$status" = ok ] || problem "$target died during: $gen_cmd"
  [ -n "$res" ] || { status=gen-failed; problem "generator gave no result (rc $grc): $gen_cmd"$'\n'"$(tail -n 20 "$err")"; }
  # pongd's shutdown line: "chat: M messages stored in B batches (mean X, largest L)"
  local stored="-" batches="-" mean="-" largest="-" line
  line="$(grep -o 'chat: [0-9]* messages stored in [0-9]* batches (mean [0-9.]*, largest [0-9]*)' "$SRV_LOG" 2>/dev/null | tail -n 1)"
  if [ -n "$line" ]; then read -r stored batches mean largest <<<"$(awk '{gsub(/[(),]/, ""); print $2, $6, $9, $11}' <<<"$line")"; fi
  cp "$SRV_LOG" "$TMP/last-server.log" 2>/dev/null
  is_pg "$target" && pg_dropdb
  local recv ach p50 p99 mx exp lost ef mis cf sc send_s gcpu
  recv="$(kv received "$res")"; ach="$(kv deliveries_per_s "$res")"; p50="$(kv p50_ms "$res")"; p99="$(kv p99_ms "$res")"
  mx="$(kv max_ms "$res")"; exp="$(kv expected "$res")"; lost="$(kv lost "$res")"; ef="$(kv error_frames "$res")"
  mis="$(kv misrouted "$res")"; cf="$(kv connect_failures "$res")"; sc="$(kv server_closes "$res")"
  send_s="$(kv send_s "$res")"; gcpu="$(kv gen_cpu_pct "$res")"
  local pcpu="-" gcpu_pg="-" us="-" tot="-" sps="-" bps="-" other="-" pgd=0 lcpu="-" lus="-" dbus="-"
  if [ -n "$c2" ] && [ -n "$c1" ]; then
    pcpu="$(ticks_to_s $((c2 - c1)))"
    is_pg "$target" && { pgd=$((p2 - p1)); gcpu_pg="$(ticks_to_s "$pgd")"; }
    if [ "${recv:-0}" -gt 0 ]; then
      us="$(awk -v t=$((c2 - c1)) -v r="$recv" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", t/hz*1e6/r}')"
      tot="$(awk -v t=$((c2 - c1 + pgd)) -v r="$recv" -v hz="$CLK_TCK" 'BEGIN{printf "%.3f", t/hz*1e6/r}')"
    fi
    other="$(other_load $((b2 - b1)) $((c2 - c1 + pgd)) "$(kv gen_cpu_after_ready_s "$res")" "$(kv after_ready_s "$res")")"
    # the split: the loop thread (the fan-out, and the batches' completions), the rest of the
    # process (the database workers; other pools idle) plus PostgreSQL = the cost of storing
    if [ -n "$l1" ] && [ -n "$l2" ]; then
      local la ra ga lb rb gb
      read -r la ra ga <<<"$l1"; read -r lb rb gb <<<"$l2"
      lcpu="$(awk -v t=$((lb - la)) 'BEGIN{printf "%.2f", t/1e9}')"
      [ "${recv:-0}" -gt 0 ] && lus="$(awk -v t=$((lb - la)) -v r="$recv" 'BEGIN{printf "%.3f", t/1e3/r}')"
      is_pg "$target" || gb=$ga
      [ "$stored" != - ] && [ "$stored" -gt 0 ] && dbus="$(awk -v t=$((rb - ra + gb - ga)) -v m="$stored" 'BEGIN{printf "%.1f", t/1e3/m}')"
    fi
  fi
  # stored (batches) per second over the delivery window (received / achieved deliveries/s)
  if [ "$stored" != - ] && [ "${recv:-0}" -gt 0 ] && [ "${ach:-0}" != 0 ]; then
    sps="$(awk -v m="$stored" -v r="$recv" -v a="$ach" 'BEGIN{printf "%.0f", m / (r / a)}')"
    bps="$(awk -v m="$batches" -v r="$recv" -v a="$ach" 'BEGIN{printf "%.0f", m / (r / a)}')"
  fi
  [ "$status" = ok ] && is_noisy "$other" && status=noisy
  local offered=$((rate * n / g))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$target" "$round" "$n" "$g" "$s" "$rate" "$offered" "${ach:--}" "${p50:--}" "${p99:--}" "${mx:--}" "${exp:--}" "${recv:--}" \
    "${lost:--}" "${ef:--}" "${mis:--}" "${cf:--}" "${sc:--}" "${send_s:--}" "$pcpu" "$gcpu_pg" "$us" "$tot" "$stored" "$batches" \
    "$mean" "$largest" "$sps" "$bps" "${gcpu:--}" "$other" "$status" "$(kv unparsed "$res")" "$lcpu" "$lus" "$dbus" >>"$TSV"
  log "$target round $round $n:$g:$rate: ${ach:--}/s of $offered p50 ${p50:--} p99 ${p99:--} ms lost ${lost:--} errors ${ef:--} | CPU server ${pcpu}s PostgreSQL ${gcpu_pg}s = $us ($tot with PostgreSQL) us/delivery (loop $lus; storing $dbus us/message) | stored $stored in $batches batches (mean $mean, largest $largest): $sps/s, $bps batches/s | gen ${gcpu:--}% other $other [$status]"
  LAST_STATUS="$status"
}

t_start=$SECONDS
log "targets: $TARGETS; scenarios (N:rooms:msgs/s): $SCENARIOS; $ROUNDS rounds; new: $NEW_DESC; old: $OLD_DESC; base: $BASE_DESC"
for round in $(seq "$ROUNDS"); do
  for sc in $SCENARIOS; do
    IFS=: read -r n g rate <<<"$sc"
    s=$SENDERS; [ "$n" -lt "$s" ] && s=$n
    for target in $TARGETS; do
      for attempt in $(seq 0 "$RETRIES"); do
        LAST_STATUS=""
        run_one "$target" "$round" "$n" "$g" "$s" "$rate"
        [ "$LAST_STATUS" = noisy ] && [ "$attempt" -lt "$RETRIES" ] && budget_left || break
        log "noisy run (other work on the machine): measuring it again"
      done
    done
  done
done
elapsed=$((SECONDS - t_start))
else   # SUMMARY_ONLY=<a chat-*.tsv>: the tables again from the runs of an earlier invocation
  TSV="$SUMMARY_ONLY"; MD="${TSV%.tsv}.md"; PROBLEMS="${TSV%.tsv}-problems.txt"; STAMP="$(basename "${TSV%.tsv}")"; STAMP="${STAMP#chat-}"
  [ -f "$TSV" ] || die "no $TSV"
  NEW_DESC="(see the run's log)" OLD_DESC="(see the run's log)" BASE_DESC="(see the run's log)" PG_VERSION="PostgreSQL" elapsed="-"
  WS_VERSION="$(cd "$ROOT" && node -p "require('ws/package.json').version" 2>/dev/null)"
fi

# ---- summary: medians over the ok runs (noisy ones when no ok run), with min..max
SUM="$(awk -F'\t' 'NR > 1 && ($32 == "ok" || $32 == "noisy") {
    k = $1 "\t" $3 "\t" $4 "\t" $6 "\t" $7
    if (!(k in seen)) { seen[k] = 1; order[m++] = k }
    q = $32; cnt[q, k]++
    for (c = 8; c <= 31; c++) v[q, k, c] = v[q, k, c] " " $c }
  function med(s,   a, b, n, i, j, t, x) { n = split(s, a, " "); x = 0
    for (i = 1; i <= n; i++) if (a[i] != "-") b[++x] = a[i] + 0
    if (!x) { lo = "-"; hi = "-"; return "-" }
    for (i = 1; i <= x; i++) for (j = i + 1; j <= x; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    lo = b[1]; hi = b[x]
    return (x % 2) ? b[(x + 1) / 2] : (b[x / 2] + b[x / 2 + 1]) / 2 }
  END { for (i = 0; i < m; i++) { k = order[i]; q = cnt["ok", k] ? "ok" : "noisy"
      printf "%s\t%s", k, (q == "ok") ? cnt["ok", k] : cnt["noisy", k] "-noisy"
      for (c = 8; c <= 31; c++) { x = med(v[q, k, c]); printf "\t%s\t%s..%s", x, lo, hi }
      printf "\n" } }' "$TSV")"
# SUM columns: 1 target 2 n 3 rooms 4 rate 5 offered 6 runs, then per TSV column c (8..31) the
# median at 7 + 2*(c-8) and the range after it
col() { echo $((7 + 2 * ($1 - 8))); }
fmt() { awk -v x="$1" 'BEGIN{ if (x == "-" || x == "") print "-"; else if (x >= 1000) printf "%\047.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.3g", x }'; }

{
  echo "### Persisted room chat ($STAMP)"
  echo
  echo "Machine: $(machine_line). Server (and PostgreSQL) pinned to CPU $SERVER_CPU, generator to CPU $CLIENT_CPU; niceness $NICE."
  echo "new pongd: $NEW_DESC. old pongd: $OLD_DESC. base pongd: $BASE_DESC. $PG_VERSION (scripts/pg.sh, fsync off). Node $(node --version), ws $WS_VERSION${NODE_PATH:+ (NODE_PATH=$NODE_PATH)}."
  echo "pongd env: CHAT_RATE=0 ACCESS_LOG=0 WS_QUEUE_MAX_BYTES=67108864 $PONGD_ENV (one user, one token for every connection)."
  echo "Generator: \`build/bench/broadcast -G ROOMS -n N -s min(N,$SENDERS) -R R -d $DURATION -H $HOLD -W $DRAIN\`. $ROUNDS rounds, targets interleaved per scenario. Medians of the quiet runs (\"runs\"), ranges min..max. Every run: \`$(basename "$TSV")\`. Total ${elapsed}s."
  echo
  echo "| target | N | rooms | msgs/s | offered deliv/s | achieved deliv/s | p50 ms | p99 ms (range) | lost | busy errors | pongd CPU-µs/deliv (range) | total CPU-µs/deliv (range) | stored/s | batches/s | mean batch | gen CPU % | other load | runs |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r -a f; do
    m() { echo "${f[$(( $(col "$1") - 1 ))]}"; }
    r() { echo "${f[$(col "$1")]}"; }
    echo "| ${f[0]} | ${f[1]} | ${f[2]} | ${f[3]} | $(fmt "${f[4]}") | $(fmt "$(m 8)") | $(fmt "$(m 9)") | $(fmt "$(m 10)") ($(r 10)) | $(fmt "$(m 14)") | $(fmt "$(m 15)") | $(m 22) ($(r 22)) | $(m 23) ($(r 23)) | $(fmt "$(m 28)") | $(fmt "$(m 29)") | $(m 26) | $(m 30) | $(m 31) | ${f[5]} |"
  done <<<"$SUM"
  echo
  echo "Highest rate per target and room layout with median p99 < $P99_MAX ms, nothing lost and achieved ≥ 98 % of offered (of the scenarios run):"
  echo
  awk -F'\t' -v pmax="$P99_MAX" -v c8="$(col 8)" -v c10="$(col 10)" -v c14="$(col 14)" '
    { k = $1 " N=" $2 " rooms=" $3; if (!(k in best)) { best[k] = "none"; o[m++] = k }
      if ($c10 != "-" && $c10 + 0 < pmax && $c14 + 0 == 0 && $c8 + 0 >= 0.98 * $5 && $5 + 0 > bestv[k] + 0) { bestv[k] = $5; best[k] = sprintf("%s msgs/s = %d deliveries/s offered, %d achieved, p99 %s ms", $4, $5, $c8, $c10) } }
    END { for (i = 0; i < m; i++) printf "- %s: %s\n", o[i], best[o[i]] }' <<<"$SUM"
  IFS=: read -r cn cg cr <<<"$COMMON"
  echo
  echo "CPU-µs per delivery at $cn clients, $cg rooms, $cr msgs/s (server total: pongd, plus PostgreSQL's processes for postgres), per round and the ratio to the old in-memory pongd and to Node:"
  echo
  echo "| round | sqlite | postgres (pongd + PG) | old | node | sqlite ÷ old | postgres ÷ old | old ÷ node | base-sqlite ÷ old | base-postgres ÷ old |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' -v n="$cn" -v g="$cg" -v r="$cr" 'NR > 1 && $3 == n && $4 == g && $6 == r && ($32 == "ok" || $32 == "noisy") {
      u[$1, $2] = $23 ($32 == "noisy" ? "*" : ""); if ($2 > R) R = $2 }
    function q(a, b) { a += 0; b += 0; return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "-" }
    END { for (i = 1; i <= R; i++) { s = u["sqlite", i]; p = u["postgres", i]; o = u["old", i]; d = u["node", i]
        bs = u["base-sqlite", i]; bp = u["base-postgres", i]
        printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", i, s ? s : "-", p ? p : "-", o ? o : "-", d ? d : "-", q(s, o), q(p, o), q(o, d), q(bs, o), q(bp, o) } }' "$TSV"
  awk -F'\t' -v n="$cn" -v g="$cg" -v r="$cr" -v c="$(col 23)" '$2 == n && $3 == g && $4 == r { u[$1] = $c }
    END { if (u["old"] + 0 > 0) { printf "\nMedians: sqlite %s, postgres %s, old %s, node %s CPU-µs/delivery; sqlite ÷ old = %s, postgres ÷ old = %s (goal ≤ 1.2).\n", u["sqlite"], u["postgres"], u["old"], u["node"],
        (u["sqlite"] + 0 > 0) ? sprintf("%.2f", u["sqlite"] / u["old"]) : "-", (u["postgres"] + 0 > 0) ? sprintf("%.2f", u["postgres"] / u["old"]) : "-" } }' <<<"$SUM"
  echo
  echo "The split (medians over the same runs, all scenarios): the loop thread's CPU-µs per delivery (the fan-out and the batches' completions: compare with old) and the **storing** CPU-µs per stored message (pongd's other threads — the database workers — plus PostgreSQL's processes):"
  echo
  echo "| target | N | rooms | msgs/s | loop CPU-µs/deliv (range) | storing CPU-µs/message (range) | runs |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 && ($32 == "ok" || $32 == "noisy") && NF >= 36 {
      k = $1 " | " $3 " | " $4 " | " $6; if (!(k in seen)) { seen[k] = 1; o[m++] = k }
      n[k]++; l[k] = l[k] " " $35; d[k] = d[k] " " $36 }
    function med(s,   a, b, x, i, j, t) { x = 0; split(s, a, " "); for (i in a) if (a[i] != "-") b[++x] = a[i] + 0
      if (!x) return "-"
      for (i = 1; i <= x; i++) for (j = i + 1; j <= x; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
      return ((x % 2) ? b[(x + 1) / 2] : (b[x / 2] + b[x / 2 + 1]) / 2) " (" b[1] ".." b[x] ")" }
    END { for (i = 0; i < m; i++) printf "| %s | %s | %s | %d |\n", o[i], med(l[o[i]]), med(d[o[i]]), n[o[i]] }' "$TSV"
  if [ -s "$PROBLEMS" ]; then echo; echo "Problems were recorded: \`$(basename "$PROBLEMS")\`."; fi
} >"$MD"
cat "$MD"
log "wrote $MD and $TSV"
