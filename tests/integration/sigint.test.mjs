// SIGINT shuts down as cleanly as SIGTERM (Ctrl-C in a terminal).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, buildWebRoot, openWs, waitClose, withTimeout } from './helpers.mjs';

let server;
let fixture;

before(async () => {
  fixture = buildWebRoot();
  server = await startServer({ WEB_ROOT: fixture.root });
});

after(async () => {
  await server?.stop();
  fixture?.cleanup();
});

test('SIGINT: WebSocket gets 1001 and the process exits 0', { timeout: 30000 }, async () => {
  const a = await openWs(`wss://127.0.0.1:${server.httpsPort}/ws/chat/intRoom/`, { origin: server.origin });
  server.expectExit(); server.proc.kill('SIGINT');
  assert.equal((await waitClose(a, 5000)).code, 1001);
  const ex = await withTimeout(server.exited, 5000, 'exit after SIGINT');
  assert.equal(ex.code, 0, JSON.stringify(ex));
});
