// Unit tests of web/src/domain/twofa.js (codes, layout, answers, refusals) and
// web/src/domain/qrmatrix.js (the QR code of an otpauth:// URI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCode, verifyBody, formatRecoveryCode, formatSecret, recoveryCodesText, parseStatus, parseSetup,
  parseRecoveryCodes, parseChallenge, primaryMethod, challengeOver, restartsLogin, refusalKey,
} from '../../web/src/domain/twofa.js';
import { qrMatrix, QUIET_ZONE } from '../../web/src/domain/qrmatrix.js';
import { DICTIONARIES } from '../../web/src/app/i18n.js';

test('parseCode: 6 digits (spaces, dashes dropped) or a recovery code in any case', () => {
  assert.deepEqual(parseCode('123456'), { kind: 'code', value: '123456' });
  assert.deepEqual(parseCode(' 123 456 '), { kind: 'code', value: '123456' });
  assert.deepEqual(parseCode('123-456'), { kind: 'code', value: '123456' });
  assert.deepEqual(parseCode('ABCD-EFGH-2345-67AB'), { kind: 'recovery', value: 'abcd-efgh-2345-67ab' });
  assert.deepEqual(parseCode('abcdefgh234567ab'), { kind: 'recovery', value: 'abcd-efgh-2345-67ab' });
  assert.deepEqual(parseCode(' abcd efgh 2345 67ab\n'), { kind: 'recovery', value: 'abcd-efgh-2345-67ab' });
  for (const bad of ['', '12345', '1234567', '12345a', 'abcd-efgh-2345-67a', 'abcd-efgh-2345-67a1', 'abcd-efgh-2345-67abc', null, undefined]) {
    assert.equal(parseCode(bad), null, String(bad));
  }
  assert.equal(parseCode('abcd-efgh-2345-67ab', ['code']), null, 'recovery codes refused where only codes are taken');
  assert.equal(parseCode('123456', ['recovery']), null);
});

test('verifyBody: code or recovery_code, never both', () => {
  assert.deepEqual(verifyBody('1.x', parseCode('000111')), { challenge: '1.x', code: '000111' });
  assert.deepEqual(verifyBody('1.x', parseCode('AAAABBBBCCCCDDDD')), { challenge: '1.x', recovery_code: 'aaaa-bbbb-cccc-dddd' });
});

test('secret and recovery codes laid out for people', () => {
  assert.equal(formatSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'), 'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
  assert.equal(formatSecret('abc'), 'ABC');
  assert.equal(formatSecret(''), '');
  assert.equal(formatRecoveryCode('ABCDEFGH23456777'), 'abcd-efgh-2345-6777');
  assert.equal(formatRecoveryCode('abcd-efgh-2345-6777'), 'abcd-efgh-2345-6777');
  const codes = Array.from({ length: 10 }, (_, i) => `aaaa-bbbb-cccc-${String(i).padStart(4, '2')}`);
  const text = recoveryCodesText(codes, 'Codes for bob');
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'Codes for bob');
  assert.equal(lines[1], '');
  assert.equal(lines.length, 12);
  assert.equal(lines[2], ' 1. aaaa-bbbb-cccc-2220');
  assert.equal(lines[11], '10. aaaa-bbbb-cccc-2229');
  assert.ok(!recoveryCodesText(['abcd']).startsWith('\n'), 'no heading, no blank line');
});

test('parseStatus, parseSetup, parseRecoveryCodes: the answers checked', () => {
  assert.deepEqual(parseStatus({ method: 'none', totp_pending: false, recovery_codes_left: 0, email_available: true, email_verified: false }),
    { method: 'none', totpPending: false, recoveryLeft: 0, emailAvailable: true, emailVerified: false });
  assert.deepEqual(parseStatus({ method: 'totp', recovery_codes_left: 7 }),
    { method: 'totp', totpPending: false, recoveryLeft: 7, emailAvailable: false, emailVerified: false });
  assert.equal(parseStatus({ method: 'sms' }), null);
  assert.equal(parseStatus(null), null);
  assert.equal(parseStatus({ method: 'email', recovery_codes_left: -1 }).recoveryLeft, 0);
  const uri = 'otpauth://totp/Transcendence:bob?secret=ABCD&issuer=Transcendence&digits=6&period=30';
  assert.deepEqual(parseSetup({ secret: 'ABCD', otpauth_uri: uri, digits: 6, period: 30 }), { secret: 'ABCD', uri, digits: 6, period: 30 });
  assert.equal(parseSetup({ secret: 'AB CD', otpauth_uri: uri }), null);
  assert.equal(parseSetup({ secret: 'ABCD', otpauth_uri: 'https://evil.example/' }), null);
  assert.deepEqual(parseRecoveryCodes({ recovery_codes: ['AAAA-bbbb-cccc-dddd'] }), ['aaaa-bbbb-cccc-dddd']);
  assert.equal(parseRecoveryCodes({ recovery_codes: [] }), null);
  assert.equal(parseRecoveryCodes({ recovery_codes: [1] }), null);
  assert.equal(parseRecoveryCodes(null), null);
});

test('parseChallenge: the login answer with a factor on, its expiry; other answers are not challenges', () => {
  const ch = parseChallenge({ two_factor_required: true, challenge: '7.abc', methods: ['totp', 'recovery'], expires_in: 300 }, 1000);
  assert.deepEqual(ch, { challenge: '7.abc', methods: ['totp', 'recovery'], expiresAt: 301000 });
  assert.equal(challengeOver(ch, 300999), false);
  assert.equal(challengeOver(ch, 301000), true);
  assert.equal(challengeOver(null, 0), true);
  assert.equal(parseChallenge({ access_token: 'x', user: {} }), null);
  assert.equal(parseChallenge({ two_factor_required: true }), null);
  assert.equal(parseChallenge(null), null);
  assert.deepEqual(parseChallenge({ two_factor_required: true, challenge: 'c' }, 0), { challenge: 'c', methods: ['totp', 'recovery'], expiresAt: 300000 });
  assert.equal(primaryMethod(['email', 'recovery']), 'email');
  assert.equal(primaryMethod(['totp', 'recovery']), 'totp');
  assert.equal(primaryMethod(undefined), 'totp');
});

test('refusalKey: every refusal the 2FA routes document has words, in every language', () => {
  const e = (status, code, extra = {}) => ({ status, code, ...extra });
  const cases = [
    [e(401, 'invalid_code', { attemptsLeft: 3 }), 'login', 'twofa.error.invalid_code.left', { left: 3 }],
    [e(401, 'invalid_code'), 'enable', 'twofa.error.invalid_code', {}],
    [e(401, 'code_reused', { attemptsLeft: 4 }), 'login', 'twofa.error.code_reused.left', { left: 4 }],
    [e(401, 'code_reused'), 'disable', 'twofa.error.code_reused', {}],
    [e(401, 'challenge_invalid'), 'login', 'twofa.error.challenge_invalid.login', {}],
    [e(401, 'challenge_invalid'), 'email', 'twofa.error.challenge_invalid.email', {}],
    [e(409, 'two_factor_on'), 'setup', 'twofa.error.two_factor_on', {}],
    [e(409, 'two_factor_off'), 'enable', 'twofa.error.two_factor_off', {}],
    [e(409, 'email_unavailable'), 'email', 'twofa.error.email_unavailable', {}],
    [e(502, 'mail_failed'), 'email', 'twofa.error.mail_failed', {}],
    [e(502, 'mail_failed'), 'login', 'twofa.error.mail_failed.login', {}],
    [e(400, 'invalid_fields', { fields: { code: 'required' } }), 'enable', 'twofa.error.code.required', {}],
    [e(400, 'invalid_fields', { fields: { code: 'code_or_recovery_code' } }), 'login', 'twofa.error.code.invalid', {}],
  ];
  for (const [err, where, key, params] of cases) {
    assert.deepEqual(refusalKey(err, where), { key, params }, `${err.code} at ${where}`);
    for (const lang of ['en', 'fr', 'ru']) assert.ok(DICTIONARIES[lang][key], `${lang}: ${key}`);
  }
  // the generic texts cover these (too_many_requests with Retry-After, wrong_password, busy)
  assert.equal(refusalKey(e(429, 'too_many_requests'), 'login'), null);
  assert.equal(refusalKey(e(403, 'wrong_password'), 'disable'), null);
  assert.equal(refusalKey(null, 'login'), null);
  assert.equal(restartsLogin(e(401, 'challenge_invalid')), true);
  assert.equal(restartsLogin(e(401, 'invalid_code')), false);
});

test('qrMatrix: a QR code of the otpauth URI with its quiet zone, drawn by runs of dark modules', () => {
  const uri = 'otpauth://totp/Transcendence:someone_long_name?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Transcendence&algorithm=SHA1&digits=6&period=30';
  const m = qrMatrix(uri);
  assert.ok(m.size >= 21 && (m.size - 17) % 4 === 0, `a QR size: ${m.size}`);
  assert.equal(m.viewBox, `0 0 ${m.size + 2 * QUIET_ZONE} ${m.size + 2 * QUIET_ZONE}`);
  // the three finder patterns: 7×7 dark rings at three corners
  for (const [r0, c0] of [[0, 0], [0, m.size - 7], [m.size - 7, 0]]) {
    for (let i = 0; i < 7; i += 1) {
      assert.ok(m.dark(r0, c0 + i) && m.dark(r0 + 6, c0 + i) && m.dark(r0 + i, c0) && m.dark(r0 + i, c0 + 6), `finder at ${r0},${c0}`);
    }
    assert.ok(!m.dark(r0 + 1, c0 + 1) && m.dark(r0 + 3, c0 + 3));
  }
  // the path covers exactly the dark modules
  let dark = 0;
  for (let r = 0; r < m.size; r += 1) for (let c = 0; c < m.size; c += 1) if (m.dark(r, c)) dark += 1;
  const widths = [...m.path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)];
  assert.equal(widths.map((x) => x[0]).join(''), m.path, 'only rectangles');
  assert.equal(widths.reduce((s, x) => s + Number(x[3]), 0), dark);
  assert.ok(widths.every((x) => Number(x[1]) >= QUIET_ZONE && Number(x[2]) >= QUIET_ZONE));
  assert.deepEqual(qrMatrix(uri).path, m.path, 'deterministic');
  assert.notEqual(qrMatrix(`${uri}x`).path, m.path);
});
