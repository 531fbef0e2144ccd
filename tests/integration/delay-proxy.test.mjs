// The delay proxy (tests/lib/delay-proxy.mjs) between a TCP client and a TCP server on
// loopback: every byte arrives, in order, no sooner than the delay minus the jitter, in both
// directions; a stall holds everything then releases it at once; an end is passed on.
// Bounds above are loose (a loaded machine's timers are late, never early).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDelayProxy } from '../lib/delay-proxy.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MSG = 8;   // a message: u32 sequence number, u32 filler

function msg(i) {
  const b = Buffer.alloc(MSG);
  b.writeUInt32LE(i, 0);
  b.writeUInt32LE(0xabcd0000 + i, 4);
  return b;
}

/** Collects a stream of MSGs: [{ seq, at }] in arrival order, and the raw bytes. */
function collector(sock) {
  const out = { arrivals: [], bytes: [], ended: null };
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    const at = performance.now();
    out.bytes.push(d);
    buf = Buffer.concat([buf, d]);
    while (buf.length >= MSG) {
      out.arrivals.push({ seq: buf.readUInt32LE(0), at });
      buf = buf.subarray(MSG);
    }
  });
  sock.on('end', () => { out.ended = performance.now(); });
  return out;
}

// A TCP server whose connections are handed to the test.
const accepted = [];
let waiting = null;
const server = net.createServer({ allowHalfOpen: true }, (s) => { accepted.push(s); waiting?.(); });
await new Promise((res) => server.listen(0, '127.0.0.1', res));
const proxies = [];
after(async () => {
  for (const p of proxies) await p.close();
  for (const s of accepted) s.destroy();
  await new Promise((res) => server.close(res));
});

async function connectThrough(opts) {
  const proxy = await startDelayProxy({ port: server.address().port, ...opts });
  proxies.push(proxy);
  const n = accepted.length;
  const got = new Promise((res) => { waiting = res; });
  const client = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
  client.setNoDelay(true);
  await new Promise((res, rej) => { client.once('connect', res); client.once('error', rej); });
  if (accepted.length === n) await got;
  return { proxy, client, upstream: accepted[accepted.length - 1] };
}

/** Sends `count` MSGs every `everyMs` on `sock`; resolves to their send times by seq. */
async function sendSeries(sock, count, everyMs) {
  const sentAt = [];
  for (let i = 0; i < count; i += 1) {
    sentAt[i] = performance.now();
    sock.write(msg(i));
    await sleep(everyMs);
  }
  return sentAt;
}

function checkSeries(got, sentAt, { minMs, maxMs, label }) {
  assert.deepEqual(got.arrivals.map((a) => a.seq), sentAt.map((_, i) => i), `${label}: every message, in order`);
  assert.deepEqual(Buffer.concat(got.bytes), Buffer.concat(sentAt.map((_, i) => msg(i))), `${label}: the same bytes`);
  const delays = got.arrivals.map((a) => a.at - sentAt[a.seq]);
  const early = delays.filter((d) => d < minMs);
  assert.deepEqual(early, [], `${label}: none sooner than ${minMs} ms`);
  const med = [...delays].sort((a, b) => a - b)[Math.floor(delays.length / 2)];
  assert.ok(med < maxMs, `${label}: median delay ${med.toFixed(1)} ms < ${maxMs}`);
  return { delays, med };
}

test('delay and jitter both ways, byte order kept', async (t) => {
  const delayMs = 40;
  const jitterMs = 10;
  const { proxy, client, upstream } = await connectThrough({ delayMs, jitterMs });
  const atServer = collector(upstream);
  const atClient = collector(client);
  // 1 ms apart: jitter larger than the spacing would reorder them without the monotonic queue
  const [upSent, downSent] = await Promise.all([sendSeries(client, 120, 1), sendSeries(upstream, 120, 1)]);
  await sleep(delayMs + jitterMs + 100);
  // sooner than delay − jitter is impossible (1 ms for the timer's rounding)
  const up = checkSeries(atServer, upSent, { minMs: delayMs - jitterMs - 1, maxMs: delayMs + jitterMs + 40, label: 'up' });
  const down = checkSeries(atClient, downSent, { minMs: delayMs - jitterMs - 1, maxMs: delayMs + jitterMs + 40, label: 'down' });
  // the proxy's own account: held for delay ± jitter (more when a later chunk waits for an earlier one)
  for (const dir of ['up', 'down']) {
    const d = proxy.stats[dir].delays;
    assert.ok(d.length > 0);
    assert.ok(Math.min(...d) >= delayMs - jitterMs - 1, `${dir}: held at least ${Math.min(...d).toFixed(1)} ms`);
  }
  t.diagnostic(`median one-way delay up ${up.med.toFixed(1)} ms, down ${down.med.toFixed(1)} ms (set ${delayMs} ± ${jitterMs})`);
  client.destroy();
});

test('a stall holds everything, then releases it in one burst, in order', async () => {
  const delayMs = 10;
  const { proxy, client, upstream } = await connectThrough({ delayMs });
  const atServer = collector(upstream);
  const series = sendSeries(client, 60, 5);            // ~300 ms of messages
  await sleep(100);
  const stallAt = performance.now();
  proxy.stall(150, 'up');
  const sentAt = await series;
  await sleep(100);
  assert.deepEqual(atServer.arrivals.map((a) => a.seq), sentAt.map((_, i) => i), 'every message, in order');
  // nothing arrived during the stall; what was sent during it arrived together at its end
  const during = atServer.arrivals.filter((a) => a.at > stallAt + 1 && a.at < stallAt + 149);
  assert.deepEqual(during, [], 'nothing during the stall');
  const burst = atServer.arrivals.filter((a) => a.at >= stallAt + 149 && a.at < stallAt + 149 + 15);
  assert.ok(burst.length >= 15, `a burst after the stall (${burst.length} messages)`);
  client.destroy();
});

test('an end is passed on after the delay; the other direction still flows', async () => {
  const delayMs = 30;
  const { client, upstream } = await connectThrough({ delayMs });
  const atServer = collector(upstream);
  const atClient = collector(client);
  const endAt = performance.now();
  client.end(msg(7));
  await sleep(delayMs + 60);
  assert.ok(atServer.ended !== null && atServer.ended - endAt >= delayMs - 1, 'the server saw the end after the delay');
  assert.deepEqual(atServer.arrivals.map((a) => a.seq), [7]);
  upstream.end(msg(9));                                // half-open: the answer still comes back
  await sleep(delayMs + 60);
  assert.deepEqual(atClient.arrivals.map((a) => a.seq), [9]);
  assert.ok(atClient.ended !== null);
});
