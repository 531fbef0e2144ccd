#!/usr/bin/env bash
# make security: the field's own scanners against a real pongd on loopback (docs/security.md,
# "Scanners"). Not part of `make test` (it takes minutes).
#
#  1. a throw-away test CA and a server certificate it signs (localhost, 127.0.0.1);
#  2. pongd (build/pongd) with TLS_CERT/TLS_KEY on free loopback ports and a fresh VAR_DIR;
#  3. testssl.sh against it, trusting only that CA (--add-ca), no DNS (--nodns none), no
#     CRL/OCSP fetch (no --phone-out): any finding of severity MEDIUM or higher fails;
#  4. sqlmap (--batch) against the login (JSON body) and a bearer route taking a parameter
#     (GET /api/users/lookup?display_name=, with a registered user's token): any injection
#     found fails.
# The server is stopped and the temporary directory removed at the end, whatever happens.
# Usage: scripts/security.sh   (PONGD_BIN overrides build/pongd; SECURITY_KEEP=1 keeps the
# temporary directory with the reports)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# Loopback only, by construction: when the kernel lets us (root, or unprivileged user
# namespaces), the whole scan runs in a new network namespace whose only interface is lo,
# so no scanner can reach (or even resolve) anything but the server under test.
if [ -z "${SECURITY_NETNS:-}" ]; then
  if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
    exec unshare -n env SECURITY_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
  elif unshare -rn true 2>/dev/null && command -v ip >/dev/null; then
    exec unshare -rn env SECURITY_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
  fi
  echo "security: no network namespace available: running in the host's network (the scanners are still given loopback targets only)"
  SECURITY_NETNS=host
fi
PONGD_BIN=${PONGD_BIN:-$ROOT/build/pongd}
start_s=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/pongd-security-XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "${SECURITY_KEEP:-0}" = 1 ]; then echo "security: reports kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
say() { printf 'security: %s\n' "$*"; }

# ---- 1. a test CA and a server certificate --------------------------------------------
say "test CA and server certificate (ECDSA P-256, localhost and 127.0.0.1, 90 days)"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.key" 2>/dev/null
openssl req -x509 -new -key "$work/ca.key" -sha256 -days 30 -subj "/CN=pongd security scan test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$work/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$work/server.key" 2>/dev/null
openssl req -new -key "$work/server.key" -subj "/CN=localhost" -out "$work/server.csr" 2>/dev/null
cat >"$work/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
crlDistributionPoints=URI:http://127.0.0.1/pongd-test-ca.crl
EOF
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -days 90 -sha256 -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
chmod 600 "$work/ca.key" "$work/server.key"

# ---- 2. pongd on free loopback ports ----------------------------------------------------
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'; }
https_port=$(free_port)
http_port=$(free_port)
while [ "$http_port" = "$https_port" ]; do http_port=$(free_port); done
base="https://localhost:$https_port"
mkdir -p "$work/var"
say "pongd on $base (VAR_DIR $work/var)"
# AUTH_RATE raised and API_RATE off: sqlmap sends hundreds of logins and lookups from one
# address, and a 429 would hide what the route does with its input (the limits themselves
# are tested by the integration suite).
env -i PATH="$PATH" ENV_FILE=/dev/null BIND_ADDRESS=127.0.0.1 HTTPS_PORT="$https_port" HTTP_PORT="$http_port" \
  VAR_DIR="$work/var" WEB_ROOT="$ROOT/web/dist" TLS_CERT="$work/server.pem" TLS_KEY="$work/server.key" \
  AUTH_RATE=10000 API_RATE=0 ACCESS_LOG=0 "$PONGD_BIN" >"$work/pongd.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -s -o /dev/null --cacert "$work/ca.pem" "$base/"; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/pongd.log"; say "pongd did not start"; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null --cacert "$work/ca.pem" "$base/" || { say "pongd does not answer on $base"; exit 1; }

fail=0

# ---- 3. testssl.sh ----------------------------------------------------------------------
[ "$SECURITY_NETNS" = 1 ] && say "network: a namespace of its own, loopback only: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
say "testssl.sh $(dpkg-query -W -f='${Version}' testssl.sh 2>/dev/null) against $base"
t0=$(date +%s)
# --ip: the address itself, no lookup; --nodns none: no DNS at all (no CAA/MX/rDNS);
# CRL and OCSP are fetched only with --phone-out, which stays off.
testssl --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 --add-ca "$work/ca.pem" \
  --jsonfile "$work/testssl.json" --csvfile "$work/testssl.csv" "$base/" >"$work/testssl.txt" 2>&1 || true
t1=$(date +%s)
[ -s "$work/testssl.json" ] || { cat "$work/testssl.txt"; say "testssl.sh wrote no report"; exit 1; }
node - "$work/testssl.json" <<'EOF' || fail=1
const fs = require('fs');
const all = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const bad = new Set(['MEDIUM', 'HIGH', 'CRITICAL', 'FATAL']);
const count = {};
for (const f of all) count[f.severity] = (count[f.severity] || 0) + 1;
console.log(`testssl: ${all.length} findings by severity: ${JSON.stringify(count)}`);
for (const f of all.filter((f) => f.severity === 'WARN')) console.log(`testssl: WARN ${f.id}: ${f.finding}`);
for (const f of all.filter((f) => f.severity === 'LOW')) console.log(`testssl: LOW ${f.id}: ${f.finding}`);
const found = all.filter((f) => bad.has(f.severity));
for (const f of found) console.log(`testssl: ${f.severity} ${f.id}: ${f.finding}`);
const breach = all.find((f) => f.id === 'BREACH');
if (breach) console.log(`testssl: BREACH (${breach.severity}): ${breach.finding}`);
// the scan really ran: the certificate was trusted through the test CA, and the HTTP checks happened
const missing = ['cert_chain_of_trust', 'TLS1_3', 'HSTS_time', 'BREACH']
  .filter((id) => !all.some((f) => f.id === id && f.severity === 'OK'));
for (const id of missing) console.log(`testssl: ${id} missing or not OK: the scan did not run as expected`);
process.exit(found.length || missing.length ? 1 : 0);
EOF
say "testssl.sh took $((t1 - t0)) s"

# a user, and a bearer token for the authenticated routes
curl -sf --cacert "$work/ca.pem" -H 'Content-Type: application/json' -H "Origin: $base" \
  -d '{"username":"scanner","email":"scanner@example.test","password":"a long scan password 7","display_name":"Scanner"}' \
  "$base/api/auth/register" -o "$work/register.json" || { say "could not register the scan user"; exit 1; }
token=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).access_token)' "$work/register.json")
[ -n "$token" ] && [ "$token" != undefined ] || { say "no access token from registration"; exit 1; }

# BREACH beyond testssl's one URL: the responses that carry a secret (tokens, the profile)
# or reflect input (a lookup, an error naming the path) are never compressed, even when the
# client asks; the static bundle is (so asking works at all).
encoding() {   # prints the Content-Encoding of a request (curl arguments), "-" for none
  local e
  e=$(curl -s -o /dev/null -D - --cacert "$work/ca.pem" -H 'Accept-Encoding: gzip, deflate, br' -H "Origin: $base" "$@" |
      tr -d '\r' | awk -F': *' 'tolower($1)=="content-encoding"{print $2}')
  echo "${e:--}"
}
js=$(grep -o '/static/[^"]*\.js' "$ROOT/web/dist/index.html" | head -1)
declare -A expect=(
  [login]=- [refresh]=- [me]=- [lookup]=- [notfound]=- [index]=- [bundle]=gzip
)
declare -A got=(
  [login]=$(encoding -H 'Content-Type: application/json' -d '{"username":"scanner","password":"a long scan password 7"}' "$base/api/auth/login")
  [refresh]=$(encoding -X POST -H "Cookie: refresh=not-a-token-$RANDOM" "$base/api/auth/refresh")
  [me]=$(encoding -H "Authorization: Bearer $token" "$base/api/users/me")
  [lookup]=$(encoding -H "Authorization: Bearer $token" "$base/api/users/lookup?display_name=Scanner")
  [notfound]=$(encoding "$base/api/no-such-route-reflected")
  [index]=$(encoding "$base/")
  [bundle]=$(encoding "$base$js")
)
for k in login refresh me lookup notfound index bundle; do
  if [ "${got[$k]}" = "${expect[$k]}" ]; then say "compression of $k: ${got[$k]} (as expected)"
  else say "compression of $k: ${got[$k]}, expected ${expect[$k]}"; fail=1; fi
done

# ---- 4. sqlmap ---------------------------------------------------------------------------

sqlmap_run() {   # name, then sqlmap's own arguments
  local name=$1; shift
  local t0 t1
  t0=$(date +%s)
  # --level 3 --risk 2: more payloads and boundaries per technique, heavy time-based tests,
  # but no OR-based payloads that could rewrite rows (risk 3). --dbms SQLite: the backend
  # this server runs on (every login costs an Argon2 hash: all DBMSes' payloads would take
  # an hour). --ignore-code 401: a wrong login or a refused token is the normal answer.
  sqlmap --batch --disable-coloring --flush-session --level 3 --risk 2 --dbms SQLite --threads 2 \
    --timeout 10 --retries 1 --ignore-code 401 \
    --output-dir "$work/sqlmap-$name" "$@" >"$work/sqlmap-$name.txt" 2>&1 || true
  t1=$(date +%s)
  local tested
  tested=$(grep -cE "testing '" "$work/sqlmap-$name.txt" || true)
  if grep -qE "sqlmap identified the following injection point|is vulnerable|appears to be injectable" "$work/sqlmap-$name.txt"; then
    say "sqlmap $name: INJECTION FOUND ($tested tests, $((t1 - t0)) s):"
    grep -E "Parameter:|Type:|Title:|Payload:|injectable" "$work/sqlmap-$name.txt" | sed 's/^/  /'
    fail=1
  elif grep -qE "do not appear to be injectable|does not seem to be injectable" "$work/sqlmap-$name.txt"; then
    say "sqlmap $name: no injection ($tested techniques, $((t1 - t0)) s)"
    grep -oE "parameter '[^']*' does not seem to be injectable" "$work/sqlmap-$name.txt" | sed 's/^/  /'
    grep -A1 "HTTP error codes detected" "$work/sqlmap-$name.txt" | tail -1 | sed 's/^/  error answers: /'
  else
    say "sqlmap $name: did not finish a test run:"
    tail -n 20 "$work/sqlmap-$name.txt" | sed 's/^/  /'
    fail=1
  fi
}

say "sqlmap $(dpkg-query -W -f='${Version}' sqlmap 2>/dev/null) against the login (JSON body)"
sqlmap_run login -u "$base/api/auth/login" --method POST -p username,password \
  --data '{"username":"scanner","password":"a long scan password 7"}' \
  --headers "Content-Type: application/json
Origin: $base"

say "sqlmap against the user lookup (bearer token, query parameter)"
sqlmap_run lookup -u "$base/api/users/lookup?display_name=Scanner" -p display_name \
  --headers "Authorization: Bearer $token"

if ! kill -0 "$pid" 2>/dev/null; then say "pongd died during the scan"; cat "$work/pongd.log"; fail=1; fi
kill -TERM "$pid"
wait "$pid" || { say "pongd did not stop cleanly"; fail=1; }
pid=""

say "total $(( $(date +%s) - start_s )) s"
if [ "$fail" -ne 0 ]; then say "FAILED"; exit 1; fi
say "passed"
