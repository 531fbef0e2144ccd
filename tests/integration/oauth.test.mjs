// Log in with 42 against the stand-in provider (tests/lib/fake42.mjs: a real HTTPS server with a
// throw-away CA that pongd is told to trust): the authorization code flow with state and PKCE,
// first login creates an account (unique name, avatar re-encoded), later logins find it by the
// provider's user id (never by email), every refusal ends on a page of the app (bad, missing,
// foreign or reused state; the provider's denial; a bad code), link and unlink rules, setting a
// first password, the second factor applies, the export shows the link and deletion removes it;
// and POST /api/auth/restore (the page's question on every load). The provider's timeout is in
// oauth-long.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { call } from './api-client.mjs';
import { startServer, registerUser, buildWebRoot, runPongd } from './helpers.mjs';
import { startFake42, user42 } from '../lib/fake42.mjs';
import { totp } from '../lib/totp.mjs';

let server;
let fixture;
let fake;
before(async () => {
  fake = await startFake42();
  fixture = buildWebRoot();
  server = await startServer({ WEB_ROOT: fixture.root, AUTH_RATE: '10000', TWOFA_RATE: '10000', ...fake.env });
});
after(async () => {
  fixture?.cleanup();
  await server?.stop();
  await fake?.stop();
});

const cookieOf = (res, name) => [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith(`${name}=`));
const pair = (setCookie) => setCookie.split(';')[0];

/** A GET at the stand-in provider, trusting its CA (no redirect followed). */
function providerGet(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { ca: readFileSync(fake.caFile), agent: false }, (r) => {
      r.resume();
      r.on('end', () => resolve({ status: r.statusCode, headers: r.headers }));
    }).on('error', reject);
  });
}

// The flow runs on PUBLIC_ORIGIN (by default https://localhost:<port>, the generated
// certificate's first name): a browser there sends that Host; this client connects to
// 127.0.0.1 and says so.
const onPublic = () => ({ host: `localhost:${server.httpsPort}` });

/** The path and query of a URL pongd sent the browser to (its own origin is PUBLIC_ORIGIN). */
const local = (href) => {
  const u = new URL(href, server.base);
  return `${u.pathname}${u.search}${u.hash}`;
};

/**
 * The browser's part: start (GET …/42, or a link's url and state cookie), the provider's
 * authorize page, then the callback with the state cookie. `tamper(step)` may change the
 * callback's path or cookie. Resolves to { start, authorize, callback, location, stateCookie,
 * callbackPath }.
 */
async function flow({ link = null, tamper = null } = {}) {
  let authorizeUrl;
  let stateCookie;
  let start;
  if (link) {
    start = await call(server, 'POST', '/api/auth/oauth/42/link', { token: link.token });
    assert.equal(start.status, 200, start.text);
    authorizeUrl = start.json.url;
  } else {
    start = await call(server, 'GET', '/api/auth/oauth/42', { headers: onPublic() });
    assert.equal(start.status, 302, start.text);
    authorizeUrl = start.headers.location;
  }
  const sc = cookieOf(start, 'oauth42_state');
  assert.ok(sc, 'the state cookie');
  assert.match(sc, /HttpOnly/);
  assert.match(sc, /Secure/);
  assert.match(sc, /SameSite=Lax/);
  stateCookie = pair(sc);
  const authorize = await providerGet(authorizeUrl);
  assert.equal(authorize.status, 302);
  let callbackPath = local(authorize.headers.location);
  assert.ok(callbackPath.startsWith('/api/auth/oauth/42/callback?'), callbackPath);
  let cookie = stateCookie;
  if (tamper) ({ callbackPath, cookie } = tamper({ callbackPath, cookie }));
  const callback = await call(server, 'GET', callbackPath, { headers: onPublic(), ...(cookie ? { cookie } : {}) });
  assert.equal(callback.status, 302, callback.text);
  assert.equal(callback.json, null, 'never JSON');
  return { start, authorizeUrl, authorize, callback, location: callback.headers.location, stateCookie, callbackPath, cookie };
}

/** A whole login through the provider: the session restored from the refresh cookie. */
async function login42(user) {
  fake.knobs.user = user;
  const f = await flow();
  const rc = cookieOf(f.callback, 'refresh');
  assert.ok(rc, `a session: ${f.location}`);
  const r = await call(server, 'POST', '/api/auth/restore', { cookie: pair(rc), origin: server.origin });
  assert.equal(r.status, 200, r.text);
  return { ...f, token: r.json.access_token, user: r.json.user, cookie: pair(cookieOf(r, 'refresh')) };
}

test('the login page learns that Log in with 42 is on', async () => {
  const r = await call(server, 'GET', '/api/auth/oauth/providers');
  assert.deepEqual(r.json, { oauth42: { enabled: true, start_url: '/api/auth/oauth/42' } });
});

test('the start: state and PKCE S256 to the provider, the redirect URI on PUBLIC_ORIGIN', async () => {
  // reached under another name, it starts again on the public origin (once)
  const moved = await call(server, 'GET', '/api/auth/oauth/42');
  assert.equal(moved.status, 302);
  assert.equal(moved.headers.location, `https://localhost:${server.httpsPort}/api/auth/oauth/42?moved=1`);
  assert.equal(cookieOf(moved, 'oauth42_state'), undefined);
  const once = await call(server, 'GET', '/api/auth/oauth/42?moved=1');
  assert.ok(once.headers.location.startsWith(`${fake.origin}/oauth/authorize?`), 'no second redirect');
  const start = await call(server, 'GET', '/api/auth/oauth/42', { headers: onPublic() });
  assert.equal(start.status, 302);
  const u = new URL(start.headers.location);
  assert.equal(`${u.origin}${u.pathname}`, `${fake.origin}/oauth/authorize`);
  assert.equal(u.searchParams.get('client_id'), fake.env.OAUTH42_CLIENT_ID);
  assert.equal(u.searchParams.get('response_type'), 'code');
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.match(u.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(u.searchParams.get('state'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(u.searchParams.get('redirect_uri'), `https://localhost:${server.httpsPort}/api/auth/oauth/42/callback`);
  assert.equal(pair(cookieOf(start, 'oauth42_state')), `oauth42_state=${u.searchParams.get('state')}`);
  assert.match(cookieOf(start, 'oauth42_state'), /Path=\/api\/auth\/oauth\/42/);
  assert.equal(start.headers['cache-control'], 'no-store');
});

test('first login creates the account (name from the 42 login, avatar re-encoded); the second finds it', async () => {
  const before = fake.requests.length;
  const first = await login42(user42(1001, 'alogin'));
  assert.equal(first.location, '/settings?oauth42=welcome');
  assert.equal(first.user.username, 'alogin');
  assert.equal(first.user.display_name, 'alogin');
  assert.equal(first.user.email, 'alogin@student.42.fr');
  // the token request carried the verifier of the challenge sent to the authorize page
  const asked = fake.requests.slice(before);
  const auth = asked.find((q) => q.path === '/oauth/authorize');
  const tok = new URLSearchParams(asked.find((q) => q.path === '/oauth/token').body);
  const s256 = createHash('sha256').update(tok.get('code_verifier')).digest('base64url');
  assert.equal(s256, auth.query.code_challenge);
  assert.equal(tok.get('redirect_uri'), auth.query.redirect_uri);
  assert.ok(asked.some((q) => q.path === '/img/medium_alogin.png'), 'the medium version of the image');
  // the avatar is the 42 image, re-encoded as an upload is
  const me = await call(server, 'GET', '/api/users/me', { token: first.token });
  assert.ok(!me.json.avatar_url.endsWith('v=0'), me.json.avatar_url);
  const img = await call(server, 'GET', me.json.avatar_url);
  assert.equal(img.status, 200);
  assert.equal(img.headers['content-type'], 'image/webp');
  // the second login: the same account, found by the provider's id
  const second = await login42({ ...user42(1001, 'alogin'), email: 'changed@student.42.fr' });
  assert.equal(second.location, '/');
  assert.equal(second.user.id, first.user.id);
  const st = await call(server, 'GET', '/api/auth/oauth/42/status', { token: second.token });
  assert.deepEqual(st.json, { enabled: true, linked: true, login: 'alogin', has_password: false });
  // a password login cannot work: there is no password
  assert.equal((await call(server, 'POST', '/api/auth/login', { body: { username: 'alogin', password: 'anything at all' } })).status, 401);
});

test('never by email: a 42 user whose email a local account has gets an account of their own; names made unique', async () => {
  const local1 = await registerUser(server, 'dupe');
  const g = await login42(user42(1002, local1.username.toLowerCase(), { email: local1.email }));
  assert.notEqual(g.user.id, local1.user.id);
  assert.equal(g.user.username, `${local1.username.toLowerCase()}2`);
  assert.equal(g.user.email, '', 'the address stays the local account\'s');
  const me = await call(server, 'GET', '/api/users/me', { token: local1.token });
  assert.equal(me.json.email, local1.email);
});

test('bad, missing, foreign and reused state are refused on the login page', async () => {
  fake.knobs.user = user42(1003, 'slogin');
  const fails = async (tamper) => (await flow({ tamper })).location;
  // no state cookie (another browser)
  assert.equal(await fails(({ callbackPath }) => ({ callbackPath, cookie: null })), '/login?oauth_error=state');
  // the cookie of another flow
  const other = await call(server, 'GET', '/api/auth/oauth/42', { headers: onPublic() });
  assert.equal(await fails(({ callbackPath }) => ({ callbackPath, cookie: pair(cookieOf(other, 'oauth42_state')) })),
    '/login?oauth_error=state');
  // no state parameter
  assert.equal(await fails(({ callbackPath, cookie }) => ({ callbackPath: callbackPath.replace(/([?&])state=[^&]*/, '$1x=1'), cookie })),
    '/login?oauth_error=state');
  // a state nobody issued, in both places
  const fake43 = 'A'.repeat(43);
  assert.equal(await fails(({ callbackPath }) => ({ callbackPath: callbackPath.replace(/state=[^&]*/, `state=${fake43}`),
    cookie: `oauth42_state=${fake43}` })), '/login?oauth_error=state');
  // reused: the same callback twice (the first one logs in)
  const f = await flow();
  assert.equal(f.location, '/settings?oauth42=welcome');
  const again = await call(server, 'GET', f.callbackPath, { cookie: f.cookie, headers: onPublic() });
  assert.equal(again.status, 302);
  assert.equal(again.headers.location, '/login?oauth_error=state');
  assert.equal(cookieOf(again, 'refresh'), undefined);
  // every answer clears the state cookie
  assert.match(cookieOf(again, 'oauth42_state'), /Max-Age=0/);
});

test('the provider\'s refusal and a bad code end on a clear page, not JSON', async () => {
  fake.knobs.deny = true;
  try {
    const f = await flow();
    assert.equal(f.location, '/login?oauth_error=denied');
  } finally {
    fake.knobs.deny = false;
  }
  const bad = await flow({ tamper: ({ callbackPath, cookie }) => ({ callbackPath: callbackPath.replace(/code=[^&]*/, 'code=forged'), cookie }) });
  assert.equal(bad.location, '/login?oauth_error=provider');
  assert.equal(cookieOf(bad.callback, 'refresh'), undefined);
});

test('link and unlink: a password account links 42, logs in with it, unlinks; a 42-only account must set a password first', async () => {
  const u = await registerUser(server, 'linker');
  fake.knobs.user = user42(1004, 'llogin');
  const f = await flow({ link: u });
  assert.equal(f.location, '/settings?oauth42=linked');
  assert.deepEqual((await call(server, 'GET', '/api/auth/oauth/42/status', { token: u.token })).json,
    { enabled: true, linked: true, login: 'llogin', has_password: true });
  const g = await login42(user42(1004, 'llogin'));
  assert.equal(g.user.id, u.user.id, 'the 42 login now opens the linked account');
  // that 42 account cannot be linked to a second user; a linked user cannot link another
  const v = await registerUser(server, 'linker2');
  assert.equal((await flow({ link: v })).location, '/settings?oauth_error=taken');
  fake.knobs.user = user42(1005, 'l2login');
  assert.equal((await flow({ link: u })).location, '/settings?oauth_error=already_linked');
  // unlink
  assert.equal((await call(server, 'DELETE', '/api/auth/oauth/42', { token: u.token })).status, 204);
  assert.equal((await call(server, 'DELETE', '/api/auth/oauth/42', { token: u.token })).json.error.code, 'not_linked');
  assert.equal((await call(server, 'GET', '/api/auth/oauth/42/status', { token: u.token })).json.linked, false);
  // an account made by 42: no unlink without a password; it sets one without an old one
  const n = await login42(user42(1006, 'nlogin'));
  const r = await call(server, 'DELETE', '/api/auth/oauth/42', { token: n.token });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'no_password');
  const pw = 'a long enough new password 42';
  const set = await call(server, 'PATCH', '/api/users/me', { token: n.token, body: { password: pw } });
  assert.equal(set.status, 200, set.text);
  assert.equal((await call(server, 'POST', '/api/auth/login', { body: { username: 'nlogin', password: pw } })).status, 200);
  const fresh = await call(server, 'POST', '/api/auth/login', { body: { username: 'nlogin', password: pw } });
  // now it has one: changing it needs the current one
  const again = await call(server, 'PATCH', '/api/users/me', { token: fresh.json.access_token, body: { password: `${pw}!` } });
  assert.equal(again.status, 400);
  assert.equal(again.json.error.fields.current_password, 'required');
  assert.equal((await call(server, 'DELETE', '/api/auth/oauth/42', { token: fresh.json.access_token })).status, 204);
});

test('an account made by 42 without a password can be deleted without one; with a password, it is required', async () => {
  const n = await login42(user42(1009, 'dlogin'));
  const d = await call(server, 'DELETE', '/api/users/me', { token: n.token, body: {} });
  assert.equal(d.status, 204, d.text);
  assert.equal((await call(server, 'GET', '/api/users/me', { token: n.token })).status, 401);
  const u = await registerUser(server, 'delpw');
  const r = await call(server, 'DELETE', '/api/users/me', { token: u.token, body: {} });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.fields.password, 'required');
});

test('the second factor applies to Log in with 42: a challenge, then the usual second step', async () => {
  const u = await registerUser(server, 'tf42');
  fake.knobs.user = user42(1007, 'tlogin');
  assert.equal((await flow({ link: u })).location, '/settings?oauth42=linked');
  const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
  const e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: totp(s.json.secret) } });
  assert.equal(e.status, 200, e.text);
  const f = await flow();
  assert.equal(cookieOf(f.callback, 'refresh'), undefined, 'no session before the second step');
  const loc = new URL(f.location, server.base);
  assert.equal(loc.pathname, '/login');
  const frag = new URLSearchParams(loc.hash.slice(1));
  assert.match(frag.get('oauth42_challenge'), new RegExp(`^${u.user.id}\\.[A-Za-z0-9_-]{43}$`));
  assert.equal(frag.get('methods'), 'totp,recovery');
  const v = await call(server, 'POST', '/api/auth/2fa/verify', { body: { challenge: frag.get('oauth42_challenge'), recovery_code: e.json.recovery_codes[0] } });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.user.id, u.user.id);
  const sessions = await call(server, 'GET', '/api/auth/sessions', { token: v.json.access_token });
  assert.ok(sessions.json.sessions.some((x) => x.second_factor === 'recovery'));
});

test('the export shows the 42 link and the second factor (never a secret); deletion removes the link', async () => {
  const u = await registerUser(server, 'exp42');
  fake.knobs.user = user42(1008, 'elogin');
  assert.equal((await flow({ link: u })).location, '/settings?oauth42=linked');
  const x = await call(server, 'GET', '/api/users/me/export', { token: u.token });
  assert.equal(x.status, 200, x.text);
  assert.deepEqual(x.json.oauth42, { linked: true, login: 'elogin' });
  assert.deepEqual(x.json.two_factor, { method: 'none', enabled: false, recovery_codes_left: 0, email_verified: false });
  assert.ok(!/access_token|verifier|1008/.test(x.text), 'no provider token, verifier or provider id');
  const d = await call(server, 'DELETE', '/api/users/me', { token: u.token, body: { password: u.password } });
  assert.equal(d.status, 204, d.text);
  // the 42 account is free again: its next login makes a new account
  const g = await login42(user42(1008, 'elogin'));
  assert.notEqual(g.user.id, u.user.id);
  assert.equal(g.location, '/settings?oauth42=welcome');
});

test('POST /api/auth/restore: 204 without a session, 200 with one; Origin checked', async () => {
  let r = await call(server, 'POST', '/api/auth/restore', { origin: server.origin });
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  r = await call(server, 'POST', '/api/auth/restore', { origin: server.origin, cookie: 'refresh=not-a-token' });
  assert.equal(r.status, 204);
  assert.match(cookieOf(r, 'refresh'), /Max-Age=0/, 'a bad cookie is cleared');
  const u = await registerUser(server, 'restore');
  assert.equal((await call(server, 'POST', '/api/auth/restore', { cookie: u.cookie })).status, 403, 'no Origin');
  assert.equal((await call(server, 'POST', '/api/auth/restore', { cookie: u.cookie, origin: 'https://evil.example' })).status, 403);
  r = await call(server, 'POST', '/api/auth/restore', { cookie: u.cookie, origin: server.origin });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.id, u.user.id);
  const next = pair(cookieOf(r, 'refresh'));
  assert.notEqual(next, u.cookie, 'rotated as a refresh');
  // after logout the cookie holds no session: 204, not 401
  assert.equal((await call(server, 'POST', '/api/auth/logout', { cookie: next, origin: server.origin })).status, 204);
  r = await call(server, 'POST', '/api/auth/restore', { cookie: next, origin: server.origin });
  assert.equal(r.status, 204);
});

test('a banned 42 user ends on the login page with "banned", and gets no session', async () => {
  const u = await login42(user42(1077, 'banme'));
  const admin = await registerUser(server, 'oadm');
  const g = await runPongd(['admin', 'grant', admin.username],
    { VAR_DIR: server.varDir, ...(server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : {}) });
  assert.equal(g.code, 0, g.out);
  const ban = await call(server, 'POST', `/api/admin/users/${u.user.id}/ban`, { token: admin.token, body: {} });
  assert.equal(ban.status, 200, ban.text);
  fake.knobs.user = user42(1077, 'banme');
  const f = await flow();
  assert.equal(f.location, '/login?oauth_error=banned');
  assert.equal(cookieOf(f.callback, 'refresh'), undefined);
});
