// Graceful shutdown: SIGTERM closes WebSockets with 1001, exits 0 within 5 s, stops listening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServer, openWs, openChat, openApp, authWs, waitClose, withTimeout, tcpConnect, nextMessage, sendJson, registerUser,
} from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });

test('SIGTERM: WebSockets get 1001, exit code 0 within 5 s, listener gone', { timeout: 30000 }, async () => {
  const { token } = await registerUser(ctx.server, 'bye');
  const a = await openChat(ctx.server, 'byeRoom', { token });
  const b = await openChat(ctx.server, 'otherRoom', { token, slash: false });
  const app = await openApp(ctx.server, { token });
  sendJson(a, { message: 'before shutdown' });
  assert.equal((await nextMessage(a)).message, 'before shutdown');

  ctx.server.expectExit(); ctx.server.proc.kill('SIGTERM');
  const [ca, cb, capp] = await Promise.all([waitClose(a, 5000), waitClose(b, 5000), waitClose(app, 5000)]);
  assert.equal(ca.code, 1001, `socket a closed with ${ca.code}`);
  assert.equal(cb.code, 1001, `socket b closed with ${cb.code}`);
  assert.equal(capp.code, 1001, `the app socket closed with ${capp.code}`);
  const ex = await withTimeout(ctx.server.exited, 5000, 'pongd to exit after SIGTERM');
  assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}\n${ctx.server.logs().slice(-2000)}`);
  await assert.rejects(tcpConnect(ctx.server.httpsPort, 2000), 'HTTPS listener must be closed');
  await assert.rejects(tcpConnect(ctx.server.httpPort, 2000), 'HTTP listener must be closed');
});

// Many sockets at once: every one gets its 1001 and the process still exits promptly (closing
// them one by one through libwebsockets' timers once took seconds per thousand).
const many = useServer({ AUTH_RATE: '10000' });

test('SIGTERM with 400 open WebSockets: all get 1001, exit code 0 within 5 s', { timeout: 60000 }, async () => {
  const url = `wss://127.0.0.1:${many.server.httpsPort}/ws/chat/crowd/`;
  // One user's token for every socket. Each sends its auth frame as soon as it is open
  // (the 5 s login deadline runs per socket, from its own handshake).
  const { token } = await registerUser(many.server, 'crowd');
  const join = async () => {
    const ws = await openWs(url, { origin: many.server.origin, timeout: 20000 });
    await authWs(ws, token, { timeout: 20000 });
    return ws;
  };
  const sockets = [];
  for (let i = 0; i < 400; i += 50) {
    sockets.push(...await Promise.all(Array.from({ length: 50 }, join)));
  }
  assert.equal(sockets.length, 400);
  const closes = sockets.map((s) => waitClose(s, 10000));
  many.server.expectExit(); many.server.proc.kill('SIGTERM');
  const codes = await Promise.all(closes);
  assert.deepEqual([...new Set(codes.map((c) => c.code))], [1001]);
  const ex = await withTimeout(many.server.exited, 5000, 'pongd to exit after SIGTERM');
  assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}`);
});
