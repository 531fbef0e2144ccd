// The game socket of a remote match, wss://host/ws/game/<id>/ (docs/interface.md "Game
// socket"): one per seat, reconnected with backoff until close() (a dropped player has
// GAME_RESUME_SECONDS to come back). Transport only: the first frame authenticates, the
// server's `joined` text (`watching` for a spectator) welcomes the socket, and every other frame goes to the caller as
// it is (binary frames as ArrayBuffers, text frames parsed from JSON); the netcode
// (game/netgame.js) decodes them.
import { parseJsonObject } from '../domain/json.js';
import { createReconnectingSocket, errorFrame } from './socket.js';

export const GAME_AUTH_CLOSE_CODES = Object.freeze(new Set([4001]));
// Not a player (4003), no such game or over (4004), replaced by a newer socket of the same
// seat (4409), and the refusals of our own frames (4400, 4410, 4411, 4413, 4429): retrying
// cannot help. The same list is game/netproto.js FINAL_CLOSES.
export const GAME_FINAL_CLOSE_CODES = Object.freeze(new Set([4003, 4004, 4400, 4409, 4410, 4411, 4413, 4429]));

/** The game socket URL for the page's own host. */
export function gameUrl(host, gameId) {
  return `wss://${host}/ws/game/${gameId}/`;
}

/**
 * A server frame → a parsed JSON object with a string `type` (or an error frame
 * { type: 'error', code, message }), an ArrayBuffer for binary data, or null.
 */
export function parseGameFrame(data) {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const v = parseJsonObject(data);
  if (!v) return null;
  const error = errorFrame(v);
  if (error) return error;
  return typeof v.type === 'string' ? v : null;
}

/**
 * Opens the game socket `url` and keeps it open (socket.js does the reconnecting).
 * Handlers: onStatus({ state: 'connecting'|'authenticating'|'connected'|'reconnecting'|
 * 'disconnected'|'unauthorized', retryAt?, code? }), onFrame(frame) for every frame
 * (`joined` included, once per connection). `deps.getToken(fresh)` as for the chat socket;
 * other deps (tests): WebSocket, setTimeout, clearTimeout, now, random.
 * Returns { get state, send(bytes) → boolean, reconnectNow(), close() }.
 */
export function createGameSocket(url, handlers, deps = {}) {
  const { onStatus = () => {}, onFrame = () => {} } = handlers;
  const socket = createReconnectingSocket({
    url,
    getToken: deps.getToken ?? (() => null),
    onStatus,
    deps,
    protocol: {
      parse: parseGameFrame,
      isWelcome: (frame) => !(frame instanceof ArrayBuffer) && (frame.type === 'joined' || frame.type === 'watching'),
      onFrame,
      authCloseCodes: GAME_AUTH_CLOSE_CODES,
      finalCloseCodes: GAME_FINAL_CLOSE_CODES,
      onRefused: 'once',
      loggedOutStatus: { state: 'unauthorized', code: 0 },
      authenticating: true,
      binaryType: 'arraybuffer',
    },
  });
  return {
    get state() { return socket.state; },
    send: (bytes) => socket.sendRaw(bytes),
    reconnectNow: socket.reconnectNow,
    close: socket.close,
  };
}
