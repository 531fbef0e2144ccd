// Account pages: the limits the server enforces (src/auth.h), safe redirects after login,
// error-code → translation mapping, avatar file checks, "last seen" and user-agent
// formatting. Pure: no DOM, testable in Node (tests/web/accountrules.test.mjs).
import { isServerPath } from './paths.js';

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 20;
export const PASSWORD_MIN = 10;
export const DISPLAY_MAX = 32;
export const EMAIL_MAX = 254;
export const AVATAR_TYPES = Object.freeze(['image/png', 'image/jpeg', 'image/webp']);
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;
// A user id in a route (/users/:id): a positive integer without leading zeros.
export const USER_ID_PATTERN = '[1-9][0-9]{0,15}';
// Pages a `next` parameter must not lead back to (a loop after logging in).
const AUTH_PAGES = ['/login', '/register'];

/**
 * The in-app path to go to after logging in, from an untrusted `next` parameter: only a
 * same-origin app path ("/settings", "/users/3?x=1"); anything else gives `fallback`.
 */
export function safeNext(next, fallback = '/') {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\s\u0000-\u001f]/.test(next)) return fallback;
  let url;
  try {
    url = new URL(next, 'https://app.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'https://app.invalid' || isServerPath(url.pathname)) return fallback;
  if (AUTH_PAGES.includes(url.pathname.replace(/\/+$/, ''))) return fallback;
  return url.pathname + url.search + url.hash;
}

/** The login page address that comes back to `path` afterwards. */
export function loginPath(path) {
  const next = safeNext(path, '');
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/** Trims and collapses nothing else: the server refuses leading/trailing spaces. */
export function cleanDisplayName(text) {
  return String(text ?? '').trim();
}

// Values the error texts may mention ({min}, {max}), per field.
export const FIELD_LIMITS = Object.freeze({
  username: { min: USERNAME_MIN, max: USERNAME_MAX },
  password: { min: PASSWORD_MIN },
  new_password: { min: PASSWORD_MIN },
  display_name: { max: DISPLAY_MAX },
  email: { max: EMAIL_MAX },
});

/**
 * Translation of a field error `code` for `field`: the most specific key that exists
 * (account.error.<field>.<code>, then account.error.<code>), else `fallback`.
 * `t` returns the key itself when it is missing (i18n.js). The field's limits fill
 * {min}/{max} unless `params` says otherwise.
 */
export function fieldErrorText(t, field, code, params = {}, fallback = '') {
  const values = { ...(FIELD_LIMITS[field] ?? {}), ...params };
  for (const key of [`account.error.${field}.${code}`, `account.error.${code}`]) {
    const text = t(key, values);
    if (text !== key) return text;
  }
  return fallback || t('account.error.invalid');
}

/**
 * Text for an error that is not about one field (ApiError from session.js, or anything
 * thrown): known codes are translated, 429/503 say when to retry, the rest falls back to
 * the server's message or a generic sentence.
 */
export function problemText(t, err) {
  if (!err || typeof err !== 'object') return t('account.problem.generic');
  const { status, code, retryAfter } = err;
  if (status === 0 || code === 'network') return t('account.problem.network');
  if (status === 429 || code === 'too_many_requests') {
    return retryAfter > 0 ? t('account.problem.too_many_requests_in', { seconds: retryAfter }) : t('account.problem.too_many_requests');
  }
  if (status === 503 || code === 'busy') return t('account.problem.busy');
  if (code) {
    const key = `account.problem.${code}`;
    const text = t(key);
    if (text !== key) return text;
  }
  return t('account.problem.generic');
}

/**
 * Splits server field errors into those shown next to an input (`known` lists the form's
 * fields) and the others (to show in the form's alert). `aliases` maps a server field name
 * to a form field ({ current_password: 'password' }).
 */
export function splitFieldErrors(fields, known, aliases = {}) {
  const shown = {};
  const other = {};
  if (!fields || typeof fields !== 'object') return { shown, other };
  for (const [name, code] of Object.entries(fields)) {
    const target = aliases[name] ?? name;
    if (known.includes(target)) shown[target] = String(code);
    else other[name] = String(code);
  }
  return { shown, other };
}

/** Why an avatar file cannot be uploaded ('empty', 'unsupported_format', 'too_big'), or null. */
export function avatarProblem(file) {
  if (!file) return 'empty';
  if (!AVATAR_TYPES.includes(String(file.type).toLowerCase())) return 'unsupported_format';
  if (!(file.size > 0)) return 'empty';
  if (file.size > AVATAR_MAX_BYTES) return 'too_big';
  return null;
}

/** File size for people: "512 B", "1.5 MB" (decimal point by `lang`). */
export function formatBytes(bytes, lang = 'en') {
  const units = ['B', 'KB', 'MB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/**
 * "5 minutes ago"-style text for a past time `thenMs` seen at `nowMs`, in `lang`.
 * Returns '' for a missing or invalid time.
 */
export function relativeTime(thenMs, nowMs, lang = 'en') {
  if (typeof thenMs !== 'number' || !Number.isFinite(thenMs) || thenMs <= 0) return '';
  const seconds = Math.round((thenMs - nowMs) / 1000);
  const format = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 45) return format.format(0, 'second');
  if (abs < 45 * 60) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return format.format(Math.round(seconds / 3600), 'hour');
  if (abs < 26 * 86400) return format.format(Math.round(seconds / 86400), 'day');
  if (abs < 320 * 86400) return format.format(Math.round(seconds / (30 * 86400)), 'month');
  return format.format(Math.round(seconds / (365 * 86400)), 'year');
}

/** A short "Browser on System" description of a User-Agent string ('' when unknown). */
export function describeUserAgent(ua) {
  const s = String(ua ?? '');
  if (!s) return '';
  const browser = [
    [/Edg(?:e|A|iOS)?\//, 'Edge'],
    [/OPR\/|Opera/, 'Opera'],
    [/Firefox\/|FxiOS/, 'Firefox'],
    [/Chrom(?:e|ium)\/|CriOS/, 'Chrome'],
    [/Safari\//, 'Safari'],
    [/curl\//i, 'curl'],
  ].find(([re]) => re.test(s))?.[1];
  const system = [
    [/Android/, 'Android'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux|X11/, 'Linux'],
  ].find(([re]) => re.test(s))?.[1];
  if (browser && system) return `${browser} · ${system}`;
  return browser || system || (s.length > 60 ? `${s.slice(0, 57)}…` : s);
}
