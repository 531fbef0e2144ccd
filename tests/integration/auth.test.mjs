// Accounts and sessions over HTTPS against a real pongd (SQLite, or PostgreSQL when the
// suite runs with PONGD_INTEGRATION_DB=postgres): register → login → refresh → rotate →
// reuse detected → family revoked; logout, logout-all, sessions; validation; duplicates;
// every private route without and with bad tokens; SQL-looking text stored verbatim;
// rate limits; the bounded hashing queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { createHmac } from 'node:crypto';
import { useServer, waitFor } from './helpers.mjs';
import { startServer } from '../lib/server.mjs';

const ctx = useServer({ AUTH_RATE: '1000' });

/** The refresh cookie set by a response: { value, attrs } or null. */
function refreshCookie(res) {
  const line = (res.headers['set-cookie'] || []).find((c) => c.startsWith('refresh='));
  if (!line) return null;
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  return { value: pair.slice('refresh='.length), attrs, cookie: pair };
}

let n = 0;
/** A unique valid username. */
function uname(prefix = 'u') {
  n += 1;
  return `${prefix}${process.pid % 10000}_${n}`;
}

const PASSWORD = 'correct horse battery staple';

async function register(server, fields = {}) {
  const username = fields.username ?? uname();
  const res = await call(server, 'POST', '/api/auth/register', {
    body: { username, email: `${username.toLowerCase()}@example.org`, password: PASSWORD, ...fields },
  });
  return { res, username, token: res.json?.access_token, cookie: refreshCookie(res) };
}

test('register: 201 with the user, an access token and a strict refresh cookie', async () => {
  const s = ctx.server;
  const { res, username, token, cookie } = await register(s, { display_name: 'Zoë 🏓' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.user.username, username);
  assert.equal(res.json.user.display_name, 'Zoë 🏓');
  assert.equal(res.json.user.email, `${username.toLowerCase()}@example.org`);
  assert.equal(res.json.token_type, 'Bearer');
  assert.equal(res.json.expires_in, 900);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.ok(cookie, 'a refresh cookie is set');
  assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
  for (const a of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/auth']) assert.ok(cookie.attrs.includes(a), `${a} in ${cookie.attrs}`);
  assert.ok(!res.text.includes(cookie.value), 'the refresh token is not in the body');
  const me = await call(s, 'GET', '/api/users/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.json.id, res.json.user.id);
  assert.equal(me.json.display_name, 'Zoë 🏓');
  assert.equal(me.json.password_hash, undefined);
});

test('validation errors name the field, and nothing is created', async () => {
  const s = ctx.server;
  const good = { username: uname(), email: 'v@example.org', password: PASSWORD };
  const cases = [
    [{ ...good, username: 'ab' }, 'username', 'too_short'],
    [{ ...good, username: 'a'.repeat(21) }, 'username', 'too_long'],
    [{ ...good, username: 'bad name' }, 'username', 'invalid_chars'],
    [{ ...good, username: "x'--" }, 'username', 'invalid_chars'],
    [{ ...good, email: 'not-an-email' }, 'email', 'invalid'],
    [{ ...good, email: 'a@b' }, 'email', 'invalid'],
    [{ ...good, password: 'short' }, 'password', 'too_short'],
    [{ ...good, password: '1234567890' }, 'password', 'too_common'],
    [{ ...good, password: 'Password123!' }, 'password', 'too_common'],
    [{ ...good, username: 'longusername1', password: 'LONGUSERNAME1' }, 'password', 'same_as_username'],
    [{ ...good, password: 'v@example.org' }, 'password', 'same_as_email'],
    [{ ...good, display_name: '   ' }, 'display_name', 'empty'],
    [{ ...good, display_name: 'x'.repeat(33) }, 'display_name', 'too_long'],
    [{ ...good, language: 'de' }, 'language', 'unsupported'],
    [{ email: 'v@example.org', password: PASSWORD }, 'username', 'required'],
    [{ ...good, username: 42 }, 'username', 'invalid_type'],
    [{ ...good, password: null }, 'password', 'invalid_type'],
  ];
  for (const [body, field, code] of cases) {
    const res = await call(s, 'POST', '/api/auth/register', { body });
    assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.text}`);
    assert.equal(res.json.error.code, 'invalid_fields');
    assert.equal(res.json.error.fields[field], code, `${field} of ${JSON.stringify(body)}: ${res.text}`);
  }
  // the body itself
  assert.equal((await call(s, 'POST', '/api/auth/register', { body: '{"username": "x",' })).json.error.code, 'invalid_json');
  assert.equal((await call(s, 'POST', '/api/auth/register', { body: '[1,2]' })).status, 400);
  assert.equal((await call(s, 'POST', '/api/auth/register', { body: '{"a":1,"a":2}' })).status, 400, 'duplicate keys');
  const form = await call(s, 'POST', '/api/auth/register', { body: 'username=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
  assert.equal((await call(s, 'GET', '/api/auth/register')).status, 405);
  // a chunked body (no Content-Length) is refused at once rather than left waiting
  const chunked = await call(s, 'POST', '/api/auth/register', { body: good, chunked: true });
  assert.equal(chunked.status, 411);
  // none of those created the account
  const ok = await call(s, 'POST', '/api/auth/register', { body: good });
  assert.equal(ok.status, 201, ok.text);
});

test('duplicates in another case are refused with 409 naming the field', async () => {
  const s = ctx.server;
  const name = uname('Dup');
  assert.equal((await register(s, { username: name, display_name: `Shown ${name}` })).res.status, 201);
  const r1 = await call(s, 'POST', '/api/auth/register', { body: { username: name.toUpperCase(), email: 'other1@example.org', password: PASSWORD } });
  assert.equal(r1.status, 409);
  assert.deepEqual(r1.json.error.fields, { username: 'taken' });
  const r2 = await call(s, 'POST', '/api/auth/register', { body: { username: uname(), email: `${name.toUpperCase()}@EXAMPLE.org`, password: PASSWORD } });
  assert.equal(r2.status, 409);
  assert.deepEqual(r2.json.error.fields, { email: 'taken' });
  const r3 = await call(s, 'POST', '/api/auth/register', {
    body: { username: uname(), email: 'other3@example.org', password: PASSWORD, display_name: `SHOWN ${name.toLowerCase()}` },
  });
  assert.equal(r3.status, 409);
  assert.deepEqual(r3.json.error.fields, { display_name: 'taken' });
});

test('login by username or email in any case; failures say only "invalid credentials"', async () => {
  const s = ctx.server;
  const { username } = await register(s);
  for (const name of [username, username.toUpperCase(), `${username}@EXAMPLE.ORG`]) {
    const res = await call(s, 'POST', '/api/auth/login', { body: { username: name, password: PASSWORD } });
    assert.equal(res.status, 200, `${name}: ${res.text}`);
    assert.equal(res.json.user.username, username);
    assert.ok(refreshCookie(res));
  }
  const wrong = await call(s, 'POST', '/api/auth/login', { body: { username, password: 'not the password' } });
  const unknown = await call(s, 'POST', '/api/auth/login', { body: { username: 'nobody_here_42', password: PASSWORD } });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.json, unknown.json);
  assert.deepEqual(wrong.json.error, { code: 'invalid_credentials', message: 'Invalid credentials.' });
  assert.equal(refreshCookie(wrong), null);
  const missing = await call(s, 'POST', '/api/auth/login', { body: { username } });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.fields.password, 'required');
});

test('refresh rotates the token; a reused token revokes the whole session family', async () => {
  const s = ctx.server;
  const { cookie: c0, res } = await register(s);
  const uid = res.json.user.id;
  const r1 = await call(s, 'POST', '/api/auth/refresh', { cookie: c0.cookie, origin: s.origin });
  assert.equal(r1.status, 200, r1.text);
  const c1 = refreshCookie(r1);
  assert.notEqual(c1.value, c0.value, 'rotated');
  assert.equal(r1.json.user.id, uid);
  const me = await call(s, 'GET', '/api/users/me', { token: r1.json.access_token });
  assert.equal(me.json.id, uid);
  const r2 = await call(s, 'POST', '/api/auth/refresh', { cookie: c1.cookie, origin: s.origin });
  assert.equal(r2.status, 200);
  const c2 = refreshCookie(r2);
  // the first token again, from another client: reuse (the same client within 5 s would be a
  // refresh race and get the current token: sessions.test.mjs)
  const reuse = await call(s, 'POST', '/api/auth/refresh', { cookie: c0.cookie, origin: s.origin, headers: { 'user-agent': 'another client' } });
  assert.equal(reuse.status, 401);
  assert.equal(reuse.json.error.code, 'refresh_reused');
  assert.match(refreshCookie(reuse).attrs.join(';'), /Max-Age=0/, 'the cookie is cleared');
  // the family is revoked: even the newest token no longer works
  const after = await call(s, 'POST', '/api/auth/refresh', { cookie: c2.cookie, origin: s.origin });
  assert.equal(after.status, 401);
  assert.equal(after.json.error.code, 'refresh_invalid');
  // another login is a new family and works
  const login = await call(s, 'POST', '/api/auth/login', { body: { username: res.json.user.username, password: PASSWORD } });
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: refreshCookie(login).cookie, origin: s.origin })).status, 200);
});

test('cookie endpoints check Origin; refresh without a cookie is 401', async () => {
  const s = ctx.server;
  const { cookie } = await register(s);
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: cookie.cookie })).status, 403, 'no Origin');
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: cookie.cookie, origin: 'https://evil.example' })).status, 403);
  assert.equal((await call(s, 'POST', '/api/auth/logout', { cookie: cookie.cookie, origin: 'https://evil.example' })).status, 403);
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { origin: s.origin })).status, 401);
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { origin: s.origin, cookie: 'refresh=garbage' })).status, 401);
  // the refused attempts did not spend the token
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: cookie.cookie, origin: s.origin })).status, 200);
});

test('logout ends this session; logout-all ends every one; sessions can be listed and revoked', async () => {
  const s = ctx.server;
  const { username, cookie: a } = await register(s);
  const login = (ua) => call(s, 'POST', '/api/auth/login', { body: { username, password: PASSWORD }, headers: { 'user-agent': ua } });
  const b = await login('Browser B');
  const c = await login('Browser C');
  const token = c.json.access_token;
  const list = await call(s, 'GET', '/api/auth/sessions', { token });
  assert.equal(list.status, 200);
  assert.equal(list.json.sessions.length, 3);
  assert.equal(list.json.sessions[0].user_agent, 'Browser C');
  // logout with A's cookie
  const out = await call(s, 'POST', '/api/auth/logout', { cookie: a.cookie, origin: s.origin });
  assert.equal(out.status, 204);
  assert.match(refreshCookie(out).attrs.join(';'), /Max-Age=0/);
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: a.cookie, origin: s.origin })).status, 401);
  assert.equal((await call(s, 'GET', '/api/auth/sessions', { token })).json.sessions.length, 2);
  // revoke B by id
  const bId = (await call(s, 'GET', '/api/auth/sessions', { token })).json.sessions.find((x) => x.user_agent === 'Browser B').id;
  assert.equal((await call(s, 'DELETE', `/api/auth/sessions/${bId}`, { token })).status, 204);
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: refreshCookie(b).cookie, origin: s.origin })).status, 401);
  assert.equal((await call(s, 'DELETE', `/api/auth/sessions/${bId + 100000}`, { token })).status, 404);
  // another user cannot see or revoke these
  const other = await register(s);
  const cId = (await call(s, 'GET', '/api/auth/sessions', { token })).json.sessions[0].id;
  assert.equal((await call(s, 'DELETE', `/api/auth/sessions/${cId}`, { token: other.token })).status, 404);
  const theirs = await call(s, 'GET', '/api/auth/sessions', { token: other.token });
  assert.equal(theirs.json.sessions.length, 1);
  assert.notEqual(theirs.json.sessions[0].id, cId);
  // logout-all
  await login('Browser D');
  assert.equal((await call(s, 'POST', '/api/auth/logout-all', { token })).status, 204);
  assert.equal((await call(s, 'GET', '/api/auth/sessions', { token })).status, 401, 'the caller\'s access token is void too');
  const fresh = await login('Browser E');
  const left = await call(s, 'GET', '/api/auth/sessions', { token: fresh.json.access_token });
  assert.deepEqual(left.json.sessions.map((x) => x.user_agent), ['Browser E'], 'only the new login is left');
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: refreshCookie(c).cookie, origin: s.origin })).status, 401);
  assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: other.cookie.cookie, origin: s.origin })).status, 200, 'others untouched');
});

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

test('every private route refuses a missing, forged or expired token (from the API index)', async () => {
  const s = ctx.server;
  const index = await call(s, 'GET', '/api/');
  const routes = index.json.endpoints.filter((e) => e.auth === 'bearer');
  assert.ok(routes.length >= 4, 'the index marks the private routes');
  const { token, res } = await register(s);
  const [, payload] = token.split('.');
  const forged = [
    ['none', `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`],
    ['HS512 header', `${b64url({ alg: 'HS512', typ: 'JWT' })}.${payload}.${token.split('.')[2]}`],
    ['bad signature', `${token.slice(0, -4)}AAAA`],
    ['other key', (() => {
      const h = b64url({ alg: 'HS256', typ: 'JWT' });
      const p = b64url({ sub: String(res.json.user.id), exp: Math.floor(Date.now() / 1000) + 600 });
      return `${h}.${p}.${createHmac('sha256', 'not the server secret').update(`${h}.${p}`).digest('base64url')}`;
    })()],
    ['garbage', 'abc.def'],
  ];
  for (const route of routes) {
    const path = route.path.replace(/\{(\w+)\}/g, (_, name) => (name === 'name' ? 'room1' : '1'));   // {name}: a room; every other parameter an id
    const none = await call(s, route.method, path);
    assert.equal(none.status, 401, `${route.method} ${path} without a token`);
    assert.equal(none.json.error.code, 'unauthorized');
    for (const [label, t] of forged) {
      const r = await call(s, route.method, path, { token: t });
      assert.equal(r.status, 401, `${route.method} ${path} with ${label}`);
    }
  }
});

test('text that looks like SQL is stored and returned verbatim', async () => {
  const s = ctx.server;
  const nasty = ["Robert'); DROP TABLE users;--", "' OR '1'='1", '"; DELETE FROM sessions; --', '$1 ?1 :x @y \\'];
  for (const display of nasty) {
    const pw = `${display} ${PASSWORD}`;
    const { res, username } = await register(s, { display_name: display.slice(0, 32), password: pw });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.user.display_name, display.slice(0, 32));
    const login = await call(s, 'POST', '/api/auth/login', { body: { username, password: pw } });
    assert.equal(login.status, 200);
    const me = await call(s, 'GET', '/api/users/me', { token: login.json.access_token });
    assert.equal(me.json.display_name, display.slice(0, 32));
  }
  const injected = await call(s, 'POST', '/api/auth/login', { body: { username: "' OR '1'='1", password: "' OR '1'='1" } });
  assert.equal(injected.status, 401);
});

test('login and registration are rate limited per address and per account (429 + Retry-After)', async () => {
  const s = await startServer({ AUTH_RATE: '3' });
  try {
    const tries = [];
    for (let i = 0; i < 4; i++) tries.push(await call(s, 'POST', '/api/auth/login', { body: { username: 'someone', password: 'x'.repeat(12) } }));
    assert.deepEqual(tries.map((r) => r.status), [401, 401, 401, 429]);
    assert.ok(Number(tries[3].headers['retry-after']) >= 1);
    assert.equal(tries[3].json.error.code, 'too_many_requests');
  } finally {
    await s.stop();
  }
});

test('a flood of logins gets 503 + Retry-After past the hashing queue, and other traffic still flows', async () => {
  const s = await startServer({ HASH_THREADS: '1', HASH_QUEUE: '2', AUTH_RATE: '10000' });
  try {
    const { username } = await register(s);
    const flood = Array.from({ length: 40 }, () => call(s, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } }));
    const health = await call(s, 'GET', '/healthz');   // answered while hashing is saturated
    assert.equal(health.status, 200);
    const results = await Promise.all(flood);
    const codes = results.map((r) => r.status);
    assert.ok(codes.includes(503), `some refused: ${codes}`);
    assert.ok(codes.includes(200), `some served: ${codes}`);
    assert.ok(codes.every((c) => c === 200 || c === 503), `${codes}`);
    const busy = results.find((r) => r.status === 503);
    assert.ok(Number(busy.headers['retry-after']) >= 1);
    assert.equal(busy.json.error.code, 'busy');
  } finally {
    await s.stop();
  }
});

test('SIGKILL during a burst of registrations loses no acknowledged account', async () => {
  const first = await startServer({ AUTH_RATE: '10000', HASH_THREADS: '2', HASH_QUEUE: '1000' });
  const env = { AUTH_RATE: '10000', VAR_DIR: first.varDir + '-keep', DATABASE_URL: first.databaseUrl };
  await first.stop();
  const a = await startServer(env);
  const created = [];
  let stop = false;
  const burst = Array.from({ length: 6 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const username = `k${w}_${i}_${process.pid % 1000}`;
      try {
        const r = await call(a, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.org`, password: PASSWORD } });
        if (r.status === 201) created.push(username);
      } catch { return; }   // the server died mid-request
    }
  });
  await waitFor(() => created.length >= 15, 30000, '15 registrations');
  a.proc.kill('SIGKILL');
  stop = true;
  await Promise.all(burst);
  await a.exited;
  const b = await startServer(env);
  try {
    for (const username of created) {
      const r = await call(b, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });
      assert.equal(r.status, 200, `${username} got 201 before the crash but cannot log in: ${r.text}`);
    }
    assert.ok(created.length >= 15);
  } finally {
    await b.stop();
  }
});

test('every cookie-authenticated route refuses a missing or foreign Origin (from the OpenAPI document)', async () => {
  const s = ctx.server;
  const doc = (await call(s, 'GET', '/api/openapi.json')).json;
  const routes = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if ((op.security ?? []).some((r) => 'refreshCookie' in r)) routes.push([method.toUpperCase(), path]);
    }
  }
  // the ones known today; a new cookie route is checked too without being listed here
  for (const known of [['POST', '/api/auth/refresh'], ['POST', '/api/auth/logout']]) {
    assert.ok(routes.some(([m, p]) => m === known[0] && p === known[1]), `${known.join(' ')} is marked as a cookie route`);
  }
  for (const [method, path] of routes) {
    const { cookie } = await register(s);
    const target = path.replace(/\{[^}]+\}/g, '1');
    for (const origin of [undefined, 'https://evil.example', `http://127.0.0.1:${s.httpsPort}`, 'null']) {
      const r = await call(s, method, target, { cookie: cookie.cookie, origin, body: method === 'GET' ? undefined : {} });
      assert.equal(r.status, 403, `${method} ${path} with Origin ${origin}: ${r.status} ${r.text}`);
      assert.equal(r.json?.error?.code, 'origin_not_allowed');
    }
    // the refused attempts did not spend or end the session
    assert.equal((await call(s, 'POST', '/api/auth/refresh', { cookie: cookie.cookie, origin: s.origin })).status, 200, `${method} ${path}`);
  }
});
