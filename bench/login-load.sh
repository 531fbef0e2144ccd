#!/usr/bin/env bash
# Room broadcast latency while logins saturate the password-hashing pool.
#
# One pongd (pinned to CPU $SERVER_CPU, HASH_THREADS default 2 — they share that core with
# the event loop at a lower priority), N chat connections in one room logged in with one
# token, R messages/s for DURATION s (build/bench/broadcast, pinned to CPU $CLIENT_CPU):
#   idle:  the broadcast alone;
#   flood: the same while bench/login-flood.mjs keeps CONCURRENCY valid logins in flight
#          (Argon2id on every one; past HASH_QUEUE the server answers 503).
# REPEAT runs of each, alternating; prints the medians of p50/p99 and the ratio flood/idle.
# usage: bench/login-load.sh   env: N=200 R=1000 DURATION=10 REPEAT=3 CONCURRENCY=64
set -uo pipefail
. "$(dirname "$0")/lib.sh"

N="${N:-200}"; R="${R:-1000}"; DURATION="${DURATION:-10}"; REPEAT="${REPEAT:-3}"; CONCURRENCY="${CONCURRENCY:-64}"
[ -x "$GEN_BIN" ] && [ "$GEN_BIN" -nt "$ROOT/bench/broadcast.c" ] || "$ROOT/bench/build.sh" >&2 || die "cannot build the generator"
raise_nofile 65536
TMP="$(mktemp -d)"; trap 'stop_server; [ -n "${FLOOD_PID:-}" ] && kill "$FLOOD_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
make_cert "$TMP"
start_pongd "$TMP" AUTH_RATE=10000 CHAT_RATE=0 || die "pongd did not start"
BROADCAST_TOKEN="$(register_token "$SRV_PORT")" || die "no token"
export BROADCAST_TOKEN
FLOOD_USER="flood_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
curl -ks -o /dev/null -H 'content-type: application/json' \
  --data "{\"username\":\"$FLOOD_USER\",\"email\":\"$FLOOD_USER@example.org\",\"password\":\"correct horse battery staple\"}" \
  "https://127.0.0.1:$SRV_PORT/api/auth/register" || die "cannot register the flood user"

run_broadcast() { # -> "p50 p99 lost"
  local out; out="$(taskset -c "$CLIENT_CPU" "$GEN_BIN" -q -p "$SRV_PORT" -n "$N" -s "$(( N < 100 ? N : 100 ))" -R "$R" -d "$DURATION" -H 1 -W 5 2>&1)"
  local res; res="$(grep '^RESULT' <<<"$out" | tail -n 1)"
  [ -n "$res" ] || { log "generator failed: $(tail -n 3 <<<"$out")"; echo "- - -"; return; }
  echo "$(kv p50_ms "$res") $(kv p99_ms "$res") $(kv lost "$res")"
}

declare -a I50 I99 F50 F99 FLOODS
for rep in $(seq "$REPEAT"); do
  read -r p50 p99 lost <<<"$(run_broadcast)"; I50+=("$p50"); I99+=("$p99")
  log "rep $rep idle:  p50 $p50 ms  p99 $p99 ms  lost $lost"
  taskset -c "$CLIENT_CPU" node "$ROOT/bench/login-flood.mjs" "$SRV_PORT" "$FLOOD_USER" "correct horse battery staple" "$CONCURRENCY" >"$TMP/flood.out" 2>&1 &
  FLOOD_PID=$!
  sleep 2   # let the hashing queue fill
  read -r p50 p99 lost <<<"$(run_broadcast)"; F50+=("$p50"); F99+=("$p99")
  kill -TERM "$FLOOD_PID"; wait "$FLOOD_PID" 2>/dev/null; FLOOD_PID=""
  FLOODS+=("$(grep '^FLOOD' "$TMP/flood.out")")
  log "rep $rep flood: p50 $p50 ms  p99 $p99 ms  lost $lost  | $(tail -n 1 "$TMP/flood.out")"
done
stop_server
mi99="$(median "${I99[@]}")"; mf99="$(median "${F99[@]}")"
ratio="$(awk -v a="$mf99" -v b="$mi99" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
mkdir -p "$RESULTS_DIR"
OUT="$RESULTS_DIR/login-load-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "### Room broadcast p99 while logins saturate the hashing pool"
  echo
  echo "$(machine_line); pongd on CPU $SERVER_CPU, generator and login flood on CPU $CLIENT_CPU; $(date -u +%Y-%m-%d)"
  echo "N=$N connections, R=$R msgs/s, ${DURATION}s, $REPEAT runs each; flood: $CONCURRENCY logins in flight"
  echo
  echo "| | p50 ms (median) | p99 ms (median) |"
  echo "|---|---|---|"
  echo "| idle | $(median "${I50[@]}") | $mi99 |"
  echo "| logins flooding | $(median "${F50[@]}") | $mf99 |"
  echo
  echo "p99 flood / idle = **$ratio** (goal: at most 2)"
  echo
  for f in "${FLOODS[@]}"; do echo "- $f"; done
} | tee "$OUT"
