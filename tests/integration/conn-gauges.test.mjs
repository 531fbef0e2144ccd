// The connection gauges of /metrics follow sockets as they open, upgrade and close (issue 16:
// pongd_http_connections_open once rose by one per WebSocket upgrade and never fell).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openWs, parseMetrics, waitFor, rawTls } from './helpers.mjs';

// Both event loops: libev's epoll (the default) and lws's own poll() (PONGD_LOOP=poll).
for (const loop of ['epoll', 'poll']) describe(`${loop} loop`, () => {
const ctx = useServer(loop === 'poll' ? { PONGD_LOOP: 'poll' } : {});

const GAUGES = ['pongd_http_connections_open', 'pongd_ws_connections_open', 'pongd_connections_open', 'pongd_handshakes_open'];

// /metrics is read over one keep-alive connection of its own, so the reads themselves do not
// move the gauges; the tests start once that reader is the only connection (the start-up
// probes' keep-alive connections gone).
let reader;
async function gauges() {
  if (!reader || reader.closed) reader = await rawTls(ctx.server.httpsPort);
  await reader.send('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const res = await reader.readResponse();
  assert.equal(res.status, 200);
  const values = parseMetrics(res.body.toString('utf8'));
  return Object.fromEntries(GAUGES.map((g) => [g, values[g]]));
}
const alone = { pongd_http_connections_open: 1, pongd_ws_connections_open: 0, pongd_connections_open: 1, pongd_handshakes_open: 0 };
const settle = () => waitFor(async () => JSON.stringify(await gauges()) === JSON.stringify(alone), 20000, 'only the /metrics reader open');

test('WebSockets: the HTTP gauge does not keep upgraded sockets, every gauge returns to its value after close', { timeout: 30000 }, async () => {
  await settle();
  const before = await gauges();

  const url = `wss://127.0.0.1:${ctx.server.httpsPort}/ws/`;
  const sockets = [];
  for (let i = 0; i < 6; i++) sockets.push(await openWs(url, { origin: ctx.server.origin }));
  const open = await gauges();
  assert.deepEqual(open, {
    ...before,
    pongd_ws_connections_open: before.pongd_ws_connections_open + 6,
    pongd_connections_open: before.pongd_connections_open + 6,
  }, 'six WebSockets: +6 WebSockets, +6 connections, HTTP connections unchanged');

  for (const ws of sockets) ws.close(1000);
  await waitFor(async () => (await gauges()).pongd_connections_open === before.pongd_connections_open, 5000, 'connections to close');
  assert.deepEqual(await gauges(), before, 'after closing: every gauge as before');
  reader.destroy();
  reader = null;
});

test('a connection that has not sent its request head counts as a handshake, then is gone', { timeout: 30000 }, async () => {
  await settle();
  const before = await gauges();
  const raw = await rawTls(ctx.server.httpsPort);   // TLS done, no request
  await raw.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');   // head not complete
  await waitFor(async () => (await gauges()).pongd_handshakes_open === before.pongd_handshakes_open + 1, 5000, 'the handshake gauge');
  const mid = await gauges();
  assert.equal(mid.pongd_connections_open, before.pongd_connections_open + 1);
  assert.equal(mid.pongd_http_connections_open, before.pongd_http_connections_open, 'an HTTP connection from its first request head on');
  await raw.send('\r\n');
  const res = await raw.readResponse();
  assert.equal(res.status, 200);
  assert.equal((await gauges()).pongd_handshakes_open, before.pongd_handshakes_open, 'past its head');
  raw.destroy();
  await waitFor(async () => (await gauges()).pongd_connections_open === before.pongd_connections_open, 5000, 'the connection to close');
  assert.deepEqual(await gauges(), before);
  reader.destroy();
  reader = null;
});
});
