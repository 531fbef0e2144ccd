// The second factor's routes in the account's settings (src/api/api_twofa.c; the login's
// second step is the session's verifyTwoFactor()). `api(path, { method, json })` is the
// session's authenticated client (app/session.js: resolves to the JSON answer, throws
// ApiError); answers are checked into the shapes of domain/twofa.js.
import { parseRecoveryCodes, parseSetup, parseStatus } from '../domain/twofa.js';

function checked(value, what) {
  if (value === null) throw Object.assign(new Error(`unexpected answer to ${what}`), { status: 500, code: 'bad_response' });
  return value;
}

/** The 2FA API over `api`; each method returns a promise. */
export function createTwofaApi(api) {
  const post = (path, json) => api(path, { method: 'POST', ...(json ? { json } : {}) });
  return {
    /** { method, totpPending, recoveryLeft, emailAvailable, emailVerified } */
    status: async () => checked(parseStatus(await api('/api/auth/2fa')), 'GET /api/auth/2fa'),
    /** A new secret: { secret, uri, digits, period } */
    setupTotp: async () => checked(parseSetup(await post('/api/auth/2fa/totp/setup')), 'totp/setup'),
    /** TOTP on with a first code: the recovery codes (shown once) */
    enableTotp: async (code) => checked(parseRecoveryCodes(await post('/api/auth/2fa/totp/enable', { code })), 'totp/enable'),
    /** A code mailed to the account's address: { challenge, expiresIn } */
    setupEmail: async () => {
      const res = await post('/api/auth/2fa/email/setup');
      return checked(typeof res?.challenge === 'string' ? { challenge: res.challenge, expiresIn: Number(res.expires_in) || 600 } : null, 'email/setup');
    },
    /** Email codes on with the mailed code: the recovery codes (shown once) */
    enableEmail: async (challenge, code) => checked(parseRecoveryCodes(await post('/api/auth/2fa/email/enable', { challenge, code })), 'email/enable'),
    /** Off, with the password and a code (TOTP or recovery) */
    disable: (password, code) => post('/api/auth/2fa/disable', { password, code }),
  };
}
