// WS_QUEUE_MAX_BYTES: a reader that stops reading is closed (1008) while the others keep going.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openChat, waitFor, withTimeout, get, registerUser } from './helpers.mjs';

// CHAT_RATE=0: one user floods the room (the default limit, 5/s per user, would refuse it)
const ctx = useServer({ WS_QUEUE_MAX_BYTES: '65536', CHAT_RATE: '0', AUTH_RATE: '10000' });

test('a paused reader is closed; the fast reader gets every message', { timeout: 120000 }, async () => {
  const { token } = await registerUser(ctx.server, 'flood');
  const slow = await openChat(ctx.server, 'floodRoom', { token });
  const fast = await openChat(ctx.server, 'floodRoom', { token });
  const sender = await openChat(ctx.server, 'floodRoom', { token });
  try {
    // Count without keeping 12 MB of strings around.
    let fastCount = 0; let fastOrdered = true; let senderCount = 0; let slowCount = 0;
    fast.removeAllListeners('message');
    sender.removeAllListeners('message');
    slow.removeAllListeners('message');

    // ~12 MB per reader: far more than kernel socket buffers plus the 64 KB queue limit.
    // The sender keeps at most WINDOW messages (~32 KB) in flight ahead of the fast reader,
    // so a reader that keeps up never has more than that queued; only the paused one falls behind.
    const N = 6000;
    const WINDOW = 16;
    const pad = 'p'.repeat(1990);
    let sent = 0;
    const pump = () => {
      while (sent < N && sent - fastCount < WINDOW && sender.readyState === sender.OPEN) {
        sender.send(JSON.stringify({ message: `${sent}:${pad}`.slice(0, 2000) }));
        sent += 1;
      }
    };
    fast.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (typeof m.message !== 'string') return;
      if (!m.message.startsWith(`${fastCount}:`)) fastOrdered = false;
      fastCount += 1;
      pump();
    });
    sender.on('message', () => { senderCount += 1; });
    slow.on('message', () => { slowCount += 1; });

    slow._socket.pause(); // stops reading: kernel buffers fill, then the server queue
    pump();

    await waitFor(() => fast.closeInfo || sender.closeInfo || fastCount >= N, 90000,
      `fast reader to get ${N} messages (has ${fastCount})`, 100);
    assert.equal(fast.closeInfo, null, `the fast reader was closed (${JSON.stringify(fast.closeInfo)}) after ${fastCount} messages`);
    assert.equal(sender.closeInfo, null, `the sender was closed (${JSON.stringify(sender.closeInfo)}) after ${senderCount} echoes`);
    assert.equal(fastCount, N);
    assert.ok(fastOrdered, 'fast reader must get the messages in order');
    await waitFor(() => senderCount >= N, 30000, 'sender to get its own echoes', 100);

    slow._socket.resume();
    const c = await withTimeout(slow.closed, 15000, 'slow reader to be closed after resuming');
    assert.ok(c.code === 1008 || c.code === 1006, `slow reader close code ${c.code} (want 1008, or an abrupt end)`);
    assert.ok(slowCount < N, `slow reader got all ${N} messages: it was never cut off`);
    assert.equal(fast.readyState, fast.OPEN, 'the fast reader must stay connected');
    assert.equal(sender.readyState, sender.OPEN, 'the sender must stay connected');
  } finally {
    slow.terminate();
    fast.terminate();
    sender.terminate();
  }
  assert.equal((await get(ctx.server.httpsPort, '/healthz')).status, 200);
});
