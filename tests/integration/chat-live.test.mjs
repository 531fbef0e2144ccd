// The live chat over WSS (issue 13, docs/chat.md): app-socket chat.* frames and the legacy room
// socket on one server, with the REST routes where a client uses both: resume after a dropped
// socket (subscribe again, then since= for what was missed), kick and ban reaching the live
// sockets, the account export and deletion with real messages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServer, openChat, openApp, nextMessage, noMessageWithin, sendJson, registerUser, waitClose, openWs,
  authWs, TEST_PASSWORD,
} from './helpers.mjs';
import { call } from './api-client.mjs';

const open = [];
after(() => { for (const ws of open) ws.terminate(); });

let ann; let ben; let cat;
const ctx = useServer({ AUTH_RATE: '10000', CHAT_RATE: '5' }, async () => {
  ann = await registerUser(ctx.server, 'ann', { display_name: 'Ann Live' });
  ben = await registerUser(ctx.server, 'ben', { display_name: 'Ben Live' });
  cat = await registerUser(ctx.server, 'cat', { display_name: 'Cat Live' });
});

async function app(who) {
  const ws = await openApp(ctx.server, { token: who.token });
  open.push(ws);
  return ws;
}
async function legacy(room, who) {
  const ws = await openChat(ctx.server, room, { token: who.token });
  open.push(ws);
  return ws;
}
/** The next frame of `type`, skipping presence and friend pushes. */
async function next(ws, type, timeout = 5000) {
  for (;;) {
    const m = await nextMessage(ws, timeout);
    if (m?.type === 'presence' || m?.type === 'friend_update' || m?.type === 'friend_request') continue;
    assert.equal(m?.type, type, `expected ${type}, got ${JSON.stringify(m)}`);
    return m;
  }
}
async function subscribe(ws, room) {
  sendJson(ws, { type: 'chat.subscribe', channel: `room:${room}` });
  return next(ws, 'chat.subscribed');
}
/** Joins `who` to `room` (a legacy socket's auth joins it), closed again. */
async function join(room, who) {
  const ws = await legacy(room, who);
  ws.terminate();
}
/** Joins through the REST route (the first to join a name creates and owns the room). */
async function restJoin(room, who) {
  const r = await call(ctx.server, 'POST', `/api/chat/rooms/${room}/join`, { token: who.token });
  assert.ok(r.status === 200 || r.status === 201, `join ${room}: ${r.status} ${r.text}`);
  return r.json;
}
/** GET /api/chat/rooms/{room}/messages?<query> as who. */
async function history(room, who, query) {
  const r = await call(ctx.server, 'GET', `/api/chat/rooms/${room}/messages?${query}`, { token: who.token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}
/** The next frame of `type`, skipping presence pushes and chat.member events. */
async function nextOf(ws, type, timeout = 5000) {
  for (;;) {
    const m = await nextMessage(ws, timeout);
    if (m?.type === 'chat.member') continue;
    if (m?.type === 'presence' || m?.type === 'friend_update' || m?.type === 'friend_request') continue;
    assert.equal(m?.type, type, `expected ${type}, got ${JSON.stringify(m)}`);
    return m;
  }
}
/** Frames of ws within ms, without presence pushes and chat.member events. */
async function quiet(ws, ms) {
  return (await noMessageWithin(ws, ms)).filter((m) => !['presence', 'friend_update', 'friend_request', 'chat.member'].includes(m?.type));
}

test('two users in a room see each other\'s messages, with seqs, acks and the legacy socket', async () => {
  await join('Plaza', ann);
  await join('plaza', ben);
  const a = await app(ann);
  const b = await app(ben);
  const old = await legacy('plaza', cat);
  assert.equal((await subscribe(a, 'plaza')).channel, 'room:Plaza');
  await subscribe(b, 'PLAZA');
  sendJson(a, { type: 'chat.send', channel: 'room:plaza', text: 'hello ben', ref: 'r1' });
  const m = await next(b, 'chat.message');
  assert.equal(m.channel, 'room:Plaza');
  assert.equal(m.message, 'hello ben');
  assert.equal(m.user_id, ann.user.id);
  assert.equal(m.display_name, 'Ann Live');
  assert.match(m.avatar_url, new RegExp(`^/api/users/${ann.user.id}/avatar`));
  const mine = await next(a, 'chat.message');
  const ack = await next(a, 'chat.ack');
  assert.deepEqual([ack.ref, ack.channel, ack.seq], ['r1', 'room:Plaza', m.seq]);
  assert.equal(mine.seq, m.seq);
  assert.equal((await nextMessage(old)).message, 'hello ben');
  old.send(JSON.stringify({ message: 'from the old socket' }));
  const r = await next(a, 'chat.message');
  assert.deepEqual([r.message, r.user_id, r.seq], ['from the old socket', cat.user.id, m.seq + 1]);
  assert.equal((await next(b, 'chat.message')).seq, m.seq + 1);
});

test('a dropped socket resubscribes and fetches since= the last seq it saw: exactly the missed messages, no loss, no duplicates', { timeout: 30000 }, async () => {
  const eve = await registerUser(ctx.server, 'eve');   // a fresh rate budget
  const fay = await registerUser(ctx.server, 'fay');
  const joined = await restJoin('Resume', eve);
  await restJoin('resume', fay);
  const a = await app(eve);
  let b = await app(fay);
  const first = await subscribe(b, 'resume');
  assert.equal(first.last_seq, joined.last_seq);
  await subscribe(a, 'resume');
  const seen = new Map();   // seq → text, what fay's socket received
  const sent = [];          // the seqs of the acks
  const texts = Array.from({ length: 8 }, (_, i) => `n${i}`);
  let lastSeen = first.last_seq;
  for (const [i, text] of texts.entries()) {
    sendJson(a, { type: 'chat.send', channel: 'room:resume', text, ref: `k${i}` });
    if (i === 3) {
      for (let k = 0; k < 4; k++) {
        const m = await next(b, 'chat.message');
        seen.set(m.seq, m.message);
        lastSeen = Math.max(lastSeen, m.seq);
      }
      b.terminate();   // dropped mid-stream: n4… are sent while fay has no socket
    }
  }
  for (let i = 0; i < texts.length; i++) {
    await next(a, 'chat.message');
    sent.push((await next(a, 'chat.ack')).seq);
  }
  // back: subscribe first, then since= for the gap (docs/chat.md); what arrives live meanwhile
  // may also be in the since= answer: the client drops duplicates by seq
  b = await app(fay);
  const again = await subscribe(b, 'resume');
  assert.equal(again.last_seq, first.last_seq + texts.length);
  sendJson(a, { type: 'chat.send', channel: 'room:resume', text: 'after the return', ref: 'k8' });
  const live = await next(b, 'chat.message');
  assert.equal(live.message, 'after the return');
  await next(a, 'chat.message');
  sent.push((await next(a, 'chat.ack')).seq);
  const h = await history('resume', fay, `since=${lastSeen}`);
  assert.equal(h.more, false);
  assert.equal(h.last_seq, live.seq);
  const got = h.messages.map((m) => m.seq);
  assert.deepEqual(got, [...got].sort((x, y) => x - y), 'oldest first');
  assert.equal(new Set(got).size, got.length, 'no duplicate in the answer');
  assert.ok(got.every((q) => q > lastSeen), 'since= is exclusive');
  // exactly the missed ones (n4…n7), then the one fay also got live
  assert.deepEqual(h.messages.map((m) => m.message), ['n4', 'n5', 'n6', 'n7', 'after the return']);
  assert.deepEqual(got.slice(0, 4), sent.slice(4, 8));
  for (const m of h.messages) if (!seen.has(m.seq)) seen.set(m.seq, m.message);
  if (!seen.has(live.seq)) seen.set(live.seq, live.message);
  assert.deepEqual([...seen.keys()].sort((x, y) => x - y), sent, 'no loss, no duplicates');
  assert.deepEqual([...seen.keys()].sort((x, y) => x - y).map((q) => seen.get(q)), [...texts, 'after the return']);
  assert.deepEqual(await quiet(b, 300), [], 'nothing more live');
});

test('kick and ban through the REST routes reach the live sockets: chat.removed, the room stops, the legacy socket is closed with 4403, rejoin refused after a ban', { timeout: 30000 }, async () => {
  const own = await registerUser(ctx.server, 'own');
  const vic = await registerUser(ctx.server, 'vic');
  await restJoin('ModLive', own);   // creates the room: own is its owner
  await restJoin('modlive', vic);
  const o = await app(own);
  const v = await app(vic);
  await subscribe(o, 'modlive');
  await subscribe(v, 'modlive');
  let old = await legacy('modlive', vic);
  const kick = await call(ctx.server, 'POST', '/api/chat/rooms/modlive/kick', { token: own.token, body: { user_id: vic.user.id, reason: 'cool off' } });
  assert.equal(kick.status, 204, kick.text);
  const removed = await nextOf(v, 'chat.removed');
  assert.deepEqual([removed.channel, removed.reason], ['room:ModLive', 'kick']);
  const closed = await waitClose(old);
  assert.equal(closed.code, 4403, `the kicked user's legacy socket: ${JSON.stringify(closed)}`);
  // the kicked tab no longer receives the room
  sendJson(o, { type: 'chat.send', channel: 'room:modlive', text: 'after the kick', ref: 'a1' });
  await nextOf(o, 'chat.message');
  await nextOf(o, 'chat.ack');
  assert.deepEqual(await quiet(v, 400), [], 'the kicked tab hears nothing of the room');
  // a kick lets them rejoin; a ban then closes the legacy socket and refuses every way back
  await restJoin('modlive', vic);
  await subscribe(v, 'modlive');
  old = await legacy('modlive', vic);
  const ban = await call(ctx.server, 'POST', '/api/chat/rooms/modlive/ban', { token: own.token, body: { user_id: vic.user.id } });
  assert.equal(ban.status, 204, ban.text);
  assert.equal((await nextOf(v, 'chat.removed')).reason, 'ban');
  const closed2 = await waitClose(old);
  assert.equal(closed2.code, 4403);
  const rejoin = await call(ctx.server, 'POST', '/api/chat/rooms/modlive/join', { token: vic.token });
  assert.equal(rejoin.status, 403);
  assert.equal(rejoin.json.error.code, 'banned');
  // a new legacy socket: its join is refused, closed with 4403
  const ws = await openWs(`wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/modlive/`, { origin: ctx.server.origin });
  open.push(ws);
  sendJson(ws, { type: 'auth', token: vic.token });
  const err = await nextMessage(ws);
  assert.equal(err.error?.code, 'banned', JSON.stringify(err));
  const closed3 = await waitClose(ws);
  assert.equal(closed3.code, 4403);
  // and the app socket cannot subscribe again
  sendJson(v, { type: 'chat.subscribe', channel: 'room:modlive', ref: 's' });
  const e = await nextOf(v, 'chat.error');
  assert.deepEqual([e.ref, e.error.code], ['s', 'banned']);
  sendJson(o, { type: 'chat.send', channel: 'room:modlive', text: 'after the ban' });
  await nextOf(o, 'chat.message');
  assert.deepEqual(await quiet(v, 400), []);
});

test('the account export lists real messages (rooms and DMs); deletion empties the user\'s DM text and keeps room messages under the placeholder name', { timeout: 30000 }, async () => {
  const gus = await registerUser(ctx.server, 'gus', { display_name: 'Gus Gone' });
  const hal = await registerUser(ctx.server, 'hal', { display_name: 'Hal Stays' });
  await restJoin('Archive', gus);
  await restJoin('archive', hal);
  const post = async (who, path, text) => {
    const r = await call(ctx.server, 'POST', path, { token: who.token, body: { text } });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const r1 = await post(gus, '/api/chat/rooms/archive/messages', 'room words <b>');
  const d1 = await post(gus, `/api/chat/dm/${hal.user.id}/messages`, 'a private word');
  const d2 = await post(hal, `/api/chat/dm/${gus.user.id}/messages`, 'a private answer');
  const d3 = await post(gus, `/api/chat/dm/${hal.user.id}/messages`, 'a last private word');
  // the export: gus's own messages, with their channel, seq and text (not hal's)
  const ex = await call(ctx.server, 'GET', '/api/users/me/export', { token: gus.token });
  assert.equal(ex.status, 200, ex.text);
  const msgs = ex.json.messages;
  assert.ok(Array.isArray(msgs), JSON.stringify(ex.json));
  const room = msgs.find((m) => m.channel === 'room');
  const dm = msgs.find((m) => m.channel === 'direct');
  assert.deepEqual([room.room, room.seq, room.text, room.deleted], ['Archive', r1.seq, 'room words <b>', null]);
  assert.deepEqual([dm.peer_id, dm.seq, dm.text, dm.deleted], [hal.user.id, d1.seq, 'a private word', null]);
  assert.ok(Number.isInteger(room.at) && room.at > 0);
  assert.ok(!msgs.some((m) => m.text === 'a private answer'), 'the other user\'s messages are not in the export');
  assert.equal(msgs.length, 3);
  assert.ok(msgs.some((m) => m.channel === 'direct' && m.seq === d3.seq && m.text === 'a last private word'));
  // deletion
  const del = await call(ctx.server, 'DELETE', '/api/users/me', { token: gus.token, body: { password: TEST_PASSWORD } });
  assert.equal(del.status, 204, del.text);
  // the room keeps the message, under the placeholder name
  const h = await history('archive', hal, 'since=0');
  const kept = h.messages.find((m) => m.seq === r1.seq);
  assert.deepEqual([kept.message, kept.deleted, kept.user_id], ['room words <b>', false, gus.user.id]);
  assert.equal(kept.display_name, 'Deleted user');
  assert.notEqual(kept.display_name, 'Gus Gone');
  // the DM stays readable for hal: gus's text is gone (deleted, empty), hal's answer is kept
  const dmh = await call(ctx.server, 'GET', `/api/chat/dm/${gus.user.id}/messages?since=0`, { token: hal.token });
  assert.equal(dmh.status, 200, dmh.text);
  assert.deepEqual(dmh.json.messages.map((m) => [m.seq, m.user_id, m.deleted, m.message]),
    [[d1.seq, gus.user.id, true, ''], [d2.seq, hal.user.id, false, 'a private answer'], [d3.seq, gus.user.id, true, '']]);
  assert.ok(dmh.json.messages.every((m) => m.user_id !== gus.user.id || m.display_name === 'Deleted user'));
  // a new message to the deleted user is refused (no such live user)
  const late = await call(ctx.server, 'POST', `/api/chat/dm/${gus.user.id}/messages`, { token: hal.token, body: { text: 'still there?' } });
  assert.equal(late.status, 404, late.text);
  // and in hal's conversation list
  const conv = await call(ctx.server, 'GET', '/api/chat/conversations', { token: hal.token });
  assert.equal(conv.status, 200, conv.text);
  const c = conv.json.conversations.find((x) => x.channel === `dm:${gus.user.id}`);
  assert.ok(c, JSON.stringify(conv.json));
  assert.equal(c.peer.display_name, 'Deleted user');
  assert.equal(c.last_seq, d3.seq);
  assert.deepEqual([c.last_message.seq, c.last_message.deleted, c.last_message.message], [d3.seq, true, '']);
  assert.equal(c.unread, 0, 'a deleted message is not unread');
  assert.ok(!conv.text.includes('private word'), 'the deleted user\'s DM text is nowhere in the answer');
  assert.ok(!conv.text.includes('Gus Gone'));
  assert.ok(d1.seq < d2.seq && d2.seq < d3.seq);
});

test('a blocked user\'s room messages are not delivered to the blocker; DMs refused', async () => {
  const x = await registerUser(ctx.server, 'blk');
  const y = await registerUser(ctx.server, 'blkd');
  const res = await call(ctx.server, 'PUT', `/api/blocks/${y.user.id}`, { token: x.token });
  assert.ok(res.status === 200 || res.status === 204, `block: ${res.status}`);
  await join('quiet', x);
  await join('quiet', y);
  const xs = await app(x);
  const ys = await app(y);
  await subscribe(xs, 'quiet');
  await subscribe(ys, 'quiet');
  sendJson(ys, { type: 'chat.send', channel: 'room:quiet', text: 'you should not see this' });
  await next(ys, 'chat.message');
  await next(ys, 'chat.ack');
  sendJson(ys, { type: 'chat.send', channel: `dm:${x.user.id}`, text: 'nor this', ref: 'dm' });
  const err = await next(ys, 'chat.error');
  assert.deepEqual([err.ref, err.error.code], ['dm', 'blocked']);
  assert.deepEqual(await noMessageWithin(xs, 400), [], 'nothing reaches the blocker');
  sendJson(xs, { type: 'chat.send', channel: 'room:quiet', text: 'the blocker still talks' });
  assert.equal((await next(ys, 'chat.message')).message, 'the blocker still talks');
});

test('DMs arrive on every tab of the recipient and the sender', async () => {
  const a = await app(ann);
  const b1 = await app(ben);
  const b2 = await app(ben);
  sendJson(a, { type: 'chat.send', channel: `dm:${ben.user.id}`, text: 'psst', ref: 'd' });
  for (const ws of [b1, b2]) {
    const m = await next(ws, 'chat.message');
    assert.deepEqual([m.channel, m.message, m.user_id], [`dm:${ann.user.id}`, 'psst', ann.user.id]);
  }
  assert.equal((await next(a, 'chat.message')).channel, `dm:${ben.user.id}`);
  assert.equal((await next(a, 'chat.ack')).ref, 'd');
});

test('XSS- and SQL-looking text comes back verbatim; oversized and flooding messages get chat.error, the socket kept', async () => {
  const dan = await registerUser(ctx.server, 'dan');   // a fresh rate budget
  await join('verbatim', dan);
  const a = await app(dan);
  await subscribe(a, 'verbatim');
  for (const text of ['<img src=x onerror=alert(1)>', "Robert'); DROP TABLE chat_messages;--", '</script>&amp; "q" \\ 🏓']) {
    sendJson(a, { type: 'chat.send', channel: 'room:verbatim', text });
    assert.equal((await next(a, 'chat.message')).message, text);
    await next(a, 'chat.ack');
  }
  sendJson(a, { type: 'chat.send', channel: 'room:verbatim', text: 'x'.repeat(2001), ref: 'big' });
  const big = await next(a, 'chat.error');
  assert.deepEqual([big.ref, big.error.code], ['big', 'message_too_long']);
  await new Promise((r) => setTimeout(r, 2500));   // tokens refill (CHAT_RATE=5, burst 10)
  for (let i = 0; i < 15; i++) sendJson(a, { type: 'chat.send', channel: 'room:verbatim', text: `f${i}`, ref: `f${i}` });
  let limited = 0; let acked = 0;
  while (limited + acked < 15) {
    const m = await nextMessage(a);
    if (m.type === 'chat.error') { assert.equal(m.error.code, 'rate_limited'); limited += 1; }
    if (m.type === 'chat.ack') acked += 1;
  }
  assert.ok(limited >= 4 && acked >= 10, `${acked} acked, ${limited} limited`);
  assert.equal(a.readyState, a.OPEN);
  // per user: the same user's legacy socket is limited too — a burst of 15 on it meets the
  // same bucket (at most 10 tokens, whatever refilled meanwhile), so some come back limited
  const old = await legacy('verbatim', dan);
  for (let i = 0; i < 15; i++) old.send(JSON.stringify({ message: `still limited ${i}` }));
  for (;;) {
    const m = await nextMessage(old);
    if (m.error) { assert.equal(m.error.code, 'rate_limited'); break; }
  }
});
