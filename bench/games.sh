#!/usr/bin/env bash
# Remote-games benchmark: N concurrent games (2N bot clients over WSS, build/bench/games) against
# pongd, the Node reference (bench/node-game-server.mjs: ws + TLS + the wasm simulation in
# web/src/game/netroom.js rooms) and the floor (build/bench/floor-server: the same snapshot
# bytes written at the same rate to the same sockets, nothing else), each pinned to CPU
# $SERVER_CPU, the generator to CPU $CLIENT_CPU.
#
# For each round, each N of $GAMES, each target of $TARGETS (interleaved: the machine's speed
# drifts): a fresh server; for pongd, the games are created through the API (invites and
# accepts of users registered once, see below); the generator connects, waits until every
# game plays, warms up $HOLD s, measures $DURATION s. Read from /proc: the server's CPU time
# over the measured phase (→ CPU-µs per game-second) and its RSS before any game and at the end
# of the measure (→ KiB per game, connections included). Tick lateness: the Node and floor
# servers report theirs (GET /stats, reset at the start of the measure); pongd's comes from its
# /metrics (pongd_game_tick_lateness_*: quantiles and max over the process's lifetime — a fresh
# pongd per run, so setup + warm-up + measure — and _sum/_count, read at the start and the end
# of the measure: late_mean_us is the measured window's mean; tick_stalls is the lifetime count
# of catch-ups capped at 30 steps). The generator's outside view (snapshot delay) is there too.
#
# Users: registering costs Argon2id time (~25-50 ms each), so 2 x max(GAMES) users are
# registered once into a pongd VAR_DIR kept in $USERS_DIR (default build/bench/games-users;
# reused by later runs while it holds enough users) and every measured pongd starts on a copy
# of it; fresh access tokens come from POST /api/auth/refresh (no hashing).
#
# Chat alongside (issue 12's last goal): CHAT="0 500" runs pongd once per rate with
# CHAT_CLIENTS (100) clients in one room (build/bench/broadcast, BROADCAST_TOKEN of a user
# registered on the run's pongd, CHAT_CLIENTS senders at CHAT/CHAT_CLIENTS messages/s each:
# CHAT x CHAT_CLIENTS deliveries/s), started after the games are created and before their
# bots connect, stopped (SIGINT) at the end of the measure; the row's target is
# "pongd+chat", with the chat's deliveries/s and delivery p99 in the last columns. 0 = no chat.
# The Node and floor servers have no chat: they run with CHAT=0 only.
#
# usage: bench/games.sh
#        GAMES="100 1000" TARGETS=pongd DURATION=10 bench/games.sh
#        TARGETS="pongd pongd-poll floor" bench/games.sh   (pongd-poll: the same binary on lws's poll()
#        loop, PONGD_LOOP=poll, instead of libev's epoll: an A/B of the event loop)
#        GAMES=1000 TARGETS=pongd CHAT="0 500" bench/games.sh   (bench/games-chat.sh)
# env:   GAMES="100 1000"  TARGETS="pongd node floor"  ROUNDS=3  DURATION=20  HOLD=3
#        BOT=random (random key changes every 0.5-1 s; "track" follows the ball)
#        CHAT=0 (chat messages/s in one room, a list)  CHAT_CLIENTS=100
#        SERVER_CPU=0 CLIENT_CPU=1  USERS_DIR  PONGD_ENV (extra pongd variables)
#        NICE=0 (e.g. -10: every thread of the server and the generator reniced for the run, so
#        other work on a shared machine waits for them rather than the other way round; root only)
# Output: a table on stdout; bench/results/games-<UTC stamp>.md and .tsv (every run).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

GAMES="${GAMES:-100 1000}"
TARGETS="${TARGETS:-pongd node floor}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-20}"
HOLD="${HOLD:-3}"
BOT="${BOT:-random}"
USERS_DIR="${USERS_DIR:-$ROOT/build/bench/games-users}"
NICE="${NICE:-0}"
PONGD_ENV="${PONGD_ENV:-}"
CHAT="${CHAT:-0}"
CHAT_CLIENTS="${CHAT_CLIENTS:-100}"
GAMES_BIN="$ROOT/build/bench/games"
FLOOR_BIN="$ROOT/build/bench/floor-server"

raise_nofile 65536
load_warning
for b in games floor-server broadcast; do
  [ -x "$ROOT/build/bench/$b" ] && [ "$ROOT/build/bench/$b" -nt "$ROOT/bench/$b.c" ] && [ "$ROOT/build/bench/$b" -nt "$ROOT/bench/wsclient.c" ] && [ "$ROOT/build/bench/$b" -nt "$ROOT/bench/wsclient.h" ] || { "$ROOT/bench/build.sh" >&2 || die "cannot build the tools"; break; }
done
[ -f "$ROOT/build/wasm/pong.wasm" ] || die "build/wasm/pong.wasm missing (make wasm): the Node reference needs it"

bench_setup games
TSV="$RESULTS_DIR/games-$STAMP.tsv"
MD="$RESULTS_DIR/games-$STAMP.md"
UPTIME0="$(uptime)"

PONGD_RUN_ENV="GAME_RESUME_SECONDS=600 AUTH_RATE=10000 HASH_QUEUE=10000 $PONGD_ENV"
max_n=0; for n in $GAMES; do [ "$n" -gt "$max_n" ] && max_n=$n; done

# ---- users, once
if [[ " $TARGETS " == *" pongd"* ]]; then
  need=$((2 * max_n))
  have=0; [ -f "$USERS_DIR/users.jsonl" ] && [ -d "$USERS_DIR/var" ] && have="$(wc -l <"$USERS_DIR/users.jsonl")"
  if [ "$have" -lt "$need" ]; then
    log "registering $need users into $USERS_DIR (Argon2id: a few minutes for thousands)"
    rm -rf "$USERS_DIR"; mkdir -p "$USERS_DIR/var"
    # shellcheck disable=SC2086
    SERVER_CPU="$SERVER_CPU,$CLIENT_CPU" start_pongd "$TMP" VAR_DIR="$USERS_DIR/var" HASH_THREADS=2 $PONGD_RUN_ENV || die "pongd did not start"
    node "$ROOT/bench/games-setup.mjs" register "$SRV_PORT" "$need" "$USERS_DIR/users.jsonl.tmp" || { stop_server; die "registration failed"; }
    stop_server
    mv "$USERS_DIR/users.jsonl.tmp" "$USERS_DIR/users.jsonl"
  else
    log "reusing $have users of $USERS_DIR"
  fi
fi

is_pongd() { [ "$1" = pongd ] || [ "$1" = pongd-poll ]; }

start_target() { # name n -> SRV_PID SRV_PORT, GAMES_FILE
  local name="$1" n="$2"
  GAMES_FILE="$TMP/games-$name-$n.txt"
  case "$name" in
    pongd|pongd-poll)
      rm -rf "$TMP/run-var"; cp -a "$USERS_DIR/var" "$TMP/run-var"
      local loop=""; [ "$name" = pongd-poll ] && loop="PONGD_LOOP=poll"
      # shellcheck disable=SC2086
      start_pongd "$TMP" VAR_DIR="$TMP/run-var" $PONGD_RUN_ENV $loop || return 1
      R0="$(rss_kb "$SRV_PID")"
      taskset -c "$CLIENT_CPU" node "$ROOT/bench/games-setup.mjs" games "$SRV_PORT" "$n" "$USERS_DIR/users.jsonl" "$GAMES_FILE" >&2 || return 1 ;;
    node|floor)
      SRV_LOG="$TMP/$name.log"
      if [ "$name" = node ]; then
        taskset -c "$SERVER_CPU" node "$ROOT/bench/node-game-server.mjs" --cert "$TMP/cert.pem" --key "$TMP/key.pem" --port 0 --max-seconds 900 >"$SRV_LOG" 2>&1 &
      else
        taskset -c "$SERVER_CPU" "$FLOOR_BIN" --cert "$TMP/cert.pem" --key "$TMP/key.pem" --port 0 >"$SRV_LOG" 2>&1 &
      fi
      SRV_PID=$!; SRV_NAME=$name
      local t=$((SECONDS + 15))
      until grep -q '^LISTENING' "$SRV_LOG"; do kill -0 "$SRV_PID" 2>/dev/null && [ "$SECONDS" -lt $t ] || { stop_server; return 1; }; sleep 0.05; done
      SRV_PORT="$(awk '/^LISTENING/{print $2}' "$SRV_LOG")"
      sleep 0.3; R0="$(rss_kb "$SRV_PID")"
      awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "%d a%d b%d\n", i, i, i }' >"$GAMES_FILE" ;;
  esac
}

# pongd's /metrics -> "p50_us p99_us max_us sum_s count stalls live", or "- - - - - - -"
pongd_metrics() {
  curl -ks --max-time 3 "https://127.0.0.1:$SRV_PORT/metrics" | awk '
    $1 == "pongd_game_tick_lateness_seconds{quantile=\"0.5\"}" { p50 = $2 * 1e6 }
    $1 == "pongd_game_tick_lateness_seconds{quantile=\"0.99\"}" { p99 = $2 * 1e6 }
    $1 == "pongd_game_tick_lateness_max_seconds" { mx = $2 * 1e6 }
    $1 == "pongd_game_tick_lateness_seconds_sum" { sum = $2 }
    $1 == "pongd_game_tick_lateness_seconds_count" { cnt = $2; ok = 1 }
    $1 == "pongd_game_tick_stalls_total" { st = $2 }
    $1 == "pongd_games_live" { live = $2 }
    END { if (ok) printf "%.1f %.1f %.1f %s %s %s %s\n", p50, p99, mx, sum, cnt, st, live; else print "- - - - - - -" }'
}

server_stats() { # -> "p50 p99 max" in µs, or "- - -"
  is_pongd "$1" && { echo "- - -"; return; }
  curl -ks --max-time 3 "https://127.0.0.1:$SRV_PORT/stats${2:-}" | sed -n 's/.*"late_p50_us":\([0-9.]*\).*"late_p99_us":\([0-9.]*\).*"late_max_us":\([0-9.]*\).*/\1 \2 \3/p'
}

printf 'round\ttarget\tgames\tsockets_open\tsnaps_per_s\texpected_per_s\tskipped\tcpu_s\tmeasure_s\tcpu_us_per_game_s\tcore_pct\tlate_p50_us\tlate_p99_us\tlate_max_us\tdelay_p50_ms\tdelay_p99_ms\tdelay_max_ms\tfirst_p50_ms\tfirst_p99_ms\trtt_p99_ms\trss0_kb\trss1_kb\tkib_per_game\tgames_over\tserver_closes\tgen_cpu_pct\tother_load\tstatus\tlate_mean_us\ttick_stalls\tchat_rate\tchat_deliveries_per_s\tchat_p99_ms\n' >"$TSV"

# The chat load: CHAT_CLIENTS clients in one room of the running pongd, chat messages/s in
# total; returns once they are all connected (READY) -> CHAT_PID.
start_chat() { # rate limit_s
  local tok rate="$1" limit="$2" t
  CHAT_PID=""
  tok="$(register_token "$SRV_PORT")" || return 1
  : >"$TMP/chat.out"
  BROADCAST_TOKEN="$tok" timeout -s INT $((limit + 30)) nice -n "$NICE" taskset -c "$CLIENT_CPU" "$ROOT/build/bench/broadcast" \
    -p "$SRV_PORT" -r games-chat -n "$CHAT_CLIENTS" -s "$CHAT_CLIENTS" -R "$rate" -H 0 -d "$limit" -W 1 -C 60 -L $((limit + 20)) -q \
    >"$TMP/chat.out" 2>"$TMP/chat.err" &
  CHAT_PID=$!
  t=$((SECONDS + 60))
  until grep -q '^READY' "$TMP/chat.out"; do
    kill -0 "$CHAT_PID" 2>/dev/null && [ "$SECONDS" -lt $t ] || { log "chat generator: $(tail -n 3 "$TMP/chat.err")"; return 1; }
    sleep 0.05
  done
  log "chat: $(grep '^READY' "$TMP/chat.out"), $rate messages/s"
}

run_one() { # round target n chat_rate
  local round="$1" name="$2" n="$3" chat="${4:-0}" out="$TMP/gen.out" err="$TMP/gen.err" status=ok
  local label="$name"; [ "$chat" = 0 ] || label="$name+chat"
  wait_quiet
  R0=""; start_target "$name" "$n" || { log "$name did not start / set up (n=$n)"; stop_server; printf '%s\t%s\t%s\t' "$round" "$label" "$n" >>"$TSV"; printf -- '-\t%.0s' $(seq 24) >>"$TSV"; printf 'setup-failed\t-\t-\t%s\t-\t-\n' "$chat" >>"$TSV"; return; }
  local limit=$((120 + 15 + HOLD + DURATION + 15))
  CHAT_PID=""
  if [ "$chat" != 0 ]; then
    start_chat "$chat" "$limit" || { log "chat load did not start (n=$n)"; [ -n "$CHAT_PID" ] && kill -INT "$CHAT_PID" 2>/dev/null; stop_server; printf '%s\t%s\t%s\t' "$round" "$label" "$n" >>"$TSV"; printf -- '-\t%.0s' $(seq 24) >>"$TSV"; printf 'setup-failed\t-\t-\t%s\t-\t-\n' "$chat" >>"$TSV"; return; }
  fi
  : >"$out"
  [ "$NICE" = 0 ] || for t in /proc/"$SRV_PID"/task/*; do renice -n "$NICE" -p "${t##*/}" >/dev/null; done
  timeout -s INT $((limit + 15)) nice -n "$NICE" taskset -c "$CLIENT_CPU" "$GAMES_BIN" -g "$GAMES_FILE" -p "$SRV_PORT" -k "$BOT" -d "$DURATION" -H "$HOLD" -S 15 -L "$limit" -q >"$out" 2>"$err" &
  local gpid=$! C1="" C2="" R1="" B1="" B2="" s1="- - -" s2="- - -" m1="- - - - - - -" m2="- - - - - - -"
  while kill -0 "$gpid" 2>/dev/null && ! grep -q '^MEASURE_START' "$out"; do sleep 0.02; done
  if grep -q '^MEASURE_START' "$out"; then
    C1="$(cpu_ticks "$SRV_PID")"; B1="$(machine_busy_ticks)"
    server_stats "$name" "?reset=1" >/dev/null
    is_pongd "$name" && m1="$(pongd_metrics)"
    while kill -0 "$gpid" 2>/dev/null && ! grep -q '^MEASURE_END' "$out"; do sleep 0.02; done
    C2="$(cpu_ticks "$SRV_PID" 2>/dev/null)"; B2="$(machine_busy_ticks)"; R1="$(rss_kb "$SRV_PID" 2>/dev/null)"
    s2="$(server_stats "$name")"; [ -n "$s2" ] || s2="- - -"
    if is_pongd "$name"; then m2="$(pongd_metrics)"; s2="$(cut -d' ' -f1-3 <<<"$m2")"; fi
  fi
  local chat_dps=- chat_p99=-
  if [ -n "$CHAT_PID" ]; then
    kill -INT "$CHAT_PID" 2>/dev/null; wait "$CHAT_PID"
    local CR; CR="$(grep '^RESULT' "$TMP/chat.out" | tail -n 1)"
    chat_dps="$(kv deliveries_per_s "$CR")"; chat_p99="$(kv p99_ms "$CR")"
    log "chat: $(kv open "$CR") open, $(kv sent "$CR") sent, ${chat_dps:--} deliveries/s, p50/p99 $(kv p50_ms "$CR")/${chat_p99:--} ms, lost $(kv lost "$CR"), server closes $(kv server_closes "$CR")"
    [ "$(kv open "$CR")" = "$CHAT_CLIENTS" ] || status=chat-partial
  fi
  wait "$gpid"
  kill -0 "$SRV_PID" 2>/dev/null || status=server-died
  stop_server
  local RES; RES="$(grep '^RESULT' "$out" | tail -n 1)"
  [ -n "$RES" ] || { status=gen-failed; log "generator: $(tail -n 5 "$err")"; }
  local ms cpu_s us core kib other open
  ms="$(kv measure_s "$RES")"; open="$(kv open "$RES")"
  if [ -n "$C2" ] && [ -n "$C1" ] && [ -n "$ms" ]; then
    cpu_s="$(ticks_to_s $((C2 - C1)))"
    us="$(awk -v t=$((C2 - C1)) -v hz="$CLK_TCK" -v n="$n" -v s="$ms" 'BEGIN{printf "%.1f", t/hz*1e6/(n*s)}')"
    core="$(awk -v t=$((C2 - C1)) -v hz="$CLK_TCK" -v s="$ms" 'BEGIN{printf "%.1f", t/hz/s*100}')"
    other="$(other_load $((B2 - B1)) $((C2 - C1)) "$(kv gen_cpu_s "$RES")" "$ms")"
  else cpu_s="-"; us="-"; core="-"; other="-"; fi
  if [ -n "$R1" ] && [ -n "$R0" ]; then kib="$(awk -v a="$R0" -v b="$R1" -v n="$n" 'BEGIN{printf "%.1f", (b-a)/n}')"; else kib="-"; fi
  [ "${open:-0}" -eq $((2 * n)) ] || status="${status/ok/partial}"
  is_noisy "$other" && [ "$status" = ok ] && status=noisy
  read -r lp50 lp99 lmax <<<"$s2"
  local lmean=- stalls=- sum1 cnt1 sum2 cnt2 live2
  if is_pongd "$name"; then
    read -r _ _ _ sum1 cnt1 _ _ <<<"$m1"; read -r _ _ _ sum2 cnt2 stalls live2 <<<"$m2"
    lmean="$(awk -v a="$sum1" -v b="$sum2" -v c="$cnt1" -v d="$cnt2" 'BEGIN { if (c != "-" && d != "-" && d > c) printf "%.1f", (b - a) / (d - c) * 1e6; else print "-" }')"
    log "pongd /metrics: games live ${live2:--}, steps in the window $(awk -v c="$cnt1" -v d="$cnt2" 'BEGIN { if (c != "-" && d != "-") print d - c; else print "-" }'), window mean ${lmean} µs; lifetime p50/p99/max ${lp50}/${lp99}/${lmax} µs, stalls ${stalls:--}"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$round" "$label" "$n" "${open:--}" "$(kv snaps_per_s "$RES")" "$(kv expected_per_s "$RES")" "$(kv skipped "$RES")" \
    "$cpu_s" "${ms:--}" "$us" "$core" "$lp50" "$lp99" "$lmax" "$(kv delay_p50_ms "$RES")" "$(kv delay_p99_ms "$RES")" \
    "$(kv delay_max_ms "$RES")" "$(kv first_p50_ms "$RES")" "$(kv first_p99_ms "$RES")" "$(kv rtt_p99_ms "$RES")" "${R0:--}" "${R1:--}" "$kib" "$(kv games_over "$RES")" \
    "$(kv server_closes "$RES")" "$(kv gen_cpu_pct "$RES")" "$other" "$status" "$lmean" "${stalls:--}" "$chat" "${chat_dps:--}" "${chat_p99:--}" >>"$TSV"
  log "$label n=$n: open ${open:--}/$((2 * n)), snapshots $(kv snaps_per_s "$RES")/$(kv expected_per_s "$RES") per s, skipped $(kv skipped "$RES"), CPU ${core}% = ${us} µs/game-s, tick late p50/p99/max ${lp50}/${lp99}/${lmax} µs (window mean ${lmean}, stalls ${stalls:--}), first-of-tick p50/p99 $(kv first_p50_ms "$RES")/$(kv first_p99_ms "$RES") ms, delay p50/p99/max $(kv delay_p50_ms "$RES")/$(kv delay_p99_ms "$RES")/$(kv delay_max_ms "$RES") ms, ${kib} KiB/game, over $(kv games_over "$RES"), closes $(kv server_closes "$RES"), gen $(kv gen_cpu_pct "$RES")%, other load $other [$status]"
}

t_start=$SECONDS
for round in $(seq "$ROUNDS"); do
  for n in $GAMES; do
    for name in $TARGETS; do
      for chat in $CHAT; do
        is_pongd "$name" || [ "$chat" = 0 ] || continue
        run_one "$round" "$name" "$n" "$chat"
      done
    done
  done
done
elapsed=$((SECONDS - t_start))

{
  echo "### Remote games ($STAMP)"
  echo
  echo "Machine: $(machine_line). Server pinned to CPU $SERVER_CPU, generator to CPU $CLIENT_CPU. \`uptime\` at the start: $UPTIME0; at the end: $(uptime)."
  echo "pongd: $PONGD_DESC; env $PONGD_RUN_ENV. Node: $(node --version), ws $(node -p "require('$ROOT/node_modules/ws/package.json').version" 2>/dev/null). Commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)."
  echo "Generator: \`build/bench/games -k $BOT -H $HOLD -d $DURATION\` (2 bots per game; options ball_speed 1, paddle_size 1, winning_score 21, map 0, powerups 0). Rounds: $ROUNDS, targets interleaved per N. Server and generator niceness: $NICE. Total ${elapsed}s. Every run: \`$(basename "$TSV")\`."
  echo
  echo "Medians per server and N (bench/games-summary.awk):"
  echo
  awk -f "$ROOT/bench/games-summary.awk" "$TSV"
  echo
  echo "Every run:"
  echo
  echo "| round | server | games | sockets | snapshots/s (expected) | skipped | server CPU % of a core | CPU-µs per game-second | tick late p50 / p99 / max µs (server's own; pongd: lifetime) | pongd window mean µs / stalls | first snapshot of a tick p50 / p99 ms | snapshot delay p50 / p99 / max ms | KiB per game | games over | generator CPU % | other load | status | chat deliveries/s / p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s / %s / %s | %s / %s | %s / %s | %s / %s / %s | %s | %s | %s | %s | %s | %s / %s |\n", $1, $2, $3, $4, $5, $6, $7, $11, $10, $12, $13, $14, $29, $30, $18, $19, $15, $16, $17, $23, $24, $26, $27, $28, $32, $33 }' "$TSV"
} >"$MD"
cat "$MD"
log "wrote $MD and $TSV"
