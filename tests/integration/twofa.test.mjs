// Two-factor authentication over HTTPS against a real pongd (SQLite, or PostgreSQL in the
// PONGD_INTEGRATION_DB=postgres pass): TOTP setup → enable with a code (recovery codes once)
// → the login answers a challenge instead of tokens → the enable code is a replay, a wrong
// code counts, the next step's code (inside the ±1 step window) logs in once → recovery codes
// work once → a challenge dies after 5 wrong codes → export and sessions show the factor, never
// the secret → disabling needs the password and a code; email codes through a local SMTP sink
// (python3-aiosmtpd) the test starts itself; the per-address/per-account rate limit. Nothing here
// waits for a TOTP step: twofa-long.test.mjs does (SQLite pass only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { startServer, registerUser, buildWebRoot } from './helpers.mjs';
import { totp, stepOf } from '../lib/totp.mjs';
import { startSmtpSink, codeIn, linkIn } from '../lib/smtp-sink.mjs';

let server;
let fixture;
let sink;
before(async () => {
  sink = await startSmtpSink();
  fixture = buildWebRoot();
  server = await startServer({
    WEB_ROOT: fixture.root, AUTH_RATE: '10000', TWOFA_RATE: '10000', SMTP_URL: sink.url, SMTP_FROM: 'pong@example.org',
  });
});
after(async () => {
  sink?.stop();   // first: a live sink would keep the test process alive if stop() throws
  fixture?.cleanup();
  await server?.stop();
});

const refresh = (res) => [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('refresh='));
const login = (u) => call(server, 'POST', '/api/auth/login', { body: { username: u.username, password: u.password } });
const verify = (body) => call(server, 'POST', '/api/auth/2fa/verify', { body });

/**
 * Switching a factor on or off ends the user's other sessions and voids every access token
 * issued before (docs/security.md): the caller's session stays, and its page gets a new
 * access token with its refresh cookie, as this does. */
async function renew(u) {
  const r = await call(server, 'POST', '/api/auth/refresh', { cookie: u.cookie, origin: server.origin });
  assert.equal(r.status, 200, r.text);
  u.token = r.json.access_token;
  u.cookie = refresh(r).split(';')[0];
  return u;
}

/** A new user with TOTP on: { ...user, secret, recovery, step } (step: the enable code's). */
async function withTotp(prefix = 'tf') {
  const u = await registerUser(server, prefix);
  const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
  assert.equal(s.status, 200, s.text);
  const step = stepOf();
  const e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: totp(s.json.secret, step) } });
  assert.equal(e.status, 200, e.text);
  await renew(u);
  return { ...u, secret: s.json.secret, recovery: e.json.recovery_codes, step, enableCode: totp(s.json.secret, step) };
}

test('TOTP setup: a secret and its otpauth URI; on only with a valid code; ten recovery codes once', async () => {
  const u = await registerUser(server, 'tfset');
  let st = await call(server, 'GET', '/api/auth/2fa', { token: u.token });
  assert.deepEqual(st.json, { method: 'none', totp_pending: false, recovery_codes_left: 0, email_available: true, email_verified: false });
  const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
  assert.equal(s.status, 200, s.text);
  assert.match(s.json.secret, /^[A-Z2-7]{32}$/);
  const uri = new URL(s.json.otpauth_uri);
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(decodeURIComponent(uri.pathname), `//totp/Transcendence:${u.username}`.replace('//totp', uri.host ? '' : '//totp'));
  assert.equal(uri.searchParams.get('secret'), s.json.secret);
  assert.equal(uri.searchParams.get('issuer'), 'Transcendence');
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
  st = await call(server, 'GET', '/api/auth/2fa', { token: u.token });
  assert.equal(st.json.totp_pending, true);
  assert.equal(st.json.method, 'none');
  // nothing is on until a code: the login still gives tokens
  assert.ok((await login(u)).json.access_token);
  // a wrong code, a malformed one
  const good = totp(s.json.secret);
  const wrong = String((Number(good) + 500000) % 1e6).padStart(6, '0');
  let e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: wrong } });
  assert.equal(e.status, 401, e.text);
  assert.equal(e.json.error.code, 'invalid_code');
  e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: 123456 } });
  assert.equal(e.status, 400);
  assert.equal(e.json.error.fields.code, 'invalid_type');
  e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: good } });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.recovery_codes.length, 10);
  assert.equal(new Set(e.json.recovery_codes).size, 10);
  for (const c of e.json.recovery_codes) assert.match(c, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  assert.equal((await call(server, 'GET', '/api/auth/2fa', { token: u.token })).status, 401, 'access tokens issued before are void');
  await renew(u);
  st = await call(server, 'GET', '/api/auth/2fa', { token: u.token });
  assert.deepEqual(st.json, { method: 'totp', totp_pending: false, recovery_codes_left: 10, email_available: true, email_verified: false });
  // on: no second setup, no second enable
  assert.equal((await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: u.token })).json.error.code, 'two_factor_on');
  assert.equal((await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: good } })).status, 409);
});

test('switching a factor on or off ends every other session (refresh and access tokens refused), not this one', async () => {
  const u = await registerUser(server, 'tfend');
  const other = await login(u);   // a second session of the same account
  assert.ok(other.json.access_token);
  const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
  const step = stepOf();
  const e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: totp(s.json.secret, step) } });
  assert.equal(e.status, 200, e.text);
  assert.equal((await call(server, 'GET', '/api/users/me', { token: other.json.access_token })).status, 401, 'the other access token');
  const r = await call(server, 'POST', '/api/auth/refresh', { cookie: refresh(other).split(';')[0], origin: server.origin });
  assert.equal(r.status, 401, 'the other refresh token');
  await renew(u);   // this session stays: its cookie still refreshes
  assert.equal((await call(server, 'GET', '/api/users/me', { token: u.token })).status, 200);
  // a new session (with the second factor), then off from the first one: the new one ends
  const l = await login(u);
  const v = await verify({ challenge: l.json.challenge, code: totp(s.json.secret, step + 1) });
  assert.equal(v.status, 200, v.text);
  const d = await call(server, 'POST', '/api/auth/2fa/disable', { token: u.token, body: { password: u.password, code: e.json.recovery_codes[0] } });
  assert.equal(d.status, 204, d.text);
  assert.equal((await call(server, 'GET', '/api/users/me', { token: v.json.access_token })).status, 401);
  const vr = await call(server, 'POST', '/api/auth/refresh', { cookie: refresh(v).split(';')[0], origin: server.origin });
  assert.equal(vr.status, 401, 'the second-factor session ended too');
  await renew(u);
  assert.equal((await call(server, 'GET', '/api/users/me', { token: u.token })).status, 200);
});

test('login with TOTP on: a challenge, not tokens; replay and wrong codes refused; the next step logs in once', async () => {
  const u = await withTotp('tflog');
  const l = await login(u);
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.two_factor_required, true);
  assert.deepEqual(l.json.methods, ['totp', 'recovery']);
  assert.equal(l.json.access_token, undefined);
  assert.equal(refresh(l), undefined, 'no refresh cookie before the second step');
  assert.match(l.json.challenge, new RegExp(`^${u.user.id}\\.[A-Za-z0-9_-]{43}$`));
  // the setup code in the same step is one code: a replay
  let v = await verify({ challenge: l.json.challenge, code: u.enableCode });
  assert.equal(v.status, 401, v.text);
  assert.equal(v.json.error.code, 'code_reused');
  assert.equal(v.json.error.attempts_left, 4);
  const wrong = String((Number(totp(u.secret, u.step + 1)) + 1) % 1e6).padStart(6, '0');
  v = await verify({ challenge: l.json.challenge, code: wrong });
  assert.equal(v.json.error.code, 'invalid_code');
  assert.equal(v.json.error.attempts_left, 3);
  // another account's id on the challenge: refused, nothing spent
  const other = await registerUser(server, 'tfoth');
  v = await verify({ challenge: l.json.challenge.replace(/^\d+/, String(other.user.id)), code: totp(u.secret, u.step + 1) });
  assert.equal(v.json.error.code, 'challenge_invalid');
  // the next step's code is inside the ±1 window: it logs in, with the refresh cookie
  const next = totp(u.secret, u.step + 1);
  v = await verify({ challenge: l.json.challenge, code: next });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.user.id, u.user.id);
  assert.ok(v.json.access_token);
  assert.ok(refresh(v));
  // a used challenge, a used code
  assert.equal((await verify({ challenge: l.json.challenge, code: next })).json.error.code, 'challenge_invalid');
  const l2 = await login(u);
  assert.equal((await verify({ challenge: l2.json.challenge, code: next })).json.error.code, 'code_reused');
  // the sessions list says which factor each login used
  const list = await call(server, 'GET', '/api/auth/sessions', { token: v.json.access_token });
  assert.deepEqual(list.json.sessions.map((s) => s.second_factor).sort(), ['', 'totp']);
  // and a refresh keeps it
  const r = await call(server, 'POST', '/api/auth/refresh', { cookie: refresh(v).split(';')[0], origin: server.origin });
  assert.equal(r.status, 200, r.text);
  const list2 = await call(server, 'GET', '/api/auth/sessions', { token: r.json.access_token });
  assert.deepEqual(list2.json.sessions.map((s) => s.second_factor).sort(), ['', 'totp']);
});

test('recovery codes: each logs in once, in any case; a challenge dies after 5 wrong codes', async () => {
  const u = await withTotp('tfrec');
  let l = await login(u);
  let v = await verify({ challenge: l.json.challenge, recovery_code: u.recovery[0].toUpperCase() });
  assert.equal(v.status, 200, v.text);
  const s = await call(server, 'GET', '/api/auth/sessions', { token: v.json.access_token });
  assert.ok(s.json.sessions.some((x) => x.second_factor === 'recovery'));
  l = await login(u);
  v = await verify({ challenge: l.json.challenge, recovery_code: u.recovery[0] });
  assert.equal(v.json.error.code, 'invalid_code', 'a used recovery code');
  assert.equal((await call(server, 'GET', '/api/auth/2fa', { token: u.token })).json.recovery_codes_left, 9);
  // both at once is refused as a field error
  v = await verify({ challenge: l.json.challenge, code: '123456', recovery_code: u.recovery[1] });
  assert.equal(v.status, 400);
  for (let i = 0; i < 4; i++) assert.equal((await verify({ challenge: l.json.challenge, code: '000000' })).status, 401);
  v = await verify({ challenge: l.json.challenge, recovery_code: u.recovery[1] });
  assert.equal(v.json.error.code, 'challenge_invalid', 'dead after 5 wrong codes, even for a right one');
  // garbage challenges
  for (const challenge of ['', 'x', `${u.user.id}.short`, `99999999999999999999.${'a'.repeat(43)}`, `${u.user.id}.${'a'.repeat(43)}`]) {
    v = await verify({ challenge, recovery_code: u.recovery[1] });
    assert.equal(v.status, 401, `${challenge}: ${v.text}`);
    assert.equal(v.json.error.code, 'challenge_invalid');
  }
});

test('export shows the factor, never the secret or codes; disabling needs the password and a code', async () => {
  const u = await withTotp('tfoff');
  const ex = await call(server, 'GET', '/api/users/me/export', { token: u.token });
  assert.equal(ex.status, 200);
  assert.deepEqual(ex.json.two_factor, { method: 'totp', enabled: true, recovery_codes_left: 10, email_verified: false });
  assert.ok(!ex.text.includes(u.secret), 'no secret in the export');
  for (const c of u.recovery) assert.ok(!ex.text.includes(c));
  let d = await call(server, 'POST', '/api/auth/2fa/disable', { token: u.token, body: { password: 'not the password 1', code: u.recovery[0] } });
  assert.equal(d.status, 403);
  assert.equal(d.json.error.code, 'wrong_password');
  d = await call(server, 'POST', '/api/auth/2fa/disable', { token: u.token, body: { password: u.password, code: u.enableCode } });
  assert.equal(d.json.error.code, 'code_reused');
  d = await call(server, 'POST', '/api/auth/2fa/disable', { token: u.token, body: { password: u.password, code: 'zzzz-zzzz-zzzz-zzzz' } });
  assert.equal(d.json.error.code, 'invalid_code');
  d = await call(server, 'POST', '/api/auth/2fa/disable', { token: u.token, body: { password: u.password, code: u.recovery[3] } });
  assert.equal(d.status, 204, d.text);
  await renew(u);
  assert.deepEqual((await call(server, 'GET', '/api/auth/2fa', { token: u.token })).json.method, 'none');
  assert.ok((await login(u)).json.access_token, 'a plain login again');
  d = await call(server, 'POST', '/api/auth/2fa/disable', { token: u.token, body: { password: u.password, code: u.recovery[4] } });
  assert.equal(d.json.error.code, 'two_factor_off');
  // deleting the account: the login is gone with it
  const v = await withTotp('tfdel');
  assert.equal((await call(server, 'DELETE', '/api/users/me', { token: v.token, body: { password: v.password } })).status, 204);
  assert.equal((await login(v)).status, 401);
});

test('email codes through the SMTP sink: confirmed by a mailed code, then each login mails a single-use code', async () => {
  const u = await registerUser(server, 'tfmail');
  // only a confirmed address gets codes: the registration mailed a link (email-verify.test.mjs)
  const no = await call(server, 'POST', '/api/auth/2fa/email/setup', { token: u.token });
  assert.equal(no.status, 409, no.text);
  assert.equal(no.json.error.code, 'email_unverified');
  const link = linkIn(await sink.waitFor(u.email));
  const ok = await call(server, 'POST', '/api/auth/email/verify', { body: { token: link.searchParams.get('token') } });
  assert.equal(ok.status, 200, ok.text);
  let before = sink.messages.length;
  const s = await call(server, 'POST', '/api/auth/2fa/email/setup', { token: u.token });
  assert.equal(s.status, 200, s.text);
  let m = await sink.waitFor(u.email, { after: before });
  assert.equal(m.from, 'pong@example.org');
  assert.match(m.data, /^Subject: Transcendence: confirm your address$/m);
  const setupCode = codeIn(m);
  assert.match(setupCode, /^\d{6}$/);
  let e = await call(server, 'POST', '/api/auth/2fa/email/enable', { token: u.token, body: { challenge: s.json.challenge, code: '99999' } });
  assert.equal(e.json.error.code, 'invalid_code');
  e = await call(server, 'POST', '/api/auth/2fa/email/enable', { token: u.token, body: { challenge: s.json.challenge, code: setupCode } });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.recovery_codes.length, 10);
  await renew(u);
  const st = await call(server, 'GET', '/api/auth/2fa', { token: u.token });
  assert.equal(st.json.method, 'email');
  assert.equal(st.json.email_verified, true);
  // login: the code is in the mail, once
  before = sink.messages.length;
  const l = await login(u);
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(l.json.methods, ['email', 'recovery']);
  m = await sink.waitFor(u.email, { after: before });
  assert.match(m.data, /^Subject: Transcendence: your sign-in code$/m);
  const code = codeIn(m);
  const wrong = String((Number(code) + 1) % 1e6).padStart(6, '0');
  assert.equal((await verify({ challenge: l.json.challenge, code: wrong })).json.error.code, 'invalid_code');
  const v = await verify({ challenge: l.json.challenge, code });
  assert.equal(v.status, 200, v.text);
  const sessions = await call(server, 'GET', '/api/auth/sessions', { token: v.json.access_token });
  assert.ok(sessions.json.sessions.some((x) => x.second_factor === 'email'));
  assert.equal((await verify({ challenge: l.json.challenge, code })).json.error.code, 'challenge_invalid', 'single use');
  // a second login's mail has another code; the first code does not work for it
  before = sink.messages.length;
  const l2 = await login(u);
  const code2 = codeIn(await sink.waitFor(u.email, { after: before }));
  if (code2 !== code) assert.equal((await verify({ challenge: l2.json.challenge, code })).json.error.code, 'invalid_code');
  // French mail for a French account
  assert.equal((await call(server, 'PATCH', '/api/users/me', { token: u.token, body: { language: 'fr' } })).status, 200);
  before = sink.messages.length;
  await login(u);
  m = await sink.waitFor(u.email, { after: before });
  assert.match(m.data, /Subject: Transcendence : votre code de connexion/);
});

test('the code attempts are rate limited per address and per account (TWOFA_RATE)', async () => {
  const fx = buildWebRoot();
  const s2 = await startServer({ WEB_ROOT: fx.root, AUTH_RATE: '10000', TWOFA_RATE: '2' });
  try {
    const u = await registerUser(s2, 'tfrate');
    const st = await call(s2, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await call(s2, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: '000000' } })).status);
    }
    // burst 2x the per-minute rate: 4 tried (wrong), then 429 with Retry-After
    assert.deepEqual(statuses.slice(0, 4).every((x) => x === 401 || x === 200), true, String(statuses));
    assert.equal(statuses[5], 429, String(statuses));
    const r = await call(s2, 'POST', '/api/auth/2fa/verify', { body: { challenge: `${u.user.id}.${'a'.repeat(43)}`, code: totp(st.json.secret) } });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers['retry-after']) >= 1);
  } finally {
    await s2.stop();
    fx.cleanup();
  }
});
