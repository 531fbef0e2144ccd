// The second factor's rules and data (docs/security.md "The second factor"; the routes in
// src/api/api_twofa.c and api_auth.c): what a typed code is (a 6-digit TOTP or mailed code, or
// a recovery code xxxx-xxxx-xxxx-xxxx), the secret and recovery codes laid out for people,
// the server's answers checked into one shape, and the refusal codes → translation keys.
// Pure: no DOM, tested in Node (tests/web/twofa.test.mjs).

export const CODE_DIGITS = 6;
export const RECOVERY_COUNT = 10;
// base32 letters in lower case, four groups of four (src/auth/otp.c)
const RECOVERY_ALPHABET = /^[a-z2-7]{16}$/;
const METHODS = ['none', 'totp', 'email'];

/**
 * A typed code as the server wants it: `{ kind: 'code', value: '123456' }` (6 digits, spaces
 * and dashes dropped: "123 456" from an app), `{ kind: 'recovery', value: 'abcd-efgh-…' }`
 * (16 base32 characters in any case, with or without dashes or spaces), or null when it is
 * neither. `allow` limits the kinds (['code'] where recovery codes are not taken).
 */
export function parseCode(text, allow = ['code', 'recovery']) {
  const compact = String(text ?? '').replace(/[\s\u00a0\-–—]/g, '');
  if (allow.includes('code') && new RegExp(`^\\d{${CODE_DIGITS}}$`).test(compact)) return { kind: 'code', value: compact };
  const lower = compact.toLowerCase();
  if (allow.includes('recovery') && RECOVERY_ALPHABET.test(lower)) return { kind: 'recovery', value: formatRecoveryCode(lower) };
  return null;
}

/** The body of POST /api/auth/2fa/verify for a parsed code. */
export function verifyBody(challenge, parsed) {
  return parsed.kind === 'recovery' ? { challenge, recovery_code: parsed.value } : { challenge, code: parsed.value };
}

/** A recovery code in its shown form: lower case, groups of four joined by dashes. */
export function formatRecoveryCode(code) {
  const s = String(code ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  return s.match(/.{1,4}/g)?.join('-') ?? '';
}

/** The secret for typing into an app by hand: groups of four ("ABCD EFGH …"). */
export function formatSecret(secret) {
  return String(secret ?? '').replace(/\s+/g, '').toUpperCase().match(/.{1,4}/g)?.join(' ') ?? '';
}

/** The recovery codes as text to copy or save: one a line, numbered, under a heading line. */
export function recoveryCodesText(codes, heading = '') {
  const lines = codes.map((c, i) => `${String(i + 1).padStart(2, ' ')}. ${formatRecoveryCode(c)}`);
  return `${heading ? `${heading}\n\n` : ''}${lines.join('\n')}\n`;
}

/** GET /api/auth/2fa's answer checked: { method, totpPending, recoveryLeft, emailAvailable, emailVerified } or null. */
export function parseStatus(json) {
  if (!json || typeof json !== 'object' || !METHODS.includes(json.method)) return null;
  return {
    method: json.method,
    totpPending: json.totp_pending === true,
    recoveryLeft: Number.isInteger(json.recovery_codes_left) && json.recovery_codes_left >= 0 ? json.recovery_codes_left : 0,
    emailAvailable: json.email_available === true,
    emailVerified: json.email_verified === true,
  };
}

/** POST /api/auth/2fa/totp/setup's answer: { secret, uri, digits, period } or null. */
export function parseSetup(json) {
  if (!json || typeof json.secret !== 'string' || !/^[A-Z2-7]+=*$/i.test(json.secret)) return null;
  if (typeof json.otpauth_uri !== 'string' || !json.otpauth_uri.startsWith('otpauth://totp/')) return null;
  return { secret: json.secret, uri: json.otpauth_uri, digits: json.digits ?? CODE_DIGITS, period: json.period ?? 30 };
}

/** The recovery codes of an enable answer (ten strings), or null. */
export function parseRecoveryCodes(json) {
  const list = json?.recovery_codes;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c.length > 0)) return null;
  return list.map(formatRecoveryCode);
}

/**
 * The login's answer with a factor on ({two_factor_required, challenge, methods, expires_in})
 * as { challenge, methods, expiresAt } (expiresAt in ms of `now`), or null for any other answer.
 */
export function parseChallenge(json, now = Date.now()) {
  if (!json || json.two_factor_required !== true || typeof json.challenge !== 'string' || json.challenge === '') return null;
  const methods = Array.isArray(json.methods) ? json.methods.filter((m) => typeof m === 'string') : [];
  const seconds = Number(json.expires_in) > 0 ? Number(json.expires_in) : 300;
  return { challenge: json.challenge, methods: methods.length ? methods : ['totp', 'recovery'], expiresAt: now + seconds * 1000 };
}

/** Which code the login's second step asks for first: 'email' or 'totp'. */
export function primaryMethod(methods) {
  return Array.isArray(methods) && methods.includes('email') ? 'email' : 'totp';
}

/** Whether the challenge is over at `now` (its expiry, or the server said it is dead). */
export function challengeOver(ch, now = Date.now()) {
  return !ch || now >= ch.expiresAt;
}

// Refusals that end the login's second step: back to the password.
const RESTART = new Set(['challenge_invalid']);

/** Whether a refusal of /api/auth/2fa/verify means "log in again" (the challenge is dead). */
export function restartsLogin(err) {
  return Boolean(err && RESTART.has(err.code));
}

/**
 * The translation key (and its parameters) for a refusal of a 2FA route, or null when the
 * generic account texts (accountrules.js problemText) say it well enough. `where` is the
 * step: 'login', 'enable', 'email', 'disable', 'setup'. Keys live in i18n/twofa.*.js.
 */
export function refusalKey(err, where) {
  if (!err || typeof err !== 'object') return null;
  const { code, attemptsLeft } = err;
  const fieldCode = err.fields?.code ?? err.fields?.recovery_code;
  if (err.status === 400 && fieldCode) return { key: `twofa.error.code.${fieldCode === 'required' ? 'required' : 'invalid'}`, params: {} };
  switch (code) {
    case 'invalid_code':
    case 'code_reused': {
      const key = `twofa.error.${code}`;
      if (where === 'login' && Number.isInteger(attemptsLeft)) return { key: `${key}.left`, params: { left: attemptsLeft } };
      return { key, params: {} };
    }
    case 'challenge_invalid':
      return { key: where === 'login' ? 'twofa.error.challenge_invalid.login' : 'twofa.error.challenge_invalid.email', params: {} };
    case 'two_factor_on':
    case 'two_factor_off':
    case 'email_unavailable':
    case 'mail_failed':
      return { key: `twofa.error.${code}${code === 'mail_failed' && where === 'login' ? '.login' : ''}`, params: {} };
    default:
      return null;
  }
}
