// Unit tests of web/src/domain/accountrules.js: redirects, error texts, avatar checks, formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  safeNext, loginPath, cleanDisplayName, fieldErrorText, problemText, splitFieldErrors, avatarProblem,
  formatBytes, relativeTime, describeUserAgent, AVATAR_MAX_BYTES, USER_ID_PATTERN,
} from '../../web/src/domain/accountrules.js';
import { createI18n, DICTIONARIES } from '../../web/src/app/i18n.js';

test('safeNext keeps same-origin app paths only', () => {
  assert.equal(safeNext('/settings'), '/settings');
  assert.equal(safeNext('/users/3?tab=x#top'), '/users/3?tab=x#top');
  for (const bad of [
    undefined, null, '', 'settings', '//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)',
    '/api/users/me', '/ws/', '/static/app.js', '/login', '/login/', '/register', ' /settings', '/a\nb', `/${'a'.repeat(3000)}`,
  ]) {
    assert.equal(safeNext(bad), '/', JSON.stringify(bad));
  }
  assert.equal(safeNext('//x', '/friends'), '/friends');
});

test('loginPath carries the page to come back to', () => {
  assert.equal(loginPath('/settings'), '/login?next=%2Fsettings');
  assert.equal(loginPath('/users/5?a=1'), '/login?next=%2Fusers%2F5%3Fa%3D1');
  assert.equal(loginPath('/'), '/login');
  assert.equal(loginPath('//evil'), '/login');
});

test('cleanDisplayName trims', () => {
  assert.equal(cleanDisplayName('  Zoë 🏓 '), 'Zoë 🏓');
  assert.equal(cleanDisplayName(undefined), '');
});

test('fieldErrorText prefers the field-specific text, then the generic one, in every language', () => {
  for (const lang of ['en', 'fr', 'ru']) {
    const i18n = createI18n({ languages: [lang] });
    const specific = fieldErrorText(i18n.t, 'password', 'too_short');
    assert.equal(specific, DICTIONARIES[lang]['account.error.password.too_short'].replace('{min}', '10'));
    assert.equal(fieldErrorText(i18n.t, 'username', 'taken'), DICTIONARIES[lang]['account.error.username.taken']);
    assert.equal(fieldErrorText(i18n.t, 'nickname', 'required'), DICTIONARIES[lang]['account.error.required']);
    assert.equal(fieldErrorText(i18n.t, 'x', 'no_such_code'), DICTIONARIES[lang]['account.error.invalid']);
  }
  // every code the API documents has a text
  const { t } = createI18n({ languages: ['en'] });
  for (const code of ['required', 'invalid_type', 'too_short', 'too_long', 'invalid_chars', 'invalid', 'too_common',
    'same_as_username', 'same_as_email', 'empty', 'unsupported', 'taken', 'wrong']) {
    assert.notEqual(t(`account.error.${code}`), `account.error.${code}`, code);
  }
});

test('problemText: network, rate limits with Retry-After, busy, known codes, fallback', () => {
  const { t } = createI18n({ languages: ['en'] });
  assert.equal(problemText(t, { status: 0, code: 'network' }), t('account.problem.network'));
  assert.equal(problemText(t, { status: 429, retryAfter: 12 }), t('account.problem.too_many_requests_in', { seconds: 12 }));
  assert.match(problemText(t, { status: 429, retryAfter: 12 }), /12/);
  assert.equal(problemText(t, { status: 429 }), t('account.problem.too_many_requests'));
  assert.equal(problemText(t, { status: 503, code: 'busy' }), t('account.problem.busy'));
  assert.equal(problemText(t, { status: 401, code: 'invalid_credentials' }), t('account.problem.invalid_credentials'));
  assert.equal(problemText(t, { status: 500, code: 'weird' }), t('account.problem.generic'));
  assert.equal(problemText(t, null), t('account.problem.generic'));
});

test('splitFieldErrors puts each error next to its input when the form has one', () => {
  assert.deepEqual(splitFieldErrors({ username: 'taken', language: 'unsupported' }, ['username', 'password']),
    { shown: { username: 'taken' }, other: { language: 'unsupported' } });
  assert.deepEqual(splitFieldErrors({ current_password: 'wrong' }, ['password'], { current_password: 'password' }),
    { shown: { password: 'wrong' }, other: {} });
  assert.deepEqual(splitFieldErrors(null, ['x']), { shown: {}, other: {} });
});

test('avatarProblem checks type and size before any upload', () => {
  assert.equal(avatarProblem(null), 'empty');
  assert.equal(avatarProblem({ type: 'image/png', size: 1000 }), null);
  assert.equal(avatarProblem({ type: 'image/jpeg', size: AVATAR_MAX_BYTES }), null);
  assert.equal(avatarProblem({ type: 'image/webp', size: AVATAR_MAX_BYTES + 1 }), 'too_big');
  assert.equal(avatarProblem({ type: 'image/gif', size: 10 }), 'unsupported_format');
  assert.equal(avatarProblem({ type: 'image/svg+xml', size: 10 }), 'unsupported_format');
  assert.equal(avatarProblem({ type: '', size: 10 }), 'unsupported_format');
  assert.equal(avatarProblem({ type: 'image/png', size: 0 }), 'empty');
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(5 * 1024 * 1024), '5 MB');
  assert.equal(formatBytes(1536, 'fr'), '1,5 KB');
});

test('relativeTime says how long ago, in the language asked', () => {
  const now = 1_700_000_000_000;
  assert.equal(relativeTime(now - 5_000, now, 'en'), 'now');
  assert.equal(relativeTime(now - 5 * 60_000, now, 'en'), '5 minutes ago');
  assert.equal(relativeTime(now - 3 * 3600_000, now, 'en'), '3 hours ago');
  assert.equal(relativeTime(now - 86400_000, now, 'en'), 'yesterday');
  assert.equal(relativeTime(now - 5 * 60_000, now, 'fr'), 'il y a 5 minutes');
  assert.equal(relativeTime(now - 5 * 60_000, now, 'ru'), '5 минут назад');
  assert.equal(relativeTime(null, now), '');
  assert.equal(relativeTime(0, now), '');
});

test('describeUserAgent names the browser and system', () => {
  assert.equal(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'), 'Chrome · Linux');
  assert.equal(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0'), 'Firefox · Windows');
  assert.equal(describeUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1'), 'Safari · iOS');
  assert.equal(describeUserAgent('Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 Edg/120.0'), 'Edge · Windows');
  assert.equal(describeUserAgent('curl/8.5.0'), 'curl');
  assert.equal(describeUserAgent('pong-cli'), 'pong-cli');
  assert.equal(describeUserAgent(''), '');
});

test('the user id route pattern', () => {
  const re = new RegExp(`^${USER_ID_PATTERN}$`);
  for (const ok of ['1', '42', '9007199254740']) assert.ok(re.test(ok), ok);
  for (const bad of ['0', '01', '-1', 'abc', '1.5', '12345678901234567']) assert.ok(!re.test(bad), bad);
});
