// WS_PER_ADDRESS: an address past its WebSocket cap gets the socket opened and closed at once
// with 4008 "too many connections" (before any frame of the application); other addresses are
// not counted with it, and a closed socket makes room again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openWs, nextMessage, waitFor, getMetrics } from './helpers.mjs';

const ctx = useServer({ WS_PER_ADDRESS: '3' });

test('the 4th WebSocket of an address is closed with 4008; another address and a freed place are let in', { timeout: 30000 }, async () => {
  const url = `wss://127.0.0.1:${ctx.server.httpsPort}/ws/`;
  const opts = (localAddress) => ({ origin: ctx.server.origin, localAddress });
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await openWs(url, opts('127.0.0.1')));
  const over = await openWs(url, opts('127.0.0.1'));
  assert.deepEqual(await over.closed, { code: 4008, reason: 'too many connections' });
  await assert.rejects(nextMessage(over, 100), 'nothing from the application before the close');
  const other = await openWs(url, opts('127.0.0.2'));
  for (const ws of held) assert.equal(ws.readyState, ws.OPEN, 'the first three stay open');
  assert.equal(other.readyState, other.OPEN, 'another address has its own count');
  const { values } = await getMetrics(ctx.server.httpsPort);
  assert.equal(values.pongd_ws_refused_total, 1);
  held.shift().close(1000);
  await waitFor(async () => (await getMetrics(ctx.server.httpsPort)).values.pongd_ws_connections_open === 3, 5000, 'the close');
  const again = await openWs(url, opts('127.0.0.1'));
  // let in: the app socket then waits for its auth frame (closing 4001 after 5 s), not 4008
  const first = await Promise.race([again.closed, nextMessage(again, 1000).catch(() => 'nothing')]);
  assert.equal(first, 'nothing', `a freed place is let in (got ${JSON.stringify(first)})`);
  assert.equal(again.readyState, again.OPEN);
  for (const ws of [...held, other, again]) ws.close(1000);
});
