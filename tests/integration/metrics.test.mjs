// /metrics: Prometheus text with every metric of interface.md, and the counters move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import {
  useServer, getMetrics, get, rawTls, buildRequest, openChat, nextMessage, sendJson, waitFor,
  waitClose, assertSecurityHeaders, registerUser,
} from './helpers.mjs';

let port;
let user;
const ctx = useServer({ AUTH_RATE: '10000' }, async () => {
  port = ctx.server.httpsPort;
  user = await registerUser(ctx.server, 'metrics');
});

const NAMES = [
  'pongd_http_connections_open', 'pongd_ws_connections_open', 'pongd_ws_messages_in_total',
  'pongd_ws_messages_out_total', 'pongd_bytes_out_total', 'pongd_resident_memory_bytes', 'pongd_uptime_seconds',
  // the bus and the chat's write batcher (docs/interface.md)
  'pongd_bus_published_total', 'pongd_bus_delivered_total', 'pongd_bus_topics',
  'pongd_chat_messages_stored_total', 'pongd_chat_batches_total', 'pongd_chat_messages_refused_total',
  'pongd_chat_rate_limited_total', 'pongd_chat_queue_depth',
];
const cls = (c) => `pongd_http_requests_total{class="${c}"}`;

test('every metric of interface.md is present with a numeric value', async () => {
  const { res, values } = await getMetrics(port);
  assert.match(res.headers['content-type'] || '', /^text\/plain\b/);
  assertSecurityHeaders(assert, res.headers, '/metrics');
  for (const n of NAMES) {
    assert.ok(n in values, `${n} missing from /metrics:\n${res.body}`);
    assert.ok(Number.isFinite(values[n]), `${n} is not a number`);
  }
  for (const c of ['2xx', '3xx', '4xx', '5xx']) {
    assert.ok(cls(c) in values, `${cls(c)} missing from /metrics`);
  }
  assert.ok(values.pongd_resident_memory_bytes > 1024 * 1024, 'resident memory should be at least 1 MB');
  assert.ok(values.pongd_uptime_seconds >= 0);
  assert.ok(values.pongd_http_connections_open >= 1, 'the connection asking for /metrics is open');
});

test('request counters move by status class', async () => {
  const before = (await getMetrics(port)).values;
  for (let i = 0; i < 3; i++) assert.equal((await get(port, '/healthz')).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await get(port, '/api/nope')).status, 404);
  const etag = (await get(port, '/static/plain.js')).headers.etag;
  assert.equal((await get(port, '/static/plain.js', { 'If-None-Match': etag })).status, 304);
  const after = (await getMetrics(port)).values;
  const d = (c) => after[cls(c)] - before[cls(c)];
  assert.ok(d('2xx') >= 4 && d('2xx') <= 6, `2xx moved by ${d('2xx')}, expected 4..6`);
  assert.equal(d('4xx'), 2);
  assert.equal(d('3xx'), 1);
  assert.equal(d('5xx'), 0);
});

test('bytes out grows by at least the size of a served file', async () => {
  const before = (await getMetrics(port)).values.pongd_bytes_out_total;
  const r = await get(port, '/img.png');
  assert.equal(r.body.length, ctx.fixture.files['/img.png'].length);
  const after = (await getMetrics(port)).values.pongd_bytes_out_total;
  assert.ok(after - before >= ctx.fixture.files['/img.png'].length, `bytes_out moved by ${after - before}`);
});

test('uptime goes up', async () => {
  const a = (await getMetrics(port)).values.pongd_uptime_seconds;
  await new Promise((r) => setTimeout(r, 1200));
  const b = (await getMetrics(port)).values.pongd_uptime_seconds;
  assert.ok(b > a, `uptime ${a} → ${b}`);
});

test('http connections gauge follows open connections', { timeout: 20000 }, async () => {
  const base = (await getMetrics(port)).values.pongd_http_connections_open;
  const conns = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await rawTls(port);
      conns.push(c);
      await c.send(buildRequest('GET', '/healthz'));
      assert.equal((await c.readResponse()).status, 200);
    }
    const during = (await getMetrics(port)).values.pongd_http_connections_open;
    assert.ok(during >= base + 3, `gauge ${base} → ${during} with 3 more keep-alive connections`);
  } finally {
    for (const c of conns) c.destroy();
  }
  await waitFor(async () => (await getMetrics(port)).values.pongd_http_connections_open <= base, 10000,
    'the gauge to come back down after closing');
});

test('ws gauge and message counters move', { timeout: 20000 }, async () => {
  const before = (await getMetrics(port)).values;
  const a = await openChat(ctx.server, 'metricsRoom', { token: user.token });
  const b = await openChat(ctx.server, 'metricsRoom', { token: user.token });
  try {
    await waitFor(async () => (await getMetrics(port)).values.pongd_ws_connections_open === before.pongd_ws_connections_open + 2,
      5000, 'ws gauge +2');
    // counted from here: the two auth frames and their answers are behind us
    const authed = (await getMetrics(port)).values;
    sendJson(a, { message: 'count me' });
    assert.equal((await nextMessage(a)).message, 'count me');
    assert.equal((await nextMessage(b)).message, 'count me');
    const mid = (await getMetrics(port)).values;
    assert.equal(mid.pongd_ws_messages_in_total - authed.pongd_ws_messages_in_total, 1, 'one message in');
    assert.ok(mid.pongd_ws_messages_out_total - authed.pongd_ws_messages_out_total >= 2, 'two broadcasts out');
  } finally {
    a.close(1000);
    b.close(1000);
  }
  await waitClose(a);
  await waitClose(b);
  await waitFor(async () => (await getMetrics(port)).values.pongd_ws_connections_open === before.pongd_ws_connections_open,
    10000, 'ws gauge back down');
});

test('ws gauge comes back down after an abrupt disconnect (no close frame)', { timeout: 20000 }, async () => {
  const base = (await getMetrics(port)).values.pongd_ws_connections_open;
  const a = await openChat(ctx.server, 'abruptRoom', { token: user.token });
  await waitFor(async () => (await getMetrics(port)).values.pongd_ws_connections_open === base + 1, 5000, 'ws gauge +1');
  a.terminate();
  await waitFor(async () => (await getMetrics(port)).values.pongd_ws_connections_open === base, 10000, 'ws gauge back down');
});

test('bus and chat counters move: a stored message, a refused one, one over the rate; topics follow subscribers', { timeout: 30000 }, async () => {
  const other = await registerUser(ctx.server, 'metrics2');
  const base = (await getMetrics(port)).values;
  const a = await openChat(ctx.server, 'busRoom', { token: other.token });
  const b = await openChat(ctx.server, 'busRoom', { token: user.token });
  try {
    // two sockets in a new room: one more topic for the room (the legacy sockets' user topics too)
    const joined = (await getMetrics(port)).values;
    assert.ok(joined.pongd_bus_topics >= base.pongd_bus_topics + 1, `topics ${base.pongd_bus_topics} → ${joined.pongd_bus_topics}`);
    sendJson(a, { message: 'on the bus' });
    assert.equal((await nextMessage(a)).message, 'on the bus');
    assert.equal((await nextMessage(b)).message, 'on the bus');
    const mid = (await getMetrics(port)).values;
    const d = (k) => mid[k] - joined[k];
    assert.equal(d('pongd_chat_messages_stored_total'), 1);
    assert.ok(d('pongd_chat_batches_total') >= 1, `batches moved by ${d('pongd_chat_batches_total')}`);
    assert.ok(d('pongd_bus_published_total') >= 1);
    assert.ok(d('pongd_bus_delivered_total') >= 2, `one publication, two subscribers: delivered moved by ${d('pongd_bus_delivered_total')}`);
    assert.equal(mid.pongd_chat_queue_depth, 0, 'nothing waits once the message is answered');
    // refused: a blank message, and a REST post to a room the user is not a member of
    sendJson(a, { message: '   ' });
    assert.equal((await nextMessage(a)).error?.code, 'invalid_message');
    const r = await call(ctx.server, 'POST', '/api/chat/rooms/nobodyHere/messages', { token: other.token, body: { text: 'x' } });
    assert.equal(r.status, 404, r.text);
    // over the rate (the default: burst 10 a user): 12 at once
    for (let i = 0; i < 12; i++) sendJson(a, { message: `fast ${i}` });
    let limited = 0;
    for (let i = 0; i < 12; i++) if ((await nextMessage(a)).error?.code === 'rate_limited') limited++;
    assert.ok(limited >= 1, 'some of 12 at once are over the rate');
    const end = (await getMetrics(port)).values;
    const e = (k) => end[k] - mid[k];
    assert.ok(e('pongd_chat_rate_limited_total') === limited, `rate_limited moved by ${e('pongd_chat_rate_limited_total')}, ${limited} refused`);
    assert.ok(e('pongd_chat_messages_refused_total') >= limited + 2, `refused moved by ${e('pongd_chat_messages_refused_total')}`);
    assert.equal(e('pongd_chat_messages_stored_total'), 12 - limited);
  } finally {
    a.close(1000);
    b.close(1000);
  }
  await waitClose(a);
  await waitClose(b);
  await waitFor(async () => (await getMetrics(port)).values.pongd_bus_topics === base.pongd_bus_topics, 10000,
    'the room\'s topic freed after its last subscriber');
});
