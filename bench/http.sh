#!/usr/bin/env bash
# HTTP benchmark: wrk against pongd (keep-alive, HTTP/1.1; wrk sends no ALPN so no HTTP/2).
#
# Starts its own pongd pinned to CPU $SERVER_CPU, wrk pinned to CPU $CLIENT_CPU, and measures
#   healthz  GET https://127.0.0.1:P/healthz               small JSON answer
#   favicon  GET https://127.0.0.1:P/favicon.ico           static file (fixture, 1,150 bytes)
#   hashed   GET https://127.0.0.1:P/static/app-<hash>.js  static file, content-hashed (fixture, ~10 KB)
#   redirect GET http://127.0.0.1:H/healthz                pongd's only plain-HTTP port: a 301
#            to HTTPS (pongd serves no content over plain HTTP, so "plain" is this 301)
# reporting requests/s, latency p50/p99 (wrk --latency), the server's CPU time (utime+stime
# from /proc/<pid>/stat, all threads) per request, and its RSS. Repeats $REPEAT times; medians.
#
# usage: bench/http.sh
# env:   WRK_THREADS=1 WRK_CONNS=50 WRK_DURATION=10s REPEAT=3 ENDPOINTS="healthz favicon hashed redirect"
#        WEB_ROOT=<dir> (default: a generated fixture)  PONGD_ENV="WORKER_THREADS=4"
#        SERVER_CPU=0 CLIENT_CPU=1
# Output: a table on stdout; bench/results/http-<UTC stamp>.md and .tsv.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

WRK_THREADS="${WRK_THREADS:-1}"
WRK_CONNS="${WRK_CONNS:-50}"
WRK_DURATION="${WRK_DURATION:-10s}"
REPEAT="${REPEAT:-3}"
ENDPOINTS="${ENDPOINTS:-healthz favicon hashed redirect}"
PONGD_ENV="${PONGD_ENV:-}"
command -v wrk >/dev/null || die "wrk not installed (scripts/deps.sh bench)"
[ -x "$PONGD_BIN" ] || die "$PONGD_BIN not built"
raise_nofile 65536
load_warning

TMP="$(mktemp -d /tmp/tbench-http.XXXXXX)"
SRV_PID=""
trap 'stop_server; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
make_cert "$TMP"
snapshot_pongd "$TMP"
mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TSV="$RESULTS_DIR/http-$STAMP.tsv"
MD="$RESULTS_DIR/http-$STAMP.md"
PROBLEMS="$RESULTS_DIR/http-$STAMP-problems.txt"
# shellcheck disable=SC2034
STUCK_REPORT="$PROBLEMS"   # stop_server writes there what a server that ignores SIGTERM is doing

# Fixture web root: deterministic files, so results do not depend on the web build.
[ -n "${WEB_ROOT:-}" ] || { WEB_ROOT="$TMP/webroot"; make_webroot "$WEB_ROOT"; }
export WEB_ROOT
HASHED="${HASHED:-/static/$(find "$WEB_ROOT/static" -maxdepth 1 -regextype egrep -regex '.*-[0-9a-fA-F]{8,}\.js' -printf '%f\n' 2>/dev/null | sort | head -n 1)}"

url_for() { # endpoint
  case "$1" in
    healthz) echo "https://127.0.0.1:$SRV_PORT/healthz" ;;
    favicon) echo "https://127.0.0.1:$SRV_PORT/favicon.ico" ;;
    hashed) echo "https://127.0.0.1:$SRV_PORT$HASHED" ;;
    redirect) echo "http://127.0.0.1:$SRV_HTTP_PORT/healthz" ;;
    *) die "unknown endpoint $1" ;;
  esac
}
expect_status() { case "$1" in redirect) echo 301 ;; *) echo 200 ;; esac; }


problem() {
  { echo "== $(date -u +%FT%TZ) $*"; echo "server log (last 40 lines):"; tail -n 40 "$SRV_LOG" 2>/dev/null; echo; } >>"$PROBLEMS"
  log "PROBLEM: $* (see $PROBLEMS)"
}

printf 'endpoint\trep\tstatus_check\trequests\tduration_s\trps\tp50_ms\tp99_ms\tmax_ms\tnon2xx3xx\tsocket_errors\tcpu_s\tcpu_us_per_req\trss0_kb\trss_end_kb\thwm_kb\tbytes_per_resp\twrk_cpu_s\tother_load\tstatus\n' >"$TSV"
# one measured run, repeated while the machine was busy during it (see wait_quiet in lib.sh)
measure() { # endpoint rep
  local ep="$1" rep="$2" attempt
  for attempt in $(seq 0 "$RETRIES"); do
    wait_quiet
    # shellcheck disable=SC2086
    start_pongd "$TMP" ACCESS_LOG=0 $PONGD_ENV || { problem "pongd did not start"; return; }
    url="$(url_for "$ep")"
    code="$(curl -ks -o "$TMP/body" -w '%{http_code}' --max-time 5 "$url")"
    size="$(stat -c %s "$TMP/body" 2>/dev/null || echo 0)"
    [ "$code" = "$(expect_status "$ep")" ] || problem "$url answered $code, expected $(expect_status "$ep")"
    # warm-up (TLS session setup, caches), not measured
    taskset -c "$CLIENT_CPU" timeout 20 wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d2s "$url" >/dev/null 2>&1
    c0="$(cpu_ticks "$SRV_PID")"; r0="$(rss_kb "$SRV_PID")"
    WRK_CMD="taskset -c $CLIENT_CPU wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency $url"
    b0="$(machine_busy_ticks)"; w0=$EPOCHREALTIME
    TIMEFORMAT='%U %S'
    # shellcheck disable=SC2086
    { time timeout 120 $WRK_CMD >"$TMP/wrk.out" 2>&1 ; } 2>"$TMP/time.out"
    b1="$(machine_busy_ticks)"; w1=$EPOCHREALTIME
    wrk_cpu="$(awk '{print $1 + $2}' "$TMP/time.out")"
    status=ok
    if kill -0 "$SRV_PID" 2>/dev/null; then
      c1="$(cpu_ticks "$SRV_PID")"; r1="$(rss_kb "$SRV_PID")"; hwm="$(hwm_kb "$SRV_PID")"
    else
      c1=""; r1="-"; hwm="-"; status=server-died
      problem "pongd died during: $WRK_CMD"$'\n'"$(cat "$TMP/wrk.out")"
    fi
    out="$(cat "$TMP/wrk.out")"
    parse_wrk "$out"
    [ -n "$rps" ] || { status="${status/ok/wrk-failed}"; problem "wrk gave no result: $WRK_CMD"$'\n'"$out"; }
    [ "$non" = 0 ] || problem "$non responses were not 2xx/3xx: $WRK_CMD"
    cpu_s="-"; us="-"; other="-"
    [ -n "$c1" ] && other="$(other_load $((b1 - b0)) $((c1 - c0)) "$wrk_cpu" "$(awk -v a="$w0" -v b="$w1" 'BEGIN{print b - a}')")"
    if [ -n "$c1" ] && [ -n "$reqs" ] && [ "$reqs" -gt 0 ]; then
      cpu_s="$(ticks_to_s $((c1 - c0)))"
      us="$(awk -v t=$((c1 - c0)) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz*1e6/n}')"
    fi
    stop_server
    [ "$status" != ok ] || [ "${SRV_EXIT:-0}" -eq 0 ] || problem "pongd exited with status $SRV_EXIT on SIGTERM after: $WRK_CMD"
    noisy=""
    [ "$status" = ok ] && is_noisy "$other" && { status=noisy; noisy=1; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ep" "$rep" "$code" "${reqs:--}" "${dur:--}" \
      "${rps:--}" "$p50" "$p99" "$mx" "$non" "$serr" "$cpu_s" "$us" "$r0" "$r1" "$hwm" "$size" "$wrk_cpu" "$other" "$status" >>"$TSV"
    log "$ep rep $rep: $code ${rps:--} req/s p50 $p50 ms p99 $p99 ms | pongd CPU ${cpu_s}s = $us us/req, RSS $r0 -> $r1 KiB | socket errors $serr, wrk CPU ${wrk_cpu}s, other load $other cores [$status]"
    [ -n "$noisy" ] && [ "$attempt" -lt "$RETRIES" ] && budget_left || break
    log "other load $other cores > $QUIET_MAX during that run: measuring it again"
  done
}

t_start=$SECONDS
for rep in $(seq "$REPEAT"); do
  for ep in $ENDPOINTS; do measure "$ep" "$rep"; done
done
elapsed=$((SECONDS - t_start))

{
  echo "### HTTP ($STAMP)"
  echo
  echo "Machine: $(machine_line). pongd pinned to CPU $SERVER_CPU, wrk to CPU $CLIENT_CPU."
  echo "pongd: $PONGD_DESC; env ACCESS_LOG=0 $PONGD_ENV. $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)."
  echo "Command: \`wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency URL\` (HTTP/1.1 keep-alive; after a 2 s warm-up). Medians of $REPEAT run(s); runs during which other work on the machine used more than $QUIET_MAX cores were repeated (up to $RETRIES times) and left out when a quiet one exists (\"runs\" says \"noisy\" otherwise). Every run is in \`$(basename "$TSV")\`. Total time ${elapsed}s."
  echo
  echo "| endpoint | URL path | response bytes | requests/s | p50 ms | p99 ms | max ms | pongd CPU-µs / request | RSS after KiB | socket errors | other load (cores) | runs |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for ep in $ENDPOINTS; do
    col() { awk -F'\t' -v e="$ep" -v c="$1" -v q="$q" 'NR > 1 && $1 == e && $20 == q {print $c}' "$TSV"; }
    q=ok; n="$(col 1 | wc -l)"
    if [ "$n" -eq 0 ]; then q=noisy; n="$(col 1 | wc -l)"; [ "$n" -eq 0 ] || n="$n-noisy"; fi
    [ "$n" != 0 ] || { echo "| $ep | | | failed | | | | | | | | 0 |"; continue; }
    # shellcheck disable=SC2046
    echo "| $ep | $(case $ep in redirect) echo "plain HTTP → 301";; healthz) echo /healthz;; favicon) echo /favicon.ico;; hashed) echo "$HASHED";; esac) | $(median $(col 17)) | $(median $(col 6)) | $(median $(col 7)) | $(median $(col 8)) | $(median $(col 9)) | $(median $(col 13)) | $(median $(col 15)) | $(col 11 | sort -u | paste -sd, -) | $(median $(col 19)) | $n |"
  done
  echo
  echo "\"response bytes\" is the body size; \"redirect\" is pongd's plain-HTTP port, which only answers 301 (there is no plain content port)."
  if [ -s "$PROBLEMS" ]; then echo; echo "Problems were recorded: \`$(basename "$PROBLEMS")\`."; fi
} >"$MD"
cat "$MD"
log "wrote $MD and $TSV"
