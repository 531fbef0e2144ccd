// Unit tests of web/src/services/emailapi.js: each mailed-link route with the body the server
// reads, without the session's bearer token except for "send again"; the token of a link's page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmailApi, tokenFromSearch } from '../../web/src/services/emailapi.js';
import { DICTIONARIES } from '../../web/src/app/i18n.js';

test('the routes, their bodies, and which need the login', async () => {
  const calls = [];
  const api = createEmailApi(async (path, opts) => { calls.push({ path, ...opts }); return { ok: true }; });
  await api.verify('tok');
  await api.resend();
  await api.requestReset('a@b.org');
  await api.confirmReset('tok2', 'a long new password');
  assert.deepEqual(calls, [
    { path: '/api/auth/email/verify', method: 'POST', auth: false, json: { token: 'tok' } },
    { path: '/api/auth/email/verify/resend', method: 'POST', auth: true },
    { path: '/api/auth/password/reset', method: 'POST', auth: false, json: { email: 'a@b.org' } },
    { path: '/api/auth/password/reset/confirm', method: 'POST', auth: false, json: { token: 'tok2', password: 'a long new password' } },
  ]);
});

test('tokenFromSearch: the token parameter, or empty (absent, or far too long to be one)', () => {
  assert.equal(tokenFromSearch('?token=abc_DEF-123'), 'abc_DEF-123');
  assert.equal(tokenFromSearch('?x=1&token=a%2Bb'), 'a+b');
  assert.equal(tokenFromSearch(''), '');
  assert.equal(tokenFromSearch('?other=1'), '');
  assert.equal(tokenFromSearch(`?token=${'a'.repeat(201)}`), '');
});

test('every error code of the mailed-link routes has words in every language', () => {
  for (const lang of Object.keys(DICTIONARIES)) {
    for (const code of ['link_invalid', 'link_used', 'link_expired', 'email_changed', 'email_unavailable', 'email_unverified', 'mail_failed']) {
      assert.ok(DICTIONARIES[lang][`account.problem.${code}`], `${lang}: ${code}`);
    }
    assert.ok(DICTIONARIES[lang]['account.error.email.email_codes_on'], lang);
  }
});
