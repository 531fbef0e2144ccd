// Unit tests of web/src/domain/oauth42.js: the answers of the providers and status routes, the
// error codes in words, and what a page was sent back with at the end of a Log in with 42.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorKey, parseLinkStatus, parseProviders, readReturn, START_URL } from '../../web/src/domain/oauth42.js';
import { DICTIONARIES } from '../../web/src/app/i18n.js';

test('parseProviders: on only when the server says so; the start URL stays on the API', () => {
  assert.deepEqual(parseProviders({ oauth42: { enabled: true, start_url: '/api/auth/oauth/42' } }), { enabled: true, startUrl: '/api/auth/oauth/42' });
  assert.deepEqual(parseProviders({ oauth42: { enabled: false, start_url: '/api/auth/oauth/42' } }).enabled, false);
  assert.equal(parseProviders({ oauth42: { enabled: true, start_url: 'https://evil.example/' } }).startUrl, START_URL);
  for (const odd of [null, 'x', {}, { oauth42: null }, { oauth42: { enabled: 'yes' } }]) assert.equal(parseProviders(odd).enabled, false);
});

test('parseLinkStatus: the link and whether a password exists', () => {
  assert.deepEqual(parseLinkStatus({ enabled: true, linked: true, login: 'mlogin', has_password: false }),
    { enabled: true, linked: true, login: 'mlogin', hasPassword: false });
  assert.deepEqual(parseLinkStatus({ enabled: true, linked: false, login: null, has_password: true }),
    { enabled: true, linked: false, login: null, hasPassword: true });
  assert.equal(parseLinkStatus({ linked: 'no' }), null);
  assert.equal(parseLinkStatus(null), null);
});

test('every error code of the callback has words in every language; an unknown code the generic ones', () => {
  const codes = ['state', 'denied', 'provider', 'timeout', 'disabled', 'taken', 'already_linked', 'name_taken', 'gone', 'busy',
    'internal', 'rate_limited'];
  for (const c of codes) {
    assert.equal(errorKey(c), `oauth42.error.${c}`);
    for (const [lang, dict] of Object.entries(DICTIONARIES)) assert.ok(dict[errorKey(c)], `${lang}: ${c}`);
  }
  assert.equal(errorKey('<script>'), 'oauth42.error.other');
  assert.equal(errorKey(null), 'oauth42.error.other');
  const en = Object.keys(DICTIONARIES.en).filter((k) => k.startsWith('oauth42.'));
  for (const lang of ['fr', 'ru']) assert.deepEqual(Object.keys(DICTIONARIES[lang]).filter((k) => k.startsWith('oauth42.')).sort(), en.sort());
});

test('readReturn: an error, a notice, or a login\'s second step from the fragment', () => {
  assert.deepEqual(readReturn('?oauth_error=state', ''), { error: 'state', notice: null, twoFactor: null });
  assert.deepEqual(readReturn('?oauth42=linked', ''), { error: null, notice: 'linked', twoFactor: null });
  assert.equal(readReturn('?oauth42=other', '').notice, null);
  const r = readReturn('', '#oauth42_challenge=7.abc&methods=totp,recovery&expires_in=300', 1000);
  assert.deepEqual(r.twoFactor, { challenge: '7.abc', methods: ['totp', 'recovery'], expiresAt: 1000 + 300_000 });
  assert.deepEqual(readReturn('', '#oauth42_challenge=7.abc&methods=recovery&expires_in=600', 0).twoFactor.methods, ['recovery']);
  assert.deepEqual(readReturn('', '', 0), { error: null, notice: null, twoFactor: null });
});
