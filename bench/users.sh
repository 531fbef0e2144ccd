#!/usr/bin/env bash
# Accounts benchmark: GET /api/users/<id> with a valid access token, on SQLite and PostgreSQL.
#
# For each backend and each WORKER_THREADS value: one pongd (the release build, copied and run
# as srv-under-test, pinned to CPU $SERVER_CPU, ACCESS_LOG=0, AUTH_RATE=10000), USERS accounts
# registered with curl (POST /api/auth/register), a curl check that every token reads another
# user's profile (200, right id), a warm-up, then REPEAT runs of
#   wrk -t1 -c50 -d10s --latency -s bench/users.lua https://127.0.0.1:P/ -- USERS_FILE other
# pinned to CPU $CLIENT_CPU (HTTPS, HTTP/1.1 keep-alive). users.lua cycles through every
# (viewer token, other user's id) pair, so each request is one profile read: the token check on
# the event loop (the verified-token cache after each token's first use), then on a database
# worker thread the profile statement (account row + relation; batched with the requests
# waiting at the same time, a pipeline on PostgreSQL).
# A run only counts when wrk reports no non-2xx response and no socket error.
# KINDS adds rows that split the cost of a request (users.lua): "self" (own profile: the
# account SELECT only), "bad" (a token with a wrong signature: 401 before any database work;
# such a run counts only when every response is non-2xx), "healthz" (no account work at all).
#
# PostgreSQL: a throwaway server from scripts/pg.sh in build/bench-pg-<pid> (fsync off, as the
# test server), started once for the whole script and removed at the end. Its postmaster and
# every backend are pinned to CPU $PG_CPU: by default the server's core, so pongd and its
# database share one core (as pongd and SQLite do) and wrk has the other; PG_CPU=1 puts it on
# wrk's core instead (a database with CPU of its own, minus what wrk uses). Its CPU time
# (postmaster + children) is measured separately. pg_ctl starts it in its own session, so with
# autogroup scheduling (kernel.sched_autogroup_enabled=1) pongd and PostgreSQL get about half
# of a shared core each when both are busy, whatever their thread counts.
#
# Figures per run: requests/s, p50/p99/max latency (wrk --latency), pongd CPU-µs per request
# (utime+stime of all pongd threads from /proc/<pid>/stat ÷ requests), PostgreSQL CPU-µs per
# request (postmaster + its children), pongd's core use, RSS, other load. Medians of REPEAT.
#
# usage: bench/users.sh
#        THREADS="1 2 8" REPEAT=1 bench/users.sh          # WORKER_THREADS sweep
#        BACKENDS=sqlite REPEAT=1 WRK_DURATION=5s bench/users.sh
#        KINDS="healthz bad self other" REPEAT=1 bench/users.sh   # where the time goes
# env:   BACKENDS="sqlite postgres" THREADS="4" (WORKER_THREADS values) KINDS="other" REPEAT=3 USERS=10
#        WRK_THREADS=1 WRK_CONNS=50 WRK_DURATION=10s WARMUP=2s PG_CPU=$SERVER_CPU
#        PONGD_ENV="VAR=value ..." SERVER_CPU=0 CLIENT_CPU=1 BUDGET=600 (s; see lib.sh)
# Output: a table on stdout; bench/results/users-<UTC stamp>.md, .tsv and the raw wrk
# outputs in bench/results/users-<stamp>/.
set -uo pipefail
BUDGET="${BUDGET:-600}"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

BACKENDS="${BACKENDS:-sqlite postgres}"
THREADS="${THREADS:-4}"
KINDS="${KINDS:-other}"
REPEAT="${REPEAT:-3}"
USERS="${USERS:-10}"
WRK_THREADS="${WRK_THREADS:-1}"
WRK_CONNS="${WRK_CONNS:-50}"
WRK_DURATION="${WRK_DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
PG_CPU="${PG_CPU:-$SERVER_CPU}"
PONGD_ENV="${PONGD_ENV:-}"
LUA="$ROOT/bench/users.lua"
command -v wrk >/dev/null || die "wrk not installed (scripts/deps.sh bench)"
[ "$USERS" -ge 2 ] || die "USERS must be at least 2"
if [ ! -x "$PONGD_BIN" ]; then
  log "$PONGD_BIN not built: make -s build web"
  (cd "$ROOT" && make -s build web) || die "build failed"
fi
raise_nofile 65536
load_warning

TMP="$(mktemp -d /tmp/tbench-users.XXXXXX)"
SRV_PID=""
PG_DIR=""
cleanup() {
  stop_server
  [ -z "$PG_DIR" ] || "$ROOT/scripts/pg.sh" stop "$PG_DIR"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
make_cert "$TMP"
snapshot_pongd "$TMP"
mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TSV="$RESULTS_DIR/users-$STAMP.tsv"
MD="$RESULTS_DIR/users-$STAMP.md"
RAW="$RESULTS_DIR/users-$STAMP"
PROBLEMS="$RESULTS_DIR/users-$STAMP-problems.txt"
# shellcheck disable=SC2034
STUCK_REPORT="$PROBLEMS"
mkdir -p "$RAW"
[ -n "${WEB_ROOT:-}" ] || { WEB_ROOT="$TMP/webroot"; make_webroot "$WEB_ROOT"; }
export WEB_ROOT

problem() {
  { echo "== $(date -u +%FT%TZ) $*"; echo "server log (last 40 lines):"; tail -n 40 "$SRV_LOG" 2>/dev/null; echo; } >>"$PROBLEMS"
  log "PROBLEM: $* (see $PROBLEMS)"
}

# ---- PostgreSQL: one throwaway server, pinned to $PG_CPU ----
PG_URL=""; PG_PID=""
pg_pids() { # postmaster and its children (backends, checkpointer, ...)
  [ -n "$PG_PID" ] || return 0
  echo "$PG_PID"
  ps -o pid= --ppid "$PG_PID" 2>/dev/null | tr -d ' '
}
pg_ticks() { # CPU ticks of the PostgreSQL processes alive now
  local p t=0 v
  for p in $(pg_pids); do v="$(cpu_ticks "$p" 2>/dev/null)" && t=$((t + v)); done
  echo "$t"
}
pg_pin() { # pin the processes alive now; backends forked later inherit the postmaster's mask
  local p
  for p in $(pg_pids); do taskset -a -cp "$PG_CPU" "$p" >/dev/null 2>&1 || true; done
}
start_pg() {
  PG_DIR="$ROOT/build/bench-pg-$$"
  PG_URL="$("$ROOT/scripts/pg.sh" start "$PG_DIR")" || { PG_DIR=""; problem "scripts/pg.sh start failed"; return 1; }
  PG_PID="$(head -n 1 "$PG_DIR/data/postmaster.pid")"
  pg_pin
  PG_VERSION="$("$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/postgres" --version)"
  log "PostgreSQL at $PG_URL (pid $PG_PID, pinned to CPU $PG_CPU): $PG_VERSION"
}

# ---- accounts ----
START_NO=0
# register USERS accounts on the running pongd; writes "id token" lines to $1
register_users() { # users_file
  local out="$1" i name code tag
  START_NO=$((START_NO + 1)); tag="$(printf '%x' $(($$ % 65536)))s$START_NO"
  : >"$TMP/reg.txt"
  for i in $(seq "$USERS"); do
    name="b${tag}u$i"
    code="$(curl -ks -o "$TMP/reg.json" -w '%{http_code}' --max-time 20 \
      -H 'content-type: application/json' -H "origin: https://127.0.0.1:$SRV_PORT" \
      -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"Bench-pw-$name-7391\"}" \
      "https://127.0.0.1:$SRV_PORT/api/auth/register")"
    [ "$code" = 201 ] || { problem "register $name answered $code: $(head -c 300 "$TMP/reg.json")"; return 1; }
    { cat "$TMP/reg.json"; echo; } >>"$TMP/reg.txt"
  done
  node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n")) if (l) { const o = JSON.parse(l); console.log(o.user.id, o.access_token) }' \
    <"$TMP/reg.txt" >"$out" || { problem "cannot parse the registration answers"; return 1; }
  [ "$(wc -l <"$out")" -eq "$USERS" ] || { problem "expected $USERS users in $out"; return 1; }
}
# every user reads the next one's profile with curl: 200 and the right id, or fail
check_users() { # users_file
  local -a ids toks; local id tok n i t code
  while read -r id tok; do ids+=("$id"); toks+=("$tok"); done <"$1"
  n="${#ids[@]}"
  for ((i = 0; i < n; i++)); do
    t=$(((i + 1) % n))
    code="$(curl -ks -o "$TMP/get.json" -w '%{http_code}' --max-time 10 -H "authorization: Bearer ${toks[$i]}" \
      "https://127.0.0.1:$SRV_PORT/api/users/${ids[$t]}")"
    if [ "$code" != 200 ] || ! grep -q "\"id\": *${ids[$t]}[,}]" "$TMP/get.json"; then
      problem "GET /api/users/${ids[$t]} with user ${ids[$i]}'s token answered $code: $(head -c 300 "$TMP/get.json")"
      return 1
    fi
  done
  cp "$TMP/get.json" "$RAW/sample-response.json"
}

printf 'backend\tworker_threads\tkind\trep\trequests\tduration_s\trps\tp50_ms\tp99_ms\tmax_ms\tnon2xx3xx\tsocket_errors\tpongd_cpu_s\tpongd_us_per_req\tpg_cpu_s\tpg_us_per_req\tserver_us_per_req\tpongd_core_use\trss_end_kb\twrk_cpu_s\tother_load\tstatus\n' >"$TSV"

measure() { # backend threads kind rep users_file
  local be="$1" th="$2" kind="$3" rep="$4" users="$5" attempt out raw
  for attempt in $(seq 0 "$RETRIES"); do
    wait_quiet
    raw="$RAW/$be-t$th-$kind-r$rep-a$attempt.txt"
    WRK_CMD="taskset -c $CLIENT_CPU wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency -s $LUA https://127.0.0.1:$SRV_PORT/ -- $users $kind"
    c0="$(cpu_ticks "$SRV_PID")"; p0="$(pg_ticks)"
    b0="$(machine_busy_ticks)"; w0=$EPOCHREALTIME
    TIMEFORMAT='%U %S'
    # shellcheck disable=SC2086
    { time timeout 120 $WRK_CMD >"$TMP/wrk.out" 2>&1 ; } 2>"$TMP/time.out"
    b1="$(machine_busy_ticks)"; w1=$EPOCHREALTIME; p1="$(pg_ticks)"
    wrk_cpu="$(awk '{print $1 + $2}' "$TMP/time.out")"
    { echo "# $WRK_CMD"; echo "# backend $be WORKER_THREADS=$th kind $kind rep $rep attempt $attempt, $(date -u +%FT%TZ)"; cat "$TMP/wrk.out"; } >"$raw"
    status=ok
    if kill -0 "$SRV_PID" 2>/dev/null; then
      c1="$(cpu_ticks "$SRV_PID")"; r1="$(rss_kb "$SRV_PID")"
    else
      c1=""; r1="-"; status=server-died
      problem "pongd died during: $WRK_CMD"$'\n'"$(cat "$TMP/wrk.out")"
    fi
    out="$(cat "$TMP/wrk.out")"
    parse_wrk "$out"
    if [ -z "$rps" ]; then status="${status/ok/wrk-failed}"; problem "wrk gave no result: $WRK_CMD"$'\n'"$out"; fi
    # a benchmark of 401s or 503s would measure nothing: such a run does not count
    # ("bad" measures the 401 on purpose: there every response must be one)
    if [ "$kind" = bad ]; then
      if [ -n "$reqs" ] && [ "$non" != "$reqs" ]; then status="${status/ok/not-all-401}"; problem "kind bad: $non non-2xx of $reqs: $WRK_CMD"; fi
    elif [ "$non" != 0 ]; then status="${status/ok/non2xx}"; problem "$non responses were not 2xx/3xx: $WRK_CMD"; fi
    if [ "$serr" != none ]; then status="${status/ok/socket-errors}"; problem "socket errors $serr: $WRK_CMD"; fi
    cpu_s="-"; us="-"; pg_s="-"; pg_us="-"; tot_us="-"; use="-"; other="-"
    if [ -n "$c1" ] && [ -n "$reqs" ] && [ "$reqs" -gt 0 ]; then
      cpu_s="$(ticks_to_s $((c1 - c0)))"
      us="$(awk -v t=$((c1 - c0)) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz*1e6/n}')"
      use="$(awk -v t=$((c1 - c0)) -v d="$dur" -v hz="$CLK_TCK" 'BEGIN{ if (d > 0) printf "%.2f", t/hz/d; else print "-" }')"
      if [ "$be" = postgres ]; then
        pg_s="$(ticks_to_s $((p1 - p0)))"
        pg_us="$(awk -v t=$((p1 - p0)) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz*1e6/n}')"
      fi
      tot_us="$(awk -v t=$((c1 - c0 + p1 - p0)) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz*1e6/n}')"
      other="$(other_load $((b1 - b0)) $((c1 - c0 + p1 - p0)) "$wrk_cpu" "$(awk -v a="$w0" -v b="$w1" 'BEGIN{print b - a}')")"
    fi
    noisy=""
    [ "$status" = ok ] && is_noisy "$other" && { status=noisy; noisy=1; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$be" "$th" "$kind" "$rep" "${reqs:--}" \
      "${dur:--}" "${rps:--}" "$p50" "$p99" "$mx" "$non" "$serr" "$cpu_s" "$us" "$pg_s" "$pg_us" "$tot_us" "$use" "$r1" \
      "$wrk_cpu" "$other" "$status" >>"$TSV"
    log "$be WORKER_THREADS=$th $kind rep $rep: ${rps:--} req/s p50 $p50 ms p99 $p99 ms, non-2xx $non | pongd ${cpu_s}s = $us us/req (core use $use), PostgreSQL $pg_us us/req | socket errors $serr, wrk CPU ${wrk_cpu}s, other load $other cores [$status]"
    [ "$status" = server-died ] && return 1
    if [ -z "$noisy" ] || [ "$attempt" -ge "$RETRIES" ] || ! budget_left; then break; fi
    log "other load $other cores > $QUIET_MAX during that run: measuring it again"
  done
}

t_start=$SECONDS
for be in $BACKENDS; do
  case "$be" in
    sqlite) DB_ENV=() ;;   # DATABASE_URL unset: $VAR_DIR/pongd.sqlite3 (a fresh VAR_DIR per start)
    postgres)
      [ -n "$PG_URL" ] || start_pg || continue
      DB_ENV=("DATABASE_URL=$PG_URL") ;;
    *) die "unknown backend $be (sqlite, postgres)" ;;
  esac
  for th in $THREADS; do
    # shellcheck disable=SC2086
    start_pongd "$TMP" ACCESS_LOG=0 AUTH_RATE=10000 WORKER_THREADS="$th" "${DB_ENV[@]}" $PONGD_ENV \
      || { problem "pongd did not start ($be, WORKER_THREADS=$th)"; continue; }
    users="$RAW/$be-t$th-users.txt"
    t0=$EPOCHREALTIME
    if ! register_users "$users" || ! check_users "$users"; then stop_server; continue; fi
    log "$be WORKER_THREADS=$th: $USERS users registered and checked in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b - a}') s"
    # warm-up: TLS, statement caches, the database connections of every worker thread
    taskset -c "$CLIENT_CPU" timeout 20 wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WARMUP" -s "$LUA" \
      "https://127.0.0.1:$SRV_PORT/" -- "$users" >"$RAW/$be-t$th-warmup.txt" 2>&1
    [ "$be" = postgres ] && pg_pin   # (backends inherit the mask; this only re-checks)
    for rep in $(seq "$REPEAT"); do
      for kind in $KINDS; do measure "$be" "$th" "$kind" "$rep" "$users" || break 2; done
    done
    check_users "$users" || problem "profile reads failed after the runs ($be, WORKER_THREADS=$th)"
    cp "$SRV_LOG" "$RAW/$be-t$th-pongd.log" 2>/dev/null
    stop_server
    [ "${SRV_EXIT:-0}" -eq 0 ] || problem "pongd exited with status $SRV_EXIT on SIGTERM ($be, WORKER_THREADS=$th)"
  done
done
elapsed=$((SECONDS - t_start))

{
  echo "### Accounts: GET /api/users/<id> ($STAMP)"
  echo
  echo "Machine: $(machine_line). pongd pinned to CPU $SERVER_CPU, wrk to CPU $CLIENT_CPU, PostgreSQL to CPU $PG_CPU."
  echo "pongd: $PONGD_DESC; env ACCESS_LOG=0 AUTH_RATE=10000 $PONGD_ENV. $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2).${PG_VERSION:+ $PG_VERSION (scripts/pg.sh: fsync off).}"
  echo "Command: \`wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency -s bench/users.lua https://127.0.0.1:PORT/ -- USERS_FILE KIND\` (HTTPS keep-alive; $USERS registered users; KIND \"other\": each request one user's token reading another user's profile; after a $WARMUP warm-up). Medians of $REPEAT run(s) per row; a run counts only with 0 non-2xx responses and no socket errors; runs during which other work on the machine used more than $QUIET_MAX cores were repeated (up to $RETRIES times) and left out when a quiet one exists. Every run is in \`$(basename "$TSV")\`, raw wrk outputs in \`$(basename "$RAW")/\`. Total time ${elapsed}s."
  echo
  echo "| backend | WORKER_THREADS | request | requests/s | p50 ms | p99 ms | max ms | pongd CPU-µs / req | PostgreSQL CPU-µs / req | pongd core use | non-2xx | other load | runs |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for be in $BACKENDS; do
    for th in $THREADS; do
      for kind in $KINDS; do
        col() { awk -F'\t' -v b="$be" -v t="$th" -v k="$kind" -v c="$1" -v q="$q" 'NR > 1 && $1 == b && $2 == t && $3 == k && $22 == q {print $c}' "$TSV"; }
        q=ok; n="$(col 1 | wc -l)"
        if [ "$n" -eq 0 ]; then q=noisy; n="$(col 1 | wc -l)"; [ "$n" -eq 0 ] || n="$n-noisy"; fi
        [ "$n" != 0 ] || { echo "| $be | $th | $kind | failed | | | | | | | | | 0 |"; continue; }
        # shellcheck disable=SC2046
        echo "| $be | $th | $kind | $(median $(col 7)) | $(median $(col 8)) | $(median $(col 9)) | $(median $(col 10)) | $(median $(col 14)) | $(median $(col 16)) | $(median $(col 18)) | $(col 11 | sort -u | paste -sd, -) | $(median $(col 21)) | $n |"
      done
    done
  done
  echo
  echo "Goals (issue): ≥ 20,000 req/s on SQLite, ≥ 10,000 req/s on PostgreSQL; the Django REST Framework endpoint did ~260 req/s."
  echo "Requests: \"other\" = GET /api/users/<another user's id> (the benchmark); \"self\" = own profile (no relation queries); \"bad\" = wrong token signature (401, expected); \"healthz\" = GET /healthz."
  echo "\"pongd core use\" is pongd's CPU time ÷ run time (1.00 = its whole core); with PostgreSQL on the same core, pongd + PostgreSQL share that core."
  if [ -s "$PROBLEMS" ]; then echo; echo "Problems were recorded: \`$(basename "$PROBLEMS")\`."; fi
} >"$MD"
cat "$MD"
log "wrote $MD, $TSV and $RAW/"
