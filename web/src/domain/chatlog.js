// The chat's data in the page (docs/chat.md): channel names on the wire, messages from the
// socket or the REST history checked into one shape, a conversation's log merged and
// deduplicated by seq, unread counting, the member roles and who may moderate whom.
// Pure: no DOM, no network; Node tests import it (tests/web/chatlog.test.mjs).
import { checkInvite } from './invites.js';

export const KINDS = Object.freeze(['text', 'system', 'invite']);
export const ROLES = Object.freeze(['member', 'moderator', 'owner']);
export const RANK_ADMIN = 3;
export const SYSTEM = 'system';
// A conversation keeps at most this many messages in memory (older ones page back in).
export const MAX_LOG = 1000;
// Unread badges say "99+" beyond this.
export const UNREAD_CAP = 99;
// Moderation actions on a member (delete is on a message).
export const MEMBER_ACTIONS = Object.freeze(['mute', 'kick', 'ban']);

const isId = (v) => Number.isSafeInteger(v) && v > 0;
const isSeq = (v) => Number.isSafeInteger(v) && v >= 0;
const isObj = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const str = (v) => (typeof v === 'string' ? v : '');
const ROOM_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** "room:<name>" for a room. */
export function roomChannel(name) {
  return `room:${name}`;
}

/** "dm:<id>" for the direct conversation with user `id`. */
export function dmChannel(id) {
  return `dm:${id}`;
}

/**
 * A channel name from the wire → { kind: 'room', name } | { kind: 'dm', peer } |
 * { kind: 'system' }, or null when it is none of those.
 */
export function parseChannel(channel) {
  if (channel === SYSTEM) return { kind: 'system' };
  if (typeof channel !== 'string') return null;
  if (channel.startsWith('room:')) {
    const name = channel.slice(5);
    return ROOM_RE.test(name) ? { kind: 'room', name } : null;
  }
  if (channel.startsWith('dm:')) {
    const id = Number(channel.slice(3));
    return /^[1-9][0-9]*$/.test(channel.slice(3)) && isId(id) ? { kind: 'dm', peer: id } : null;
  }
  return null;
}

/**
 * The key a conversation is kept under: room names differ only in case are one room, so
 * "room:General" and "room:general" share "room:general". null for a bad channel.
 */
export function channelKey(channel) {
  const c = parseChannel(channel);
  if (!c) return null;
  if (c.kind === 'room') return `room:${c.name.toLowerCase()}`;
  return c.kind === 'dm' ? dmChannel(c.peer) : SYSTEM;
}

/**
 * A message from a chat.message frame or a history answer (the API's ChatMessage), checked:
 * { seq, at, kind, userId (null: the server), name, avatar, text, deleted, invite (the
 * Invite while pending, checked, else null), inviteId }. null when it has no valid seq.
 */
export function checkMessage(v) {
  if (!isObj(v) || !isId(v.seq)) return null;
  const deleted = v.deleted === true;
  const kind = KINDS.includes(v.kind) ? v.kind : 'text';
  // An invite card carries the Invite while it is pending, else only { id }.
  const invite = kind === 'invite' ? checkInvite(v.invite) : null;
  return {
    seq: v.seq,
    at: typeof v.at === 'number' && Number.isFinite(v.at) ? v.at : 0,
    kind,
    userId: isId(v.user_id) ? v.user_id : null,
    name: str(v.display_name),
    avatar: str(v.avatar_url) || null,
    text: deleted ? '' : str(v.message),
    deleted,
    invite,
    inviteId: kind === 'invite' && isId(v.invite?.id) ? v.invite.id : null,
  };
}

/**
 * Merges `incoming` messages into the log `list` (sorted by seq): one entry per seq, a
 * deletion wins over the text it deletes, the server's copy of a message replaces a `local`
 * one (made by the page from its chat.ack), the result sorted by seq and cut to the newest
 * `max`. Returns a new array; `list` is not changed.
 */
export function mergeMessages(list, incoming, max = MAX_LOG) {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  let changed = false;
  for (const m of incoming) {
    if (!m) continue;
    const had = bySeq.get(m.seq);
    if (had?.local && !m.local) {   // the server's copy replaces the one made from an ack
      bySeq.set(m.seq, had.deleted && !m.deleted ? { ...m, deleted: true, text: '' } : m);
      changed = true;
      continue;
    }
    if (had && (had.deleted || !m.deleted)) continue;   // a duplicate (or stale undeleted copy)
    bySeq.set(m.seq, had ? { ...had, deleted: true, text: '' } : m);
    changed = true;
  }
  if (!changed) return list;
  const out = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return out.length > max ? out.slice(out.length - max) : out;
}

/** The log with message `seq` marked deleted (its text dropped). */
export function markDeleted(list, seq) {
  return list.map((m) => (m.seq === seq ? { ...m, deleted: true, text: '' } : m));
}

/** The log without the messages of `userId` (the reader blocked them). */
export function withoutSender(list, userId) {
  return list.some((m) => m.userId === userId) ? list.filter((m) => m.userId !== userId) : list;
}

/** The highest seq in `list`, or `floor` when higher (a channel's last_seq past filtered ones). */
export function highestSeq(list, floor = 0) {
  const top = list.length ? list[list.length - 1].seq : 0;
  return Math.max(top, isSeq(floor) ? floor : 0);
}

/** Messages after the read marker `lastRead` that count as unread for `me`. */
export function unreadIn(list, lastRead, me) {
  let n = 0;
  for (const m of list) {
    if (m.seq > lastRead && !m.deleted && m.userId !== me) n += 1;
  }
  return n;
}

/** Whether a newly arrived message makes its conversation more unread for `me`. */
export function countsAsUnread(message, lastRead, me) {
  return message.seq > lastRead && !message.deleted && message.userId !== me;
}

/** The sum of the conversations' unread counts. */
export function totalUnread(conversations) {
  let n = 0;
  for (const c of conversations) n += Number.isSafeInteger(c.unread) && c.unread > 0 ? c.unread : 0;
  return n;
}

/** A badge's text: '' for none, the count, or "99+". */
export function badgeText(n) {
  if (!Number.isSafeInteger(n) || n <= 0) return '';
  return n > UNREAD_CAP ? `${UNREAD_CAP}+` : String(n);
}

/** A role from the API ("owner", 2, …) → its rank 0..2 (unknown: member). */
export function roleRank(role) {
  if (Number.isInteger(role) && role >= 0 && role < ROLES.length) return role;
  const i = ROLES.indexOf(role);
  return i < 0 ? 0 : i;
}

/** The acting rank: a site admin ranks above every owner, in every room. */
export function actorRank(role, isAdmin) {
  return isAdmin ? RANK_ADMIN : roleRank(role);
}

/**
 * Whether an actor of `rank` may delete, mute, kick or ban someone of `targetRank`
 * (docs/chat.md: moderator or more, on a lower rank only). The server checks again.
 */
export function mayModerate(rank, targetRank) {
  return rank >= 1 && targetRank < rank;
}

/**
 * A conversation from GET /api/chat/conversations (the API's ChatConversation), checked:
 * { channel, key, kind, name, peer ({ id, display_name, avatar_url } or null), lastSeq,
 * lastRead, unread, last (the last message, checked, or null), at }. null when unusable.
 */
export function checkConversation(v) {
  if (!isObj(v)) return null;
  const parsed = parseChannel(v.channel);
  if (!parsed) return null;
  const peer = isObj(v.peer) ? v.peer : null;
  const num = (x) => (isSeq(x) ? x : 0);
  return {
    channel: v.channel,
    key: channelKey(v.channel),
    kind: parsed.kind,
    name: parsed.kind === 'room' ? parsed.name : '',
    peer: parsed.kind === 'dm'
      ? { id: parsed.peer, display_name: str(peer?.display_name), avatar_url: str(peer?.avatar_url) || null }
      : null,
    lastSeq: num(v.last_seq),
    lastRead: num(v.last_read_seq),
    unread: num(v.unread),
    last: isObj(v.last_message) ? checkMessage(v.last_message) : null,
    at: num(v.last_at),
  };
}

/** Conversations sorted for the list: the system channel first, then newest activity. */
export function sortConversations(list) {
  return [...list].sort((a, b) => {
    if (a.kind === 'system' || b.kind === 'system') return a.kind === 'system' ? -1 : 1;
    return (b.at || 0) - (a.at || 0) || a.key.localeCompare(b.key);
  });
}

/** A client reference for chat.send: short, unique in the tab. */
export function makeRef(n) {
  return `c${n.toString(36)}`;
}
