// The chat's REST routes (issue 13, docs/chat.md "REST"): rooms opened by joining under any case
// of one name, the list and search with member counts, history paged back with before= and
// resumed with since= (and `more`), posting and reading each other's messages, read markers and
// unread counts, direct messages and blocks, the invite card in the system channel, moderation
// (moderators, delete, mute, kick, ban, unban, what is forbidden, the log) and reports; text
// stored and returned verbatim, oversized, empty and flooding messages refused with a clear error.
// Every answer is also checked against the OpenAPI document by the shared client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call } from './api-client.mjs';
import { useServer, registerUser, waitFor, sleep } from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '10000', CHAT_RATE: '5' });   // docs/chat.md: 5 messages/s per user, burst 10

const api = (method, path, who, body) => call(ctx.server, method, path, { token: who?.token, body });
const rnd = () => randomBytes(4).toString('hex');

async function join(who, name, status = null) {
  const r = await api('POST', `/api/chat/rooms/${name}/join`, who);
  if (status) assert.equal(r.status, status, r.text);
  else assert.ok(r.status === 200 || r.status === 201, r.text);
  return r.json;
}

async function say(who, name, text) {
  const r = await api('POST', `/api/chat/rooms/${name}/messages`, who, { text });
  assert.equal(r.status, 201, `posting "${text}": ${r.text}`);
  return r.json;
}

async function dm(who, to, text) {
  const r = await api('POST', `/api/chat/dm/${to.user.id}/messages`, who, { text });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function history(who, path, query = '') {
  const r = await api('GET', `${path}${query ? `?${query}` : ''}`, who);
  assert.equal(r.status, 200, r.text);
  return r.json;
}
const roomHistory = (who, name, query) => history(who, `/api/chat/rooms/${name}/messages`, query);

async function conversations(who) {
  const r = await api('GET', '/api/chat/conversations', who);
  assert.equal(r.status, 200, r.text);
  return r.json.conversations;
}

function assertError(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
}

function assertField(r, field, code, what = '') {
  assertError(r, 400, 'invalid_fields', what);
  assert.equal(r.json.error.fields?.[field], code, `${what}: ${r.text}`);
}

const seqs = (h) => h.messages.map((m) => m.seq);

// ---------------------------------------------------------------------------

test('rooms: any case of a name is one room, kept as its creator wrote it; list, search, join, leave', async () => {
  const tag = rnd();
  const [a, b, c] = await Promise.all(['rma', 'rmb', 'rmc'].map((p) => registerUser(ctx.server, p)));
  const name = `Lobby_${tag}`;

  const created = await join(a, name, 201);
  assert.equal(created.created, true);
  assert.equal(created.role, 'owner');
  assert.equal(created.name, name);
  assert.equal(created.channel, `room:${name}`);
  assert.equal(created.owner_id, a.user.id);

  const joined = await join(b, name.toLowerCase(), 200);   // another case: the same room
  assert.equal(joined.created, false);
  assert.equal(joined.role, 'member');
  assert.equal(joined.name, name, 'the room keeps its creator\'s spelling');
  assert.equal(joined.owner_id, a.user.id);
  const again = await join(a, name.toUpperCase(), 200);
  assert.equal(again.role, 'owner');
  await join(c, `Other_${tag}`, 201);

  // search: a part of the name in any case; member counts
  let r = await api('GET', `/api/chat/rooms?q=${`BY_${tag}`.toUpperCase()}`, c);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rooms.map((x) => [x.name, x.members, x.owner_id]), [[name, 2, a.user.id]]);
  r = await api('GET', `/api/chat/rooms?q=${tag}&limit=10`, c);
  assert.deepEqual(r.json.rooms.map((x) => x.name).sort(), [name, `Other_${tag}`].sort());
  r = await api('GET', '/api/chat/rooms?limit=1', c);
  assert.equal(r.json.rooms.length, 1);

  // the room: my role, the members with roles and online flags
  r = await api('GET', `/api/chat/rooms/${name.toLowerCase()}`, b);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, name);
  assert.equal(r.json.member, true);
  assert.equal(r.json.role, 'member');
  assert.equal(r.json.banned, false);
  assert.deepEqual(r.json.members.map((m) => [m.user.id, m.role]).sort(), [[a.user.id, 'owner'], [b.user.id, 'member']].sort());
  assert.ok(r.json.members.every((m) => m.online === false && m.muted_until === null));
  r = await api('GET', `/api/chat/rooms/${name}`, c);
  assert.equal(r.json.member, false);
  assert.equal(r.json.role, null);

  // leave: not a member any more; leaving again is refused
  assert.equal((await api('POST', `/api/chat/rooms/${name}/leave`, b)).status, 204);
  r = await api('GET', `/api/chat/rooms?q=${`lobby_${tag}`}`, c);
  assert.equal(r.json.rooms[0].members, 1);
  assertError(await api('GET', `/api/chat/rooms/${name}/messages`, b), 403, 'not_member', 'history after leaving');
  assertError(await api('POST', `/api/chat/rooms/${name}/leave`, b), 403, 'not_member', 'leaving twice');
  assertError(await api('POST', `/api/chat/rooms/${name}/messages`, c, { text: 'hi' }), 403, 'not_member', 'posting without joining');

  // refusals: names, queries, unknown rooms, no token
  for (const bad of ['bad.name', 'x'.repeat(65), 'a+b']) {
    assertField(await api('POST', `/api/chat/rooms/${bad}/join`, a), 'name', 'invalid', bad);
  }
  assertField(await api('GET', '/api/chat/rooms?q=a.b', a), 'q', 'invalid');
  assertField(await api('GET', '/api/chat/rooms?limit=0', a), 'limit', 'invalid');
  assertField(await api('GET', '/api/chat/rooms?limit=101', a), 'limit', 'invalid');
  assertError(await api('GET', `/api/chat/rooms/nope_${tag}`, a), 404, 'not_found');
  assertError(await api('GET', `/api/chat/rooms/nope_${tag}/messages`, a), 404, 'not_found');
  assertError(await api('POST', `/api/chat/rooms/${name}/join`, null), 401, 'unauthorized');
  assertError(await api('GET', '/api/chat/conversations', null), 401, 'unauthorized');
});

test('history: two users read each other; before= pages back, since= resumes, with more and last_seq', async () => {
  const name = `hist_${rnd()}`;
  const [a, b] = await Promise.all([registerUser(ctx.server, 'hia', { display_name: `Hist A ${rnd()}` }), registerUser(ctx.server, 'hib')]);
  await join(a, name, 201);
  await join(b, name, 200);
  const sent = [];
  for (let i = 1; i <= 8; i++) {
    const who = i % 2 ? a : b;
    const p = await say(who, name, `message ${i}`);
    assert.equal(p.channel, `room:${name}`);
    sent.push({ ...p, who });
  }
  assert.deepEqual(sent.map((p) => p.seq), [1, 2, 3, 4, 5, 6, 7, 8], 'a room has its own sequence from 1');

  // b reads everything a and b wrote, oldest first, with the sender's public names
  const all = await roomHistory(b, name);
  assert.equal(all.channel, `room:${name}`);
  assert.deepEqual(seqs(all), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(all.last_seq, 8);
  assert.equal(all.more, false);
  for (const [i, m] of all.messages.entries()) {
    const p = sent[i];
    assert.equal(m.message, `message ${i + 1}`);
    assert.equal(m.user_id, p.who.user.id);
    assert.equal(m.display_name, p.who.user.display_name);
    assert.equal(m.avatar_url, p.who.user.avatar_url);
    assert.equal(m.kind, 'text');
    assert.equal(m.deleted, false);
    assert.equal(m.invite, null);
    assert.equal(m.at, p.at);
    assert.equal(m.channel, `room:${name}`);
  }
  assert.deepEqual(await roomHistory(a, name), all, 'both members see the same history');

  // paging back
  let h = await roomHistory(b, name, 'limit=3');
  assert.deepEqual([seqs(h), h.more], [[6, 7, 8], true]);
  h = await roomHistory(b, name, 'before=6&limit=3');
  assert.deepEqual([seqs(h), h.more], [[3, 4, 5], true]);
  h = await roomHistory(b, name, 'before=3&limit=3');
  assert.deepEqual([seqs(h), h.more], [[1, 2], false]);
  h = await roomHistory(b, name, 'before=4&limit=3');
  assert.deepEqual([seqs(h), h.more], [[1, 2, 3], false]);

  // resuming: what came after a seq, capped, more when more was missed
  h = await roomHistory(b, name, 'since=5');
  assert.deepEqual([seqs(h), h.more, h.last_seq], [[6, 7, 8], false, 8]);
  h = await roomHistory(b, name, 'since=2&limit=3');
  assert.deepEqual([seqs(h), h.more], [[3, 4, 5], true]);
  h = await roomHistory(b, name, `since=${h.messages.at(-1).seq}&limit=3`);
  assert.deepEqual([seqs(h), h.more], [[6, 7, 8], false]);
  h = await roomHistory(b, name, 'since=8');
  assert.deepEqual([seqs(h), h.more], [[], false]);
  h = await roomHistory(b, name, 'since=0&limit=200');
  assert.equal(h.messages.length, 8);

  const path = `/api/chat/rooms/${name}/messages`;
  assertField(await api('GET', `${path}?before=5&since=1`, b), 'since', 'with_before');
  assertField(await api('GET', `${path}?limit=101`, b), 'limit', 'invalid');
  assertField(await api('GET', `${path}?since=1&limit=201`, b), 'limit', 'invalid');
  assertField(await api('GET', `${path}?since=-1`, b), 'since', 'invalid');
  assertField(await api('GET', `${path}?before=0`, b), 'before', 'invalid');
  assertField(await api('GET', `${path}?before=abc`, b), 'before', 'invalid');
});

test('text is stored and returned verbatim (XSS, SQL, Unicode); oversized, empty and malformed text refused', async () => {
  const name = `text_${rnd()}`;
  const a = await registerUser(ctx.server, 'txa');
  await join(a, name, 201);
  const texts = [
    '<img src=x onerror=alert(1)>',
    '<script>alert("x")</script> & &amp; &lt;',
    "'; DROP TABLE chat_messages; --",
    "Robert'); DELETE FROM users WHERE ('1'='1",
    '%s %n %x \\ \\\\ " \u00e9\u00e8 \u4f60\u597d \ud83d\ude00 \u202e',
    'line one\nline two\ttab',
  ];
  for (const t of texts) await say(a, name, t);
  const longest = '\ud83d\ude00'.repeat(2000);   // 2,000 code points of 4 bytes each
  await say(a, name, longest);
  const h = await roomHistory(a, name);
  assert.deepEqual(h.messages.map((m) => m.message), [...texts, longest]);

  const path = `/api/chat/rooms/${name}/messages`;
  assertField(await api('POST', path, a, { text: 'x'.repeat(2001) }), 'text', 'too_long', '2,001 characters');
  assertField(await api('POST', path, a, { text: '\u00e9'.repeat(2001) }), 'text', 'too_long', '2,001 two-byte characters');
  assertField(await api('POST', path, a, { text: '' }), 'text', 'empty');
  assertField(await api('POST', path, a, { text: ' \n\t ' }), 'text', 'empty');
  assertField(await api('POST', path, a, {}), 'text', 'required');
  assertField(await api('POST', path, a, { text: 42 }), 'text', 'invalid_type');
  assertError(await api('POST', path, a, 'not json'), 400, 'invalid_json');
  assert.equal((await roomHistory(a, name)).messages.length, texts.length + 1, 'nothing refused was stored');
});

test('posting is rate limited per user: 429 rate_limited with Retry-After, and posting works again after', async () => {
  const name = `flood_${rnd()}`;
  const a = await registerUser(ctx.server, 'fla');
  await join(a, name, 201);
  const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => api('POST', `/api/chat/rooms/${name}/messages`, a, { text: `flood ${i}` })));
  const ok = answers.filter((r) => r.status === 201);
  const limited = answers.filter((r) => r.status === 429);
  assert.equal(ok.length + limited.length, 25, answers.map((r) => r.status).join(' '));
  assert.ok(limited.length >= 1, 'some were refused');
  assert.ok(ok.length >= 5, 'the burst went through');
  for (const r of limited) {
    assert.equal(r.json.error.code, 'rate_limited');
    assert.ok(Number(r.headers['retry-after']) >= 1, 'Retry-After');
  }
  const h = await roomHistory(a, name);
  assert.equal(h.messages.length, ok.length, 'exactly the accepted ones are stored');
  assert.deepEqual(seqs(h), ok.map((r) => r.json.seq).sort((x, y) => x - y));
  await sleep(1100);
  await say(a, name, 'after the pause');
});

test('direct messages: conversations with unread counts and read markers; room markers too', async () => {
  const [a, b] = await Promise.all([registerUser(ctx.server, 'dma'), registerUser(ctx.server, 'dmb')]);
  const sent = [];
  for (const t of ['hello b', 'are you there?', '<b>bold</b>']) sent.push(await dm(a, b, t));
  assert.deepEqual(sent.map((p) => [p.channel, p.seq]), [[`dm:${b.user.id}`, 1], [`dm:${b.user.id}`, 2], [`dm:${b.user.id}`, 3]]);

  let conv = (await conversations(b)).find((c) => c.channel === `dm:${a.user.id}`);
  assert.ok(conv, 'b has the conversation with a');
  assert.equal(conv.kind, 'direct');
  assert.deepEqual(conv.peer, { id: a.user.id, username: a.user.username, display_name: a.user.display_name, avatar_url: a.user.avatar_url });
  assert.equal(conv.unread, 3);
  assert.equal(conv.last_seq, 3);
  assert.equal(conv.last_read_seq, 0);
  assert.equal(conv.last_message.message, '<b>bold</b>');
  assert.equal(conv.last_message.user_id, a.user.id);

  // the read marker moves forward only, and never past the last message
  const read = (who, peer, seq) => api('POST', `/api/chat/dm/${peer.user.id}/read`, who, { seq });
  let r = await read(b, a, 2);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { channel: `dm:${a.user.id}`, last_read_seq: 2 });
  conv = (await conversations(b)).find((c) => c.channel === `dm:${a.user.id}`);
  assert.deepEqual([conv.unread, conv.last_read_seq], [1, 2]);
  assert.equal((await read(b, a, 1)).json.last_read_seq, 2, 'not backwards');
  assert.equal((await read(b, a, 99)).json.last_read_seq, 3, 'clamped to the last seq');
  assert.equal((await conversations(b)).find((c) => c.channel === `dm:${a.user.id}`).unread, 0);
  assertField(await read(b, a, -1), 'seq', 'invalid');
  assertField(await api('POST', `/api/chat/dm/${a.user.id}/read`, b, {}), 'seq', 'required');

  // b answers: a's own messages do not count as unread for a
  await dm(b, a, 'yes, here');
  conv = (await conversations(a)).find((c) => c.channel === `dm:${b.user.id}`);
  assert.deepEqual([conv.unread, conv.last_message.message, conv.last_message.user_id], [1, 'yes, here', b.user.id]);
  assert.equal(conv.peer.id, b.user.id);

  // both read the same conversation
  const ha = await history(a, `/api/chat/dm/${b.user.id}/messages`);
  const hb = await history(b, `/api/chat/dm/${a.user.id}/messages`);
  assert.deepEqual(ha.messages.map((m) => [m.seq, m.user_id, m.message]), [
    [1, a.user.id, 'hello b'], [2, a.user.id, 'are you there?'], [3, a.user.id, '<b>bold</b>'], [4, b.user.id, 'yes, here']]);
  assert.deepEqual(hb.messages.map((m) => [m.seq, m.message]), ha.messages.map((m) => [m.seq, m.message]));
  assert.equal(ha.channel, `dm:${b.user.id}`);
  assert.equal(hb.channel, `dm:${a.user.id}`);
  assert.deepEqual(seqs(await history(b, `/api/chat/dm/${a.user.id}/messages`, 'since=2')), [3, 4]);

  assertError(await api('POST', `/api/chat/dm/${a.user.id}/messages`, a, { text: 'me' }), 400, 'self', 'a DM to oneself');
  assertError(await api('POST', '/api/chat/dm/999999999/messages', a, { text: 'who?' }), 404, 'not_found', 'a DM to nobody');
  assertField(await api('POST', `/api/chat/dm/${b.user.id}/messages`, a, { text: 'y'.repeat(2001) }), 'text', 'too_long');

  // a room's unread count and marker
  const name = `unread_${rnd()}`;
  await join(a, name, 201);
  await join(b, name, 200);
  await say(b, name, 'one');
  await say(b, name, 'two');
  await say(a, name, 'mine');
  let room = (await conversations(a)).find((c) => c.channel === `room:${name}`);
  assert.deepEqual([room.kind, room.unread, room.last_seq, room.peer], ['room', 2, 3, null]);
  r = await api('POST', `/api/chat/rooms/${name}/read`, a, { seq: 3 });
  assert.deepEqual(r.json, { channel: `room:${name}`, last_read_seq: 3 });
  room = (await conversations(a)).find((c) => c.channel === `room:${name}`);
  assert.equal(room.unread, 0);
});

test('blocks: DMs refused either way (403 blocked); the blocker\'s room history and unread hide the blocked user', async () => {
  const [a, b, c] = await Promise.all(['bla', 'blb', 'blc'].map((p) => registerUser(ctx.server, p)));
  const name = `block_${rnd()}`;
  await join(a, name, 201);
  await join(b, name, 200);
  await join(c, name, 200);
  await dm(a, b, 'before the block');
  await say(a, name, 'a1');
  await say(b, name, 'b1');
  await say(c, name, 'c1');

  assert.equal((await api('PUT', `/api/blocks/${b.user.id}`, a)).status, 204);
  await say(b, name, 'b2 after the block');
  await say(c, name, 'c2');

  assertError(await api('POST', `/api/chat/dm/${b.user.id}/messages`, a, { text: 'hi' }), 403, 'blocked', 'the blocker writes');
  assertError(await api('POST', `/api/chat/dm/${a.user.id}/messages`, b, { text: 'hi' }), 403, 'blocked', 'the blocked one writes');

  // a no longer sees b in the room, in history and in the unread count; the seqs resume past them
  const ha = await roomHistory(a, name);
  assert.deepEqual(ha.messages.map((m) => m.message), ['a1', 'c1', 'c2']);
  assert.equal(ha.last_seq, 5, 'last_seq still counts the hidden messages');
  assert.deepEqual(seqs(await roomHistory(a, name, 'since=3')), [5]);
  const room = (await conversations(a)).find((x) => x.channel === `room:${name}`);
  assert.equal(room.unread, 2, 'c1 and c2 only');
  // b (blocked, not blocking) and c see everything
  assert.deepEqual((await roomHistory(b, name)).messages.map((m) => m.message), ['a1', 'b1', 'c1', 'b2 after the block', 'c2']);
  assert.deepEqual((await roomHistory(c, name)).messages.length, 5);

  // lifted: b is back in a's history, DMs work again
  assert.equal((await api('DELETE', `/api/blocks/${b.user.id}`, a)).status, 204);
  assert.deepEqual((await roomHistory(a, name)).messages.map((m) => m.message), ['a1', 'b1', 'c1', 'b2 after the block', 'c2']);
  await dm(b, a, 'friends again?');
  const h = await history(a, `/api/chat/dm/${b.user.id}/messages`);
  assert.deepEqual(h.messages.map((m) => m.message), ['before the block', 'friends again?']);
});

test('invites: a card with the invite in the invitee\'s system channel; declined and cancelled notices', async () => {
  const OPTIONS = { ball_speed: 1, paddle_size: 1, winning_score: 3, map: 0, powerups: 0 };
  const [a, b, c] = await Promise.all([
    registerUser(ctx.server, 'iva', { display_name: `Inviter ${rnd()}` }), registerUser(ctx.server, 'ivb'), registerUser(ctx.server, 'ivc')]);
  const system = async (who) => history(who, '/api/chat/system/messages');
  const lastOf = async (who, n) => waitFor(async () => {
    const h = await system(who);
    return h.messages.length >= n && h;
  }, 5000, `${n} notices for ${who.username}`);

  const r = await api('POST', '/api/invites', a, { user_id: b.user.id, options: OPTIONS });
  assert.equal(r.status, 201, r.text);
  const inv = r.json;
  let h = await lastOf(b, 1);
  assert.equal(h.channel, 'system');
  let card = h.messages.at(-1);
  assert.equal(card.kind, 'invite');
  assert.equal(card.user_id, null, 'from the server');
  assert.equal(card.channel, 'system');
  assert.ok(card.message.includes(a.user.display_name), card.message);
  assert.equal(card.invite.id, inv.id);
  assert.equal(card.invite.status, 'pending');
  assert.equal(card.invite.from.id, a.user.id);
  assert.deepEqual(card.invite.options, OPTIONS);
  const conv = (await conversations(b)).find((x) => x.channel === 'system');
  assert.ok(conv && conv.kind === 'system' && conv.unread >= 1 && conv.last_message.kind === 'invite', JSON.stringify(conv));
  const rd = await api('POST', '/api/chat/system/read', b, { seq: card.seq });
  assert.deepEqual(rd.json, { channel: 'system', last_read_seq: card.seq });
  assert.equal((await conversations(b)).find((x) => x.channel === 'system').unread, 0);

  // declined: a hears of it; b's card is no longer a pending invite
  assert.equal((await api('POST', `/api/invites/${inv.id}/decline`, b)).status, 204);
  h = await lastOf(a, 1);
  const notice = h.messages.at(-1);
  assert.equal(notice.kind, 'system');
  assert.ok(notice.message.includes(b.user.display_name) && /declined/.test(notice.message), notice.message);
  card = (await system(b)).messages.find((m) => m.kind === 'invite');
  assert.deepEqual(card.invite, { id: inv.id });

  // cancelled: the invitee hears of it after the card
  const r2 = await api('POST', '/api/invites', a, { user_id: c.user.id, options: OPTIONS });
  assert.equal(r2.status, 201, r2.text);
  await lastOf(c, 1);
  assert.equal((await api('DELETE', `/api/invites/${r2.json.id}`, a)).status, 204);
  h = await lastOf(c, 2);
  assert.deepEqual(h.messages.map((m) => m.kind), ['invite', 'system']);
  assert.ok(/cancelled/.test(h.messages[1].message), h.messages[1].message);
});

test('moderation: moderators, delete, mute, kick, ban, unban, what is forbidden, the log, reports', { timeout: 30000 }, async () => {
  const [o, m, u, v] = await Promise.all(['mdo', 'mdm', 'mdu', 'mdv'].map((p) => registerUser(ctx.server, p)));
  const name = `mod_${rnd()}`;
  const path = `/api/chat/rooms/${name}`;
  await join(o, name, 201);
  for (const who of [m, u, v]) await join(who, name, 200);

  // the owner names a moderator; a member cannot
  assertError(await api('PUT', `${path}/moderators/${v.user.id}`, u), 403, 'forbidden', 'a member names a moderator');
  assert.equal((await api('PUT', `${path}/moderators/${m.user.id}`, o)).status, 204);
  let room = (await api('GET', path, m)).json;
  assert.equal(room.role, 'moderator');
  assert.equal(room.members.find((x) => x.user.id === m.user.id).role, 'moderator');

  // delete: a moderator deletes a member's message; history keeps its place, without the text
  const ownerMsg = await say(o, name, 'the owner speaks');
  const bad = await say(u, name, 'something rude');
  await say(v, name, 'after it');
  assert.equal((await api('DELETE', `${path}/messages/${bad.seq}`, m)).status, 204);
  const h = await roomHistory(v, name);
  const gone = h.messages.find((x) => x.seq === bad.seq);
  assert.deepEqual([gone.deleted, gone.message], [true, '']);
  assert.deepEqual(h.messages.map((x) => x.seq), [ownerMsg.seq, bad.seq, bad.seq + 1], 'paging stays exact');
  assertError(await api('DELETE', `${path}/messages/${bad.seq}`, m), 404, 'not_found', 'deleting twice');
  assertError(await api('DELETE', `${path}/messages/9999`, m), 404, 'not_found', 'no such message');

  // forbidden: members moderate nobody; a moderator does not outrank the owner
  assertError(await api('DELETE', `${path}/messages/${ownerMsg.seq}`, m), 403, 'forbidden', 'a moderator deletes the owner\'s message');
  assertError(await api('DELETE', `${path}/messages/${ownerMsg.seq}`, u), 403, 'forbidden', 'a member deletes');
  assertError(await api('POST', `${path}/kick`, u, { user_id: v.user.id }), 403, 'forbidden', 'a member kicks');
  assertError(await api('POST', `${path}/ban`, m, { user_id: o.user.id }), 403, 'forbidden', 'a moderator bans the owner');
  assertError(await api('POST', `${path}/mute`, m, { user_id: o.user.id, seconds: 60 }), 403, 'forbidden', 'a moderator mutes the owner');

  // mute: posting refused with `muted` until the time, then allowed again
  const t0 = Date.now();
  let r = await api('POST', `${path}/mute`, m, { user_id: u.user.id, seconds: 2, reason: 'calm down' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user_id, u.user.id);
  assert.ok(r.json.muted_until >= t0 + 2000 - 50 && r.json.muted_until <= Date.now() + 2000 + 50, JSON.stringify(r.json));
  const mutedUntil = r.json.muted_until;
  assertError(await api('POST', `${path}/messages`, u, { text: 'let me speak' }), 403, 'muted', 'a muted member posts');
  room = (await api('GET', path, u)).json;
  assert.equal(room.muted_until, mutedUntil);
  assert.equal(room.members.find((x) => x.user.id === u.user.id).muted_until, mutedUntil);
  await sleep(Math.max(0, mutedUntil - Date.now()) + 150);
  await say(u, name, 'I may speak again');
  assertField(await api('POST', `${path}/mute`, m, { user_id: u.user.id, seconds: 0 }), 'seconds', 'invalid');
  assertField(await api('POST', `${path}/mute`, m, { user_id: u.user.id, seconds: 7 * 24 * 3600 + 1 }), 'seconds', 'invalid');
  assertField(await api('POST', `${path}/mute`, m, { seconds: 10 }), 'user_id', 'required');
  assertField(await api('POST', `${path}/kick`, m, { user_id: u.user.id, reason: 'r'.repeat(501) }), 'reason', 'too_long');

  // kick: out of the room, may rejoin
  assert.equal((await api('POST', `${path}/kick`, m, { user_id: v.user.id, reason: 'cool off' })).status, 204);
  assertError(await api('GET', `${path}/messages`, v), 403, 'not_member', 'history after a kick');
  assert.equal((await api('GET', path, v)).json.member, false);
  assertError(await api('POST', `${path}/kick`, m, { user_id: v.user.id }), 404, 'not_found', 'kicking a non-member');
  await join(v, name, 200);

  // ban: out, and cannot rejoin until unbanned
  assert.equal((await api('POST', `${path}/ban`, m, { user_id: v.user.id, reason: 'spam' })).status, 204);
  assertError(await api('POST', `${path}/join`, v), 403, 'banned', 'rejoining while banned');
  r = await api('POST', `${path}/messages`, v, { text: 'still here?' });
  assert.ok(r.status === 403 && ['banned', 'not_member'].includes(r.json.error.code), r.text);
  room = (await api('GET', path, v)).json;
  assert.deepEqual([room.member, room.banned], [false, true]);
  assert.ok(!room.members.some((x) => x.user.id === v.user.id));
  assert.equal((await api('DELETE', `${path}/ban/${v.user.id}`, m)).status, 204);
  assertError(await api('DELETE', `${path}/ban/${v.user.id}`, m), 404, 'not_found', 'unbanning twice');
  await join(v, name, 200);

  // the owner takes the moderator role back: m moderates nobody now
  assert.equal((await api('DELETE', `${path}/moderators/${m.user.id}`, o)).status, 204);
  assertError(await api('POST', `${path}/kick`, m, { user_id: u.user.id }), 403, 'forbidden', 'a former moderator kicks');

  // the log: who did what to whom, newest first; only the owner and moderators read it
  r = await api('GET', `${path}/actions`, o);
  assert.equal(r.status, 200, r.text);
  const log = r.json.actions.filter((x) => x.action !== 'read_log');
  // a delete names the message (seq), not necessarily a user
  const brief = log.map((x) => [x.action, x.actor?.id, x.action === 'delete' ? 'seq' : x.target?.id]);
  assert.deepEqual(brief, [
    ['moderator_remove', o.user.id, m.user.id],
    ['unban', m.user.id, v.user.id],
    ['ban', m.user.id, v.user.id],
    ['kick', m.user.id, v.user.id],
    ['mute', m.user.id, u.user.id],
    ['delete', m.user.id, 'seq'],
    ['moderator_add', o.user.id, m.user.id],
  ]);
  const byAction = Object.fromEntries(log.map((x) => [x.action, x]));
  assert.equal(byAction.ban.reason, 'spam');
  assert.equal(byAction.kick.reason, 'cool off');
  assert.equal(byAction.mute.reason, 'calm down');
  assert.equal(byAction.mute.until, mutedUntil);
  assert.equal(byAction.delete.seq, bad.seq);
  assert.equal(byAction.ban.actor.display_name, m.user.display_name);
  assert.ok(log.every((x, i) => i === 0 || log[i - 1].id > x.id), 'newest first');
  assertError(await api('GET', `${path}/actions`, u), 403, 'forbidden', 'a member reads the log');
  assertField(await api('GET', `${path}/actions?limit=0`, o), 'limit', 'invalid');

  // reports: of a message and of a user; listed to the owner (with a notice), not to members
  const rude = await say(u, name, 'another rude one');
  r = await api('POST', '/api/chat/reports', v, { channel: `room:${name.toUpperCase()}`, seq: rude.seq, reason: 'rude <again>' });
  assert.equal(r.status, 201, r.text);
  const reportId = r.json.id;
  r = await api('POST', '/api/chat/reports', v, { user_id: u.user.id, reason: 'keeps being rude' });
  assert.equal(r.status, 201, r.text);
  r = await api('GET', '/api/chat/reports', o);
  assert.equal(r.status, 200, r.text);
  const rep = r.json.reports.find((x) => x.id === reportId);
  assert.ok(rep, JSON.stringify(r.json));
  assert.equal(rep.reporter.id, v.user.id);
  assert.equal(rep.target.id, u.user.id, 'the message\'s sender is the target');
  assert.equal(rep.channel, `room:${name}`);
  assert.equal(rep.seq, rude.seq);
  assert.equal(rep.message, 'another rude one');
  assert.equal(rep.reason, 'rude <again>');
  r = await api('GET', '/api/chat/reports', u);
  assert.ok(!r.json.reports.some((x) => x.id === reportId), 'a member does not see the room\'s reports');
  const notice = await waitFor(async () => (await history(o, '/api/chat/system/messages')).messages.find((x) => x.kind === 'system'
    && x.message.includes(`#${reportId}`)), 5000, 'the owner\'s report notice');
  assert.ok(notice.message.includes(v.user.display_name), notice.message);

  assertField(await api('POST', '/api/chat/reports', v, { user_id: u.user.id, reason: '' }), 'reason', 'empty');
  assertField(await api('POST', '/api/chat/reports', v, { user_id: u.user.id }), 'reason', 'required');
  assertField(await api('POST', '/api/chat/reports', v, { reason: 'who?' }), 'user_id', 'required');
  assertField(await api('POST', '/api/chat/reports', v, { channel: 'room:bad.name', seq: 1, reason: 'x' }), 'channel', 'invalid');
  assertField(await api('POST', '/api/chat/reports', v, { channel: `room:${name}`, reason: 'x' }), 'seq', 'required');
  assertError(await api('POST', '/api/chat/reports', v, { user_id: v.user.id, reason: 'me' }), 400, 'self', 'reporting oneself');
  assertError(await api('POST', '/api/chat/reports', v, { channel: `room:${name}`, seq: 9999, reason: 'x' }), 404, 'not_found');
});
