// Two-factor authentication across TOTP steps (SQLite pass only: it waits for a 30 s step).
// An authenticator user's way: the code shown at setup switches TOTP on; a login a moment
// later within the same step is refused as a replay (one step, one code); after the next step
// begins, the code shown then logs in; that same code again is a replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { useServer, registerUser } from './helpers.mjs';
import { totp, stepOf, nextStep } from '../lib/totp.mjs';

const ctx = useServer({ AUTH_RATE: '10000', TWOFA_RATE: '10000' });

test('setup code, then a login code of the next step; each code once', { timeout: 90000 }, async () => {
  const s = ctx.server;
  const u = await registerUser(s, 'tflong');
  const setup = await call(s, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
  const first = totp(setup.json.secret, stepOf());
  assert.equal((await call(s, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: first } })).status, 200);
  const login = () => call(s, 'POST', '/api/auth/login', { body: { username: u.username, password: u.password } });
  let l = await login();
  let v = await call(s, 'POST', '/api/auth/2fa/verify', { body: { challenge: l.json.challenge, code: first } });
  assert.equal(v.json.error.code, 'code_reused', 'the setup code is the login code of the same step');
  const step = await nextStep();
  const code = totp(setup.json.secret, step);
  v = await call(s, 'POST', '/api/auth/2fa/verify', { body: { challenge: l.json.challenge, code } });
  assert.equal(v.status, 200, v.text);
  l = await login();
  v = await call(s, 'POST', '/api/auth/2fa/verify', { body: { challenge: l.json.challenge, code } });
  assert.equal(v.json.error.code, 'code_reused');
  // a code of two steps ago is outside the window
  const old = totp(setup.json.secret, step - 2);
  if (![code, first, totp(setup.json.secret, step + 1)].includes(old)) {
    v = await call(s, 'POST', '/api/auth/2fa/verify', { body: { challenge: l.json.challenge, code: old } });
    assert.equal(v.json.error.code, 'invalid_code');
  }
});
