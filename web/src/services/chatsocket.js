// Room chat over WSS (docs/interface.md): one socket, reconnected with exponential
// backoff and jitter until close() is called.
//
// Logged-in users only: after open the client sends {"type":"auth","token":"<access token>"}
// as its first frame; the server answers {"type":"auth_ok","room","user":{id,display_name}}
// and only then joins the socket to the room ("connected" here). A refused token closes
// with 4001: the next attempt asks for a fresh token, once; refused again (or no token at
// all) ends in the 'unauthorized' state, without retrying.

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 10000;
// A connection that stayed up this long resets the backoff; shorter ones keep growing it,
// so a server that accepts and drops at once is not hammered.
export const STABLE_MS = 5000;
// The server refused the token (bad, expired, or the account is gone).
export const AUTH_CLOSE_CODE = 4001;
// Close codes after which retrying would only repeat the failure (we sent bad data).
const FINAL_CLOSE_CODES = new Set([1003, 1009]);

/** Chat room socket URL for the page's own host. */
export function chatUrl(host, room) {
  return `wss://${host}/ws/chat/${room}/`;
}

/**
 * Delay before retry number `attempt` (0-based): min(max, initial·2^attempt), with
 * "equal jitter" (uniformly between half and all of it). `random` returns [0, 1).
 */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

function isId(v) {
  return Number.isSafeInteger(v) && v > 0;
}

/**
 * Parses a server frame into one of
 *   { type: 'message', message, room, at, user_id (number | null), display_name (string) },
 *   { type: 'auth_ok', room, user: { id, display_name } },
 *   { type: 'error', code, message };
 * anything else gives null.
 */
export function parseFrame(data) {
  if (typeof data !== 'string') return null;
  let value;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  if (value.error && typeof value.error === 'object') {
    return {
      type: 'error',
      code: typeof value.error.code === 'string' ? value.error.code : '',
      message: typeof value.error.message === 'string' ? value.error.message : '',
    };
  }
  if (value.type === 'auth_ok') {
    const user = value.user;
    if (!user || typeof user !== 'object' || !isId(user.id)) return null;
    return {
      type: 'auth_ok',
      room: typeof value.room === 'string' ? value.room : '',
      user: { id: user.id, display_name: typeof user.display_name === 'string' ? user.display_name : '' },
    };
  }
  if (typeof value.message === 'string' && typeof value.at === 'number' && Number.isFinite(value.at)) {
    return {
      type: 'message',
      message: value.message,
      room: typeof value.room === 'string' ? value.room : '',
      at: value.at,
      user_id: isId(value.user_id) ? value.user_id : null,
      display_name: typeof value.display_name === 'string' ? value.display_name : '',
    };
  }
  return null;
}

/**
 * Opens `url` right away and keeps it open.
 * Handlers: onStatus({ state: 'connecting'|'connected'|'reconnecting'|'disconnected'|
 * 'unauthorized', retryAt?, code? }), onAuth({ room, user }) once per successful
 * authentication, onMessage({ message, room, at, user_id, display_name }),
 * onError({ code, message }).
 * 'connecting' lasts until the server accepted the token (auth_ok).
 * `deps.getToken(fresh)` → token | null | undefined, or a promise of it: the access token to
 * send; `fresh` is true after the server refused the previous one (the source should
 * refresh it). null means "not logged in" ('unauthorized', no retry); undefined, '' or a
 * throw mean "cannot tell now" (retried with backoff).
 * Other `deps` (tests): WebSocket, setTimeout, clearTimeout, now, random.
 * Returns { send(text) → boolean, reconnectNow(), close(), get state, get user }. After
 * close() no handler is called again and no timer is left.
 */
export function createChatSocket(url, handlers, deps = {}) {
  const WS = deps.WebSocket ?? globalThis.WebSocket;
  const setTimer = deps.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
  const now = deps.now ?? (() => Date.now());
  const random = deps.random ?? Math.random;
  const getToken = deps.getToken ?? (() => null);
  const { onStatus = () => {}, onAuth = () => {}, onMessage = () => {}, onError = () => {} } = handlers;

  let ws = null;
  let timer = null;
  let attempt = 0;
  let authedAt = 0;           // when the current socket got auth_ok (0: not yet)
  let closed = false;
  let pending = false;        // waiting for a token before opening
  let needFresh = false;      // the last token was refused: ask for a new one
  let usedFresh = false;      // the current socket's token was such a new one
  let user = null;            // { id, display_name } from the last auth_ok
  let state = 'connecting';

  function setStatus(status) {
    state = status.state;
    onStatus(status);
  }

  function detach(socket) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  }

  async function connect() {
    timer = null;
    if (closed || pending || ws) return;
    pending = true;
    setStatus({ state: 'connecting' });
    const fresh = needFresh;
    let token;
    try {
      token = await getToken(fresh);
    } catch {
      token = undefined;
    }
    pending = false;
    if (closed) return;
    if (token === null) {
      setStatus({ state: 'unauthorized', code: 0 });
      return;
    }
    if (typeof token !== 'string' || token === '') {
      scheduleRetry();
      return;
    }
    needFresh = false;
    usedFresh = fresh;
    let socket;
    try {
      socket = new WS(url);
    } catch {
      setStatus({ state: 'disconnected', code: 0 });
      return;
    }
    ws = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token }));
    };
    socket.onmessage = (event) => {
      const frame = parseFrame(event.data);
      if (!frame) return;
      if (frame.type === 'auth_ok') {
        if (authedAt) return;
        authedAt = now();
        usedFresh = false;
        user = frame.user;
        onAuth({ room: frame.room, user: frame.user });
        setStatus({ state: 'connected' });
      } else if (frame.type === 'message') {
        onMessage(frame);
      } else if (frame.type === 'error') {
        onError(frame);
      }
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = (event) => {
      detach(socket);
      ws = null;
      if (authedAt && now() - authedAt >= STABLE_MS) attempt = 0;
      authedAt = 0;
      if (event.code === AUTH_CLOSE_CODE) {
        needFresh = true;
        if (usedFresh) setStatus({ state: 'unauthorized', code: event.code });
        else connect();   // one more try at once, with a fresh token
      } else if (FINAL_CLOSE_CODES.has(event.code)) {
        setStatus({ state: 'disconnected', code: event.code });
      } else {
        scheduleRetry();
      }
    };
  }

  function scheduleRetry() {
    const delay = backoffDelay(attempt, random);
    attempt += 1;
    timer = setTimer(connect, delay);
    setStatus({ state: 'reconnecting', retryAt: now() + delay });
  }

  connect();

  return {
    get state() { return state; },
    /** The user the server knows this socket as (from auth_ok), or null. */
    get user() { return user; },
    send(text) {
      if (closed || !ws || ws.readyState !== 1 || state !== 'connected') return false;
      ws.send(JSON.stringify({ message: text }));
      return true;
    },
    reconnectNow() {
      if (closed || ws || pending) return;
      if (timer !== null) clearTimer(timer);
      timer = null;
      connect();
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      if (ws) {
        const socket = ws;
        ws = null;
        detach(socket);
        // Closing a socket still connecting makes the browser log an error; close on open.
        if (socket.readyState === 0) socket.onopen = () => socket.close(1000);
        else socket.close(1000);
      }
    },
  };
}
