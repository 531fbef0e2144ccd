// Slowloris and silent TCP (issue 16): about 300 clients sending one header byte a second, or
// 3,000 TCP connections that never start TLS, once made most normal requests time out
// (libwebsockets' header slots, held up to HEADER_TIMEOUT each, no cap per address). Here 1,000
// slow-header connections and 3,000 silent ones are held from 127.0.0.2 — each reconnecting a
// second after the server drops it, as the tools do — while a client on
// 127.0.0.1 sends GET /healthz (on a new TLS connection) and a chat round trip every half
// second for 20 s: every probe must be answered. The probes' latencies are printed (p50, p99;
// docs/performance.md), not asserted. Needs about 4,200 descriptors in this process: under a
// `ulimit -n` below 5,000 the attackers are scaled down in proportion (the count is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import {
  useServer, registerUser, openChat, sendJson, nextMessage, rawTls, getMetrics, withTimeout, waitFor,
} from './helpers.mjs';

const ctx = useServer({
  AUTH_RATE: '10000', CONN_PER_ADDRESS: '512', HANDSHAKES_PER_ADDRESS: '64', WS_PER_ADDRESS: '256', WS_PER_ACCOUNT: '32',
});

function nofile() {
  try { return Number(execFileSync('bash', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024; } catch { return 1024; }
}

// The attackers run in a worker thread of their own, so that their thousands of sockets do
// not delay the probes' event loop. Each connection reconnects a second after it is dropped,
// until told to stop.
const ATTACKER = `
const { parentPort, workerData: { port, SLOW, SILENT } } = require('node:worker_threads');
const net = require('node:net');
const tls = require('node:tls');
let running = true;
const st = { alive: 0, maxAlive: 0, opened: 0, tlsDone: 0, dropped: 0 };
const sockets = new Set();
function track(s, again) {
  sockets.add(s);
  st.opened += 1;
  st.alive += 1;
  st.maxAlive = Math.max(st.maxAlive, st.alive);
  s.on('error', () => {});
  s.once('close', () => {
    sockets.delete(s);
    st.alive -= 1;
    st.dropped += 1;
    if (running) setTimeout(() => running && again(), 1000);
  });
}
function silent() {
  track(net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }), silent);
}
function slow() {
  const s = tls.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  let t = null;
  track(s, slow);
  s.once('secureConnect', () => {
    st.tlsDone += 1;
    s.write('GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n');
    t = setInterval(() => s.write('X'), 1000);   // one header byte a second, never a whole head
  });
  s.once('close', () => clearInterval(t));
}
(async () => {
  for (let i = 0; i < SILENT; i++) { silent(); if (i % 250 === 249) await new Promise((r) => setTimeout(r, 50)); }
  for (let i = 0; i < SLOW; i++) { slow(); if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50)); }
  parentPort.postMessage({ started: true });
})();
parentPort.on('message', () => {
  running = false;
  for (const s of sockets) s.destroy();
  parentPort.postMessage({ stats: st });
});
`;

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

test('HANDSHAKES_PER_ADDRESS: the 65th connection of an address in handshake is refused at accept; HANDSHAKE_TIMEOUT closes the 64', { timeout: 60000 }, async () => {
  const port = ctx.server.httpsPort;
  const values = async () => (await getMetrics(port)).values;
  const before = await values();
  const connect = () => new Promise((res, rej) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' });
    s.gone = new Promise((r) => s.once('close', r));
    s.once('connect', () => res(s));
    s.once('error', rej);
  });
  const held = [];
  for (let i = 0; i < 64; i++) held.push(await connect());
  await waitFor(async () => (await values()).pongd_handshakes_open === before.pongd_handshakes_open + 64, 10000, '64 in handshake');
  const over = await connect();
  await withTimeout(over.gone, 10000, 'the 65th to be closed');
  const mid = await values();
  assert.equal(mid.pongd_connections_refused_total, before.pongd_connections_refused_total + 1, 'refused at accept');
  assert.equal(mid.pongd_handshake_timeouts_total, before.pongd_handshake_timeouts_total, 'not by the deadline');
  // the 64 silent ones: closed by the deadline (5 s), none left in handshake
  await withTimeout(Promise.all(held.map((s) => s.gone)), 30000, 'the silent connections to be closed');
  const after = await values();
  assert.equal(after.pongd_handshake_timeouts_total, before.pongd_handshake_timeouts_total + 64);
  assert.equal(after.pongd_handshakes_open, before.pongd_handshakes_open);
});

test('1,000 slow-header and 3,000 silent connections from 127.0.0.2: every /healthz and chat probe from 127.0.0.1 answered', { timeout: 120000 }, async () => {
  const port = ctx.server.httpsPort;
  const limit = nofile();
  const scale = Math.min(1, (limit - 800) / 4200);
  const SLOW = Math.floor(1000 * scale), SILENT = Math.floor(3000 * scale);
  console.log(`descriptor limit ${limit}: ${SLOW} slow-header and ${SILENT} silent connections`);
  // the victim: a chat socket on 127.0.0.1
  const { token } = await registerUser(ctx.server, 'victim');
  const chat = await openChat(ctx.server, 'loris', { token });

  const attacker = new Worker(ATTACKER, { eval: true, workerData: { port, SLOW, SILENT } });
  const attackerReady = new Promise((res) => attacker.once('message', res));
  const attackerDone = new Promise((res) => attacker.on('message', (m) => { if (m.stats) res(m.stats); }));
  await attackerReady;   // every attacker connection started

  const healthMs = [], chatMs = [], failures = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    try {
      const raw = await rawTls(port, {}, 15000);
      await raw.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const res = await raw.readResponse({ timeout: 15000 });
      raw.destroy();
      if (res.status !== 200) failures.push(`healthz ${i}: ${res.status}`);
      healthMs.push(performance.now() - t0);
    } catch (e) {
      failures.push(`healthz ${i}: ${e.message}`);
    }
    const t1 = performance.now();
    try {
      sendJson(chat, { message: `probe ${i}` });
      const m = await nextMessage(chat, 15000);
      if (m.message !== `probe ${i}`) failures.push(`chat ${i}: ${JSON.stringify(m)}`);
      chatMs.push(performance.now() - t1);
    } catch (e) {
      failures.push(`chat ${i}: ${e.message}`);
    }
    const left = 500 - (performance.now() - t0);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
  const { values } = await withTimeout(getMetrics(port), 15000, '/metrics');
  attacker.postMessage('stop');
  const st = await attackerDone;
  await attacker.terminate();
  chat.close(1000);

  const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms (n=${xs.length})`;
  console.log(`attackers: ${st.opened} connections opened, at most ${st.maxAlive} open at once, ${st.tlsDone} TLS handshakes done, ${st.dropped} dropped`);
  console.log(`pongd: ${values.pongd_connections_refused_total} refused at accept, ${values.pongd_handshake_timeouts_total} handshake timeouts, ${values.pongd_handshakes_open} in handshake at the end`);
  console.log(`probe /healthz (new TLS connection each): ${fmt(healthMs)}`);
  console.log(`probe chat round trip: ${fmt(chatMs)}`);
  assert.deepEqual(failures, [], 'every probe answered');
  assert.equal(healthMs.length, 40);
  assert.equal(chatMs.length, 40);
  assert.ok(values.pongd_connections_refused_total > 0, 'the attackers met the per-address handshake cap');
});
