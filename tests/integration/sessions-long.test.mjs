// Sessions that really end, across a restart (docs/security.md): the ends the loop held in
// memory — one session ended (DELETE /api/auth/sessions/{id}), a logout, a logout-all — are
// reloaded from the database by the next pongd, so the access tokens they voided stay
// refused (on a bearer route and at a socket's auth) while the other sessions' work.
// A restart: SQLite only (*-long).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { call } from './api-client.mjs';
import { startServer } from '../lib/server.mjs';
import { buildWebRoot, registerUser, openApp, TEST_PASSWORD } from './helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'pongd-sessions-long-'));
const fixture = buildWebRoot();
const ENV = {
  WEB_ROOT: fixture.root,
  AUTH_RATE: '10000',
  JWT_SECRET: randomBytes(32).toString('hex'),   // the same on both: the tokens stay valid
  DATABASE_URL: join(dir, 'pongd.sqlite3'),
};
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
  fixture.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const s = await startServer(ENV);
  servers.push(s);
  return s;
}

async function login(server, username, ua) {
  const res = await call(server, 'POST', '/api/auth/login', { body: { username, password: TEST_PASSWORD }, headers: { 'user-agent': ua } });
  assert.equal(res.status, 200, res.text);
  const line = [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('refresh='));
  return { token: res.json.access_token, cookie: line.split(';')[0] };
}

async function me(server, token) { return (await call(server, 'GET', '/api/users/me', { token })).status; }

test('ended sessions stay ended after a restart; the others go on', { timeout: 60000 }, async () => {
  let s = await start();
  const a = await registerUser(s, 'keep');                  // session A: stays
  const b = await login(s, a.username, 'browser-B');        // ended from A
  const c = await login(s, a.username, 'browser-C');        // logs itself out
  const d = await registerUser(s, 'all');                   // another user: logout-all
  const list = await call(s, 'GET', '/api/auth/sessions', { token: a.token });
  const bid = list.json.sessions.find((x) => x.user_agent === 'browser-B').id;
  assert.equal((await call(s, 'DELETE', `/api/auth/sessions/${bid}`, { token: a.token })).status, 204);
  assert.equal((await call(s, 'POST', '/api/auth/logout', { cookie: c.cookie, origin: s.origin })).status, 204);
  assert.equal((await call(s, 'POST', '/api/auth/logout-all', { token: d.token })).status, 204);
  for (const t of [b.token, c.token, d.token]) assert.equal(await me(s, t), 401, 'refused before the restart');
  assert.equal(await me(s, a.token), 200);

  await s.stop();
  s = await start();
  assert.equal(await me(s, a.token), 200, 'A\'s access token works on the new process');
  assert.equal(await me(s, b.token), 401, 'the session ended from A stays ended');
  assert.equal(await me(s, c.token), 401, 'the logged-out session stays ended');
  assert.equal(await me(s, d.token), 401, 'logout-all stays');
  for (const t of [b.token, c.token]) {
    const refused = await openApp(s, { token: t }).then((ws) => { ws.close(); return null; }, (e) => e);
    assert.ok(refused, 'a socket authenticated with an ended session\'s token is refused');
  }
  const ok = await openApp(s, { token: a.token });
  ok.close();
});
