// The logged-in state of this tab, and the API client that uses it.
//
// The access token (JWT, ~15 min) lives in this module's memory only: never in Web Storage
// or a cookie written from JS. The refresh token is an HttpOnly cookie scoped to /api/auth
// that the server rotates on every POST /api/auth/refresh; presenting an already rotated
// token revokes the whole session family, so refreshes are strictly serialized: one request
// per tab at a time (callers share it), and one per browser at a time across tabs (Web
// Locks). On every page load the session comes from the cookie alone: POST /api/auth/restore
// answers the tokens when the cookie holds a session and 204 (no error) when not, so nothing in
// Web Storage decides whether a session exists (a login that arrived by redirect, Log in with 42,
// or a cleared site storage keeps its session).
import { parseChallenge } from '../domain/twofa.js';

export const REFRESH_MARGIN_MS = 60_000;   // refresh this long before the access token expires
export const MIN_REFRESH_DELAY_MS = 5_000;
export const RETRY_REFRESH_MS = 15_000;    // after a refresh that failed for a passing reason
export const LOCK_NAME = 'transcendence-auth-refresh';
export const CHANNEL_NAME = 'transcendence-session';
// A 401 with these codes means "this access token is not (or no longer) good": refresh once.
const RETRY_CODES = new Set(['token_expired', 'unauthorized']);

/**
 * An API failure: HTTP status (0 = network), the server's error code, message, fields, and
 * for a wrong second-factor code the attempts its challenge has left (else null).
 */
export class ApiError extends Error {
  constructor(status, { code = '', message = '', fields = null, attemptsLeft = null } = {}, retryAfter = 0) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields && typeof fields === 'object' ? fields : null;
    this.retryAfter = retryAfter;
    this.attemptsLeft = Number.isInteger(attemptsLeft) ? attemptsLeft : null;
  }
}

/** Delay before refreshing an access token valid for `ms`. */
export function refreshDelay(ms) {
  const delay = ms > 2 * REFRESH_MARGIN_MS ? ms - REFRESH_MARGIN_MS : ms / 2;
  return Math.max(MIN_REFRESH_DELAY_MS, Math.round(delay));
}

/** ApiError from a non-2xx response ({"error":{code,message,fields}} when the server sent one). */
export async function errorFromResponse(res) {
  let body = null;
  try {
    body = await res.json();
  } catch { /* not JSON */ }
  const error = body && typeof body.error === 'object' && body.error ? body.error : {};
  const retryAfter = Number.parseInt(res.headers?.get?.('retry-after') ?? '', 10);
  return new ApiError(res.status, {
    code: typeof error.code === 'string' ? error.code : '',
    message: typeof error.message === 'string' ? error.message : '',
    fields: error.fields ?? (typeof error.field === 'string' ? { [error.field]: error.code } : null),
    attemptsLeft: error.attempts_left,
  }, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 0);
}

function isRawBody(body) {
  return typeof body === 'string' || (typeof Blob !== 'undefined' && body instanceof Blob)
    || body instanceof ArrayBuffer || ArrayBuffer.isView(body)
    || (typeof FormData !== 'undefined' && body instanceof FormData);
}

function defaultChannel() {
  try {
    return typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_NAME) : null;
  } catch {
    return null;
  }
}

/**
 * Creates the session. `deps` (tests): fetch, locks (navigator.locks or null), channel
 * (BroadcastChannel-like or null), setTimeout, clearTimeout, now.
 *
 * Returns {
 *   state: 'unknown' (before restore() settles) | 'in' | 'out', user, token,
 *   restore() → Promise<state>, refresh() → Promise<boolean>,
 *   api(path, { method, json, body, headers, auth = true, raw = false }) → parsed JSON | null | Response,
 *   login({ username, password }) → user, or with a second factor on { twoFactor: { challenge,
 *     methods, expiresAt } } (no session yet), verifyTwoFactor(body) → user (the login's
 *     second step: { challenge, code } or { challenge, recovery_code }),
 *   register(fields) → user, logout(), logoutAll(),
 *   setUser(user), ended(), subscribe(fn({ state, user })) → unsubscribe, dispose()
 * }.
 */
export function createSession(deps = {}) {
  const doFetch = deps.fetch ?? ((...args) => globalThis.fetch(...args));
  const locks = deps.locks !== undefined ? deps.locks : (globalThis.navigator?.locks ?? null);
  const channel = deps.channel !== undefined ? deps.channel : defaultChannel();
  const setTimer = deps.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
  const now = deps.now ?? (() => Date.now());

  let state = 'unknown';
  let user = null;
  let token = null;
  let expiresAt = 0;
  let timer = null;
  let inflight = null;       // the refresh in progress, shared by every caller
  let restoring = null;
  let epoch = 0;             // bumped on logout: a refresh started before it is ignored
  const listeners = new Set();

  function emit() {
    const snapshot = { state, user };
    for (const fn of [...listeners]) {
      try {
        fn(snapshot);
      } catch (err) {
        console.error('session listener failed', err);
      }
    }
  }

  function broadcast(type) {
    try {
      channel?.postMessage({ type });
    } catch { /* closed */ }
  }

  function schedule(ms) {
    if (timer !== null) clearTimer(timer);
    timer = setTimer(() => {
      timer = null;
      refresh();
    }, ms);
  }

  function setAuth(body) {
    if (!body || typeof body.access_token !== 'string' || !body.user) {
      throw new ApiError(500, { code: 'bad_response', message: 'Unexpected answer from the server.' });
    }
    const expiresMs = (Number(body.expires_in) > 0 ? Number(body.expires_in) : 900) * 1000;
    token = body.access_token;
    user = body.user;
    expiresAt = now() + expiresMs;
    state = 'in';
    schedule(refreshDelay(expiresMs));
    emit();
    return user;
  }

  function clearAuth() {
    if (timer !== null) clearTimer(timer);
    timer = null;
    const changed = state !== 'out' || user !== null;
    token = null;
    user = null;
    expiresAt = 0;
    state = 'out';
    if (changed) emit();
  }

  async function request(path, { method = 'GET', json, body, headers = {}, bearer = null } = {}) {
    const h = { Accept: 'application/json', ...headers };
    let payload = body;
    if (json !== undefined) {
      payload = JSON.stringify(json);
      h['Content-Type'] = 'application/json';
    } else if (body !== undefined && body !== null && !isRawBody(body)) {
      payload = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
    if (bearer) h.Authorization = `Bearer ${bearer}`;
    try {
      return await doFetch(path, { method, headers: h, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (err) {
      if (err?.name === 'AbortError') throw err;
      throw new ApiError(0, { code: 'network', message: String(err?.message ?? err) });
    }
  }

  async function parse(res) {
    if (res.status === 204) return null;
    const text = await res.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  // path: /api/auth/refresh, or on page load /api/auth/restore (204: no session, not an error)
  async function runRefresh(path = '/api/auth/refresh') {
    const started = epoch;
    const exchange = async () => {
      const res = await request(path, { method: 'POST' });
      return { res, body: res.ok ? await parse(res) : null, error: res.ok ? null : await errorFromResponse(res) };
    };
    let outcome;
    try {
      outcome = locks ? await locks.request(LOCK_NAME, exchange) : await exchange();
    } catch (err) {
      outcome = { error: err instanceof ApiError ? err : new ApiError(0, { code: 'network' }) };
    }
    if (started !== epoch) return state === 'in';   // logged out meanwhile: ignore
    if (!outcome.error && outcome.res.status === 204) {   // restore: the cookie holds no session
      clearAuth();
      return false;
    }
    if (!outcome.error) {
      try {
        setAuth(outcome.body);
        return true;
      } catch {
        outcome.error = new ApiError(500, { code: 'bad_response' });
      }
    }
    if (outcome.error.status === 401 || outcome.error.status === 403) {
      clearAuth();
      return false;
    }
    // A passing failure (network, 429, 503): keep a token that is still good and try again.
    if (state === 'in' && now() < expiresAt) {
      schedule(outcome.error.retryAfter > 0 ? outcome.error.retryAfter * 1000 : RETRY_REFRESH_MS);
      return false;
    }
    if (state === 'unknown') {
      // The session may well be fine (the cookie is kept); the page just cannot tell now.
      token = null;
      user = null;
      state = 'out';
      emit();
    } else if (state === 'in') {
      clearAuth();
    }
    return false;
  }

  /** Refreshes the access token (one request however many callers); true when logged in. */
  function refresh(path) {
    if (!inflight) inflight = runRefresh(path).finally(() => { inflight = null; });
    return inflight;
  }

  /** On page load: the session the refresh cookie holds, if any (one silent request). */
  function restore() {
    if (!restoring) {
      restoring = (async () => {
        if (state === 'unknown') await refresh('/api/auth/restore');
        return state;
      })();
    }
    return restoring;
  }

  async function api(path, opts = {}) {
    const { auth = true, raw = false, ...rest } = opts;
    if (auth && state === 'unknown') await restore();
    let used = auth ? token : null;
    let res = await request(path, { ...rest, bearer: used });
    if (res.status === 401 && used) {
      const err = await errorFromResponse(res);
      if (!RETRY_CODES.has(err.code)) throw err;
      // Another caller may have refreshed while this request was out.
      const fresh = token && token !== used ? true : await refresh();
      if (!fresh || !token) throw err;
      used = token;
      res = await request(path, { ...rest, bearer: used });
    }
    if (!res.ok) throw await errorFromResponse(res);
    return raw ? res : parse(res);
  }

  async function login({ username, password }) {
    const body = await api('/api/auth/login', { method: 'POST', json: { username, password }, auth: false });
    const twoFactor = parseChallenge(body, now());
    if (twoFactor) return { twoFactor };   // no tokens until the second step
    epoch += 1;
    const u = setAuth(body);
    broadcast('login');
    return u;
  }

  async function verifyTwoFactor(fields) {
    const body = await api('/api/auth/2fa/verify', { method: 'POST', json: fields, auth: false });
    epoch += 1;
    const u = setAuth(body);
    broadcast('login');
    return u;
  }

  async function register(fields) {
    const body = await api('/api/auth/register', { method: 'POST', json: fields, auth: false });
    epoch += 1;
    const u = setAuth(body);
    broadcast('login');
    return u;
  }

  /** Ends this session on the server (best effort) and here. */
  async function logout() {
    epoch += 1;
    if (inflight) await inflight.catch(() => {});   // send the newest cookie, not a rotated one
    let ok = true;
    try {
      await request('/api/auth/logout', { method: 'POST' });
    } catch {
      ok = false;
    }
    clearAuth();
    broadcast('logout');
    return ok;
  }

  /** Ends every session of the account (errors are thrown; nothing changes then). */
  async function logoutAll() {
    await api('/api/auth/logout-all', { method: 'POST' });
    epoch += 1;
    clearAuth();
    broadcast('logout');
  }

  function onChannel(event) {
    const type = event?.data?.type;
    if (type === 'logout') {
      epoch += 1;
      clearAuth();
    } else if (type === 'login') {
      refresh();
    }
  }
  if (channel) {
    if (typeof channel.addEventListener === 'function') channel.addEventListener('message', onChannel);
    else channel.onmessage = onChannel;
  }

  return {
    get state() { return state; },
    get user() { return user; },
    get token() { return token; },
    get expiresAt() { return expiresAt; },
    restore,
    refresh,
    api,
    login,
    verifyTwoFactor,
    register,
    logout,
    logoutAll,
    /** The account changed (PATCH /api/users/me, avatar): new user object, same session. */
    setUser(next) {
      if (state !== 'in' || !next) return;
      user = { ...user, ...next };
      emit();
    },
    /** The session ended without a logout request (account deleted): forget it here. */
    ended() {
      epoch += 1;
      clearAuth();
      broadcast('logout');
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    dispose() {
      if (timer !== null) clearTimer(timer);
      timer = null;
      listeners.clear();
      if (channel) {
        if (typeof channel.removeEventListener === 'function') channel.removeEventListener('message', onChannel);
        try { channel.close?.(); } catch { /* already closed */ }
      }
    },
  };
}
