// The reconnecting, authenticated WebSocket that the app socket (appsocket.js) and the game
// socket (gamesocket.js) are built on: one socket at a time, reopened with exponential
// backoff and jitter until close() is called.
//
// Protocol shared by every socket of the server (docs/interface.md): after open the client
// sends {"type":"auth","token":"<access token>"} as its first frame (within 5 s); the server
// accepts with a welcome frame (the caller's protocol says which one) or closes with an
// auth close code. A close code we caused (1003, 1009) is final: retrying would repeat it.
//
// What differs between sockets is given as a protocol:
//   parse(data) → frame | null          one server frame, null for anything unknown
//   isWelcome(frame) → boolean          the server accepted the token ("connected")
//   onWelcome(frame)                    before the 'connected' status (once per socket)
//   onFrame(frame)                      every parsed frame but a repeated welcome
//   onDrop(code, wasUp)                 after each close, before the retry is decided
//   authCloseCodes                      close codes that mean "token refused"
//   onRefused: 'backoff'                retry with backoff, asking for a fresh token
//            | 'once'                   retry at once with a fresh token; refused again
//                                       in a row: 'unauthorized', no more retries
//   loggedOutStatus                     the status when getToken says "logged out"
//   authenticating                      true: 'authenticating' status once the auth frame
//                                       is sent (otherwise 'connecting' lasts until welcome)
//   finalCloseCodes                     more close codes after which retrying cannot help
//   binaryType                          'arraybuffer' for a socket with binary frames

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 10000;
// A connection that stayed up this long resets the backoff; shorter ones keep growing it,
// so a server that accepts and drops at once is not hammered.
export const STABLE_MS = 5000;
// Close codes after which retrying would only repeat the failure (we sent bad data).
export const FINAL_CLOSE_CODES = Object.freeze(new Set([1003, 1009]));

/**
 * Delay before retry number `attempt` (0-based): min(max, initial·2^attempt), with
 * "equal jitter" (uniformly between half and all of it). `random` returns [0, 1).
 */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** The server's error frame {"error":{code,message}} as { type: 'error', code, message }, or null. */
export function errorFrame(value) {
  if (!value.error || typeof value.error !== 'object') return null;
  return {
    type: 'error',
    code: typeof value.error.code === 'string' ? value.error.code : '',
    message: typeof value.error.message === 'string' ? value.error.message : '',
  };
}

/** A positive safe integer (a user id). */
export function isId(v) {
  return Number.isSafeInteger(v) && v > 0;
}

/**
 * Opens `url` right away and keeps it open (see the top of this file for `protocol`).
 * `getToken(fresh)` → token | null | undefined, or a promise of it: the access token to
 * send; `fresh` is true after the server refused the previous one. null means "logged
 * out" (protocol.loggedOutStatus, no retry); undefined, '' or a throw mean "cannot tell
 * now" (retried with backoff, still fresh).
 * `onStatus({ state, retryAt?, code?, reason? })`; states: 'connecting', 'authenticating',
 * 'connected', 'reconnecting', 'disconnected', 'unauthorized'.
 * `deps` (tests): WebSocket, setTimeout, clearTimeout, now, random.
 * Returns { get state, send(value) → boolean, sendRaw(data) → boolean, reconnectNow(),
 * close() }. send() sends JSON, sendRaw() anything, only while connected. After close() no handler is called again and no timer is left.
 */
export function createReconnectingSocket({ url, getToken, protocol, onStatus = () => {}, deps = {} }) {
  const WS = deps.WebSocket ?? globalThis.WebSocket;
  const setTimer = deps.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
  const now = deps.now ?? (() => Date.now());
  const random = deps.random ?? Math.random;
  const {
    parse, isWelcome, onWelcome = () => {}, onFrame = () => {}, onDrop = () => {},
    authCloseCodes, onRefused = 'backoff', loggedOutStatus, authenticating = false,
    finalCloseCodes = new Set(), binaryType = null,
  } = protocol;

  let ws = null;
  let timer = null;
  let attempt = 0;
  let upAt = null;            // when the current socket was welcomed (null: not yet)
  let closed = false;
  let pending = false;        // waiting for a token before opening
  let needFresh = false;      // the last token was refused: ask for a new one
  let usedFresh = false;      // the current socket's token was such a new one
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
      token = undefined;      // could not tell: try again later
    }
    pending = false;
    if (closed) return;
    if (token === null) {
      setStatus({ ...loggedOutStatus });
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
    if (binaryType) socket.binaryType = binaryType;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token }));
      if (authenticating) setStatus({ state: 'authenticating' });
    };
    socket.onmessage = (event) => {
      const frame = parse(event.data);
      if (!frame) return;
      if (isWelcome(frame)) {
        if (upAt !== null) return;   // the server welcomes a socket once
        upAt = now();
        usedFresh = false;
        onWelcome(frame);
        setStatus({ state: 'connected' });
      }
      onFrame(frame);
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = (event) => {
      detach(socket);
      ws = null;
      const wasUp = upAt !== null;
      if (wasUp && now() - upAt >= STABLE_MS) attempt = 0;
      upAt = null;
      onDrop(event.code, wasUp);
      if (authCloseCodes.has(event.code)) {
        needFresh = true;
        if (onRefused === 'backoff') scheduleRetry();
        else if (usedFresh) setStatus({ state: 'unauthorized', code: event.code });
        else connect();       // one more try at once, with a fresh token
      } else if (FINAL_CLOSE_CODES.has(event.code) || finalCloseCodes.has(event.code)) {
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
    send(value) {
      if (closed || !ws || ws.readyState !== 1 || state !== 'connected') return false;
      ws.send(JSON.stringify(value));
      return true;
    },
    /** Sends `data` (binary or text) as it is, only while connected. */
    sendRaw(data) {
      if (closed || !ws || ws.readyState !== 1 || state !== 'connected') return false;
      ws.send(data);
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
