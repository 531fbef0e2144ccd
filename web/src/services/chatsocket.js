// Room chat over WSS (docs/interface.md): one socket, reconnected with exponential
// backoff and jitter until close() is called.

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 10000;
// A connection that stayed up this long resets the backoff; shorter ones keep growing it,
// so a server that accepts and drops at once is not hammered.
export const STABLE_MS = 5000;
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

/**
 * Parses a server frame into { type: 'message', message, room, at } or
 * { type: 'error', code, message }; anything else gives null.
 */
export function parseFrame(data) {
  if (typeof data !== 'string') return null;
  let value;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  if (value.error && typeof value.error === 'object') {
    return {
      type: 'error',
      code: typeof value.error.code === 'string' ? value.error.code : '',
      message: typeof value.error.message === 'string' ? value.error.message : '',
    };
  }
  if (typeof value.message === 'string' && typeof value.at === 'number' && Number.isFinite(value.at)) {
    return { type: 'message', message: value.message, room: typeof value.room === 'string' ? value.room : '', at: value.at };
  }
  return null;
}

/**
 * Opens `url` right away and keeps it open.
 * Handlers: onStatus({ state: 'connecting'|'connected'|'reconnecting'|'disconnected',
 * retryAt?, code? }), onMessage({ message, room, at }), onError({ code, message }).
 * `deps` (tests): WebSocket, setTimeout, clearTimeout, now, random.
 * Returns { send(text) → boolean, reconnectNow(), close(), get state }. After close()
 * no handler is called again and no timer is left.
 */
export function createChatSocket(url, handlers, deps = {}) {
  const WS = deps.WebSocket ?? globalThis.WebSocket;
  const setTimer = deps.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
  const now = deps.now ?? (() => Date.now());
  const random = deps.random ?? Math.random;
  const { onStatus = () => {}, onMessage = () => {}, onError = () => {} } = handlers;

  let ws = null;
  let timer = null;
  let attempt = 0;
  let openedAt = 0;
  let closed = false;
  let state = 'connecting';

  function setStatus(status) {
    state = status.state;
    onStatus(status);
  }

  function detach(socket) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  }

  function connect() {
    timer = null;
    setStatus({ state: 'connecting' });
    let socket;
    try {
      socket = new WS(url);
    } catch {
      setStatus({ state: 'disconnected', code: 0 });
      return;
    }
    ws = socket;
    socket.onopen = () => {
      openedAt = now();
      setStatus({ state: 'connected' });
    };
    socket.onmessage = (event) => {
      const frame = parseFrame(event.data);
      if (frame?.type === 'message') onMessage(frame);
      else if (frame?.type === 'error') onError(frame);
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = (event) => {
      detach(socket);
      ws = null;
      if (openedAt && now() - openedAt >= STABLE_MS) attempt = 0;
      openedAt = 0;
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
    send(text) {
      if (closed || !ws || ws.readyState !== 1) return false;
      ws.send(JSON.stringify({ message: text }));
      return true;
    },
    reconnectNow() {
      if (closed || ws) return;
      if (timer !== null) clearTimer(timer);
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
