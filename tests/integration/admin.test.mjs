// The admin role (issue 15, docs/security.md "Admin role") against a real pongd (SQLite, or
// PostgreSQL with PONGD_INTEGRATION_DB=postgres): `pongd admin grant|revoke|list` run against
// the test server's own database while it runs; the admin routes refuse non-administrators;
// a ban closes the user's open sockets (the app socket and a chat socket) with 4001 "session
// ended", ends their live game as their resignation, refuses their access and refresh tokens
// and their login, and is audited; an unban lets them log in again; an administrator moderates
// a room they neither own nor joined, and those actions are in the audit log too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { useServer, registerUser, openApp, openChat, waitClose, runPongd, TEST_PASSWORD } from './helpers.mjs';
import { inviteGame, waitRecord } from './game-client.mjs';
import { totp } from '../lib/totp.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });

/** Runs `pongd admin <args…>` on the test server's database (its VAR_DIR, or its PostgreSQL schema). */
function pongdAdmin(...args) {
  const s = ctx.server;
  return runPongd(['admin', ...args], { VAR_DIR: s.varDir, ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}) });
}

async function makeAdmin(prefix = 'adm') {
  const u = await registerUser(ctx.server, prefix);
  const r = await pongdAdmin('grant', u.username);
  assert.equal(r.code, 0, r.out);
  return u;
}

const ADMIN_ROUTES = [
  ['GET', '/api/admin/users'],
  ['GET', '/api/admin/audit'],
  ['POST', '/api/admin/users/1/ban', {}],
  ['DELETE', '/api/admin/users/1/ban'],
  ['POST', '/api/admin/users/1/unmute'],
];

test('a non-administrator gets 403 on every admin route; without a token, 401', { timeout: 20000 }, async () => {
  const s = ctx.server;
  const u = await registerUser(s, 'plain');
  for (const [method, path, body] of ADMIN_ROUTES) {
    const r = await call(s, method, path, { token: u.token, body });
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.error.code, 'forbidden');
    assert.equal((await call(s, method, path, { body })).status, 401, `${method} ${path} without a token`);
  }
  const st = await call(s, 'GET', '/api/admin/status', { token: u.token });
  assert.equal(st.status, 200);
  assert.deepEqual(st.json, { admin: false });
});

test('pongd admin grant makes an administrator while the server runs; revoke takes it back at the next request', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const u = await registerUser(s, 'boss');
  const unknown = await pongdAdmin('grant', 'nobody_by_that_name');
  assert.equal(unknown.code, 1, unknown.out);
  assert.match(unknown.out, /no user named 'nobody_by_that_name'/);
  assert.equal((await pongdAdmin('grant')).code, 2, 'a missing username is a usage error');
  assert.equal((await pongdAdmin('promote', u.username)).code, 2);

  const g = await pongdAdmin('grant', u.username.toUpperCase());   // usernames in any case
  assert.equal(g.code, 0, g.out);
  assert.match(g.out, /is now an administrator/);
  const again = await pongdAdmin('grant', u.username);
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /already/);
  const list = await pongdAdmin('list');
  assert.equal(list.code, 0, list.out);
  assert.match(list.out, new RegExp(`\\b${u.username}\\b`));

  // the same access token: the role is read from the database on each request
  assert.deepEqual((await call(s, 'GET', '/api/admin/status', { token: u.token })).json, { admin: true });
  const users = await call(s, 'GET', `/api/admin/users?q=${u.username.slice(0, 6).toUpperCase()}`, { token: u.token });
  assert.equal(users.status, 200, users.text);
  const row = users.json.users.find((x) => x.id === u.user.id);
  assert.ok(row, 'the search finds the user by a part of the username, in any case');
  assert.equal(row.username, u.username);
  assert.equal(row.email, u.email);
  assert.equal(row.is_admin, true);
  assert.equal(row.banned_at, null);
  assert.equal(row.two_factor, false);
  assert.equal(typeof row.created_at, 'number');

  // paging, and bad queries refused
  const one = await call(s, 'GET', '/api/admin/users?limit=1', { token: u.token });
  assert.equal(one.json.users.length, 1);
  assert.equal(one.json.more, true, 'more than one user: another page follows');
  const next = await call(s, 'GET', '/api/admin/users?limit=1&offset=1', { token: u.token });
  assert.notEqual(next.json.users[0].id, one.json.users[0].id);
  for (const bad of ['q=%FF', `q=${'a'.repeat(300)}`, 'limit=0', 'limit=101', 'offset=-1', 'limit=x']) {
    const r = await call(s, 'GET', `/api/admin/users?${bad}`, { token: u.token });
    assert.equal(r.status, 400, `${bad}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_fields');
  }

  const audit = await call(s, 'GET', '/api/admin/audit', { token: u.token });
  assert.equal(audit.status, 200);
  const grant = audit.json.entries.find((e) => e.action === 'admin.grant' && e.target?.id === u.user.id);
  assert.ok(grant, 'the grant is audited');
  assert.equal(grant.actor, null, 'by the command line');
  assert.equal(grant.target.username, u.username);

  const rv = await pongdAdmin('revoke', u.username);
  assert.equal(rv.code, 0, rv.out);
  assert.equal((await call(s, 'GET', '/api/admin/users', { token: u.token })).status, 403, 'revoked: refused at once');
  assert.deepEqual((await call(s, 'GET', '/api/admin/status', { token: u.token })).json, { admin: false });
});

test('a ban closes the user\'s sockets, refuses their tokens and login, is audited; an unban lets them in again', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const admin = await makeAdmin();
  const victim = await registerUser(s, 'ban');
  const second = await call(s, 'POST', '/api/auth/login', { body: { username: victim.username, password: TEST_PASSWORD } });
  assert.equal(second.status, 200);
  const app = await openApp(s, { token: victim.token });
  const chat = await openChat(s, `banroom${Date.now() % 100000}`, { token: second.json.access_token });
  const opponent = await registerUser(s, 'opp');
  const { gameId } = await inviteGame(s, victim, opponent);   // a live game: the victim is seat 0

  const before = Date.now();
  const r = await call(s, 'POST', `/api/admin/users/${victim.user.id}/ban`, { token: admin.token, body: { reason: 'spam' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user_id, victim.user.id);
  assert.equal(r.json.sessions_ended, true);
  for (const [kind, ws] of [['app', app], ['chat', chat]]) {
    const info = await waitClose(ws);
    assert.equal(info.code, 4001, `${kind} socket: close code`);
    assert.equal(info.reason, 'session ended', `${kind} socket: reason`);
  }
  const record = await waitRecord(s, opponent.token, gameId);
  assert.equal(record.ended_how, 'resign', 'their live game ended as their resignation');
  assert.equal(record.winner, 1, 'the opponent won');
  assert.equal((await call(s, 'GET', '/api/users/me', { token: victim.token })).status, 401, 'access token refused');
  assert.equal((await call(s, 'GET', '/api/users/me', { token: second.json.access_token })).status, 401);
  const rf = await call(s, 'POST', '/api/auth/refresh', { cookie: victim.cookie, origin: s.origin });
  assert.ok(rf.status === 401 || rf.status === 403, `refresh refused: ${rf.status}`);
  const login = await call(s, 'POST', '/api/auth/login', { body: { username: victim.username, password: TEST_PASSWORD } });
  assert.equal(login.status, 403, login.text);
  assert.equal(login.json.error.code, 'account_banned');
  const wrong = await call(s, 'POST', '/api/auth/login', { body: { username: victim.username, password: 'not the password at all' } });
  assert.equal(wrong.status, 401, 'the ban is told only after the right password');
  await openApp(s, { token: victim.token }).then(() => assert.fail('a socket with the old token'), () => {});

  // refused: banning again, yourself, another administrator, nobody
  assert.equal((await call(s, 'POST', `/api/admin/users/${victim.user.id}/ban`, { token: admin.token, body: {} })).status, 409);
  const self = await call(s, 'POST', `/api/admin/users/${admin.user.id}/ban`, { token: admin.token, body: {} });
  assert.equal(self.status, 403);
  assert.equal(self.json.error.code, 'forbidden_target');
  const other = await makeAdmin('adm2');
  assert.equal((await call(s, 'POST', `/api/admin/users/${other.user.id}/ban`, { token: admin.token, body: {} })).json.error.code, 'forbidden_target');
  assert.equal((await call(s, 'POST', '/api/admin/users/999999999/ban', { token: admin.token, body: {} })).status, 404);

  const list = await call(s, 'GET', `/api/admin/users?q=${victim.username}`, { token: admin.token });
  assert.ok(list.json.users[0].banned_at >= before, 'the list shows when');

  const audit = await call(s, 'GET', '/api/admin/audit?limit=100', { token: admin.token });
  const e = audit.json.entries.find((x) => x.action === 'user.ban' && x.target?.id === victim.user.id);
  assert.ok(e, 'the ban is audited');
  assert.deepEqual(e.actor, { id: admin.user.id, username: admin.username });
  assert.equal(e.target.username, victim.username);
  assert.equal(e.detail, 'spam');
  assert.ok(e.at >= before && e.at <= Date.now() + 1000, 'when');

  const ub = await call(s, 'DELETE', `/api/admin/users/${victim.user.id}/ban`, { token: admin.token });
  assert.equal(ub.status, 204, ub.text);
  assert.equal((await call(s, 'DELETE', `/api/admin/users/${victim.user.id}/ban`, { token: admin.token })).status, 409);
  const back = await call(s, 'POST', '/api/auth/login', { body: { username: victim.username, password: TEST_PASSWORD } });
  assert.equal(back.status, 200, back.text);
  assert.equal((await call(s, 'GET', '/api/users/me', { token: back.json.access_token })).status, 200);
  const audit2 = await call(s, 'GET', '/api/admin/audit?limit=1', { token: admin.token });
  assert.equal(audit2.json.entries.length, 1);
  assert.equal(audit2.json.entries[0].action, 'user.unban', 'newest first');
  assert.equal(audit2.json.more, true);
});

test('an administrator moderates a room they neither own nor joined, and it is audited', { timeout: 30000 }, async () => {
  const s = ctx.server;
  const admin = await makeAdmin();
  const owner = await registerUser(s, 'own');
  const member = await registerUser(s, 'mem');
  const room = `modroom${Date.now() % 100000}`;
  assert.equal((await call(s, 'POST', `/api/chat/rooms/${room}/join`, { token: owner.token })).status, 201);
  assert.equal((await call(s, 'POST', `/api/chat/rooms/${room}/join`, { token: member.token })).status, 200);
  const ownerPost = await call(s, 'POST', `/api/chat/rooms/${room}/messages`, { token: owner.token, body: { text: 'the owner speaks' } });
  assert.equal(ownerPost.status, 201, ownerPost.text);
  const base = `/api/chat/rooms/${room}`;

  // the owner's own message (a rank an ordinary moderator could not touch)
  assert.equal((await call(s, 'DELETE', `${base}/messages/${ownerPost.json.seq}`, { token: admin.token })).status, 204);
  const mute = await call(s, 'POST', `${base}/mute`, { token: admin.token, body: { user_id: member.user.id, seconds: 600, reason: 'calm down' } });
  assert.equal(mute.status, 200, mute.text);
  const muted = await call(s, 'POST', `${base}/messages`, { token: member.token, body: { text: 'hello?' } });
  assert.equal(muted.json?.error?.code, 'muted');
  const un = await call(s, 'POST', `/api/admin/users/${member.user.id}/unmute`, { token: admin.token });
  assert.equal(un.status, 200, un.text);
  assert.equal(un.json.rooms, 1);
  assert.equal((await call(s, 'POST', `${base}/messages`, { token: member.token, body: { text: 'hello again' } })).status, 201);
  assert.equal((await call(s, 'POST', `${base}/kick`, { token: admin.token, body: { user_id: member.user.id } })).status, 204);
  assert.equal((await call(s, 'POST', `${base}/ban`, { token: admin.token, body: { user_id: owner.user.id, reason: 'owner gone rogue' } })).status, 204);
  assert.equal((await call(s, 'POST', `${base}/join`, { token: owner.token })).json.error.code, 'banned');
  assert.equal((await call(s, 'DELETE', `${base}/ban/${owner.user.id}`, { token: admin.token })).status, 204);

  const actions = await call(s, 'GET', `${base}/actions`, { token: admin.token });
  assert.equal(actions.status, 200);
  assert.deepEqual(actions.json.actions.map((a) => a.action), ['unban', 'ban', 'kick', 'mute', 'delete']);

  const audit = await call(s, 'GET', '/api/admin/audit?limit=100', { token: admin.token });
  const mine = audit.json.entries.filter((x) => x.actor?.id === admin.user.id);
  assert.deepEqual(mine.map((x) => x.action), ['chat.unban', 'chat.ban', 'chat.kick', 'chat.unmute', 'chat.mute', 'chat.delete']);
  const del = mine.find((x) => x.action === 'chat.delete');
  assert.equal(del.target.id, owner.user.id, 'whom: the message\'s sender');
  assert.match(del.detail, new RegExp(`room ${room}, message ${ownerPost.json.seq}`));
  assert.match(mine.find((x) => x.action === 'chat.ban').detail, /owner gone rogue/);
  // after the unban the owner rejoins (and owns it again); their own moderation is not audited
  assert.equal((await call(s, 'POST', `${base}/join`, { token: owner.token })).json.role, 'owner');
  const member2 = await registerUser(s, 'mem2');
  await call(s, 'POST', `${base}/join`, { token: member2.token });
  assert.equal((await call(s, 'POST', `${base}/kick`, { token: owner.token, body: { user_id: member2.user.id } })).status, 204);
  const audit3 = await call(s, 'GET', '/api/admin/audit?limit=100', { token: admin.token });
  assert.equal(audit3.json.entries.filter((x) => x.actor?.id === owner.user.id).length, 0);
});

test('a login half-way through its second factor when the ban comes is refused at the second step', { timeout: 20000 }, async () => {
  const s = ctx.server;
  const admin = await makeAdmin();
  const u = await registerUser(s, 'tf');
  const setup = await call(s, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
  assert.equal(setup.status, 200, setup.text);
  const on = await call(s, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: totp(setup.json.secret) } });
  assert.equal(on.status, 200, on.text);
  const step1 = await call(s, 'POST', '/api/auth/login', { body: { username: u.username, password: TEST_PASSWORD } });
  assert.equal(step1.json.two_factor_required, true, step1.text);
  assert.equal((await call(s, 'POST', `/api/admin/users/${u.user.id}/ban`, { token: admin.token, body: {} })).status, 200);
  const step2 = await call(s, 'POST', '/api/auth/2fa/verify', { body: { challenge: step1.json.challenge, recovery_code: on.json.recovery_codes[0] } });
  assert.equal(step2.status, 403, step2.text);
  assert.equal(step2.json.error.code, 'account_banned');
  // and a new login stops at the password step, before any challenge
  const again = await call(s, 'POST', '/api/auth/login', { body: { username: u.username, password: TEST_PASSWORD } });
  assert.equal(again.status, 403);
  assert.equal(again.json.error.code, 'account_banned');
});
