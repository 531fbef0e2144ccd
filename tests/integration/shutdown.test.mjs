// Graceful shutdown: SIGTERM closes WebSockets with 1001, exits 0 within 5 s, stops listening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openWs, waitClose, withTimeout, tcpConnect, nextMessage, sendJson } from './helpers.mjs';

const ctx = useServer();

test('SIGTERM: WebSockets get 1001, exit code 0 within 5 s, listener gone', { timeout: 30000 }, async () => {
  const url = `wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/byeRoom/`;
  const a = await openWs(url, { origin: ctx.server.origin });
  const b = await openWs(`wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/otherRoom`, { origin: ctx.server.origin });
  sendJson(a, { message: 'before shutdown' });
  assert.equal((await nextMessage(a)).message, 'before shutdown');

  ctx.server.expectExit(); ctx.server.proc.kill('SIGTERM');
  const [ca, cb] = await Promise.all([waitClose(a, 5000), waitClose(b, 5000)]);
  assert.equal(ca.code, 1001, `socket a closed with ${ca.code}`);
  assert.equal(cb.code, 1001, `socket b closed with ${cb.code}`);
  const ex = await withTimeout(ctx.server.exited, 5000, 'pongd to exit after SIGTERM');
  assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}\n${ctx.server.logs().slice(-2000)}`);
  await assert.rejects(tcpConnect(ctx.server.httpsPort, 2000), 'HTTPS listener must be closed');
  await assert.rejects(tcpConnect(ctx.server.httpPort, 2000), 'HTTP listener must be closed');
});

// Many sockets at once: every one gets its 1001 and the process still exits promptly (closing
// them one by one through libwebsockets' timers once took seconds per thousand).
const many = useServer();

test('SIGTERM with 400 open WebSockets: all get 1001, exit code 0 within 5 s', { timeout: 60000 }, async () => {
  const url = `wss://127.0.0.1:${many.server.httpsPort}/ws/chat/crowd/`;
  const sockets = [];
  for (let i = 0; i < 400; i += 50) {
    sockets.push(...await Promise.all(Array.from({ length: 50 }, () => openWs(url, { origin: many.server.origin, timeout: 20000 }))));
  }
  const closes = sockets.map((s) => waitClose(s, 10000));
  many.server.expectExit(); many.server.proc.kill('SIGTERM');
  const codes = await Promise.all(closes);
  assert.deepEqual([...new Set(codes.map((c) => c.code))], [1001]);
  const ex = await withTimeout(many.server.exited, 5000, 'pongd to exit after SIGTERM');
  assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}`);
});
