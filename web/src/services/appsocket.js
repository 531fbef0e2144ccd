// The app WebSocket (wss://host/ws/) of a logged-in tab: presence of friends, friend
// requests and relation changes, pushed by the server.
//
// Protocol: after open the client sends {"type":"auth","token":"<access token>"} first
// (within 5 s); the server answers {"type":"hello","user":{…}}, then pushes
// {"type":"presence","user_id","online","last_seen_at"}, {"type":"friend_request","from"},
// {"type":"friend_update","user_id","relation"}. A refused token closes with 4001 (or
// 1008): the next attempt asks the session for a fresh token first.
//
// Reconnects with the same backoff as the chat socket (chatsocket.js).
import { backoffDelay, STABLE_MS } from './chatsocket.js';

export const AUTH_CLOSE_CODES = new Set([4001, 1008]);
// We sent something the server could not take: retrying would only repeat it.
const FINAL_CLOSE_CODES = new Set([1003, 1009]);
export const RELATIONS = Object.freeze(['self', 'none', 'friends', 'request_sent', 'request_received', 'blocked', 'blocked_by']);

/** The app socket URL for the page's own host. */
export function appUrl(host) {
  return `wss://${host}/ws/`;
}

function isId(v) {
  return Number.isSafeInteger(v) && v > 0;
}

function isUser(v) {
  return Boolean(v) && typeof v === 'object' && isId(v.id);
}

/**
 * Parses a server frame into one of
 *   { type: 'hello', user }, { type: 'presence', user_id, online, last_seen_at },
 *   { type: 'friend_request', from }, { type: 'friend_update', user_id, relation },
 *   { type: 'error', code, message };
 * anything else (unknown types, bad shapes, binary) gives null.
 */
export function parseAppFrame(data) {
  if (typeof data !== 'string') return null;
  let v;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  if (v.error && typeof v.error === 'object') {
    return {
      type: 'error',
      code: typeof v.error.code === 'string' ? v.error.code : '',
      message: typeof v.error.message === 'string' ? v.error.message : '',
    };
  }
  switch (v.type) {
    case 'hello':
      return isUser(v.user) ? { type: 'hello', user: v.user } : null;
    case 'presence':
      if (!isId(v.user_id) || typeof v.online !== 'boolean') return null;
      return {
        type: 'presence',
        user_id: v.user_id,
        online: v.online,
        last_seen_at: typeof v.last_seen_at === 'number' && Number.isFinite(v.last_seen_at) ? v.last_seen_at : null,
      };
    case 'friend_request':
      return isUser(v.from) ? { type: 'friend_request', from: v.from } : null;
    case 'friend_update':
      if (!isId(v.user_id) || !RELATIONS.includes(v.relation)) return null;
      return { type: 'friend_update', user_id: v.user_id, relation: v.relation };
    default:
      return null;
  }
}

/**
 * Opens `url` right away and keeps it open until close().
 * `source.getToken()` → token | null (or a promise of it): the current access token;
 * `source.refreshToken()` → promise of a fresh token | null: used after the server refused
 * one. A null token means "logged out": the socket stops ('disconnected', reason 'logged_out').
 * Handlers: onStatus({ state: 'connecting'|'authenticating'|'connected'|'reconnecting'|
 * 'disconnected', retryAt?, code?, reason? }), onEvent(frame) for every parsed frame.
 * `deps` (tests): WebSocket, setTimeout, clearTimeout, now, random.
 * Returns { state, presence(userId), reconnectNow(), close() }; after close() no handler
 * is called again and no timer is left.
 */
export function createAppSocket(url, source, handlers = {}, deps = {}) {
  const WS = deps.WebSocket ?? globalThis.WebSocket;
  const setTimer = deps.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
  const now = deps.now ?? (() => Date.now());
  const random = deps.random ?? Math.random;
  const { onStatus = () => {}, onEvent = () => {} } = handlers;

  let ws = null;
  let timer = null;
  let attempt = 0;
  let helloAt = 0;
  let closed = false;
  let pending = false;        // waiting for a token before opening
  let needFresh = false;      // the last token was refused
  let state = 'connecting';
  const presence = new Map(); // user_id → { online, last_seen_at, at }

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
    let token = null;
    try {
      token = needFresh ? await source.refreshToken() : await source.getToken();
    } catch {
      token = undefined;   // could not tell: try again later
    }
    pending = false;
    if (closed) return;
    if (token === null) {
      setStatus({ state: 'disconnected', code: 0, reason: 'logged_out' });
      return;
    }
    if (!token) {
      scheduleRetry();
      return;
    }
    needFresh = false;
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
      setStatus({ state: 'authenticating' });
    };
    socket.onmessage = (event) => {
      const frame = parseAppFrame(event.data);
      if (!frame) return;
      if (frame.type === 'hello') {
        helloAt = now();
        setStatus({ state: 'connected' });
      } else if (frame.type === 'presence') {
        presence.set(frame.user_id, { online: frame.online, last_seen_at: frame.last_seen_at, at: now() });
      }
      onEvent(frame);
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = (event) => {
      detach(socket);
      ws = null;
      if (helloAt && now() - helloAt >= STABLE_MS) attempt = 0;
      const wasUp = helloAt !== 0;
      helloAt = 0;
      if (AUTH_CLOSE_CODES.has(event.code)) needFresh = true;
      if (wasUp) {
        // Whatever we knew of others' presence may be stale now; the next hello resyncs.
        presence.clear();
      }
      if (FINAL_CLOSE_CODES.has(event.code)) setStatus({ state: 'disconnected', code: event.code });
      else scheduleRetry();
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
    /** Latest presence pushed for `userId` on this connection: { online, last_seen_at, at } or undefined. */
    presence(userId) {
      return presence.get(userId);
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
        if (socket.readyState === 0) socket.onopen = () => socket.close(1000);
        else socket.close(1000);
      }
    },
  };
}

/**
 * Keeps one app socket open while `session` is logged in (reopened for another user,
 * closed on logout) and fans its events out to subscribers that outlive the socket.
 * Returns { subscribe(fn(event)) → unsubscribe, presence(userId), get state, dispose() };
 * events are the frames of parseAppFrame plus { type: 'status', state }.
 */
export function createLive(session, { url, deps = {}, createSocket = createAppSocket } = {}) {
  const listeners = new Set();
  let socket = null;
  let userId = null;
  let state = 'disconnected';

  function emit(event) {
    for (const fn of [...listeners]) {
      try {
        fn(event);
      } catch (err) {
        console.error('live listener failed', err);
      }
    }
  }

  function sync({ state: s, user }) {
    const want = s === 'in' && user ? user.id : null;
    if (want === userId) return;
    if (socket) socket.close();
    socket = null;
    userId = want;
    if (want === null) {
      state = 'disconnected';
      emit({ type: 'status', state });
      return;
    }
    socket = createSocket(url, {
      getToken: () => (session.state === 'in' ? session.token : null),
      refreshToken: async () => ((await session.refresh()) ? session.token : (session.state === 'in' ? undefined : null)),
    }, {
      onStatus(status) {
        state = status.state;
        emit({ type: 'status', ...status });
      },
      onEvent: emit,
    }, deps);
  }

  const off = session.subscribe(sync);
  sync({ state: session.state, user: session.user });

  return {
    get state() { return state; },
    presence(id) {
      return socket ? socket.presence(id) : undefined;
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    dispose() {
      off();
      if (socket) socket.close();
      socket = null;
      listeners.clear();
    },
  };
}
