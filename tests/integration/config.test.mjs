// Configuration: --help, invalid values (exit 2 naming the variable), .env / ENV_FILE,
// HTTP_PORT=0, BIND_ADDRESS, TLS_CERT/TLS_KEY.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import tls from 'node:tls';
import {
  startServer, freePort, buildWebRoot, runPongd, request, parseJson, listeningSockets, tcpConnect, withTimeout, get,
} from './helpers.mjs';

const VARS = ['HTTPS_PORT', 'HTTP_PORT', 'BIND_ADDRESS', 'TLS_CERT', 'TLS_KEY', 'VAR_DIR', 'WEB_ROOT',
  'ALLOWED_ORIGINS', 'MAX_BODY_BYTES', 'WORKER_THREADS', 'HEADER_TIMEOUT', 'WS_PING_INTERVAL',
  'WS_QUEUE_MAX_BYTES', 'CHAT_RATE', 'ACCESS_LOG', 'ENV_FILE'];

let fixture;
let tmp;
let server; // started by individual tests, stopped in after()
const servers = [];

before(() => {
  fixture = buildWebRoot();
  tmp = mkdtempSync(join(tmpdir(), 'pongd-config-'));
});

after(async () => {
  for (const s of servers) await s.stop();
  fixture?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

async function start(env) {
  server = await startServer({ WEB_ROOT: fixture.root, ...env });
  servers.push(server);
  return server;
}

/** Env for a start attempt that must fail before listening. */
async function baseEnv() {
  const https = await freePort();
  let http = await freePort();
  while (http === https) http = await freePort();   // the OS may hand the same free port out twice
  return {
    BIND_ADDRESS: '127.0.0.1', HTTPS_PORT: String(https), HTTP_PORT: String(http),
    VAR_DIR: mkdtempSync(join(tmp, 'var-')), WEB_ROOT: fixture.root,
  };
}

test('pongd --help lists every variable and exits 0', async () => {
  const r = await runPongd(['--help'], {}, 5000);
  assert.equal(r.timedOut, false, '--help must exit, not start the server');
  assert.equal(r.code, 0, r.out);
  for (const v of VARS) assert.ok(r.out.includes(v), `--help does not mention ${v}:\n${r.out}`);
});

const INVALID = [
  ['HTTPS_PORT', 'abc'], ['HTTPS_PORT', '70000'], ['HTTPS_PORT', '443x'], ['HTTPS_PORT', '-1'],
  ['HTTP_PORT', 'abc'], ['HTTP_PORT', '65536'],
  ['WORKER_THREADS', '0'], ['WORKER_THREADS', '65'], ['WORKER_THREADS', 'four'],
  ['MAX_BODY_BYTES', 'abc'], ['MAX_BODY_BYTES', '-1'],
  ['HEADER_TIMEOUT', 'abc'], ['WS_PING_INTERVAL', 'abc'], ['WS_QUEUE_MAX_BYTES', 'abc'],
  ['CHAT_RATE', 'abc'], ['CHAT_RATE', '-1'],
  ['API_RATE', 'fast'], ['API_RATE', '10,2'],
];

for (const [name, value] of INVALID) {
  test(`${name}=${value} → exit 2 with a message naming ${name}`, async () => {
    const r = await runPongd([], { ...(await baseEnv()), [name]: value }, 10000);
    assert.equal(r.timedOut, false, `pongd started despite ${name}=${value}:\n${r.out}`);
    assert.equal(r.code, 2, `exit code for ${name}=${value}:\n${r.out}`);
    assert.ok(r.out.includes(name), `message must name ${name}:\n${r.out}`);
  });
}

test('TLS_CERT without TLS_KEY (and vice versa) → exit 2', async () => {
  const dir = mkdtempSync(join(tmp, 'pem-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=half', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  let r = await runPongd([], { ...(await baseEnv()), TLS_CERT: join(dir, 'cert.pem') }, 10000);
  assert.equal(r.timedOut, false, `started with TLS_CERT only:\n${r.out}`);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /TLS_KEY|TLS_CERT/);
  r = await runPongd([], { ...(await baseEnv()), TLS_KEY: join(dir, 'key.pem') }, 10000);
  assert.equal(r.timedOut, false, `started with TLS_KEY only:\n${r.out}`);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /TLS_KEY|TLS_CERT/);
});

test('TLS_CERT pointing at a missing file stops the start', async () => {
  const r = await runPongd([], { ...(await baseEnv()), TLS_CERT: join(tmp, 'nope.pem'), TLS_KEY: join(tmp, 'nope.key') }, 10000);
  assert.equal(r.timedOut, false, `started with a missing certificate:\n${r.out}`);
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /TLS_CERT|TLS_KEY|nope\.pem/);
});

test('TLS_CERT and TLS_KEY are used when both are set', async () => {
  const dir = mkdtempSync(join(tmp, 'pem-'));
  const cn = `pongd-test-${process.pid}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', `/CN=${cn}`, '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const s = await start({ TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') });
  const cert = await withTimeout(new Promise((res, rej) => {
    const sock = tls.connect({ host: '127.0.0.1', port: s.httpsPort, rejectUnauthorized: false }, () => {
      const c = sock.getPeerCertificate();
      sock.destroy();
      res(c);
    });
    sock.on('error', rej);
  }), 5000, 'TLS connect');
  assert.equal(cert.subject?.CN, cn);
  await s.stop();
});

test('ENV_FILE supplies variables missing from the environment; the environment wins', async () => {
  const otherPort = await freePort();
  const envFile = join(tmp, 'test.env');
  // HTTPS_PORT is also set in the environment by startServer: the environment must win.
  writeFileSync(envFile, `MAX_BODY_BYTES=100\nHTTPS_PORT=${otherPort}\n`);
  const s = await start({ ENV_FILE: envFile });
  // startServer only resolves once /healthz answers on the environment's HTTPS_PORT.
  await assert.rejects(tcpConnect(otherPort, 2000), 'the .env HTTPS_PORT must not be used');
  const big = await request(s.httpsPort, 'POST', '/api/', { headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(200) });
  assert.equal(big.status, 413, 'MAX_BODY_BYTES=100 from the env file must apply');
  const small = await request(s.httpsPort, 'POST', '/api/nope', { headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(50) });
  assert.notEqual(small.status, 413);
  await s.stop();
});

test('the environment overrides the same variable in ENV_FILE', async () => {
  const envFile = join(tmp, 'test2.env');
  writeFileSync(envFile, 'MAX_BODY_BYTES=100\n');
  const s = await start({ ENV_FILE: envFile, MAX_BODY_BYTES: '5000' });
  const r = await request(s.httpsPort, 'POST', '/api/nope', { headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(2000) });
  assert.notEqual(r.status, 413, 'environment MAX_BODY_BYTES=5000 must win over the file');
  assert.equal(parseJson(r).error.code, 'not_found');
  await s.stop();
});

test('an invalid value in ENV_FILE is refused like one in the environment', async () => {
  const envFile = join(tmp, 'bad.env');
  writeFileSync(envFile, 'WORKER_THREADS=0\n');
  const r = await runPongd([], { ...(await baseEnv()), ENV_FILE: envFile }, 10000);
  assert.equal(r.timedOut, false, r.out);
  assert.equal(r.code, 2, r.out);
  assert.ok(r.out.includes('WORKER_THREADS'), r.out);
});

test('HTTP_PORT=0 disables the plain-HTTP listener; BIND_ADDRESS is honoured', async () => {
  const s = await start({ HTTP_PORT: '0' });
  const socks = listeningSockets(s.proc.pid);
  assert.deepEqual(socks.map((x) => x.port), [s.httpsPort], `listening sockets: ${JSON.stringify(socks)}`);
  assert.ok(['127.0.0.1', '::ffff:127.0.0.1'].includes(socks[0].address), `BIND_ADDRESS=127.0.0.1 must not bind all interfaces: bound ${socks[0].address}`);
  assert.equal((await get(s.httpsPort, '/healthz')).status, 200);
  await s.stop();
});

test('with HTTP_PORT set there are exactly the two listeners, both on BIND_ADDRESS', async () => {
  const s = await start({});
  const socks = listeningSockets(s.proc.pid);
  assert.deepEqual(socks.map((x) => x.port).sort(), [s.httpsPort, s.httpPort].sort(), JSON.stringify(socks));
  for (const x of socks) assert.ok(['127.0.0.1', '::ffff:127.0.0.1'].includes(x.address), `port ${x.port} bound to ${x.address}, not BIND_ADDRESS`);
  await s.stop();
});

test('WORKER_THREADS=1 and 64 are accepted', async () => {
  for (const n of ['1', '64']) {
    const s = await start({ WORKER_THREADS: n });
    assert.equal((await get(s.httpsPort, '/healthz')).status, 200);
    await s.stop();
  }
});
