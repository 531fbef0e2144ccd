// Email verification and password reset (docs/security.md, "Email verification and password
// reset") over HTTPS against a real pongd (SQLite, or PostgreSQL in the PONGD_INTEGRATION_DB
// pass), with a local SMTP sink (python3-aiosmtpd) the test starts itself and reads the links
// from: a registration's link confirms the address once; a new email is unconfirmed until its
// own link, and the old link then does nothing; an unconfirmed address gets neither email codes
// nor reset mails; a reset request answers the same for an unknown address and sends nothing;
// a reset link works once, the old password and every other session's refresh and access
// tokens are refused after it, the other outstanding reset links die; MAIL_RATE limits known
// and unknown addresses alike. Expiry is in the unit test (tests/unit/model/test_emailtok.c):
// nothing here waits 30 minutes.
//
// WORKER_THREADS=1: the general pool sends mails in the order they were queued, so once a mail
// queued later has arrived, a mail queued before it would have too — how "nothing was sent" is
// shown without waiting for a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { startServer, registerUser, buildWebRoot, openApp, waitClose } from './helpers.mjs';
import { startSmtpSink, codeIn, linkIn } from '../lib/smtp-sink.mjs';

let server;
let fixture;
let sink;
before(async () => {
  sink = await startSmtpSink();
  fixture = buildWebRoot();
  server = await startServer({
    WEB_ROOT: fixture.root, AUTH_RATE: '10000', TWOFA_RATE: '10000', MAIL_RATE: '3', WORKER_THREADS: '1',
    SMTP_URL: sink.url, SMTP_FROM: 'pong@example.org',
  });
});
after(async () => {
  sink?.stop();
  fixture?.cleanup();
  await server?.stop();
});

const NEW_PASSWORD = 'a brand new passphrase 42';
const tokenOf = (m) => linkIn(m).searchParams.get('token');
const status2fa = async (u) => (await call(server, 'GET', '/api/auth/2fa', { token: u.token })).json;
const verifyEmail = (token) => call(server, 'POST', '/api/auth/email/verify', { body: { token } });
const askReset = (email) => call(server, 'POST', '/api/auth/password/reset', { body: { email } });
const confirmReset = (token, password) => call(server, 'POST', '/api/auth/password/reset/confirm', { body: { token, password } });
const login = (username, password) => call(server, 'POST', '/api/auth/login', { body: { username, password } });
const refreshOf = (res) => [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('refresh=')).split(';')[0];

/** A registered user whose address is confirmed through the registration's link. */
async function confirmedUser(prefix) {
  const u = await registerUser(server, prefix);
  const m = await sink.waitFor(u.email);
  const v = await verifyEmail(tokenOf(m));
  assert.equal(v.status, 200, v.text);
  return u;
}

/** Every mail to `to` after index `from`, once a mail to `barrier` sent after them arrived (one worker thread: in order). */
async function mailsTo(to, from, barrierUser) {
  const before = sink.messages.length;
  const r = await call(server, 'POST', '/api/auth/email/verify/resend', { token: barrierUser.token });
  assert.equal(r.status, 202, r.text);
  await sink.waitFor(barrierUser.email, { after: before });
  return sink.messages.slice(from).filter((m) => m.to.includes(to));
}

test('registering mails a link to confirm the address: it works once, then the address is confirmed', async () => {
  const u = await registerUser(server, 'elreg');
  assert.equal((await status2fa(u)).email_verified, false);
  const m = await sink.waitFor(u.email);
  assert.equal(m.from, 'pong@example.org');
  assert.match(m.data, /^Subject: Transcendence: confirm your address$/m);
  const link = linkIn(m);
  assert.equal(link.pathname, '/verify-email');
  assert.equal(link.origin, `https://localhost:${server.httpsPort}`, 'the default PUBLIC_ORIGIN');
  assert.match(tokenOf(m), /^[A-Za-z0-9_-]{43}$/);
  const v = await verifyEmail(tokenOf(m));
  assert.equal(v.status, 200, v.text);
  assert.deepEqual(v.json, { email_verified: true });
  assert.equal((await status2fa(u)).email_verified, true);
  const again = await verifyEmail(tokenOf(m));
  assert.equal(again.status, 410);
  assert.equal(again.json.error.code, 'link_used');
  const bad = await verifyEmail('x'.repeat(43));
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'link_invalid');
  const r = await call(server, 'POST', '/api/auth/email/verify/resend', { token: u.token });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'email_verified');
});

test('a new email is unconfirmed until its own link; the old link does nothing; "send again" mails another', async () => {
  const u = await registerUser(server, 'elchg');
  const first = await sink.waitFor(u.email);
  const email = `new-${u.email}`;
  const p = await call(server, 'PATCH', '/api/users/me', { token: u.token, body: { email, current_password: u.password } });
  assert.equal(p.status, 200, p.text);
  assert.equal((await status2fa(u)).email_verified, false);
  const m = await sink.waitFor(email);
  const stale = await verifyEmail(tokenOf(first));
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.code, 'email_changed');
  assert.equal((await status2fa(u)).email_verified, false);
  // send again: another link to the new address; both work (once between them confirms)
  const before = sink.messages.length;
  const r = await call(server, 'POST', '/api/auth/email/verify/resend', { token: u.token });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.email, email);
  const m2 = await sink.waitFor(email, { after: before });
  assert.notEqual(tokenOf(m2), tokenOf(m));
  assert.equal((await verifyEmail(tokenOf(m2))).status, 200);
  assert.equal((await status2fa(u)).email_verified, true);
  // the same address in other letters stays confirmed and mails nothing
  const upper = email.toUpperCase();
  assert.equal((await call(server, 'PATCH', '/api/users/me', { token: u.token, body: { email: upper, current_password: u.password } })).status, 200);
  assert.equal((await status2fa(u)).email_verified, true);
});

test('an unconfirmed address gets neither email codes nor reset mails (the same 202)', async () => {
  const u = await registerUser(server, 'elunv');
  await sink.waitFor(u.email);   // the registration's link, left unused
  const from = sink.messages.length;
  const s = await call(server, 'POST', '/api/auth/2fa/email/setup', { token: u.token });
  assert.equal(s.status, 409);
  assert.equal(s.json.error.code, 'email_unverified');
  const r = await askReset(u.email);
  assert.equal(r.status, 202, r.text);
  const barrier = await registerUser(server, 'elbar1');
  const mails = await mailsTo(u.email, from, barrier);
  assert.deepEqual(mails, [], 'no mail to an unconfirmed address');
});

test('a reset request answers the same whether or not the address is known, and mails only a known one', async () => {
  const u = await confirmedUser('elsame');
  const from = sink.messages.length;
  const known = await askReset(u.email.toUpperCase());
  const unknown = await askReset(`nobody-${u.email}`);
  assert.equal(known.status, 202);
  assert.equal(unknown.status, 202);
  assert.equal(known.text, unknown.text);
  assert.deepEqual(known.json, { status: 'accepted', expires_in: 1800 });
  assert.equal(known.headers['content-type'], unknown.headers['content-type']);
  const barrier = await registerUser(server, 'elbar2');
  assert.deepEqual(await mailsTo(`nobody-${u.email}`, from, barrier), []);
  const mine = await mailsTo(u.email, from, barrier);
  assert.equal(mine.length, 1);
  assert.match(mine[0].data, /^Subject: Transcendence: reset your password$/m);
  assert.equal(linkIn(mine[0]).pathname, '/reset-password');
  // malformed addresses are refused as fields, known or not
  const bad = await askReset('not an address');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.fields.email, 'invalid');
});

test('a reset link sets the password once and ends every session; the old password and other links are dead', async () => {
  const u = await confirmedUser('elreset');
  // a second session elsewhere, with an open socket
  const l = await login(u.username, u.password);
  assert.equal(l.status, 200, l.text);
  const other = { token: l.json.access_token, cookie: refreshOf(l) };
  const ws = await openApp(server, { token: other.token });
  // two reset links; the second one is used
  let from = sink.messages.length;
  assert.equal((await askReset(u.email)).status, 202);
  const link1 = tokenOf(await sink.waitFor(u.email, { after: from }));
  from = sink.messages.length;
  assert.equal((await askReset(u.email)).status, 202);
  const link2 = tokenOf(await sink.waitFor(u.email, { after: from }));
  assert.notEqual(link1, link2);
  // the password rules of registration; a refused password does not spend the link
  const weak = await confirmReset(link2, u.username);
  assert.equal(weak.status, 400);
  assert.ok(['too_short', 'same_as_username'].includes(weak.json.error.fields.password), weak.text);
  const ok = await confirmReset(link2, NEW_PASSWORD);
  assert.equal(ok.status, 204, ok.text);
  assert.ok(!('set-cookie' in ok.headers), 'no one is logged in');
  const used = await confirmReset(link2, `${NEW_PASSWORD}!`);
  assert.equal(used.status, 410);
  assert.equal(used.json.error.code, 'link_used');
  const sibling = await confirmReset(link1, `${NEW_PASSWORD}?`);
  assert.equal(sibling.status, 410, 'the other outstanding link died with the reset');
  assert.equal(sibling.json.error.code, 'link_used');
  // every session ended: refresh tokens, access tokens, sockets
  for (const s of [u, other]) {
    const r = await call(server, 'POST', '/api/auth/refresh', { cookie: s.cookie, origin: server.origin });
    assert.equal(r.status, 401, 'refresh refused');
    assert.equal((await call(server, 'GET', '/api/users/me', { token: s.token })).status, 401, 'access token refused');
  }
  assert.equal((await waitClose(ws)).code, 4001, 'the other session\'s socket is closed');
  // the old password is refused, the new one logs in
  assert.equal((await login(u.username, u.password)).status, 401);
  const n = await login(u.email, NEW_PASSWORD);
  assert.equal(n.status, 200, n.text);
  assert.ok(n.json.access_token);
});

test('a reset with email codes on does not skip them: the next login asks for the mailed code', async () => {
  const u = await confirmedUser('elfac');
  let from = sink.messages.length;
  const s = await call(server, 'POST', '/api/auth/2fa/email/setup', { token: u.token });
  assert.equal(s.status, 200, s.text);
  const code = codeIn(await sink.waitFor(u.email, { after: from }));
  const e = await call(server, 'POST', '/api/auth/2fa/email/enable', { token: u.token, body: { challenge: s.json.challenge, code } });
  assert.equal(e.status, 200, e.text);
  const r = await call(server, 'POST', '/api/auth/refresh', { cookie: u.cookie, origin: server.origin });
  u.token = r.json.access_token;
  // while email codes are on, the address cannot change
  const p = await call(server, 'PATCH', '/api/users/me', { token: u.token, body: { email: `x-${u.email}`, current_password: u.password } });
  assert.equal(p.status, 409);
  assert.equal(p.json.error.fields.email, 'email_codes_on');
  from = sink.messages.length;
  assert.equal((await askReset(u.email)).status, 202);
  const link = tokenOf(await sink.waitFor(u.email, { after: from }));
  assert.equal((await confirmReset(link, NEW_PASSWORD)).status, 204);
  const l = await login(u.username, NEW_PASSWORD);
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.two_factor_required, true);
  assert.deepEqual(l.json.methods, ['email', 'recovery']);
});

test('MAIL_RATE: reset requests for one address, known or not, are limited alike', async () => {
  const u = await confirmedUser('elrate');
  for (const email of [u.email, `ghost-${u.email}`]) {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await askReset(email)).status);
    assert.deepEqual(statuses, [202, 202, 202, 429], email);
  }
  const r = await askReset(`ghost-${u.email}`);
  assert.ok(Number(r.headers['retry-after']) >= 1);
});
