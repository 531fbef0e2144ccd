// Room chat over WSS (docs/interface.md): one socket, reconnected with exponential
// backoff and jitter until close() is called.
//
// Logged-in users only: after open the client sends {"type":"auth","token":"<access token>"}
// as its first frame; the server answers {"type":"auth_ok","room","user":{id,display_name}}
// and only then joins the socket to the room ("connected" here). A refused token closes
// with 4001: the next attempt asks for a fresh token, once; refused again (or no token at
// all) ends in the 'unauthorized' state, without retrying. The reconnecting, the backoff
// and the auth frame are socket.js's, shared with the app socket.
import { parseJsonObject } from '../domain/json.js';
import { createReconnectingSocket, errorFrame, isId } from './socket.js';

// The server refused the token (bad, expired, or the account is gone).
export const AUTH_CLOSE_CODE = 4001;
const AUTH_CLOSE_CODES = new Set([AUTH_CLOSE_CODE]);

/** Chat room socket URL for the page's own host. */
export function chatUrl(host, room) {
  return `wss://${host}/ws/chat/${room}/`;
}

/**
 * Parses a server frame into one of
 *   { type: 'message', message, room, at, user_id (number | null), display_name (string) },
 *   { type: 'auth_ok', room, user: { id, display_name } },
 *   { type: 'error', code, message };
 * anything else gives null.
 */
export function parseFrame(data) {
  const value = parseJsonObject(data);
  if (!value) return null;
  const error = errorFrame(value);
  if (error) return error;
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
 * Opens `url` right away and keeps it open (socket.js does the reconnecting).
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
  const { onStatus = () => {}, onAuth = () => {}, onMessage = () => {}, onError = () => {} } = handlers;
  const getToken = deps.getToken ?? (() => null);
  let user = null;            // { id, display_name } from the last auth_ok

  const socket = createReconnectingSocket({
    url,
    getToken,
    onStatus,
    deps,
    protocol: {
      parse: parseFrame,
      isWelcome: (frame) => frame.type === 'auth_ok',
      onWelcome(frame) {
        user = frame.user;
        onAuth({ room: frame.room, user: frame.user });
      },
      onFrame(frame) {
        if (frame.type === 'message') onMessage(frame);
        else if (frame.type === 'error') onError(frame);
      },
      authCloseCodes: AUTH_CLOSE_CODES,
      onRefused: 'once',
      loggedOutStatus: { state: 'unauthorized', code: 0 },
    },
  });

  return {
    get state() { return socket.state; },
    /** The user the server knows this socket as (from auth_ok), or null. */
    get user() { return user; },
    send(text) {
      return socket.send({ message: text });
    },
    reconnectNow: socket.reconnectNow,
    close: socket.close,
  };
}
