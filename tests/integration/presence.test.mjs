// The app WebSocket /ws/: first-frame login like the room chat ({"type":"auth","token"} →
// {"type":"hello","user"}), presence (a user is online while at least one logged-in tab is
// open; friends get {"type":"presence"} when that changes), live friend notifications
// (friend_request, friend_update) and {"type":"ping"} → {"type":"pong"}.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { call } from './api-client.mjs';
import {
  useServer, openWs, openApp, authWs, expectWsRefused, nextMessage, noMessageWithin, waitClose, sendJson,
  registerUser,
} from './helpers.mjs';

const SECRET_HEX = randomBytes(32).toString('hex');
const open = [];
// Registered before useServer's after(), so the sockets are closed before pongd is stopped.
after(() => { for (const ws of open) ws.terminate(); });
const ctx = useServer({ AUTH_RATE: '10000', JWT_SECRET: SECRET_HEX });

const appUrl = () => `wss://127.0.0.1:${ctx.server.httpsPort}/ws/`;
const api = (method, path, token, body) => call(ctx.server, method, path, { token, body });

async function tab(who) {
  const ws = await openApp(ctx.server, { token: who.token });
  open.push(ws);
  return ws;
}

/** Makes a and b friends through the API (a asks, b accepts). */
async function befriend(a, b) {
  const req = await api('POST', `/api/friends/${b.user.id}`, a.token);
  assert.equal(req.status, 201, req.text);
  const acc = await api('POST', `/api/friends/${a.user.id}/accept`, b.token);
  assert.equal(acc.status, 200, acc.text);
}

const NO_EVENTS_MS = 500;

/** Asserts `ws` got nothing (JSON-parsed leftovers are shown on failure). */
async function assertQuiet(ws, what) {
  const got = (await noMessageWithin(ws, NO_EVENTS_MS)).map((m) => (typeof m === 'string' ? JSON.parse(m) : m));
  assert.deepEqual(got, [], what);
}

test('a valid token: hello with the user; ping → pong', async () => {
  const a = await registerUser(ctx.server, 'hello', { display_name: 'Hello <World> "x"' });
  const ws = await openWs(appUrl(), { origin: ctx.server.origin });
  open.push(ws);
  const hello = await authWs(ws, a.token, { expect: 'hello' });
  assert.deepEqual(hello, { type: 'hello', user: { id: a.user.id, display_name: 'Hello <World> "x"' } });
  for (let i = 0; i < 3; i++) {
    sendJson(ws, { type: 'ping' });
    assert.deepEqual(await nextMessage(ws), { type: 'pong' });
  }
  // the socket without the trailing slash is the same endpoint
  const noSlash = await openWs(`wss://127.0.0.1:${ctx.server.httpsPort}/ws`, { origin: ctx.server.origin });
  open.push(noSlash);
  assert.equal((await authWs(noSlash, a.token, { expect: 'hello' })).user.id, a.user.id);
});

test('no login: closed with 4001 at the 5 s deadline; anything but a valid auth frame → 4001 at once', { timeout: 30000 }, async () => {
  const a = await registerUser(ctx.server, 'nologin');
  const silent = await openWs(appUrl(), { origin: ctx.server.origin });
  const silentSince = Date.now();
  open.push(silent);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const sign = (claims) => {
    const h = b64({ alg: 'HS256', typ: 'JWT' });
    const p = b64(claims);
    return `${h}.${p}.${createHmac('sha256', Buffer.from(SECRET_HEX, 'hex')).update(`${h}.${p}`).digest('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const [, payload, sig] = a.token.split('.');
  for (const frame of [
    JSON.stringify({ type: 'ping' }),
    JSON.stringify({ message: 'hi' }),
    'not json',
    JSON.stringify({ type: 'auth', token: 'garbage' }),
    JSON.stringify({ type: 'auth', token: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.` }),
    JSON.stringify({ type: 'auth', token: `${b64({ alg: 'HS256', typ: 'JWT' })}.${payload}.${sig.slice(0, -3)}abc` }),
    JSON.stringify({ type: 'auth', token: sign({ sub: String(a.user.id), name: 'x', iat: now - 2000, exp: now - 1 }) }),
    JSON.stringify({ type: 'hello', token: a.token }),
  ]) {
    const ws = await openWs(appUrl(), { origin: ctx.server.origin });
    open.push(ws);
    ws.send(frame);
    const c = await waitClose(ws, 5000);
    assert.equal(c.code, 4001, `first frame ${frame.slice(0, 80)}`);
    assert.deepEqual(ws.inbox, [], 'no hello before the close');
  }
  const c = await waitClose(silent, 15000);
  assert.equal(c.code, 4001, `a silent socket gets a close frame at its deadline, got ${c.code}`);
  assert.equal(c.reason, 'no auth frame in time');
  assert.ok(Date.now() - silentSince >= 4500, `not before the 5 s deadline (${Date.now() - silentSince} ms)`);
  assert.deepEqual(silent.inbox, []);
});

test('a foreign or missing Origin → handshake refused with 403', async () => {
  for (const origin of ['https://evil.example', `http://127.0.0.1:${ctx.server.httpsPort}`, 'null', undefined]) {
    const r = await expectWsRefused(appUrl(), { origin });
    assert.equal(r.statusCode, 403, `Origin ${origin}`);
  }
});

test('presence: friends see the first tab come online and the last one go offline, with last_seen_at', { timeout: 30000 }, async () => {
  const a = await registerUser(ctx.server, 'presA', { display_name: 'Presence A' });
  const b = await registerUser(ctx.server, 'presB');
  const c = await registerUser(ctx.server, 'presC');   // not a friend of A
  await befriend(a, b);
  const bTab = await tab(b);
  const cTab = await tab(c);
  const friendA = async () => (await api('GET', '/api/friends', b.token)).json.friends.find((f) => f.user.id === a.user.id)?.user;
  assert.equal((await friendA()).online, false, 'A has no tab yet');
  assert.equal((await friendA()).last_seen_at, null, 'A was never seen');

  const a1 = await tab(a);
  assert.deepEqual(await nextMessage(bTab), { type: 'presence', user_id: a.user.id, online: true, in_game: null });
  assert.equal((await friendA()).online, true, 'GET /api/friends shows A online');
  const profile = await api('GET', `/api/users/${a.user.id}`, b.token);
  assert.equal(profile.json.online, true);
  assert.equal(profile.json.last_seen_at, null, 'no last_seen_at while online');
  assert.equal(profile.json.relation, 'friends');

  const a2 = await tab(a);
  await assertQuiet(bTab, 'a second tab of A does not announce A again');
  a1.close(1000);
  await waitClose(a1);
  await assertQuiet(bTab, 'closing one of two tabs does not make A offline');
  assert.equal((await friendA()).online, true, 'A still online with one tab');

  const t0 = Date.now();
  a2.close(1000);
  await waitClose(a2);
  const off = await nextMessage(bTab);
  assert.deepEqual(Object.keys(off).sort(), ['in_game', 'last_seen_at', 'online', 'type', 'user_id']);
  assert.equal(off.type, 'presence');
  assert.equal(off.user_id, a.user.id);
  assert.equal(off.online, false);
  assert.ok(Number.isInteger(off.last_seen_at), 'last_seen_at is milliseconds since the epoch');
  assert.ok(off.last_seen_at >= t0 - 1000 && off.last_seen_at <= Date.now() + 1000, `last_seen_at ${off.last_seen_at} is about now`);

  const after = await api('GET', `/api/users/${a.user.id}`, b.token);
  assert.equal(after.json.online, false);
  assert.equal(after.json.last_seen_at, off.last_seen_at, 'the profile shows the same last_seen_at');
  assert.deepEqual({ online: (await friendA()).online, last_seen_at: (await friendA()).last_seen_at },
    { online: false, last_seen_at: off.last_seen_at }, 'GET /api/friends too');

  await assertQuiet(cTab, 'a user who is not A\'s friend gets no presence events about A');
  // A's tabs hear nothing about A itself. (B's own "online" may reach them: B's tab opened
  // just before A's, and that announcement is sent once the database has listed B's friends.)
  const toA = a1.inbox.concat(a2.inbox).map((m) => JSON.parse(m));
  for (const m of toA) assert.deepEqual(m, { type: 'presence', user_id: b.user.id, online: true, in_game: null }, 'only B\'s own presence');
});

/** The next message that is not a presence event: those may come and go meanwhile (a
 * tab's "online" goes to the friends its user has once the database has listed them,
 * which can be after a friendship made just then). */
async function notice(ws) {
  for (;;) {
    const m = await nextMessage(ws);
    if (m?.type !== 'presence') return m;
  }
}

async function assertNoNotice(ws, what) {
  const got = (await noMessageWithin(ws, NO_EVENTS_MS)).map((m) => (typeof m === 'string' ? JSON.parse(m) : m));
  assert.deepEqual(got.filter((m) => m.type !== 'presence'), [], what);
}

test('friend_request and friend_update reach the right tabs, and only those', { timeout: 30000 }, async () => {
  const a = await registerUser(ctx.server, 'frA', { display_name: 'Friend A' });
  const b = await registerUser(ctx.server, 'frB', { display_name: 'Friend B' });
  const x = await registerUser(ctx.server, 'frX');   // a bystander
  const [aTab, b1, b2, xTab] = [await tab(a), await tab(b), await tab(b), await tab(x)];

  // A asks: both of B's tabs get friend_request with A's public profile; A gets nothing
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 201);
  for (const t of [b1, b2]) {
    const m = await notice(t);
    assert.equal(m.type, 'friend_request');
    assert.deepEqual(Object.keys(m).sort(), ['from', 'type']);
    assert.equal(m.from.id, a.user.id);
    assert.equal(m.from.username, a.username);
    assert.equal(m.from.display_name, 'Friend A');
    assert.equal(m.from.avatar_url, a.user.avatar_url);
    assert.equal(m.from.online, true, 'A has a tab open');
    assert.equal(m.from.email, undefined, 'no private field in a notification');
  }
  await assertNoNotice(aTab, 'the sender is not notified of its own request');

  // B accepts: friend_update "friends" to both sides, every tab
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, b.token)).status, 200);
  assert.deepEqual(await notice(aTab), { type: 'friend_update', user_id: b.user.id, relation: 'friends' });
  for (const t of [b1, b2]) assert.deepEqual(await notice(t), { type: 'friend_update', user_id: a.user.id, relation: 'friends' });

  // A removes B: "none" to both
  assert.equal((await api('DELETE', `/api/friends/${b.user.id}`, a.token)).status, 204);
  assert.deepEqual(await notice(aTab), { type: 'friend_update', user_id: b.user.id, relation: 'none' });
  for (const t of [b1, b2]) assert.deepEqual(await notice(t), { type: 'friend_update', user_id: a.user.id, relation: 'none' });

  // both ask each other: the second request makes them friends at once
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, b.token)).status, 201);
  assert.equal((await notice(aTab)).from.id, b.user.id);
  const both = await api('POST', `/api/friends/${b.user.id}`, a.token);
  assert.equal(both.status, 200);
  assert.deepEqual(both.json, { relation: 'friends' });
  assert.deepEqual(await notice(aTab), { type: 'friend_update', user_id: b.user.id, relation: 'friends' });
  for (const t of [b1, b2]) assert.deepEqual(await notice(t), { type: 'friend_update', user_id: a.user.id, relation: 'friends' });

  // B blocks A: the friendship ends; A hears "none", B's tabs "blocked"
  assert.equal((await api('PUT', `/api/blocks/${a.user.id}`, b.token)).status, 204);
  assert.deepEqual(await notice(aTab), { type: 'friend_update', user_id: b.user.id, relation: 'none' });
  for (const t of [b1, b2]) assert.deepEqual(await notice(t), { type: 'friend_update', user_id: a.user.id, relation: 'blocked' });

  // a refused request (blocked) notifies nobody
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 403);
  for (const t of [aTab, b1, b2]) await assertNoNotice(t, 'a refused request sends nothing');
  await assertQuiet(xTab, 'a bystander hears nothing of all that, not even presence');
});

test('a user without a tab open gets nothing pushed later; requests wait in GET /api/friends', async () => {
  const a = await registerUser(ctx.server, 'offA');
  const b = await registerUser(ctx.server, 'offB');
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 201);
  const bTab = await tab(b);   // opened after the request
  await assertQuiet(bTab, 'nothing replayed on connect');
  const list = await api('GET', '/api/friends', b.token);
  assert.deepEqual(list.json.incoming.map((f) => f.user.id), [a.user.id]);
});
