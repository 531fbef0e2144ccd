// WS_PING_INTERVAL: idle sockets are pinged; a peer that never answers is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openChat, rawWs, rawAuth, withTimeout, nextMessage, sendJson, registerUser } from './helpers.mjs';

const ctx = useServer({ WS_PING_INTERVAL: '1', AUTH_RATE: '10000' });

test('a peer that never answers pings is dropped within ~15 s; a live peer stays', { timeout: 40000 }, async () => {
  const { token } = await registerUser(ctx.server, 'ping');
  const live = await openChat(ctx.server, 'pingRoom', { token });
  let livePings = 0;
  live.on('ping', () => { livePings += 1; });
  const dead = await rawWs(ctx.server.httpsPort, '/ws/chat/pingRoom/', { origin: ctx.server.origin });
  try {
    assert.equal(dead.response.status, 101);
    // Logged in, so the login deadline is not what drops it: only the unanswered pings.
    await rawAuth(dead, token);
    const started = Date.now();
    await withTimeout(dead.closed, 20000, 'server to drop the silent peer');
    const pings = dead.frames.filter((f) => f.opcode === 0x9);
    assert.ok(pings.length >= 1, 'the server must ping an idle socket');
    assert.ok(Date.now() - started < 20000);
    // The ws client answers pings automatically, so it must still be connected.
    assert.equal(live.readyState, live.OPEN, 'a peer that answers pings must not be dropped');
    assert.ok(livePings >= 1, 'the live socket must have been pinged too');
    sendJson(live, { message: 'still here' });
    assert.equal((await nextMessage(live)).message, 'still here');
  } finally {
    dead.destroy();
    live.terminate();
  }
});
