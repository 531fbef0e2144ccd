// WebSocket room chat: broadcast, rooms, validation, error frames, size limits, origins.
// Every socket authenticates first (registerUser + openChat); chat-auth.test.mjs covers the
// authentication itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServer, openChat, expectWsRefused, nextMessage, noMessageWithin, waitClose, sendJson,
  rawWs, rawAuth, assertSecurityHeaders, withTimeout, sleep, get, registerUser,
} from './helpers.mjs';

let wsBase;
let alice;
let bob;
const open = [];

// Registered before useServer's after(), so the sockets are closed before pongd is stopped.
after(() => {
  for (const ws of open) ws.terminate();
});

const ctx = useServer({ AUTH_RATE: '10000' }, async () => {
  wsBase = `wss://127.0.0.1:${ctx.server.httpsPort}`;
  alice = await registerUser(ctx.server, 'alice', { display_name: 'Alice Chat' });
  bob = await registerUser(ctx.server, 'bob', { display_name: 'Bob Chat' });
});

/** An authenticated socket of `who` (alice by default) in `room`. */
async function join(room, { who = alice, ...opts } = {}) {
  const ws = await openChat(ctx.server, room, { token: who.token, ...opts });
  open.push(ws);
  return ws;
}

/** A broadcast of `text` in `room`, labelled with its sender `from` (alice by default). */
function assertBroadcast(m, text, room, from = alice) {
  assert.equal(typeof m, 'object', `expected a JSON frame, got ${JSON.stringify(m)}`);
  // the legacy fields, inside the app socket's chat.message frame (docs/chat.md)
  for (const k of ['at', 'display_name', 'message', 'room', 'user_id']) assert.ok(k in m, `${k} in ${JSON.stringify(m)}`);
  assert.equal(m.type, 'chat.message');
  assert.equal(m.channel, `room:${room}`);
  assert.equal(m.kind, 'text');
  assert.ok(Number.isInteger(m.seq) && m.seq > 0, `seq ${m.seq}`);
  assert.equal(m.message, text);
  assert.equal(m.room, room);
  assert.equal(m.user_id, from.user.id, 'user_id is the sender\'s');
  assert.equal(m.display_name, from.user.display_name, 'display_name is the sender\'s');
  assert.equal(typeof m.at, 'number');
  assert.ok(Number.isInteger(m.at), 'at is milliseconds since epoch (integer)');
  assert.ok(Math.abs(m.at - Date.now()) < 10000, `at (${m.at}) must be close to now (${Date.now()})`);
}

async function expectError(ws, code, sent = '') {
  const m = await nextMessage(ws);
  const w = sent ? ` for ${JSON.stringify(sent.slice(0, 60))}` : '';
  assert.equal(typeof m, 'object', `expected an error frame${w}, got ${JSON.stringify(m)}`);
  assert.equal(m.error?.code, code, `expected error ${code}${w}, got ${JSON.stringify(m)}`);
  assert.equal(typeof m.error.message, 'string');
  return m;
}

test('two sockets in a room both receive a message, sender included', async () => {
  const a = await join('roomA');
  const b = await join('roomA', { who: bob });
  assert.deepEqual(a.authOk, { type: 'auth_ok', room: 'roomA', user: { id: alice.user.id, display_name: 'Alice Chat' } });
  sendJson(a, { message: 'hello room A' });
  assertBroadcast(await nextMessage(a), 'hello room A', 'roomA', alice);
  assertBroadcast(await nextMessage(b), 'hello room A', 'roomA', alice);
  sendJson(b, { message: 'reply from b' });
  assertBroadcast(await nextMessage(a), 'reply from b', 'roomA', bob);
  assertBroadcast(await nextMessage(b), 'reply from b', 'roomA', bob);
});

test('a socket in another room receives nothing', async () => {
  const a = await join('isoA');
  const other = await join('isoB');
  sendJson(a, { message: 'only for isoA' });
  assertBroadcast(await nextMessage(a), 'only for isoA', 'isoA');
  const leaked = await noMessageWithin(other, 700);
  assert.deepEqual(leaked, [], 'room isoB must not see isoA traffic');
});

test('messages from one sender arrive in order', async () => {
  const a = await join('orderRoom');
  const b = await join('orderRoom', { who: bob });
  for (let i = 0; i < 20; i++) sendJson(a, { message: `m${i}` });
  for (let i = 0; i < 20; i++) assert.equal((await nextMessage(b)).message, `m${i}`);
  for (let i = 0; i < 20; i++) assert.equal((await nextMessage(a)).message, `m${i}`);
});

test('trailing slash is optional and both spellings are the same room', async () => {
  const noSlash = await join('slashRoom', { slash: false });
  const slash = await join('slashRoom');
  sendJson(noSlash, { message: 'via no slash' });
  assertBroadcast(await nextMessage(slash), 'via no slash', 'slashRoom');
  assertBroadcast(await nextMessage(noSlash), 'via no slash', 'slashRoom');
});

test('room names: all allowed characters and 64 characters accepted', async () => {
  const name = 'Az09_-';
  const a = await join(name);
  sendJson(a, { message: 'chars' });
  assertBroadcast(await nextMessage(a), 'chars', name);
  const long = 'r'.repeat(64);
  const b = await join(long);
  sendJson(b, { message: 'long name' });
  assertBroadcast(await nextMessage(b), 'long name', long);
});

test('invalid room names and other /ws/ paths are refused with 404', async () => {
  // (/ws/ itself is the app socket: presence.test.mjs)
  for (const path of ['/ws/chat/bad.name/', `/ws/chat/${'r'.repeat(65)}/`, '/ws/chat/', '/ws/chat',
    '/ws/chat/a%20b/', '/ws/chat/room/extra/', '/ws/chat/a/../', '/ws/other/', '/ws/app/']) {
    const r = await expectWsRefused(`${wsBase}${path}`, { origin: ctx.server.origin });
    assert.equal(r.statusCode, 404, `${path}: got ${r.statusCode}`);
  }
  // Dot segments are resolved as a browser would: /ws/chat/.. is /ws/, the app socket (its
  // login answer is "hello"), never a chat room named "..". Sent verbatim by the raw client.
  for (const path of ['/ws/chat/..', '/ws/chat/%2e%2e/']) {
    const raw = await rawWs(ctx.server.httpsPort, path, { origin: ctx.server.origin });
    try {
      assert.equal(raw.response.status, 101, path);
      const hello = await rawAuth(raw, alice.token, { expect: 'hello' });
      assert.equal(hello.user.id, alice.user.id, path);
    } finally {
      raw.destroy();
    }
  }
});

test('bad input gets an error frame and the connection stays open', async () => {
  const a = await join('errRoom');
  const b = await join('errRoom', { who: bob });
  const wrong = [];
  for (const [raw, code] of [
    ['{"message": 5}', 'invalid_message'],
    ['not json', 'invalid_json'],
    ['{}', 'invalid_message'],
    ['{"message": ""}', 'invalid_message'],
    ['{"message": "   \\t\\n  "}', 'invalid_message'],
    ['{"message": null}', 'invalid_message'],
    ['{"message": ["x"]}', 'invalid_message'],
    ['[]', 'invalid_message'],
    ['"just a string"', 'invalid_message'],
    ['{"message": "unterminated', 'invalid_json'],
    ['{"message":"a"} trailing', 'invalid_json'],
  ]) {
    a.send(raw);
    const m = await nextMessage(a);
    assert.equal(typeof m?.error?.message, 'string', `expected an error frame for ${raw}, got ${JSON.stringify(m)}`);
    if (m.error.code !== code) wrong.push(`${raw} → ${m.error.code} (want ${code})`);
    assert.equal(a.readyState, a.OPEN, `connection must stay open after ${raw}`);
  }
  assert.deepEqual(wrong, [], 'error codes');
  // Errors go to the sender only.
  assert.deepEqual(await noMessageWithin(b, 300), [], 'error frames must not be broadcast');
  sendJson(a, { message: 'still works' });
  assertBroadcast(await nextMessage(a), 'still works', 'errRoom');
  assertBroadcast(await nextMessage(b), 'still works', 'errRoom');
});

test('2001 characters → message_too_long; 2000 multibyte code points accepted', async () => {
  const a = await join('lenRoom');
  sendJson(a, { message: 'x'.repeat(2001) });
  await expectError(a, 'message_too_long');
  sendJson(a, { message: 'é'.repeat(2001) });
  await expectError(a, 'message_too_long');

  const ascii = 'x'.repeat(2000);
  sendJson(a, { message: ascii });
  assertBroadcast(await nextMessage(a), ascii, 'lenRoom');
  const accents = 'é'.repeat(2000); // 4000 bytes of UTF-8, 2000 code points
  sendJson(a, { message: accents });
  assertBroadcast(await nextMessage(a), accents, 'lenRoom');
  const emoji = '😀'.repeat(2000); // 8000 bytes, 4000 UTF-16 units, 2000 code points
  sendJson(a, { message: emoji });
  assertBroadcast(await nextMessage(a), emoji, 'lenRoom');
  sendJson(a, { message: '😀'.repeat(2001) });
  await expectError(a, 'message_too_long');
});

test('a 60 KB message (under the 64 KB frame limit) → message_too_long, connection open', async () => {
  const a = await join('bigRoom');
  sendJson(a, { message: 'w'.repeat(60000) });
  await expectError(a, 'message_too_long');
  sendJson(a, { message: 'after big' });
  assertBroadcast(await nextMessage(a), 'after big', 'bigRoom');
});

test('JSON escapes round-trip exactly (quotes, backslash, control chars, \\u escapes)', async () => {
  const a = await join('escRoom');
  const tricky = 'he said "hi" \\ back\nslash\ttab \u0001\u001f </script><b>&amp; 𝄞 ünï';
  sendJson(a, { message: tricky });
  assertBroadcast(await nextMessage(a), tricky, 'escRoom');
  // \u escapes in the input, including a surrogate pair.
  a.send('{"message":"\\u0041\\u00e9\\ud83d\\ude00\\/"}');
  assertBroadcast(await nextMessage(a), 'Aé😀/', 'escRoom');
  // Extra members are ignored.
  a.send('{"message":"with extra","other":1}');
  assertBroadcast(await nextMessage(a), 'with extra', 'escRoom');
});

test('a 70 KB frame → close 1009', async () => {
  const a = await join('hugeRoom');
  a.send(JSON.stringify({ message: 'h'.repeat(70 * 1024) }));
  const c = await waitClose(a, 5000);
  assert.equal(c.code, 1009);
});

test('a binary frame → close 1003', async () => {
  const a = await join('binRoom');
  a.send(Buffer.from('{"message":"binary"}'), { binary: true });
  const c = await waitClose(a, 5000);
  assert.equal(c.code, 1003);
});

test('a fragmented text message is reassembled (RFC 6455)', async () => {
  const a = await join('fragRoom');
  a.send('{"message":"frag', { fin: false });
  a.send('mented hello"}', { fin: true });
  assertBroadcast(await nextMessage(a), 'fragmented hello', 'fragRoom');
});

test('client ping gets a pong; clean close is echoed with 1000', async () => {
  const a = await join('pingRoom');
  const pong = new Promise((res) => a.once('pong', (d) => res(d.toString())));
  a.ping('abc');
  assert.equal(await withTimeout(pong, 5000, 'pong'), 'abc');
  a.close(1000, 'bye');
  const c = await waitClose(a, 5000);
  assert.equal(c.code, 1000);
});


test('handshake response: 101 with the correct Sec-WebSocket-Accept', async () => {
  const raw = await rawWs(ctx.server.httpsPort, '/ws/chat/hsRoom/', { origin: ctx.server.origin });
  try {
    assert.equal(raw.response.status, 101);
    assert.equal(raw.response.headers['sec-websocket-accept'], raw.expectAccept);
    assert.match(raw.response.headers.upgrade || '', /^websocket$/i);
    // And the raw client can log in and chat.
    const ok = await rawAuth(raw, bob.token);
    assert.equal(ok.user.id, bob.user.id);
    raw.send(0x1, Buffer.from('{"message":"raw hello"}'));
    const deadline = Date.now() + 5000;
    while (!raw.frames.some((f) => f.opcode === 0x1) && Date.now() < deadline) await sleep(20);
    const f = raw.frames.find((x) => x.opcode === 0x1);
    assert.ok(f, 'no broadcast frame received');
    assert.equal(f.masked, false, 'server frames must not be masked');
    assertBroadcast(JSON.parse(f.payload.toString()), 'raw hello', 'hsRoom', bob);
  } finally {
    raw.destroy();
  }
});

test('foreign Origin → handshake refused with 403', async () => {
  const r = await expectWsRefused(`${wsBase}/ws/chat/roomA/`, { origin: 'https://evil.example' });
  assert.equal(r.statusCode, 403);
  assertSecurityHeaders(assert, r.headers, 'WebSocket 403');
});

test('near-miss origins are refused too', async () => {
  for (const origin of [
    `http://127.0.0.1:${ctx.server.httpsPort}`,
    'https://127.0.0.1',
    `https://127.0.0.1:${ctx.server.httpsPort}.evil.example`,
    `https://127.0.0.1:${ctx.server.httpsPort + 1}`,
    'null',
  ]) {
    const r = await expectWsRefused(`${wsBase}/ws/chat/roomA/`, { origin });
    assert.equal(r.statusCode, 403, `Origin ${origin}`);
  }
});

test('the server still answers HTTP after all of that', async () => {
  assert.equal((await get(ctx.server.httpsPort, '/healthz')).status, 200);
});
