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
