// Sessions that really end (issue 15, docs/security.md) against a real pongd (SQLite, or
// PostgreSQL with PONGD_INTEGRATION_DB=postgres): after a password change, logout-all and an
// account deletion, the other sessions' refresh and access tokens are refused at once and
// their open sockets — the app socket /ws/, a chat room socket and a game socket — are closed
// with 4001 "session ended"; a password change keeps the caller's session. Ending one session
// (DELETE /api/auth/sessions/{id}, logout) does the same to that session alone. Refresh races: two
// refreshes of one browser at the same moment both succeed with the same new cookie; a stolen
// token replayed by another client, or by anyone after the grace, revokes the family.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { useServer, registerUser, openApp, openChat, waitClose, sleep, TEST_PASSWORD } from './helpers.mjs';
import { GameClient, inviteGame } from './game-client.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });
const GRACE_MS = 5000;   // LIM_REFRESH_GRACE_MS

function refreshCookie(res) {
  const line = [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('refresh='));
  return line ? line.split(';')[0] : null;
}

async function login(server, username, password = TEST_PASSWORD, headers = {}) {
  const res = await call(server, 'POST', '/api/auth/login', { body: { username, password }, headers });
  assert.equal(res.status, 200, res.text);
  return { token: res.json.access_token, cookie: refreshCookie(res), user: res.json.user };
}

function refresh(server, cookie, headers = {}) {
  return call(server, 'POST', '/api/auth/refresh', { cookie, origin: server.origin, headers });
}

async function me(server, token) { return (await call(server, 'GET', '/api/users/me', { token })).status; }

/** Session `s` (a login) with its three kinds of sockets open: app, chat room, game. */
async function sockets(server, s, opponent) {
  const app = await openApp(server, { token: s.token });
  const chat = await openChat(server, `sess${Math.random().toString(36).slice(2, 8)}`, { token: s.token });
  const { gameId } = await inviteGame(server, { token: s.token, user: s.user }, opponent);
  const game = await GameClient.connect(server, gameId, s.token);
  return { app, chat, game };
}

async function assertEnded(all, label) {
  const [a, c, g] = await Promise.all([waitClose(all.app), waitClose(all.chat), Promise.race([all.game.closed, sleep(5000)])]);
  for (const [kind, info] of [['app', a], ['chat', c], ['game', g]]) {
    assert.ok(info, `${label}: the ${kind} socket was closed`);
    assert.equal(info.code, 4001, `${label}: ${kind} socket close code`);
    assert.equal(info.reason, 'session ended', `${label}: ${kind} socket close reason`);
  }
}

test('a password change ends every other session at once and keeps the caller\'s', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const owner = await registerUser(s, 'pw');                 // session 1: the caller
  const other = await login(s, owner.username);              // session 2: another browser
  const opponent = await registerUser(s, 'opp');
  const mine = await openApp(s, { token: owner.token });     // the caller's own tab
  const theirs = await sockets(s, other, opponent);
  const next = 'a brand new passphrase 42';
  const r = await call(s, 'PATCH', '/api/users/me', { token: owner.token, body: { password: next, current_password: TEST_PASSWORD } });
  assert.equal(r.status, 200, r.text);
  await assertEnded(theirs, 'password change');
  assert.equal(await me(s, other.token), 401, 'the other session\'s access token is refused');
  const rr = await refresh(s, other.cookie);
  assert.equal(rr.status, 401, 'the other session\'s refresh token is refused');
  assert.equal(rr.json.error.code, 'refresh_invalid');
  // the caller's session goes on: its socket stays open, its cookie refreshes
  await sleep(200);
  assert.equal(mine.closeInfo, null, 'the caller\'s own socket stays open');
  const mr = await refresh(s, owner.cookie);
  assert.equal(mr.status, 200, mr.text);
  assert.equal(await me(s, mr.json.access_token), 200);
  // a socket opened afterwards with the other session's old token is refused at once
  const late = await openApp(s, { token: other.token }).then(() => null, (e) => e);
  assert.ok(late, 'a socket with a voided token is refused');
  // and logging in anew works (with the new password only)
  assert.equal((await call(s, 'POST', '/api/auth/login', { body: { username: owner.username, password: TEST_PASSWORD } })).status, 401);
  const again = await login(s, owner.username, next);
  assert.equal(await me(s, again.token), 200);
  mine.close();
});

test('logout-all ends every session, the caller\'s too', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const owner = await registerUser(s, 'la');
  const other = await login(s, owner.username);
  const opponent = await registerUser(s, 'opp');
  const theirs = await sockets(s, other, opponent);
  const mine = await openApp(s, { token: owner.token });
  const r = await call(s, 'POST', '/api/auth/logout-all', { token: owner.token });
  assert.equal(r.status, 204, r.text);
  await assertEnded(theirs, 'logout-all');
  const info = await waitClose(mine);
  assert.equal(info.code, 4001, 'the caller\'s socket too');
  for (const sess of [owner, other]) {
    assert.equal(await me(s, sess.token), 401, 'access tokens refused');
    assert.equal((await refresh(s, sess.cookie)).status, 401, 'refresh tokens refused');
  }
  const again = await login(s, owner.username);   // a new login is a new session
  assert.equal(await me(s, again.token), 200);
});

test('deleting the account closes its sockets and voids its tokens at once', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const owner = await registerUser(s, 'del');
  const other = await login(s, owner.username);
  const opponent = await registerUser(s, 'opp');
  const theirs = await sockets(s, other, opponent);
  const r = await call(s, 'DELETE', '/api/users/me', { token: owner.token, body: { password: TEST_PASSWORD } });
  assert.equal(r.status, 204, r.text);
  await assertEnded(theirs, 'deletion');
  assert.equal(await me(s, other.token), 401);
  assert.equal((await refresh(s, other.cookie)).status, 401);
});

/** The id (in GET /api/auth/sessions, as `by` sees it) of the session with this user agent. */
async function sessionId(server, by, userAgent) {
  const list = await call(server, 'GET', '/api/auth/sessions', { token: by.token, cookie: by.cookie });
  assert.equal(list.status, 200, list.text);
  const mine = list.json.sessions.filter((x) => x.user_agent === userAgent);
  assert.equal(mine.length, 1, `one session with user agent ${userAgent}: ${list.text}`);
  return mine[0].id;
}

test('ending one session from another voids its tokens and closes its sockets, and no other session\'s', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const a = await registerUser(s, 'one');                                           // session A: the caller
  const b0 = await login(s, a.username, TEST_PASSWORD, { 'user-agent': 'browser-B' });   // session B
  const c = await login(s, a.username, TEST_PASSWORD, { 'user-agent': 'browser-C' });    // session C: a bystander
  // B has refreshed once: its listed id (the current row) is not its first row (the sid)
  const br = await refresh(s, b0.cookie, { 'user-agent': 'browser-B' });
  assert.equal(br.status, 200, br.text);
  const b = { token: br.json.access_token, cookie: refreshCookie(br), user: b0.user };
  const opponent = await registerUser(s, 'opp');
  const theirs = await sockets(s, b, opponent);
  const mineA = await openApp(s, { token: a.token });
  const mineC = await openApp(s, { token: c.token });
  const id = await sessionId(s, a, 'browser-B');
  const r = await call(s, 'DELETE', `/api/auth/sessions/${id}`, { token: a.token });
  assert.equal(r.status, 204, r.text);
  await assertEnded(theirs, 'session revoked');
  assert.equal(await me(s, b.token), 401, 'B\'s access token is refused');
  assert.equal(await me(s, b0.token), 401, 'B\'s access token from before its refresh too');
  assert.equal((await refresh(s, b.cookie, { 'user-agent': 'browser-B' })).status, 401, 'B\'s refresh token is refused');
  const late = await openApp(s, { token: b.token }).then(() => null, (e) => e);
  assert.ok(late, 'a socket authenticated with B\'s token is refused');
  // A and C go on: their sockets stay open, their tokens work, C can refresh
  await sleep(200);
  assert.equal(mineA.closeInfo, null, 'A\'s socket stays open');
  assert.equal(mineC.closeInfo, null, 'C\'s socket stays open');
  assert.equal(await me(s, a.token), 200);
  assert.equal(await me(s, c.token), 200);
  const cr = await refresh(s, c.cookie, { 'user-agent': 'browser-C' });
  assert.equal(cr.status, 200, cr.text);
  assert.equal(await me(s, cr.json.access_token), 200);
  const again = await openApp(s, { token: a.token });   // A can still open sockets
  // another user's session id is not found, and nothing of theirs changes
  const other = await registerUser(s, 'oth');
  const oid = (await call(s, 'GET', '/api/auth/sessions', { token: other.token })).json.sessions[0].id;
  assert.equal((await call(s, 'DELETE', `/api/auth/sessions/${oid}`, { token: a.token })).status, 404);
  assert.equal(await me(s, other.token), 200);
  for (const ws of [mineA, mineC, again]) ws.close();
});

test('logout ends its own session at once, and only it', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const a = await registerUser(s, 'lo');
  const b = await login(s, a.username);
  const opponent = await registerUser(s, 'opp');
  const theirs = await sockets(s, b, opponent);
  const mineA = await openApp(s, { token: a.token });
  const r = await call(s, 'POST', '/api/auth/logout', { cookie: b.cookie, origin: s.origin });
  assert.equal(r.status, 204, r.text);
  await assertEnded(theirs, 'logout');
  assert.equal(await me(s, b.token), 401, 'the logged-out session\'s access token is refused');
  assert.equal((await refresh(s, b.cookie)).status, 401);
  const late = await openApp(s, { token: b.token }).then(() => null, (e) => e);
  assert.ok(late, 'a socket authenticated with its token is refused');
  await sleep(200);
  assert.equal(mineA.closeInfo, null, 'the other session\'s socket stays open');
  assert.equal(await me(s, a.token), 200);
  const ar = await refresh(s, a.cookie);
  assert.equal(ar.status, 200, ar.text);
  mineA.close();
});

test('two refreshes of one browser at the same moment both succeed, with the same new cookie', { timeout: 20000 }, async () => {
  const s = ctx.server;
  const u = await registerUser(s, 'race');
  const [a, b] = await Promise.all([refresh(s, u.cookie), refresh(s, u.cookie)]);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  const ca = refreshCookie(a);
  assert.ok(ca);
  assert.equal(refreshCookie(b), ca, 'both answers carry the one current token');
  assert.equal(await me(s, a.json.access_token), 200);
  assert.equal(await me(s, b.json.access_token), 200);
  // the browser goes on with it: the next refresh works, and the session is listed once
  const n = await refresh(s, ca);
  assert.equal(n.status, 200, n.text);
  const list = await call(s, 'GET', '/api/auth/sessions', { token: n.json.access_token });
  assert.equal(list.json.sessions.length, 1);
  // a late third one within the grace (the original token again) is still the same browser
  const late = await refresh(s, u.cookie);
  assert.equal(late.status, 200, late.text);
  assert.equal(refreshCookie(late), refreshCookie(n), 'two steps along: the current token');
});

test('a rotated token replayed by another client, or after the grace, revokes the family', { timeout: 20000 }, async () => {
  const s = ctx.server;
  // another client (another user agent) within the grace: a thief
  const v = await registerUser(s, 'thief');
  const ok = await refresh(s, v.cookie);
  assert.equal(ok.status, 200);
  const other = await login(s, v.username);   // another session of the same user
  const victim = await openApp(s, { token: ok.json.access_token });
  const stolen = await refresh(s, v.cookie, { 'user-agent': 'curl/8.0' });
  assert.equal(stolen.status, 401);
  assert.equal(stolen.json.error.code, 'refresh_reused');
  assert.equal((await refresh(s, refreshCookie(ok))).status, 401, 'the whole family is revoked');
  // the session is ended as a whole: its access tokens refused, its socket closed
  assert.equal(await me(s, ok.json.access_token), 401, 'the session\'s access token is refused');
  assert.equal(await me(s, v.token), 401);
  const info = await waitClose(victim);
  assert.equal(info.code, 4001);
  assert.equal(await me(s, other.token), 200, 'the user\'s other session goes on');
  // the same client after the grace
  const w = await registerUser(s, 'grace');
  const first = await refresh(s, w.cookie);
  assert.equal(first.status, 200);
  await sleep(GRACE_MS + 300);
  const replay = await refresh(s, w.cookie);
  assert.equal(replay.status, 401);
  assert.equal(replay.json.error.code, 'refresh_reused');
  assert.equal((await refresh(s, refreshCookie(first))).status, 401, 'the whole family is revoked');
});
