// SIGINT shuts down as cleanly as SIGTERM (Ctrl-C in a terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openWs, waitClose, withTimeout } from './helpers.mjs';

const ctx = useServer();

test('SIGINT: WebSocket gets 1001 and the process exits 0', { timeout: 30000 }, async () => {
  const a = await openWs(`wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/intRoom/`, { origin: ctx.server.origin });
  ctx.server.expectExit(); ctx.server.proc.kill('SIGINT');
  assert.equal((await waitClose(a, 5000)).code, 1001);
  const ex = await withTimeout(ctx.server.exited, 5000, 'exit after SIGINT');
  assert.equal(ex.code, 0, JSON.stringify(ex));
});
