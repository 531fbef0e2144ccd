// SIGINT shuts down as cleanly as SIGTERM (Ctrl-C in a terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openChat, openApp, waitClose, withTimeout, registerUser } from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });

test('SIGINT: WebSockets get 1001 and the process exits 0', { timeout: 30000 }, async () => {
  const { token } = await registerUser(ctx.server, 'int');
  const a = await openChat(ctx.server, 'intRoom', { token });
  const app = await openApp(ctx.server, { token });
  ctx.server.expectExit(); ctx.server.proc.kill('SIGINT');
  assert.equal((await waitClose(a, 5000)).code, 1001);
  assert.equal((await waitClose(app, 5000)).code, 1001, 'the app socket too');
  const ex = await withTimeout(ctx.server.exited, 5000, 'exit after SIGINT');
  assert.equal(ex.code, 0, JSON.stringify(ex));
});
