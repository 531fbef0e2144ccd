// Log in with 42's data in the page (docs/security.md "Log in with 42"; the routes in
// src/api/api_oauth.c): the providers answer, the link status, what a page of the app was sent
// with at the end of the flow (?oauth_error=…, ?oauth42=…, #oauth42_challenge=…), and the
// error codes → translation keys. Pure: no DOM, tested in Node (tests/web/oauth42.test.mjs).
import { parseChallenge } from './twofa.js';

export const START_URL = '/api/auth/oauth/42';
// the error codes the callback sends the browser back with (api_oauth.c)
const ERRORS = new Set(['state', 'denied', 'provider', 'timeout', 'disabled', 'taken', 'already_linked', 'name_taken',
  'gone', 'busy', 'internal', 'rate_limited']);

/** GET /api/auth/oauth/providers → { enabled, startUrl } (off on anything odd). */
export function parseProviders(json) {
  const p = json && typeof json === 'object' ? json.oauth42 : null;
  const enabled = !!p && p.enabled === true;
  const startUrl = enabled && typeof p.start_url === 'string' && p.start_url.startsWith('/api/') ? p.start_url : START_URL;
  return { enabled, startUrl };
}

/** GET /api/auth/oauth/42/status → { enabled, linked, login, hasPassword }, or null. */
export function parseLinkStatus(json) {
  if (!json || typeof json !== 'object' || typeof json.linked !== 'boolean') return null;
  return {
    enabled: json.enabled === true,
    linked: json.linked,
    login: typeof json.login === 'string' ? json.login : null,
    hasPassword: json.has_password !== false,
  };
}

/** The translation key of an oauth_error code (an unknown code: the generic one). */
export function errorKey(code) {
  return ERRORS.has(code) ? `oauth42.error.${code}` : 'oauth42.error.other';
}

/**
 * What the page was sent with: { error: code | null, notice: 'linked' | 'welcome' | null,
 * twoFactor: parseChallenge(…) | null } from location.search and location.hash.
 */
export function readReturn(search, hash, now = Date.now()) {
  const q = new URLSearchParams(search ?? '');
  const f = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const error = q.get('oauth_error');
  const notice = q.get('oauth42');
  const challenge = f.get('oauth42_challenge');
  const twoFactor = challenge
    ? parseChallenge({ two_factor_required: true, challenge, methods: (f.get('methods') ?? '').split(',').filter(Boolean),
      expires_in: Number(f.get('expires_in')) || 300 }, now)
    : null;
  return {
    error: error ? error.slice(0, 40) : null,
    notice: notice === 'linked' || notice === 'welcome' ? notice : null,
    twoFactor,
  };
}
