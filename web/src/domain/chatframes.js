// The chat's frames on the app socket (docs/chat.md "Frames on the app socket"): checking
// what the server pushes, building what the page sends. Pure: no DOM, no network; the app
// socket (services/appsocket.js) parses with it, Node tests import it.
import { checkMessage, parseChannel } from './chatlog.js';

const isId = (v) => Number.isSafeInteger(v) && v > 0;
const isSeq = (v) => Number.isSafeInteger(v) && v >= 0;
const isObj = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const str = (v) => (typeof v === 'string' ? v : '');
const MEMBER_EVENTS = new Set(['join', 'leave', 'kick', 'ban', 'mute', 'role']);

/**
 * A parsed JSON object whose type starts with "chat." → one of
 *   { type: 'chat.message', channel, message (chatlog.js checkMessage) },
 *   { type: 'chat.subscribed', channel, last_seq },
 *   { type: 'chat.ack', ref, channel, seq, at },
 *   { type: 'chat.error', ref (or null), code, message },
 *   { type: 'chat.deleted', channel, seq },
 *   { type: 'chat.member', channel, event, user: { id, display_name }, until, role },
 *   { type: 'chat.removed', channel, reason },
 *   { type: 'chat.read', channel, seq };
 * null when malformed.
 */
export function parseChatFrame(v) {
  if (!isObj(v) || typeof v.type !== 'string') return null;
  const channel = v.channel;
  const channelOk = parseChannel(channel) !== null;
  switch (v.type) {
    case 'chat.message': {
      const message = checkMessage(v);
      return channelOk && message ? { type: v.type, channel, message } : null;
    }
    case 'chat.subscribed':
      return channelOk ? { type: v.type, channel, last_seq: isSeq(v.last_seq) ? v.last_seq : 0 } : null;
    case 'chat.ack':
      if (typeof v.ref !== 'string' || !isId(v.seq)) return null;
      return { type: v.type, ref: v.ref, channel: channelOk ? channel : null, seq: v.seq, at: typeof v.at === 'number' ? v.at : null };
    case 'chat.error': {
      const e = isObj(v.error) ? v.error : {};
      return { type: v.type, ref: typeof v.ref === 'string' ? v.ref : null, code: str(e.code), message: str(e.message), channel: channelOk ? channel : null };
    }
    case 'chat.deleted':
      return channelOk && isId(v.seq) ? { type: v.type, channel, seq: v.seq } : null;
    case 'chat.member': {
      if (!channelOk || !MEMBER_EVENTS.has(v.event) || !isObj(v.user) || !isId(v.user.id)) return null;
      return {
        type: v.type,
        channel,
        event: v.event,
        user: { id: v.user.id, display_name: str(v.user.display_name) },
        until: typeof v.until === 'number' ? v.until : null,
        role: v.role ?? null,
      };
    }
    case 'chat.removed':
      return channelOk && (v.reason === 'kick' || v.reason === 'ban') ? { type: v.type, channel, reason: v.reason } : null;
    case 'chat.read':
      return channelOk && isSeq(v.seq) ? { type: v.type, channel, seq: v.seq } : null;
    default:
      return null;
  }
}

/** chat.subscribe / chat.unsubscribe of a room channel. */
export function subscribeFrame(channel, on = true) {
  return { type: on ? 'chat.subscribe' : 'chat.unsubscribe', channel };
}

/** chat.send of `text` to `channel` with the client reference `ref`. */
export function sendFrame(channel, text, ref) {
  return { type: 'chat.send', channel, text, ref };
}

/** chat.read: the reader saw `channel` up to `seq`. */
export function readFrame(channel, seq) {
  return { type: 'chat.read', channel, seq };
}
