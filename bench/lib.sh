# shellcheck shell=bash disable=SC2034
# Shared helpers for the benchmark scripts (sourced, not run).
# Needs: bash, coreutils, procps-free /proc reads, taskset (util-linux), curl, node, openssl.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PONGD_BIN="${PONGD_BIN:-$ROOT/build/pongd}"
GEN_BIN="${GEN_BIN:-$ROOT/build/bench/broadcast}"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results}"
SERVER_CPU="${SERVER_CPU:-0}"   # core the server under test is pinned to
CLIENT_CPU="${CLIENT_CPU:-1}"   # core the load generator is pinned to
CLK_TCK="$(getconf CLK_TCK)"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Raise the open-file limit as far as the hard limit allows (10,000 sockets need > 10,000 fds).
raise_nofile() {
  local want="${1:-65536}" hard
  hard="$(ulimit -Hn)"
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
    ulimit -Hn "$want" 2>/dev/null || true
    hard="$(ulimit -Hn)"
  fi
  if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then ulimit -n "$want"; else ulimit -n "$hard"; fi
}

# A free TCP port on 127.0.0.1 (asks the kernel).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# CPU time (user+system, all threads) of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Resident memory in KiB (current, peak).
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }
# "1.23ms" / "850.00us" / "1.02s" -> ms
to_ms() { awk -v x="$1" 'BEGIN { v = x + 0; if (x ~ /us$/) v /= 1000; else if (x ~ /ms$/) v = v; else if (x ~ /s$/) v *= 1000; printf "%.3f", v }'; }
# wrk --latency output -> reqs dur rps p50 p99 mx (ms) non (non-2xx/3xx, 0 if none) serr
# (socket errors, "none" if none), set in the caller's scope
parse_wrk() { # wrk_output
  local out="$1"
  reqs="$(awk '/requests in/ {print $1; exit}' <<<"$out")"
  dur="$(awk '/requests in/ {gsub(/s,?$/, "", $4); print $4; exit}' <<<"$out")"
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  mx="$(to_ms "$(awk '$1 == "Latency" && NF >= 5 {print $4; exit}' <<<"$out")")"
  non="$(awk '/Non-2xx or 3xx/ {print $NF}' <<<"$out")"; non="${non:-0}"
  serr="$(awk '/Socket errors/ {sub(/.*Socket errors: /, ""); gsub(/ /, ""); print}' <<<"$out")"; serr="${serr:-none}"
}
ticks_to_s() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t / hz}'; }

# value of key=value in a RESULT line
kv() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k {print $2; exit}'; }

# median of the numbers given as arguments ("-" and empty are skipped)
median() {
  printf '%s\n' "$@" | awk '$1 != "-" && $1 != "" {v[n++] = $1} END {
    if (!n) { print "-"; exit }
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    if (n % 2) m = v[int(n / 2)]; else m = (v[n / 2 - 1] + v[n / 2]) / 2
    if (m == int(m)) printf "%d\n", m; else if (m >= 100) printf "%.0f\n", m; else if (m >= 1) printf "%.2f\n", m; else printf "%.3f\n", m
  }'
}

# One self-signed EC P-256 certificate for every server in a run (same handshake cost for all).
make_cert() {
  local dir="$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null || die "openssl req failed"
  chmod 600 "$dir/key.pem"
}

wait_healthz() { # port timeout_s pid
  local port="$1" deadline=$((SECONDS + $2)) pid="$3"
  until curl -ks -o /dev/null --max-time 1 "https://127.0.0.1:$port/healthz"; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# start_pongd TMPDIR [VAR=value ...] -> sets SRV_PID, SRV_PORT, SRV_HTTP_PORT, SRV_LOG
# Every load generator connects from 127.0.0.1, thousands of sockets at once and often with
# one token: the caps per address and per account (docs/security.md, "Availability") are
# off here (0), and the handshake deadline is 30 s (thousands of TLS handshakes queue at the
# start of a run), unless a VAR=value given sets them.
# (API_RATE=0: the load comes from one address, far past any person's rate; VAR=value overrides)
start_pongd() {
  local tmp="$1"; shift
  [ -x "$PONGD_BIN" ] || die "$PONGD_BIN not built (make)"
  SRV_PORT="$(free_port)"; SRV_HTTP_PORT="$(free_port)"
  local var; var="$(mktemp -d "$tmp/var.XXXX")"
  SRV_LOG="$tmp/pongd.$SRV_PORT.log"
  env -i PATH="$PATH" ENV_FILE=/dev/null BIND_ADDRESS=127.0.0.1 \
    HTTPS_PORT="$SRV_PORT" HTTP_PORT="$SRV_HTTP_PORT" VAR_DIR="$var" ACCESS_LOG=0 API_RATE=0 \
    TLS_CERT="$tmp/cert.pem" TLS_KEY="$tmp/key.pem" \
    ALLOWED_ORIGINS="https://127.0.0.1:$SRV_PORT" \
    CONN_PER_ADDRESS=0 HANDSHAKES_PER_ADDRESS=0 WS_PER_ADDRESS=0 WS_PER_ACCOUNT=0 HANDSHAKE_TIMEOUT=30 \
    WEB_ROOT="${WEB_ROOT:-$ROOT/web/dist}" "$@" \
    taskset -c "$SERVER_CPU" "$PONGD_BIN" >"$SRV_LOG" 2>&1 &
  SRV_PID=$!
  if ! wait_healthz "$SRV_PORT" 15 "$SRV_PID"; then
    log "pongd did not come up; its output:"; tail -n 30 "$SRV_LOG" >&2
    stop_server; return 1
  fi
  SRV_NAME=pongd
}

# register_token PORT -> prints the access token of a new user registered on the pongd at
# 127.0.0.1:PORT (POST /api/auth/register with curl; one registration, within the default
# AUTH_RATE of 10 a minute). The room chat takes logged-in users only: the generator logs
# every connection in with this one token (BROADCAST_TOKEN).
register_token() {
  local port="$1" name body token
  name="bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
  body="$(curl -ks --max-time 30 -H 'content-type: application/json' \
    --data "{\"username\":\"$name\",\"email\":\"$name@example.org\",\"password\":\"correct horse battery staple\"}" \
    "https://127.0.0.1:$port/api/auth/register")" || { log "registration on :$port failed (curl)"; return 1; }
  token="$(sed -n 's/.*"access_token":"\([A-Za-z0-9._-]*\)".*/\1/p' <<<"$body")"
  [ -n "$token" ] || { log "registration on :$port failed: $body"; return 1; }
  printf '%s\n' "$token"
}

# start_node TMPDIR -> same variables
start_node() {
  local tmp="$1"
  SRV_PORT="$(free_port)"
  SRV_LOG="$tmp/node.$SRV_PORT.log"
  taskset -c "$SERVER_CPU" node "$ROOT/bench/node-ws-server.mjs" --cert "$tmp/cert.pem" --key "$tmp/key.pem" \
    --port "$SRV_PORT" --max-seconds 900 >"$SRV_LOG" 2>&1 &
  SRV_PID=$!
  if ! wait_healthz "$SRV_PORT" 15 "$SRV_PID"; then
    log "node server did not come up; its output:"; tail -n 30 "$SRV_LOG" >&2
    stop_server; return 1
  fi
  SRV_NAME=node-ws
}

# SIGTERM, wait up to 10 s, then SIGKILL. Records the exit status in SRV_EXIT.
stop_server() {
  [ -n "${SRV_PID:-}" ] || return 0
  SRV_EXIT=""
  if kill -0 "$SRV_PID" 2>/dev/null; then
    kill -TERM "$SRV_PID" 2>/dev/null || true
    local i
    for i in $(seq 100); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SRV_PID" 2>/dev/null; then
      log "$SRV_NAME (pid $SRV_PID) ignored SIGTERM for 10 s: SIGKILL"
      [ -z "${STUCK_REPORT:-}" ] || stuck_report "$SRV_PID" >>"$STUCK_REPORT" 2>&1
      kill -KILL "$SRV_PID" 2>/dev/null || true
    fi
  fi
  wait "$SRV_PID" 2>/dev/null; SRV_EXIT=$?
  SRV_PID=""
}

machine_line() {
  printf '%s, %s cores, %s GiB RAM, Linux %s' \
    "$(lscpu | awk -F: '/^Model name/{gsub(/^ +/,"",$2); print $2; exit}')" "$(nproc)" \
    "$(awk '/MemTotal/{printf "%.0f", $2/1048576}' /proc/meminfo)" "$(uname -r)"
}

# Busy CPU ticks of the whole machine (all cores): user+nice+system+irq+softirq+steal.
machine_busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# CPU used by everything else than the server and the load generator while a run lasted,
# in cores (e.g. 0.35 = a third of a core): other tests or builds on the machine make
# throughput and latency figures unreliable (CPU-µs per delivery less so).
other_load() { # busy_ticks_delta server_ticks_delta client_seconds wall_seconds
  awk -v b="$1" -v s="$2" -v c="$3" -v w="$4" -v hz="$CLK_TCK" 'BEGIN{ o = (b - s) / hz - c; if (o < 0) o = 0; if (w > 0) printf "%.2f", o / w; else print "-" }'
}
load_warning() {
  local l; l="$(cut -d' ' -f1 /proc/loadavg)"
  awk -v l="$l" 'BEGIN{exit !(l > 0.5)}' && log "warning: load average is $l before the benchmark; other work on the machine skews throughput and latency"
  return 0
}

# Copies the pongd binary into the run's temp dir, so a rebuild during the run does not swap
# binaries between measurements; PONGD_DESC describes what was measured.
snapshot_pongd() { # tmpdir
  [ -x "$PONGD_BIN" ] || die "$PONGD_BIN not built (make)"
  # Named srv-under-test, not pongd: a `pkill pongd` elsewhere on the machine (other test
  # runs clean up that way) must not stop the server in the middle of a measurement.
  cp "$PONGD_BIN" "$1/srv-under-test" || die "cannot copy $PONGD_BIN"
  PONGD_DESC="$("$1/srv-under-test" --version 2>/dev/null | head -n 1), binary sha256 $(sha256sum "$1/srv-under-test" | cut -c1-12) built $(date -u -r "$PONGD_BIN" +%FT%TZ)"
  PONGD_BIN="$1/srv-under-test"
}

# A small deterministic web root: index.html, favicon.ico (1,150 bytes, the size of a 16x16
# 32-bit icon) and a content-hashed script (~10 KB) under static/.
make_webroot() { # dir
  mkdir -p "$1/static"
  printf '<!doctype html><html><head><meta charset="utf-8"><title>Transcendence</title></head><body><div id="app"></div><script src="/static/app-0123abcd.js"></script></body></html>\n' >"$1/index.html"
  head -c 1150 /dev/zero | tr '\0' '\001' >"$1/favicon.ico"
  awk 'BEGIN { for (i = 0; i < 200; i++) printf "export function f%d(a, b) { return a * %d + b; }\n", i, i }' \
    >"$1/static/app-0123abcd.js"
}

# What a server that does not exit after SIGTERM is doing: CPU use over 1 s, thread states,
# its sockets, and every thread's stack (gdb, when installed).
stuck_report() { # pid
  local pid="$1" a b
  echo "== $(date -u +%FT%TZ) $SRV_NAME pid $pid still running 10 s after SIGTERM"
  a="$(cpu_ticks "$pid")"; sleep 1; b="$(cpu_ticks "$pid")"
  echo "CPU used in the next second: $(ticks_to_s $((b - a))) s"
  echo "RSS: $(rss_kb "$pid") KiB; threads:"
  for t in /proc/"$pid"/task/*; do echo "  $(basename "$t") $(cat "$t/comm") state=$(awk '{print $3}' "$t/stat") wchan=$(cat "$t/wchan" 2>/dev/null)"; done
  echo "TCP sockets of the process: $(ls -l /proc/"$pid"/fd 2>/dev/null | grep -c socket:) (established on its port: $(ss -Htn state established "( sport = :${SRV_PORT:-0} )" 2>/dev/null | wc -l), close-wait: $(ss -Htn state close-wait "( sport = :${SRV_PORT:-0} )" 2>/dev/null | wc -l))"
  echo "last server log lines:"; tail -n 20 "$SRV_LOG" 2>/dev/null
  if command -v gdb >/dev/null; then
    echo "stacks:"; timeout 60 gdb -q -batch -p "$pid" -ex 'thread apply all bt 25' 2>&1 | grep -E '^(Thread|#)' | head -n 150
  fi
  echo
}

# Quiet-machine gate. Other work on the machine (a test suite, a build) competes with the
# pinned server and generator. Before each run, wait up to QUIET_WAIT s until the rest of the
# machine uses at most QUIET_MAX cores; a run during which it used more is flagged "noisy"
# and measured again (up to RETRIES times) while the time budget (BUDGET s) lasts.
QUIET_MAX="${QUIET_MAX:-0.25}"
QUIET_WAIT="${QUIET_WAIT:-90}"
RETRIES="${RETRIES:-2}"
BUDGET="${BUDGET:-1800}"
BENCH_T0=$SECONDS
budget_left() { [ $((SECONDS - BENCH_T0)) -lt "$BUDGET" ]; }
wait_quiet() {
  budget_left || return 0
  local deadline=$((SECONDS + QUIET_WAIT)) a b busy said=""
  while :; do
    a="$(machine_busy_ticks)"; sleep 1; b="$(machine_busy_ticks)"
    busy="$(awk -v d=$((b - a)) -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", d / hz}')"
    awk -v x="$busy" -v m="$QUIET_MAX" 'BEGIN{exit !(x <= m)}' && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then log "machine still busy ($busy cores) after ${QUIET_WAIT}s: measuring anyway"; return 1; fi
    [ -n "$said" ] || { log "machine busy ($busy cores of other work): waiting up to ${QUIET_WAIT}s"; said=1; }
    sleep 2
  done
}
is_noisy() { awk -v o="$1" -v m="$QUIET_MAX" 'BEGIN{exit !(o != "-" && o != "" && o + 0 > m)}'; }

# The start of a server benchmark (ws.sh, games.sh): a temporary directory TMP (removed, and the
# server stopped, on exit), a test certificate, WEB_ROOT (a stub unless given), PONGD_DESC (and
# the pongd snapshot when TARGETS has pongd), RESULTS_DIR created, STAMP for the result files.
bench_setup() { # name (of the temporary directory: /tmp/tbench-NAME.XXXXXX)
  TMP="$(mktemp -d "/tmp/tbench-$1.XXXXXX")"
  SRV_PID=""
  trap 'stop_server; rm -rf "$TMP"' EXIT
  trap 'exit 130' INT TERM
  make_cert "$TMP"
  [ -n "${WEB_ROOT:-}" ] || { WEB_ROOT="$TMP/webroot"; make_webroot "$WEB_ROOT"; }
  export WEB_ROOT
  PONGD_DESC="-"
  case " $TARGETS " in *" pongd "* | *" pongd-poll "*) snapshot_pongd "$TMP" ;; esac
  mkdir -p "$RESULTS_DIR"
  STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
}
