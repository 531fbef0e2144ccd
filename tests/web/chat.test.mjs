// Unit tests of web/src/services/chat.js over the real app socket (createLive) with the fake
// WebSocket of fakesocket.mjs and a scripted REST API: listing, opening a room, sending
// (ack and refusals), live frames, unread counts, resume after a drop without loss or
// duplicates, blocking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLive } from '../../web/src/services/appsocket.js';
import { createChat } from '../../web/src/services/chat.js';
import { fakeEnv, flush } from './fakesocket.mjs';

const ME = { id: 1, display_name: 'Me' };

function fakeSession() {
  const listeners = new Set();
  return {
    state: 'in', user: ME, token: 'tok',
    subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    async refresh() { return true; },
  };
}

const row = (seq, userId = 2, text = `m${seq}`) => ({ seq, at: 1000 + seq, kind: 'text', user_id: userId, display_name: `u${userId}`, message: text });

/** A scripted REST API: answers from `routes` (name → fn(args)), every call recorded. */
function fakeApi(routes = {}) {
  const calls = [];
  const api = {};
  for (const name of ['rooms', 'join', 'leave', 'room', 'conversations', 'history', 'read', 'deleteMessage', 'mute', 'kick', 'ban', 'report', 'block', 'invite']) {
    api[name] = async (...args) => {
      calls.push([name, ...args]);
      const fn = routes[name];
      return fn ? fn(...args) : {};
    };
  }
  return { api, calls };
}

async function harness(routes) {
  const env = fakeEnv();
  const live = createLive(fakeSession(), { url: 'wss://h/ws/', deps: env.deps });
  const { api, calls } = fakeApi(routes);
  const timers = [];
  const chat = createChat({ live, api, deps: { setTimeout: (fn) => { timers.push(fn); return timers.length; }, clearTimeout: () => {}, now: () => 5000 } });
  const events = [];
  chat.subscribe((e) => events.push(e));
  await flush();
  const ws = () => env.last();
  ws().open();
  ws().hello(ME);
  await flush();
  const sent = () => ws().sent.slice(1).map((s) => JSON.parse(s));
  const runTimers = () => { while (timers.length) timers.shift()(); };
  return { env, live, chat, calls, events, ws, sent, runTimers };
}

test('hello lists the conversations, subscribes the joined rooms, counts unread', async () => {
  const h = await harness({
    conversations: () => ({ conversations: [
      { channel: 'system', unread: 1, last_seq: 1, last_at: 5 },
      { channel: 'room:Lobby', unread: 3, last_seq: 9, last_read_seq: 6, last_at: 9 },
      { channel: 'dm:4', peer: { id: 4, display_name: 'Bo' }, unread: 2, last_seq: 4, last_at: 7 },
    ] }),
  });
  assert.equal(h.chat.listed, true);
  assert.deepEqual(h.chat.list().map((c) => c.key), ['system', 'room:lobby', 'dm:4']);
  assert.equal(h.chat.totalUnread, 6);
  assert.deepEqual(h.sent(), [{ type: 'chat.subscribe', channel: 'room:Lobby' }]);
  // a live message in a conversation not on screen: one more unread; its duplicate: not
  h.ws().receive({ type: 'chat.message', channel: 'dm:4', ...row(5, 4) });
  h.ws().receive({ type: 'chat.message', channel: 'dm:4', ...row(5, 4) });
  assert.equal(h.chat.get('dm:4').unread, 3);
  // my own message from another tab does not count
  h.ws().receive({ type: 'chat.message', channel: 'dm:4', ...row(6, 1) });
  assert.equal(h.chat.get('dm:4').unread, 3);
  // another tab read it
  h.ws().receive({ type: 'chat.read', channel: 'dm:4', seq: 6 });
  assert.equal(h.chat.get('dm:4').unread, 0);
  assert.equal(h.chat.totalUnread, 4);
  // a DM from someone new makes a new conversation
  h.ws().receive({ type: 'chat.message', channel: 'dm:7', ...row(1, 7) });
  assert.equal(h.chat.get('dm:7').unread, 1);
  assert.equal(h.chat.get('dm:7').peer.display_name, 'u7');
});

test('open joins a room, loads its members and history; send resolves on ack, refusals reject with the code', async () => {
  const h = await harness({
    conversations: () => ({ conversations: [] }),
    join: () => ({ channel: 'room:Games', name: 'Games', owner_id: 2, role: 'member', created: false, last_seq: 4, last_read_seq: 0, muted_until: null }),
    room: () => ({
      channel: 'room:Games', name: 'Games', owner_id: 2, role: 'member', member: true, site_admin: false, banned: false, muted_until: null, last_read_seq: 0,
      members: [{ user: { id: 1, display_name: 'Me', avatar_url: null }, role: 'member', site_admin: false, online: true, muted_until: null },
        { user: { id: 2, display_name: 'Bo', avatar_url: null }, role: 'owner', site_admin: false, online: false, muted_until: null }],
    }),
    history: (channel, opts) => (opts.before ? { messages: [row(1), row(2)], more: false } : { messages: [row(3), row(4)], last_seq: 4, more: true }),
  });
  const c = await h.chat.open('room:games');
  assert.equal(c.name, 'Games', 'the creator\'s spelling');
  assert.deepEqual(h.calls.filter(([n]) => ['join', 'room', 'history'].includes(n)).map(([n]) => n), ['join', 'room', 'history']);
  assert.deepEqual(c.room.members.map((m) => [m.id, m.role, m.online]), [[1, 0, true], [2, 2, false]]);
  assert.deepEqual(c.messages.map((m) => m.seq), [3, 4]);
  h.chat.setActive('room:games');
  h.runTimers();
  assert.deepEqual(h.sent().at(-1), { type: 'chat.read', channel: 'room:games', seq: 4 });

  const sending = h.chat.send('room:Games', 'hello');
  const frame = h.sent().at(-1);
  assert.equal(frame.type, 'chat.send');
  assert.equal(frame.text, 'hello');
  h.ws().receive({ type: 'chat.message', channel: 'room:Games', ...row(5, 1, 'hello') });
  h.ws().receive({ type: 'chat.ack', ref: frame.ref, channel: 'room:Games', seq: 5 });
  assert.deepEqual(await sending, { seq: 5 });
  assert.deepEqual(c.messages.map((m) => m.seq), [3, 4, 5], 'the ack does not duplicate the message');

  for (const code of ['rate_limited', 'muted', 'message_too_long', 'blocked']) {
    const p = h.chat.send('room:Games', 'again');
    h.ws().receive({ type: 'chat.error', ref: h.sent().at(-1).ref, error: { code, message: 'no' } });
    await assert.rejects(p, (err) => err.code === code);
  }
  // presence and membership changes reach the member list
  h.ws().receive({ type: 'presence', user_id: 2, online: true });
  assert.equal(c.room.members[1].online, true);
  h.ws().receive({ type: 'chat.member', channel: 'room:Games', event: 'join', user: { id: 3, display_name: 'Cy' } });
  h.ws().receive({ type: 'chat.member', channel: 'room:Games', event: 'role', user: { id: 1, display_name: 'Me' }, role: 'moderator' });
  assert.equal(c.room.members.length, 3);
  assert.equal(c.room.role, 1);
  h.ws().receive({ type: 'chat.deleted', channel: 'room:Games', seq: 4 });
  assert.equal(c.messages[1].deleted, true);
  // scrolling back: "more" on the newest page said older ones exist
  assert.equal(c.hasOlder, true);
  assert.equal(await h.chat.loadOlder('room:games'), 2);
  assert.deepEqual(c.messages.map((m) => m.seq), [1, 2, 3, 4, 5]);
  assert.equal(c.hasOlder, false);
  assert.equal(await h.chat.loadOlder('room:games'), 0, 'nothing older: no request');
});

test('after a drop: subscribe again, then since= the highest seq seen, paging on "more"; nothing lost, nothing twice', async () => {
  const sinceAsked = [];
  const h = await harness({
    conversations: () => ({ conversations: [{ channel: 'room:r', last_seq: 2 }] }),
    room: () => ({ role: 'member', members: [] }),
    history: (channel, opts) => {
      if (opts.since === undefined) return { messages: [row(1), row(2)], last_seq: 2 };
      sinceAsked.push(opts.since);
      if (opts.since === 3) return { messages: [row(4), row(5)], more: true, last_seq: 7 };
      if (opts.since === 5) return { messages: [row(6), row(7)], more: false, last_seq: 7 };
      return { messages: [], last_seq: 7 };
    },
  });
  const c = await h.chat.open('room:r');
  h.chat.setActive('room:r');
  h.ws().receive({ type: 'chat.subscribed', channel: 'room:r', last_seq: 2 });
  await flush();
  h.ws().receive({ type: 'chat.message', channel: 'room:r', ...row(3) });
  const pending = h.chat.send('room:r', 'lost?');
  h.ws().drop(1006);
  await assert.rejects(pending, (err) => err.code === 'connection_lost');
  assert.equal(c.subscribed, false);
  await h.env.fireTimer();
  h.ws().open();
  h.ws().hello(ME);
  await flush();
  assert.deepEqual(h.sent().filter((f) => f.type === 'chat.subscribe'), [{ type: 'chat.subscribe', channel: 'room:r' }]);
  assert.deepEqual(sinceAsked, [2], 'since= only after chat.subscribed (the first one, before the drop)');
  h.ws().receive({ type: 'chat.message', channel: 'room:r', ...row(6) });   // live, before the resume answer
  h.ws().receive({ type: 'chat.subscribed', channel: 'room:r', last_seq: 7 });
  await flush();
  await flush();
  assert.deepEqual(sinceAsked, [2, 3, 5]);
  assert.deepEqual(c.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7]);
});

test('blocking someone drops their room messages and filters the live ones', async () => {
  const h = await harness({
    conversations: () => ({ conversations: [] }),
    room: () => ({ role: 'member', members: [] }),
    history: () => ({ messages: [row(1, 2), row(2, 3), row(3, 2)] }),
  });
  const c = await h.chat.open('room:x');
  await h.chat.block(2);
  assert.deepEqual(h.calls.find(([n]) => n === 'block'), ['block', 2]);
  assert.deepEqual(c.messages.map((m) => m.userId), [3]);
  h.ws().receive({ type: 'chat.message', channel: 'room:x', ...row(4, 2) });
  assert.deepEqual(c.messages.map((m) => m.seq), [2]);
  // a block from another tab (friend_update) does the same
  h.ws().receive({ type: 'chat.message', channel: 'room:x', ...row(5, 3) });
  h.ws().receive({ type: 'friend_update', user_id: 3, relation: 'blocked' });
  assert.deepEqual(c.messages, []);
});

test('kicked or banned: the room leaves the list; logging out forgets everything', async () => {
  const h = await harness({ conversations: () => ({ conversations: [{ channel: 'room:k', unread: 2 }, { channel: 'system', unread: 1 }] }) });
  h.ws().receive({ type: 'chat.removed', channel: 'room:k', reason: 'ban' });
  assert.deepEqual(h.events.filter((e) => e.type === 'removed'), [{ type: 'removed', key: 'room:k', reason: 'ban' }]);
  assert.deepEqual(h.chat.list().map((c) => c.key), ['system']);
  assert.equal(h.chat.totalUnread, 1);
  h.chat.dispose();
  assert.equal(h.chat.totalUnread, 0);
});

test('an ack before its chat.message adds my message at once; the server\'s copy then replaces it', async () => {
  const h = await harness({
    conversations: () => ({ conversations: [] }),
    history: () => ({ channel: 'dm:4', messages: [row(1, 1, 'earlier')], last_seq: 1, more: false }),
  });
  const c = await h.chat.open('dm:4');
  const sending = h.chat.send('dm:4', '  hi Bo ');
  const ref = h.sent().at(-1).ref;
  h.ws().receive({ type: 'chat.ack', ref, channel: 'dm:4', seq: 2, at: 99 });
  assert.deepEqual(await sending, { seq: 2 });
  assert.deepEqual(c.messages.map((m) => [m.seq, m.text, m.userId, m.name, m.local === true]), [[1, 'earlier', 1, 'u1', false], [2, 'hi Bo', 1, 'u1', true]]);
  h.ws().receive({ type: 'chat.message', channel: 'dm:4', ...row(2, 1, 'hi Bo'), avatar_url: '/a.png' });
  assert.deepEqual(c.messages.map((m) => [m.seq, m.avatar, m.local === true]), [[1, null, false], [2, '/a.png', false]]);
  assert.equal(c.unread, 0, 'my own message is not unread');
});

test('a DM refused for a block (403 blocked) still opens, empty, with the refusal', async () => {
  const refusal = Object.assign(new Error('blocked'), { status: 403, code: 'blocked' });
  const h = await harness({
    conversations: () => ({ conversations: [] }),
    history: () => { throw refusal; },
  });
  const c = await h.chat.open('dm:4');
  assert.equal(c.refused, 'blocked');
  assert.deepEqual(c.messages, []);
  assert.equal(h.sent().some((f) => f.type === 'chat.subscribe'), false, 'DMs are never subscribed');
  // any other refusal, or of a room, is the caller's
  const other = await harness({ conversations: () => ({ conversations: [] }), history: () => { throw Object.assign(new Error('x'), { status: 404, code: 'not_found' }); } });
  await assert.rejects(other.chat.open('dm:5'), (err) => err.code === 'not_found');
});
