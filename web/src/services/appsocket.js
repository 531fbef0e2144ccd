// The app WebSocket (wss://host/ws/) of a logged-in tab: presence of friends, friend
// requests and relation changes, pushed by the server.
//
// Protocol: after open the client sends {"type":"auth","token":"<access token>"} first
// (within 5 s); the server answers {"type":"hello","user":{…}}, then pushes
// {"type":"presence","user_id","online","last_seen_at"}, {"type":"friend_request","from"},
// {"type":"friend_update","user_id","relation"}, {"type":"invite","invite"} (an invite to
// play, to the invitee; again for each pending one when they come online) and
// {"type":"invite_update","invite"} (to both: accepted with its game_id, declined,
// cancelled or expired), the chat's frames (domain/chatframes.js, docs/chat.md):
// chat.message, chat.subscribed, chat.ack, chat.error, chat.deleted, chat.member,
// chat.removed, chat.read (send() carries the page's chat.* frames), and matchmaking's
// (docs/matchmaking.md): {"type":"match_found","game_id","opponent"}, {"type":"rematch_offer",
// "game_id","from","expires_at"}, {"type":"rematch_start","game_id","new_game_id"},
// {"type":"rematch_declined","game_id"}, and presence's `in_game`. A refused token closes with 4001 (or
// 1008): the next attempt asks the session for a fresh token first.
//
// The reconnecting, the backoff and the auth frame are socket.js's, shared with the chat.
import { parseJsonObject } from '../domain/json.js';
import { checkInvite } from '../domain/invites.js';
import { parseChatFrame } from '../domain/chatframes.js';
import { createReconnectingSocket, errorFrame, isId } from './socket.js';

export const AUTH_CLOSE_CODES = new Set([4001, 1008]);
export const RELATIONS = Object.freeze(['self', 'none', 'friends', 'request_sent', 'request_received', 'blocked', 'blocked_by']);

/** The app socket URL for the page's own host. */
export function appUrl(host) {
  return `wss://${host}/ws/`;
}

function isUser(v) {
  return Boolean(v) && typeof v === 'object' && isId(v.id);
}

/**
 * Parses a server frame into one of
 *   { type: 'hello', user }, { type: 'presence', user_id, online, last_seen_at },
 *   { type: 'friend_request', from }, { type: 'friend_update', user_id, relation },
 *   { type: 'invite', invite }, { type: 'invite_update', invite } (domain/invites.js checkInvite),
 *   { type: 'match_found', game_id, opponent }, { type: 'rematch_offer', game_id, from, expires_at },
 *   { type: 'rematch_start', game_id, new_game_id }, { type: 'rematch_declined', game_id },
 *   { type: 'error', code, message }, the chat.* frames of domain/chatframes.js;
 * anything else (unknown types, bad shapes, binary) gives null.
 */
export function parseAppFrame(data) {
  const v = parseJsonObject(data);
  if (!v) return null;
  if (typeof v.type === 'string' && v.type.startsWith('chat.')) return parseChatFrame(v);
  const error = errorFrame(v);
  if (error) return error;
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
        ...('in_game' in v ? { in_game: isId(v.in_game) ? v.in_game : null } : {}),
      };
    case 'friend_request':
      return isUser(v.from) ? { type: 'friend_request', from: v.from } : null;
    case 'friend_update':
      if (!isId(v.user_id) || !RELATIONS.includes(v.relation)) return null;
      return { type: 'friend_update', user_id: v.user_id, relation: v.relation };
    case 'invite':
    case 'invite_update': {
      const invite = checkInvite(v.invite);
      return invite ? { type: v.type, invite } : null;
    }
    case 'match_found':
      return isId(v.game_id) ? { type: 'match_found', game_id: v.game_id, opponent: isUser(v.opponent) ? v.opponent : null } : null;
    case 'rematch_offer':
      if (!isId(v.game_id) || !isUser(v.from)) return null;
      return { type: 'rematch_offer', game_id: v.game_id, from: v.from, expires_at: typeof v.expires_at === 'number' && Number.isFinite(v.expires_at) ? v.expires_at : null };
    case 'rematch_start':
      return isId(v.game_id) && isId(v.new_game_id) ? { type: 'rematch_start', game_id: v.game_id, new_game_id: v.new_game_id } : null;
    case 'rematch_declined':
      return isId(v.game_id) ? { type: 'rematch_declined', game_id: v.game_id } : null;
    default:
      return null;
  }
}

/**
 * Opens `url` right away and keeps it open until close() (socket.js does the reconnecting).
 * `source.getToken()` → token | null (or a promise of it): the current access token;
 * `source.refreshToken()` → promise of a fresh token | null: used after the server refused
 * one. A null token means "logged out": the socket stops ('disconnected', reason 'logged_out').
 * Handlers: onStatus({ state: 'connecting'|'authenticating'|'connected'|'reconnecting'|
 * 'disconnected', retryAt?, code?, reason? }), onEvent(frame) for every parsed frame.
 * `deps` (tests): WebSocket, setTimeout, clearTimeout, now, random.
 * Returns { state, presence(userId), send(frame) → boolean (only while connected),
 * reconnectNow(), close() }; after close() no handler
 * is called again and no timer is left.
 */
export function createAppSocket(url, source, handlers = {}, deps = {}) {
  const { onStatus = () => {}, onEvent = () => {} } = handlers;
  const now = deps.now ?? (() => Date.now());
  const presence = new Map(); // user_id → { online, last_seen_at, at }

  const socket = createReconnectingSocket({
    url,
    getToken: (fresh) => (fresh ? source.refreshToken() : source.getToken()),
    onStatus,
    deps,
    protocol: {
      parse: parseAppFrame,
      isWelcome: (frame) => frame.type === 'hello',
      onFrame(frame) {
        if (frame.type === 'presence') {
          presence.set(frame.user_id, {
            online: frame.online, last_seen_at: frame.last_seen_at, ...('in_game' in frame ? { in_game: frame.in_game } : {}), at: now(),
          });
        }
        onEvent(frame);
      },
      onDrop(code, wasUp) {
        // Whatever we knew of others' presence may be stale now; the next hello resyncs.
        if (wasUp) presence.clear();
      },
      authCloseCodes: AUTH_CLOSE_CODES,
      onRefused: 'backoff',
      loggedOutStatus: { state: 'disconnected', code: 0, reason: 'logged_out' },
      authenticating: true,
    },
  });

  return {
    get state() { return socket.state; },
    /** Latest presence pushed for `userId` on this connection: { online, last_seen_at, at } or undefined. */
    presence(userId) {
      return presence.get(userId);
    },
    send: socket.send,
    reconnectNow: socket.reconnectNow,
    close: socket.close,
  };
}

/**
 * Keeps one app socket open while `session` is logged in (reopened for another user,
 * closed on logout) and fans its events out to subscribers that outlive the socket.
 * Returns { subscribe(fn(event)) → unsubscribe, presence(userId), send(frame) → boolean,
 * get state, get userId, dispose() };
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
    /** The logged-in user this socket is for (null when logged out), and the session's user. */
    get userId() { return userId; },
    get user() { return userId === null ? null : session.user; },
    presence(id) {
      return socket ? socket.presence(id) : undefined;
    },
    send(frame) {
      return socket ? socket.send(frame) : false;
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
