// The chat of mockpongd.mjs: an in-memory stand-in for the chat's REST routes and app-socket
// frames (docs/chat.md), enough to look at the chat page without the C server. Rooms with
// members and roles, DMs, the system channel, per-channel seqs, before= / since= paging,
// read markers, blocks (filtered for the blocker). No rate limit, no persistence.
const PAGE_MAX = 200;

export function createMockChat({ users, brief, push }) {
  const channels = new Map();     // key → { key, kind, name, owner, seq, messages: [], members: Map(uid → {role, read}) }
  const subs = new Map();         // ws → Set(key)
  const blocks = new Set();       // "a:b": a blocked b

  const roomKey = (name) => `r:${name.toLowerCase()}`;
  const dmKey = (a, b) => `d:${Math.min(a, b)}:${Math.max(a, b)}`;
  const blocked = (a, b) => blocks.has(`${a}:${b}`);
  const wire = (ch, uid) => (ch.kind === 'room' ? `room:${ch.name}` : ch.kind === 'dm' ? `dm:${ch.users.find((u) => u !== uid) ?? uid}` : 'system');

  function channel(key, init) {
    if (!channels.has(key)) channels.set(key, { key, seq: 0, messages: [], members: new Map(), ...init });
    return channels.get(key);
  }
  const system = (uid) => channel(`s:${uid}`, { kind: 'system', users: [uid] }).members.has(uid) ? channels.get(`s:${uid}`)
    : (channels.get(`s:${uid}`).members.set(uid, { role: 'member', read: 0 }), channels.get(`s:${uid}`));
  function dm(a, b) {
    const ch = channel(dmKey(a, b), { kind: 'dm', users: [a, b] });
    for (const u of [a, b]) if (!ch.members.has(u)) ch.members.set(u, { role: 'member', read: 0 });
    return ch;
  }

  function frame(ch, m, uid) {
    const u = m.user_id ? users[m.user_id] : null;
    return {
      type: 'chat.message', channel: wire(ch, uid), seq: m.seq, at: m.at, kind: m.kind, user_id: m.user_id,
      display_name: u ? u.display_name : null, avatar_url: u ? u.avatar_url : null,
      message: m.deleted ? '' : m.text, deleted: Boolean(m.deleted), invite: m.invite ?? null,
      ...(ch.kind === 'room' ? { room: ch.name } : {}),
    };
  }

  function visible(m, uid) {
    return !(m.user_id && blocked(uid, m.user_id));
  }

  function publish(ch, m) {
    if (ch.kind === 'room') {
      for (const [ws, keys] of subs) if (keys.has(ch.key) && visible(m, ws.uid)) ws.send(JSON.stringify(frame(ch, m, ws.uid)));
    } else {
      for (const uid of ch.users) push(uid, (ws) => frame(ch, m, ws.uid));
    }
  }

  function post(ch, uid, text, kind = 'text', invite = null) {
    ch.seq += 1;
    const m = { seq: ch.seq, at: Date.now(), kind, user_id: uid, text, invite };
    ch.messages.push(m);
    publish(ch, m);
    return m;
  }

  function canPost(ch, uid, text) {
    if (typeof text !== 'string' || !text.trim()) return 'invalid_message';
    if ([...text].length > 2000) return 'message_too_long';
    if (!ch.members.has(uid)) return 'not_member';
    if (ch.kind === 'dm') {
      const peer = ch.users.find((u) => u !== uid) ?? uid;
      if (blocked(uid, peer) || blocked(peer, uid)) return 'blocked';
    }
    if ((ch.members.get(uid).muted ?? 0) > Date.now()) return 'muted';
    return null;
  }

  function history(ch, uid, q) {
    const list = ch.messages.filter((m) => visible(m, uid));
    const limit = Math.min(Number(q.get('limit') ?? 50), PAGE_MAX);
    let out;
    let more;
    if (q.has('before')) {
      const older = list.filter((m) => m.seq < Number(q.get('before')));
      out = older.slice(-limit);
      more = older.length > limit;
    } else if (q.has('since')) {
      const newer = list.filter((m) => m.seq > Number(q.get('since')));
      out = newer.slice(0, limit);
      more = newer.length > limit;
    } else {
      out = list.slice(-limit);
      more = list.length > limit;
    }
    return { channel: wire(ch, uid), messages: out.map((m) => frame(ch, m, uid)), last_seq: ch.seq, more };
  }

  function unread(ch, uid) {
    const read = ch.members.get(uid)?.read ?? 0;
    return ch.messages.filter((m) => m.seq > read && m.user_id !== uid && !m.deleted && visible(m, uid)).length;
  }

  function channelOf(uid, path) {
    let m;
    if ((m = /^\/api\/chat\/rooms\/([A-Za-z0-9_-]{1,64})/.exec(path))) return channels.get(roomKey(m[1])) ?? null;
    if ((m = /^\/api\/chat\/dm\/(\d+)/.exec(path))) return users[m[1]] ? dm(uid, Number(m[1])) : null;
    if (path.startsWith('/api\/chat/system'.replace('\\', ''))) return system(uid);
    return null;
  }

  const err = (status, code) => [status, { error: { code, message: code } }];

  /** A REST call: [status, body] or null when the path is not the chat's. */
  function handle(uid, method, path, query, body) {
    let m;
    if (path === '/api/chat/conversations') {
      system(uid);
      const list = [...channels.values()].filter((ch) => ch.members.has(uid)).map((ch) => {
        const last = [...ch.messages].reverse().find((x) => visible(x, uid));
        const peer = ch.kind === 'dm' ? brief(users[ch.users.find((u) => u !== uid) ?? uid]) : null;
        return {
          channel: wire(ch, uid), kind: ch.kind === 'dm' ? 'direct' : ch.kind, peer, last_seq: ch.seq, last_at: last?.at ?? null,
          last_read_seq: ch.members.get(uid).read, unread: unread(ch, uid),
          last_message: last ? { seq: last.seq, at: last.at, kind: last.kind, user_id: last.user_id, message: last.text, deleted: false } : null,
        };
      });
      return [200, { conversations: list }];
    }
    if (path === '/api/chat/rooms') {
      const q = (query.get('q') ?? '').toLowerCase();
      const rooms = [...channels.values()].filter((ch) => ch.kind === 'room' && ch.name.toLowerCase().includes(q))
        .map((ch) => ({ channel: `room:${ch.name}`, name: ch.name, owner_id: ch.owner, members: ch.members.size, last_seq: ch.seq, last_at: null, created_at: 0 }));
      return [200, { rooms }];
    }
    if ((m = /^\/api\/chat\/rooms\/([A-Za-z0-9_-]{1,64})\/join$/.exec(path)) && method === 'POST') {
      const created = !channels.has(roomKey(m[1]));
      const ch = channel(roomKey(m[1]), { kind: 'room', name: m[1], owner: uid });
      if (!ch.members.has(uid)) ch.members.set(uid, { role: ch.owner === uid ? 'owner' : 'member', read: 0 });
      return [created ? 201 : 200, { channel: `room:${ch.name}`, name: ch.name, owner_id: ch.owner, role: ch.members.get(uid).role, created, last_seq: ch.seq, last_read_seq: 0, muted_until: null }];
    }
    const ch = path.startsWith('/api/chat/') ? channelOf(uid, path) : null;
    if (!path.startsWith('/api/chat/')) return null;
    if (!ch) return err(404, 'no_such_channel');
    if (ch.kind === 'room' && /^\/api\/chat\/rooms\/[^/]+$/.test(path)) {
      const me = ch.members.get(uid);
      return [200, {
        channel: `room:${ch.name}`, name: ch.name, owner_id: ch.owner, created_at: 0, last_seq: ch.seq, last_at: null,
        member: Boolean(me), role: me?.role ?? null, site_admin: false, banned: false, muted_until: me?.muted ?? null, last_read_seq: me?.read ?? 0,
        members: [...ch.members].map(([id, x]) => ({ user: brief(users[id]), role: x.role, site_admin: false, online: true, muted_until: x.muted ?? null })),
      }];
    }
    if (path.endsWith('/messages') && method === 'GET') return ch.members.has(uid) ? [200, history(ch, uid, query)] : err(403, 'not_member');
    if (path.endsWith('/messages') && method === 'POST') {
      const why = canPost(ch, uid, body?.text);
      if (why) return err(why === 'not_member' || why === 'blocked' || why === 'muted' ? 403 : 400, why);
      const msg = post(ch, uid, body.text);
      return [201, { channel: wire(ch, uid), seq: msg.seq, at: msg.at }];
    }
    if (path.endsWith('/read')) {
      const me = ch.members.get(uid);
      if (me) me.read = Math.max(me.read, Math.min(Number(body?.seq) || 0, ch.seq));
      return [200, { channel: wire(ch, uid), last_read_seq: me?.read ?? 0 }];
    }
    return err(404, 'not_found');
  }

  function wsChannel(uid, name) {
    if (typeof name !== 'string') return null;
    let m;
    if ((m = /^room:([A-Za-z0-9_-]{1,64})$/.exec(name))) return channels.get(roomKey(m[1])) ?? null;
    if ((m = /^dm:(\d+)$/.exec(name))) return users[m[1]] ? dm(uid, Number(m[1])) : null;
    return name === 'system' ? system(uid) : null;
  }

  /** An app-socket frame from `ws` (ws.uid set): true when it was the chat's. */
  function onFrame(ws, f) {
    if (typeof f?.type !== 'string' || !f.type.startsWith('chat.')) return false;
    const reply = (x) => ws.send(JSON.stringify(x));
    const ch = wsChannel(ws.uid, f.channel);
    const fail = (code) => reply({ type: 'chat.error', ...(f.ref ? { ref: f.ref } : {}), error: { code, message: code } });
    if (!ch) { fail('no_such_channel'); return true; }
    if (f.type === 'chat.subscribe') {
      if (!ch.members.has(ws.uid)) { fail('not_member'); return true; }
      if (!subs.has(ws)) { subs.set(ws, new Set()); ws.on('close', () => subs.delete(ws)); }
      subs.get(ws).add(ch.key);
      reply({ type: 'chat.subscribed', channel: f.channel, last_seq: ch.seq });
    } else if (f.type === 'chat.unsubscribe') {
      subs.get(ws)?.delete(ch.key);
    } else if (f.type === 'chat.send') {
      const why = canPost(ch, ws.uid, f.text);
      if (why) { fail(why); return true; }
      const msg = post(ch, ws.uid, f.text);
      reply({ type: 'chat.ack', ref: f.ref, channel: f.channel, seq: msg.seq });
    } else if (f.type === 'chat.read') {
      const me = ch.members.get(ws.uid);
      if (me) me.read = Math.max(me.read, Math.min(Number(f.seq) || 0, ch.seq));
    }
    return true;
  }

  return {
    handle,
    onFrame,
    block(a, b) { blocks.add(`${a}:${b}`); },
    /** A notice (kind 'system' or 'invite' with an Invite) into uid's system channel. */
    notice(uid, text, invite = null) { post(system(uid), null, text, invite ? 'invite' : 'system', invite); },
    seed(name, uid, texts) {
      const ch = channel(roomKey(name), { kind: 'room', name, owner: uid });
      if (!ch.members.has(uid)) ch.members.set(uid, { role: 'owner', read: 0 });
      for (const text of texts) post(ch, uid, text);
    },
  };
}
