// The room chat /ws/chat/<room>/ takes logged-in users only: the first frame must be
// {"type":"auth","token":"<access token>"} (within 5 s, else the connection is closed with 4001
// "no auth frame in time"); anything else, or a bad, forged or expired token, closes with
// 4001. Only then does the socket join the room, and every broadcast names its sender
// (user_id, display_name, taken from the token).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import {
  useServer, openWs, openChat, authWs, nextMessage, noMessageWithin, waitClose, sendJson, sleep, registerUser,
} from './helpers.mjs';

// A known signing key, so the test can make tokens the server accepts (expired ones, too).
const SECRET_HEX = randomBytes(32).toString('hex');
const open = [];
after(() => { for (const ws of open) ws.terminate(); });

let alice;
let bob;
const ctx = useServer({ AUTH_RATE: '10000', JWT_SECRET: SECRET_HEX }, async () => {
  alice = await registerUser(ctx.server, 'alice', { display_name: 'Alice Auth' });
  bob = await registerUser(ctx.server, 'bob', { display_name: 'Bob Auth' });
});

const url = (room) => `wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/${room}/`;

/** A socket that has not logged in. */
async function anon(room) {
  const ws = await openWs(url(room), { origin: ctx.server.origin });
  open.push(ws);
  return ws;
}

async function chat(room, who) {
  const ws = await openChat(ctx.server, room, { token: who.token });
  open.push(ws);
  return ws;
}

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

/** An HS256 token signed with `keyHex` (the server's by default) carrying `claims`. */
function sign(claims, { keyHex = SECRET_HEX, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const h = b64url(header);
  const p = b64url(claims);
  return `${h}.${p}.${createHmac('sha256', Buffer.from(keyHex, 'hex')).update(`${h}.${p}`).digest('base64url')}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** Sends `frame` (a string, sent as is) as the first frame and returns the close code. */
async function firstFrameCloses(room, frame) {
  const ws = await anon(room);
  ws.send(frame);
  const c = await waitClose(ws, 5000);
  const got = ws.inbox.splice(0);
  assert.deepEqual(got, [], `nothing is sent before the close (first frame ${frame.slice(0, 80)})`);
  return c.code;
}

function assertFrom(m, text, room, who) {
  assert.equal(typeof m, 'object', `expected a JSON frame, got ${JSON.stringify(m)}`);
  // the legacy fields, inside the app socket's chat.message frame (docs/chat.md)
  for (const k of ['at', 'display_name', 'message', 'room', 'user_id']) assert.ok(k in m, `${k} in ${JSON.stringify(m)}`);
  assert.equal(m.type, 'chat.message');
  assert.equal(m.channel, `room:${room}`);
  assert.equal(m.kind, 'text');
  assert.ok(Number.isInteger(m.seq) && m.seq > 0, `seq ${m.seq}`);
  assert.equal(m.message, text);
  assert.equal(m.room, room);
  assert.equal(m.user_id, who.user.id, `user_id of ${JSON.stringify(text)}`);
  assert.equal(m.display_name, who.user.display_name, `display_name of ${JSON.stringify(text)}`);
}

test('a valid token: auth_ok with the user\'s id and display name, then the socket chats', async () => {
  const ws = await anon('okRoom');
  const ok = await authWs(ws, alice.token);
  assert.deepEqual(ok, { type: 'auth_ok', room: 'okRoom', user: { id: alice.user.id, display_name: 'Alice Auth' } });
  sendJson(ws, { message: 'first words' });
  assertFrom(await nextMessage(ws), 'first words', 'okRoom', alice);
});

test('no auth frame: closed with 4001 at the deadline; a logged-in socket of the same age stays', { timeout: 30000 }, async () => {
  const silent = await anon('quietRoom');
  const silentSince = Date.now();
  const authed = await chat('quietRoom', alice);
  const c = await waitClose(silent, 15000);
  assert.equal(c.code, 4001, `a close frame at the deadline, got ${c.code}`);
  assert.equal(c.reason, 'no auth frame in time');
  assert.ok(Date.now() - silentSince >= 4500, `not before the 5 s deadline (${Date.now() - silentSince} ms)`);
  assert.deepEqual(silent.inbox, [], 'nothing was sent to the silent socket');
  await sleep(1500);   // past any login deadline the logged-in socket might still have
  assert.equal(authed.readyState, authed.OPEN, 'logging in cancels the deadline');
  sendJson(authed, { message: 'still here' });
  assertFrom(await nextMessage(authed), 'still here', 'quietRoom', alice);
});

test('a chat message (or anything but an auth frame) before logging in → 4001', async () => {
  for (const frame of [
    JSON.stringify({ message: 'hi before auth' }),
    'not json',
    '{}',
    JSON.stringify({ type: 'auth' }),
    JSON.stringify({ type: 'auth', token: 42 }),
    JSON.stringify({ type: 'auth', token: null }),
    JSON.stringify({ type: 'auth', token: '' }),
    JSON.stringify({ token: alice.token }),                  // no type
    JSON.stringify({ type: 'login', token: alice.token }),   // wrong type
    JSON.stringify({ type: 'AUTH', token: alice.token }),
    `{"type":"auth","token":"${alice.token}","type":"auth"}`, // duplicate keys
    JSON.stringify([{ type: 'auth', token: alice.token }]),
  ]) {
    assert.equal(await firstFrameCloses('earlyRoom', frame), 4001, `first frame ${frame.slice(0, 80)}`);
  }
});

test('forged, expired and alg-none tokens → 4001', async () => {
  const id = alice.user.id;
  const [h, p, s] = alice.token.split('.');
  // Control: a token signed here with the server's key is accepted, so the forgeries
  // below fail for what they change, not because of how this test signs.
  const control = sign({ sub: String(id), name: 'Signed Here', iat: nowS(), exp: nowS() + 600 });
  const ws = await anon('forgeRoom');
  assert.deepEqual((await authWs(ws, control)).user, { id, display_name: 'Signed Here' });
  ws.terminate();

  const forged = [
    ['alg none', `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`],
    ['alg none with the real signature', `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.${s}`],
    ['alg HS512 header', `${b64url({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`],
    ['lower-case alg', `${b64url({ alg: 'hs256', typ: 'JWT' })}.${p}.${s}`],
    ['bad signature', `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`],
    ['empty signature', `${h}.${p}.`],
    ['payload swapped (another user id)', `${h}.${b64url({ sub: String(bob.user.id), name: 'Bob Auth', exp: nowS() + 600 })}.${s}`],
    ['another key', sign({ sub: String(id), name: 'x', exp: nowS() + 600 }, { keyHex: randomBytes(32).toString('hex') })],
    ['expired', sign({ sub: String(id), name: 'Alice Auth', iat: nowS() - 1000, exp: nowS() - 60 })],
    ['no exp', sign({ sub: String(id), name: 'Alice Auth', iat: nowS() })],
    ['sub not a number', sign({ sub: 'admin', name: 'x', exp: nowS() + 600 })],
    ['sub zero', sign({ sub: '0', name: 'x', exp: nowS() + 600 })],
    ['crit header', sign({ sub: String(id), exp: nowS() + 600 }, { header: { alg: 'HS256', typ: 'JWT', crit: ['exp'] } })],
    ['garbage', 'abc.def'],
    ['four parts', `${alice.token}.x`],
    ['not base64url', `${h}.${p}.${s}=`],
    ['the refresh cookie value', alice.cookie.slice('refresh='.length)],
  ];
  for (const [label, token] of forged) {
    assert.equal(await firstFrameCloses('forgeRoom', JSON.stringify({ type: 'auth', token })), 4001, label);
  }
});

test('a broadcast carries the sender\'s user_id and display_name, byte-exact', async () => {
  const names = [
    '<img src=x onerror=alert(1)>',
    'Zoë "quoted" \'single\' \\ back',
    '</script><b>&amp;</b> 🏓',
    "Robert'); DROP TABLE users;--",
  ];
  const reader = await chat('nameRoom', bob);
  for (const display_name of names) {
    const who = await registerUser(ctx.server, 'name', { display_name });
    assert.equal(who.user.display_name, display_name, 'registration keeps the name');
    const ws = await chat('nameRoom', who);
    assert.equal(ws.authOk.user.display_name, display_name, 'auth_ok carries the name verbatim');
    sendJson(ws, { message: `from ${display_name}` });
    for (const sock of [ws, reader]) assertFrom(await nextMessage(sock), `from ${display_name}`, 'nameRoom', who);
  }
});

test('two users in one room see each other\'s messages, each labelled with its sender', async () => {
  const a = await chat('pairRoom', alice);
  const b = await chat('pairRoom', bob);
  sendJson(a, { message: 'hi bob' });
  for (const ws of [a, b]) assertFrom(await nextMessage(ws), 'hi bob', 'pairRoom', alice);
  sendJson(b, { message: 'hi alice' });
  for (const ws of [a, b]) assertFrom(await nextMessage(ws), 'hi alice', 'pairRoom', bob);
  // A second auth frame after logging in does not switch users: it is just a bad message.
  sendJson(a, { type: 'auth', token: bob.token });
  const err = await nextMessage(a);
  assert.equal(err.error?.code, 'invalid_message', JSON.stringify(err));
  sendJson(a, { message: 'still alice' });
  for (const ws of [a, b]) assertFrom(await nextMessage(ws), 'still alice', 'pairRoom', alice);
});

test('a socket that has not logged in receives nothing from the room, and only later traffic once it does', async () => {
  const lurker = await anon('lurkRoom');
  const a = await chat('lurkRoom', alice);
  for (let i = 0; i < 3; i++) sendJson(a, { message: `secret ${i}` });
  for (let i = 0; i < 3; i++) assertFrom(await nextMessage(a), `secret ${i}`, 'lurkRoom', alice);
  assert.deepEqual(await noMessageWithin(lurker, 500), [], 'the room\'s messages must not reach a socket that has not logged in');
  const ok = await authWs(lurker, bob.token);
  assert.equal(ok.user.id, bob.user.id);
  sendJson(a, { message: 'now you see it' });
  assertFrom(await nextMessage(lurker), 'now you see it', 'lurkRoom', alice);
  assert.deepEqual(lurker.inbox, [], 'none of the earlier messages arrive afterwards');
});
