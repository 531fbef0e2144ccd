// The chat of a logged-in tab (docs/chat.md): every conversation (rooms joined, DMs, the
// system channel "Pong") with its unread count, the loaded part of its history, a room's
// members and the reader's role, kept current by the app socket's chat.* frames (through
// `live`, services/appsocket.js createLive) and the REST routes (services/chatapi.js).
// It outlives the pages: the chat page renders from it, the nav bar shows its unread total.
//
// Resume: on every (re)connection (hello) the conversations are listed again, every joined
// room is subscribed again, and each conversation with a loaded log asks since=<highest
// seq seen> (rooms once chat.subscribed came back, so nothing falls in the gap); answers and
// live frames are merged by seq, so duplicates are dropped.
import {
  channelKey, checkConversation, checkMessage, countsAsUnread, highestSeq, makeRef, markDeleted,
  mergeMessages, parseChannel, roleRank, roomChannel, sortConversations, totalUnread, unreadIn, withoutSender,
} from '../domain/chatlog.js';
import { readFrame, sendFrame, subscribeFrame } from '../domain/chatframes.js';
import { listOf } from './chatapi.js';

export const PAGE = 50;          // messages per history page
const SINCE_LIMIT = 200;         // the server's cap for since=
const READ_DELAY_MS = 300;       // read markers are sent this long after the last message seen
const MAX_RESUME_PAGES = 20;     // since= pages per resume at most
const SYSTEM_KEY = 'system';

/** An error of the chat: { code, message } like the server's. */
export class ChatError extends Error {
  constructor(code, message = '') {
    super(message || code);
    this.name = 'ChatError';
    this.code = code;
  }
}

/** A ChatMember of the API ({ user: UserBrief, role, site_admin, online, muted_until }). */
function checkMember(v) {
  const u = v && typeof v === 'object' && v.user && typeof v.user === 'object' ? v.user : null;
  const id = u?.id;
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  return {
    id,
    name: typeof u.display_name === 'string' ? u.display_name : '',
    avatar: typeof u.avatar_url === 'string' ? u.avatar_url : null,
    role: roleRank(v.role),
    isAdmin: v.site_admin === true,
    online: v.online === true,
    mutedUntil: typeof v.muted_until === 'number' ? v.muted_until : 0,
  };
}

/**
 * Creates the chat service. `live`: createLive()'s { subscribe, send, state, userId };
 * `api`: createChatApi(); `deps` (tests): setTimeout, clearTimeout, now.
 * Returns the methods below; subscribe(fn) is told { type: 'change', key } (a conversation
 * changed; key null: the list), { type: 'removed', key, reason } and { type: 'status' }.
 */
export function createChat({ live, api, deps = {} }) {
  const setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((id) => clearTimeout(id));
  const now = deps.now ?? (() => Date.now());
  const convs = new Map();            // key → conversation
  const pending = new Map();          // ref → { resolve, reject, channel, text }
  const listeners = new Set();
  const blocked = new Set();          // users blocked in this tab (live filter, on top of the server's)
  const invites = new Map();          // invite id → its latest state from the app socket
  let active = null;                  // the conversation on screen: its messages are read
  let refs = 0;
  let listed = false;
  let syncing = null;
  let disposed = false;

  const me = () => live.userId ?? null;

  function emit(event) {
    for (const fn of [...listeners]) {
      try { fn(event); } catch (err) { console.error('chat listener failed', err); }
    }
  }
  const changed = (key) => emit({ type: 'change', key });

  function conv(channel) {
    const key = channelKey(channel);
    if (!key) return null;
    let c = convs.get(key);
    if (!c) {
      const parsed = parseChannel(channel);
      c = {
        channel, key, kind: parsed.kind, name: parsed.kind === 'room' ? parsed.name : '',
        peer: parsed.kind === 'dm' ? { id: parsed.peer, display_name: '', avatar_url: null } : null,
        lastSeq: 0, lastRead: 0, unread: 0, last: null, at: 0,
        messages: [], loaded: false, hasOlder: false, loading: false,
        joined: parsed.kind !== 'room', subscribed: false, wantSubscribe: false,
        room: null, readTimer: null, sentRead: 0, resumeFrom: null,
        refused: null,     // a DM refused by the server (a block): its code
      };
      convs.set(key, c);
    }
    return c;
  }

  // ---- the list ----

  async function sync() {
    if (syncing) return syncing;
    syncing = (async () => {
      try {
        const answer = await api.conversations();
        if (disposed) return;
        for (const item of listOf(answer, 'conversations')) {
          const v = checkConversation(item);
          if (!v) continue;
          const c = conv(v.channel);
          if (v.kind === 'room' && v.name) c.name = v.name;   // the creator's spelling
          if (v.peer && v.peer.display_name) c.peer = v.peer;
          c.lastSeq = Math.max(c.lastSeq, v.lastSeq);
          c.lastRead = Math.max(c.lastRead, v.lastRead);
          c.unread = c.loaded && c.key === active ? 0 : v.unread;
          if (v.last && (!c.last || v.last.seq >= c.last.seq)) c.last = v.last;
          c.at = Math.max(c.at, v.at, v.last?.at ?? 0);
          if (v.kind === 'room') { c.joined = true; c.wantSubscribe = true; }
        }
        listed = true;
      } catch {
        /* the next hello tries again; open conversations still work */
      }
      for (const c of convs.values()) {
        if (c.kind === 'room' && c.wantSubscribe) subscribe(c);
        else if (c.loaded) resume(c);
      }
      changed(null);
    })();
    try { await syncing; } finally { syncing = null; }
  }

  function subscribe(c) {
    c.subscribed = false;
    c.wantSubscribe = true;
    live.send(subscribeFrame(c.channel));
  }

  /** Asks since=<highest seen> until nothing more was missed. */
  async function resume(c) {
    if (!c.loaded) return;
    // From the last seq seen before the drop: live messages that came since then are
    // newer than the gap and must not move the resume point past it.
    let since = c.resumeFrom ?? highestSeq(c.messages, 0);
    for (let page = 0; page < MAX_RESUME_PAGES; page += 1) {
      let answer;
      try {
        answer = await api.history(c.channel, { since, limit: SINCE_LIMIT });
      } catch {
        return;   // resumeFrom stays: the next connection tries again
      }
      if (disposed) return;
      const list = listOf(answer, 'messages').map(checkMessage).filter(Boolean);
      absorb(c, list, answer?.last_seq);
      if (answer?.more !== true || list.length === 0) break;
      since = list[list.length - 1].seq;
    }
    c.resumeFrom = null;
    if (c.key === active) scheduleRead(c);
    changed(c.key);
  }

  /** Messages from history or the socket go into the log; unread follows the read marker. */
  function absorb(c, messages, lastSeq) {
    const visible = messages.filter((m) => !(m.userId !== null && blocked.has(m.userId) && c.kind === 'room'));
    c.messages = mergeMessages(c.messages, visible);
    if (Number.isSafeInteger(lastSeq)) c.lastSeq = Math.max(c.lastSeq, lastSeq);
    const top = c.messages[c.messages.length - 1];
    if (top) {
      c.lastSeq = Math.max(c.lastSeq, top.seq);
      if (!c.last || top.seq >= c.last.seq) c.last = top;
      c.at = Math.max(c.at, top.at);
    }
    if (c.key === active) c.unread = 0;
    else if (covers(c)) c.unread = unreadIn(c.messages, c.lastRead, me());
  }

  // ---- a conversation on screen ----

  /**
   * Opens `channel` (a room is joined first, created when its name is unused): its newest
   * history, the room's members and the reader's role, the live subscription. Throws the
   * ApiError of a refusal (banned, blocked, no such user…).
   */
  async function open(channel) {
    const c = conv(channel);
    if (!c) throw new ChatError('no_such_channel');
    if (c.kind === 'room') {
      if (!c.joined) {
        const joined = await api.join(c.name);   // ChatJoined: the name as its creator wrote it
        if (typeof joined?.name === 'string' && joined.name) c.name = joined.name;
        c.joined = true;
      }
      if (!c.subscribed) subscribe(c);
      await loadRoom(c);
    }
    if (!c.loaded) {
      try {
        await loadNewest(c);
      } catch (err) {
        // A block either way: the server refuses the DM's history (and any message, 403
        // blocked). The conversation still opens, empty, saying why.
        if (c.kind !== 'dm' || err?.code !== 'blocked') throw err;
        c.refused = 'blocked';
        changed(c.key);
        return c;
      }
    }
    c.refused = null;
    return c;
  }

  async function loadRoom(c) {
    const answer = await api.room(c.name);   // ChatRoom: the room, my membership, its members
    if (disposed) return;
    if (typeof answer?.name === 'string' && answer.name) c.name = answer.name;
    c.room = {
      role: roleRank(answer?.role),
      isAdmin: answer?.site_admin === true,
      mutedUntil: typeof answer?.muted_until === 'number' ? answer.muted_until : 0,
      ownerId: Number.isSafeInteger(answer?.owner_id) ? answer.owner_id : null,
      members: listOf(answer, 'members').map(checkMember).filter(Boolean),
    };
    changed(c.key);
  }

  async function loadNewest(c) {
    c.loading = true;
    try {
      const answer = await api.history(c.channel, { limit: PAGE });
      if (disposed) return;
      const list = listOf(answer, 'messages').map(checkMessage).filter(Boolean);
      c.loaded = true;
      c.hasOlder = answer?.more === true;   // without since=, "more": older messages exist
      absorb(c, list, answer?.last_seq);
    } finally {
      c.loading = false;
    }
    if (c.key === active) scheduleRead(c);
    changed(c.key);
  }

  /** The page before the oldest loaded message; resolves to how many came. */
  async function loadOlder(channel) {
    const c = conv(channel);
    if (!c || !c.loaded || !c.hasOlder || c.loading) return 0;
    c.loading = true;
    let list = [];
    try {
      const answer = await api.history(c.channel, { before: c.messages[0]?.seq ?? 1, limit: PAGE });
      list = listOf(answer, 'messages').map(checkMessage).filter(Boolean);
      c.hasOlder = answer?.more === true;
      c.messages = mergeMessages(c.messages, list, Infinity);
    } finally {
      c.loading = false;
    }
    changed(c.key);
    return list.length;
  }

  /** The conversation the reader looks at (null: none): its unread count drops to 0. */
  function setActive(channel) {
    const c = channel ? conv(channel) : null;
    active = c ? c.key : null;
    if (c) {
      c.unread = 0;
      scheduleRead(c);
      changed(c.key);
    }
  }

  function scheduleRead(c) {
    const seq = highestSeq(c.messages, c.lastSeq);
    if (seq <= c.sentRead || seq === 0) return;
    if (c.readTimer !== null) clearTimer(c.readTimer);
    c.readTimer = setTimer(() => {
      c.readTimer = null;
      if (disposed) return;
      c.lastRead = Math.max(c.lastRead, seq);
      c.sentRead = seq;
      if (!live.send(readFrame(c.channel, seq))) api.read(c.channel, seq).catch(() => {});
    }, READ_DELAY_MS);
    c.lastRead = Math.max(c.lastRead, seq);
    c.unread = 0;
  }

  // ---- sending ----

  /**
   * Sends `text` to `channel` over the app socket; resolves to { seq } once stored, rejects
   * with a ChatError (the server's code: rate_limited, muted, blocked, message_too_long, …;
   * not_connected when the socket is down, connection_lost when it dropped before the answer).
   */
  function send(channel, text) {
    const ref = makeRef(++refs);
    return new Promise((resolve, reject) => {
      if (!live.send(sendFrame(channel, text, ref))) {
        reject(new ChatError('not_connected'));
        return;
      }
      pending.set(ref, { resolve, reject, channel, text });
    });
  }

  function onAck(frame) {
    const p = pending.get(frame.ref);
    if (!p) return;
    pending.delete(frame.ref);
    const c = conv(frame.channel ?? p.channel);
    if (c && !c.messages.some((m) => m.seq === frame.seq)) {
      // Our own message, in case its chat.message has not come (or does not come) back.
      // `local`: the server's own copy (with the sender's name and avatar) replaces it.
      const self = { seq: frame.seq, at: frame.at ?? now(), kind: 'text', userId: me(), name: ownName(c), avatar: null, text: p.text.trim(), deleted: false, invite: null, inviteId: null, local: true };
      if (c.loaded) absorb(c, [self]);
      changed(c.key);
    }
    p.resolve({ seq: frame.seq });
  }

  /** My display name as the server last wrote it in `c` (or any conversation), else ''. */
  function ownName(c) {
    for (const conv of [c, ...convs.values()]) {
      for (let i = conv.messages.length - 1; i >= 0; i -= 1) {
        const m = conv.messages[i];
        if (m.userId === me() && !m.local && m.name) return m.name;
      }
    }
    return '';
  }

  function onError(frame) {
    const p = frame.ref ? pending.get(frame.ref) : null;
    if (!p) return;
    pending.delete(frame.ref);
    p.reject(new ChatError(frame.code || 'error', frame.message));
  }

  // ---- live frames ----

  /** The loaded log reaches back to the read marker, so unread can be counted from it. */
  function covers(c) {
    return c.loaded && c.messages.length > 0 && c.messages[0].seq <= c.lastRead + 1;
  }

  function onMessage({ channel, message }) {
    const c = conv(channel);
    if (!c) return;
    if (c.kind === 'room' && message.userId !== null && blocked.has(message.userId)) return;
    if (c.kind === 'dm' && message.userId === c.peer.id && message.name) c.peer.display_name = message.name;
    const dup = c.loaded ? c.messages.some((m) => m.seq === message.seq) : message.seq <= c.lastSeq;
    if (c.loaded) {
      absorb(c, [message]);
    } else {
      c.lastSeq = Math.max(c.lastSeq, message.seq);
      if (!c.last || message.seq >= c.last.seq) c.last = message;
      c.at = Math.max(c.at, message.at);
    }
    if (!dup && c.key !== active && !covers(c) && countsAsUnread(message, c.lastRead, me())) c.unread += 1;
    if (c.key === active) scheduleRead(c);
    changed(c.key);
  }

  function onMember(frame) {
    const c = convs.get(channelKey(frame.channel));
    if (!c?.room) return;
    const list = c.room.members;
    const at = list.findIndex((m) => m.id === frame.user.id);
    if (frame.event === 'join') {
      if (at < 0) list.push({ id: frame.user.id, name: frame.user.display_name, avatar: null, role: 0, isAdmin: false, online: true, mutedUntil: 0 });
    } else if (frame.event === 'leave' || frame.event === 'kick' || frame.event === 'ban') {
      if (at >= 0) list.splice(at, 1);
    } else if (frame.event === 'mute' && at >= 0) {
      list[at].mutedUntil = frame.until ?? 0;
      if (frame.user.id === me()) c.room.mutedUntil = frame.until ?? 0;
    } else if (frame.event === 'role' && at >= 0) {
      list[at].role = roleRank(frame.role);
      if (frame.user.id === me()) c.room.role = roleRank(frame.role);
    }
    changed(c.key);
  }

  function onRemoved(frame) {
    const c = convs.get(channelKey(frame.channel));
    if (!c) return;
    c.joined = false;
    c.subscribed = false;
    c.wantSubscribe = false;
    c.room = null;
    convs.delete(c.key);
    emit({ type: 'removed', key: c.key, reason: frame.reason });
    changed(null);
  }

  function onEvent(ev) {
    if (disposed) return;
    switch (ev.type) {
      case 'hello':
        sync();
        break;
      case 'status':
        if (ev.state !== 'connected') {
          for (const c of convs.values()) {
            c.subscribed = false;
            if (c.loaded && c.resumeFrom == null) c.resumeFrom = highestSeq(c.messages, 0);
          }
          for (const [ref, p] of pending) { pending.delete(ref); p.reject(new ChatError('connection_lost')); }
          if (ev.state === 'disconnected' && me() === null) reset();
        }
        emit({ type: 'status', state: ev.state });
        break;
      case 'chat.subscribed': {
        const c = convs.get(channelKey(ev.channel));
        if (!c) break;
        c.subscribed = true;
        c.lastSeq = Math.max(c.lastSeq, ev.last_seq);
        if (c.loaded) resume(c);
        changed(c.key);
        break;
      }
      case 'chat.message': onMessage(ev); break;
      case 'chat.ack': onAck(ev); break;
      case 'chat.error':
        if (ev.ref) onError(ev);
        else if (ev.channel) emit({ type: 'error', key: channelKey(ev.channel), code: ev.code, message: ev.message });
        break;
      case 'chat.deleted': {
        const c = convs.get(channelKey(ev.channel));
        if (c) { c.messages = markDeleted(c.messages, ev.seq); changed(c.key); }
        break;
      }
      case 'chat.member': onMember(ev); break;
      case 'chat.removed': onRemoved(ev); break;
      case 'chat.read': {
        const c = convs.get(channelKey(ev.channel));
        if (!c) break;
        c.lastRead = Math.max(c.lastRead, ev.seq);
        c.sentRead = Math.max(c.sentRead, ev.seq);
        c.unread = c.loaded ? unreadIn(c.messages, c.lastRead, me()) : (ev.seq >= c.lastSeq ? 0 : c.unread);
        changed(c.key);
        break;
      }
      case 'presence':
        for (const c of convs.values()) {
          const m = c.room?.members.find((x) => x.id === ev.user_id);
          if (m) { m.online = ev.online; changed(c.key); }
        }
        break;
      case 'friend_update':
        if (ev.relation === 'blocked') dropSender(ev.user_id);
        break;
      case 'invite':
      case 'invite_update':
        invites.set(ev.invite.id, ev.invite);
        changed(SYSTEM_KEY);
        break;
      default:
        break;
    }
  }

  function dropSender(userId) {
    blocked.add(userId);
    for (const c of convs.values()) {
      if (c.kind !== 'room') continue;
      const next = withoutSender(c.messages, userId);
      if (next !== c.messages) { c.messages = next; changed(c.key); }
    }
  }

  function reset() {
    for (const c of convs.values()) if (c.readTimer !== null) clearTimer(c.readTimer);
    convs.clear();
    blocked.clear();
    invites.clear();
    active = null;
    listed = false;
    changed(null);
  }

  const off = live.subscribe(onEvent);
  if (live.state === 'connected') sync();

  return {
    sync,
    open,
    loadOlder,
    setActive,
    send,
    /** The conversation of `channel` (created empty when unknown), or null for a bad name. */
    get: (channel) => conv(channel),
    /** Every conversation: system first, then the most recently active. */
    list: () => sortConversations([...convs.values()].filter((c) => c.kind !== 'room' || c.joined)),
    get totalUnread() { return totalUnread([...convs.values()]); },
    get listed() { return listed; },
    get me() { return me(); },
    /** The latest state of an invite pushed on the app socket (or undefined). */
    invite: (id) => invites.get(id),
    async leave(name) {
      await api.leave(name);
      const c = convs.get(channelKey(roomChannel(name)));
      if (c) {
        live.send(subscribeFrame(c.channel, false));
        convs.delete(c.key);
      }
      changed(null);
    },
    async block(userId) {
      await api.block(userId);
      dropSender(userId);
    },
    async moderate(action, name, { userId, seq, seconds } = {}) {
      if (action === 'delete') return api.deleteMessage(name, seq);
      if (action === 'mute') return api.mute(name, userId, seconds);
      if (action === 'kick') return api.kick(name, userId);
      if (action === 'ban') return api.ban(name, userId);
      throw new ChatError('invalid_action');
    },
    report: (what) => api.report(what),
    /** The room browser: rooms whose name contains `q`, as [{ name, members }]. */
    async rooms(q = '') {
      const answer = await api.rooms(q);
      return listOf(answer, 'rooms').filter((r) => r && typeof r.name === 'string').map((r) => ({
        name: r.name,
        members: Number.isSafeInteger(r.members) ? r.members : 0,
      }));
    },
    /** Invites `userId` to a game with `options` (the API's values): the created invite. */
    inviteToGame: (userId, options) => api.invite(userId, options),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    dispose() {
      disposed = true;
      off();
      reset();
      listeners.clear();
    },
  };
}
