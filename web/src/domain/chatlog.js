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

function kindOf(v) {
  if (KINDS.includes(v)) return v;
  if (Number.isInteger(v) && v >= 0 && v < KINDS.length) return KINDS[v];
  return 'text';
}

/**
 * A message from a chat.message frame or a history answer, checked: { seq, at, kind,
 * userId (null: the server), name, avatar, text, deleted, invite (checked, or null),
 * inviteId }. null when it has no valid seq.
 */
export function checkMessage(v) {
  if (!isObj(v) || !isId(v.seq)) return null;
  const user = isObj(v.user) ? v.user : null;
  const userId = isId(v.user_id) ? v.user_id : isId(v.sender_id) ? v.sender_id : isId(user?.id) ? user.id : null;
  const deleted = v.deleted === true || (typeof v.deleted_at === 'number' && v.deleted_at > 0);
  const kind = kindOf(v.kind);
  // An invite card carries the Invite while it is pending, else only { id }.
  const invite = kind === 'invite' ? checkInvite(v.invite) : null;
  const ref = isId(v.invite?.id) ? v.invite.id : isId(v.ref) ? v.ref : isId(v.ref_id) ? v.ref_id : null;
  return {
    seq: v.seq,
    at: typeof v.at === 'number' && Number.isFinite(v.at) ? v.at : (typeof v.created_at === 'number' ? v.created_at : 0),
    kind,
    userId,
    name: str(v.display_name) || str(user?.display_name),
    avatar: str(v.avatar_url) || str(user?.avatar_url) || null,
    text: deleted ? '' : (typeof v.message === 'string' ? v.message : str(v.text) || str(v.body)),
    deleted,
    invite,
    inviteId: invite ? invite.id : ref,
  };
}

/**
 * Merges `incoming` messages into the log `list` (sorted by seq): one entry per seq, a
 * deletion wins over the text it deletes, the result sorted by seq and cut to the newest
 * `max`. Returns a new array; `list` is not changed.
 */
export function mergeMessages(list, incoming, max = MAX_LOG) {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  let changed = false;
  for (const m of incoming) {
    if (!m) continue;
    const had = bySeq.get(m.seq);
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
 * A conversation from GET /api/chat/conversations, checked: { channel, key, kind, name,
 * peer ({ id, display_name, avatar_url } or null), lastSeq, lastRead, unread, last (the
 * last message, checked, or null), at }. Tolerates the channel given as a wire name or as
 * kind + room name / peer. null when unusable.
 */
export function checkConversation(v) {
  if (!isObj(v)) return null;
  const peerObj = isObj(v.peer) ? v.peer : null;
  const peerId = isId(peerObj?.id) ? peerObj.id : isId(v.peer_id) ? v.peer_id : null;
  let channel = typeof v.channel === 'string' ? v.channel : null;
  if (!channel) {
    const kind = v.kind === 0 || v.kind === 'room' ? 'room' : v.kind === 1 || v.kind === 'direct' || v.kind === 'dm' ? 'dm' : v.kind === 2 || v.kind === 'system' ? 'system' : null;
    if (kind === 'room') channel = roomChannel(str(v.name) || str(v.room));
    else if (kind === 'dm' && peerId) channel = dmChannel(peerId);
    else if (kind === 'system') channel = SYSTEM;
  }
  const parsed = parseChannel(channel);
  if (!parsed) return null;
  const lastMsg = isObj(v.last_message) ? v.last_message : isObj(v.last) ? v.last : null;
  const num = (x) => (isSeq(x) ? x : 0);
  return {
    channel,
    key: channelKey(channel),
    kind: parsed.kind,
    name: parsed.kind === 'room' ? parsed.name : '',
    peer: parsed.kind === 'dm'
      ? { id: parsed.peer, display_name: str(peerObj?.display_name) || str(v.peer_display_name), avatar_url: str(peerObj?.avatar_url) || null }
      : null,
    lastSeq: num(v.last_seq),
    lastRead: num(v.last_read_seq ?? v.read_seq),
    unread: num(v.unread),
    last: lastMsg ? checkMessage(lastMsg) : null,
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
