// Unit tests of web/src/domain/chatlog.js and chatframes.js: channels, messages merged and
// deduplicated by seq, unread counting, moderation ranks, frame checking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseChannel, channelKey, roomChannel, dmChannel, checkMessage, mergeMessages, markDeleted, withoutSender,
  highestSeq, unreadIn, countsAsUnread, totalUnread, badgeText, roleRank, actorRank, mayModerate,
  checkConversation, sortConversations,
} from '../../web/src/domain/chatlog.js';
import { parseChatFrame, sendFrame, subscribeFrame, readFrame } from '../../web/src/domain/chatframes.js';

const msg = (seq, userId = 2, text = `m${seq}`) => checkMessage({ seq, at: 1000 + seq, kind: 'text', user_id: userId, display_name: `u${userId}`, message: text });
const seqs = (list) => list.map((m) => m.seq);

test('channel names: rooms (case folded in the key), DMs, the system channel', () => {
  assert.deepEqual(parseChannel('room:General'), { kind: 'room', name: 'General' });
  assert.deepEqual(parseChannel('dm:42'), { kind: 'dm', peer: 42 });
  assert.deepEqual(parseChannel('system'), { kind: 'system' });
  for (const bad of ['room:', 'room:a b', `room:${'a'.repeat(65)}`, 'dm:0', 'dm:-1', 'dm:01', 'dm:1.5', 'dm:x', 'System', '', null, 7]) {
    assert.equal(parseChannel(bad), null, String(bad));
  }
  assert.equal(channelKey('room:General'), channelKey('room:gENERAL'));
  assert.equal(channelKey(roomChannel('A')), 'room:a');
  assert.equal(channelKey(dmChannel(5)), 'dm:5');
  assert.equal(channelKey('bad'), null);
});

test('checkMessage reads socket frames and history rows (ChatMessage) into one shape', () => {
  assert.deepEqual(checkMessage({ type: 'chat.message', channel: 'room:a', seq: 3, at: 5, kind: 'text', user_id: 2, display_name: '<b>x</b>', avatar_url: '/a.png', message: 'hi' }),
    { seq: 3, at: 5, kind: 'text', userId: 2, name: '<b>x</b>', avatar: '/a.png', text: 'hi', deleted: false, invite: null, inviteId: null });
  // a server notice: no sender
  const sys = checkMessage({ channel: 'system', seq: 1, at: 5, kind: 'system', user_id: null, display_name: null, avatar_url: null, message: 'notice', deleted: false, invite: null });
  assert.equal(sys.kind, 'system');
  assert.equal(sys.userId, null);
  assert.equal(sys.name, '');
  assert.equal(sys.avatar, null);
  // a deleted one in history keeps its place and sender, its text is ""
  const del = checkMessage({ channel: 'room:a', seq: 4, at: 5, kind: 'text', user_id: 2, display_name: 'u', avatar_url: null, message: '', deleted: true, invite: null });
  assert.equal(del.deleted, true);
  assert.equal(del.text, '');
  assert.equal(del.userId, 2);
  const inv = checkMessage({ seq: 2, kind: 'invite', message: 'A invites you', invite: { id: 'x' } });
  assert.equal(inv.kind, 'invite');
  assert.equal(inv.invite, null, 'a bad invite object is dropped');
  assert.equal(inv.inviteId, null);
  // an answered invite comes as its id only
  const answered = checkMessage({ seq: 3, kind: 'invite', message: 'x', invite: { id: 12 } });
  assert.equal(answered.invite, null);
  assert.equal(answered.inviteId, 12);
  assert.equal(checkMessage({ seq: 3, kind: 'text', message: 'x', invite: { id: 12 } }).inviteId, null, 'only invite cards');
  for (const bad of [null, {}, { seq: 0 }, { seq: -1 }, { seq: 1.5 }, { seq: '3' }, []]) assert.equal(checkMessage(bad), null);
});

test('mergeMessages keeps one entry per seq, in seq order, deletions win', () => {
  let log = mergeMessages([], [msg(3), msg(1), msg(2)]);
  assert.deepEqual(seqs(log), [1, 2, 3]);
  const same = mergeMessages(log, [msg(2), msg(3)]);
  assert.equal(same, log, 'nothing new: the same array');
  log = mergeMessages(log, [msg(5), msg(4), msg(5)]);
  assert.deepEqual(seqs(log), [1, 2, 3, 4, 5]);
  // a resume answer that overlaps the live messages
  log = mergeMessages(log, [msg(4), msg(5), msg(6), msg(7)]);
  assert.deepEqual(seqs(log), [1, 2, 3, 4, 5, 6, 7]);
  // gaps (filtered messages) are fine
  log = mergeMessages(log, [msg(10)]);
  assert.deepEqual(seqs(log), [1, 2, 3, 4, 5, 6, 7, 10]);
  // a deletion replaces the text; a stale copy does not bring it back
  log = mergeMessages(log, [checkMessage({ seq: 2, deleted: true })]);
  assert.equal(log[1].deleted, true);
  assert.equal(log[1].text, '');
  log = mergeMessages(log, [msg(2)]);
  assert.equal(log[1].deleted, true);
  // a copy the page made from its ack gives way to the server's, which does not give way
  const local = { ...msg(11, 1, 'mine'), name: '', local: true };
  log = mergeMessages(log, [local]);
  assert.equal(log.at(-1).local, true);
  log = mergeMessages(log, [msg(11, 1, 'mine')]);
  assert.equal(log.at(-1).local, undefined);
  assert.equal(log.at(-1).name, 'u1');
  assert.equal(mergeMessages(log, [local]), log);
  log = log.slice(0, -1);
  // the cap keeps the newest
  assert.deepEqual(seqs(mergeMessages([], [1, 2, 3, 4, 5].map((s) => msg(s)), 3)), [3, 4, 5]);
  assert.deepEqual(seqs(markDeleted(log, 3).filter((m) => m.deleted)), [2, 3]);
  assert.equal(highestSeq(log), 10);
  assert.equal(highestSeq(log, 12), 12, 'the channel last_seq past filtered messages');
  assert.equal(highestSeq([], 0), 0);
});

test('withoutSender drops a blocked user\'s messages', () => {
  const log = [msg(1, 2), msg(2, 3), msg(3, 2)];
  assert.deepEqual(seqs(withoutSender(log, 2)), [2]);
  assert.equal(withoutSender(log, 9), log);
});

test('unread: after the marker, not mine, not deleted; badges cap at 99+', () => {
  const log = [msg(1, 2), msg(2, 1), msg(3, 2), checkMessage({ seq: 4, deleted: true, user_id: 2 }), msg(5, null)];
  assert.equal(unreadIn(log, 0, 1), 3);
  assert.equal(unreadIn(log, 3, 1), 1);
  assert.equal(unreadIn(log, 5, 1), 0);
  assert.equal(countsAsUnread(msg(6, 2), 5, 1), true);
  assert.equal(countsAsUnread(msg(6, 1), 5, 1), false, 'my own');
  assert.equal(countsAsUnread(msg(5, 2), 5, 1), false, 'already read');
  assert.equal(totalUnread([{ unread: 2 }, { unread: 0 }, { unread: 5 }, { unread: -1 }, {}]), 7);
  assert.equal(badgeText(0), '');
  assert.equal(badgeText(7), '7');
  assert.equal(badgeText(99), '99');
  assert.equal(badgeText(100), '99+');
});

test('moderation: moderators and up act on lower ranks; admins everywhere', () => {
  assert.equal(roleRank('owner'), 2);
  assert.equal(roleRank(1), 1);
  assert.equal(roleRank('nonsense'), 0);
  assert.equal(mayModerate(0, 0), false, 'members cannot');
  assert.equal(mayModerate(1, 0), true);
  assert.equal(mayModerate(1, 1), false, 'not a peer');
  assert.equal(mayModerate(2, 1), true);
  assert.equal(mayModerate(2, 2), false);
  assert.equal(mayModerate(actorRank('member', true), 2), true, 'an admin over an owner');
});

test('checkConversation reads the list (ChatConversation); the system channel sorts first', () => {
  const a = checkConversation({ channel: 'dm:4', kind: 'direct', peer: { id: 4, display_name: 'Bo', avatar_url: null }, last_seq: 9, last_read_seq: 7, unread: 2, last_at: 50,
    last_message: { seq: 9, at: 50, kind: 'text', user_id: 4, message: 'hey', deleted: false } });
  assert.equal(a.key, 'dm:4');
  assert.equal(a.kind, 'dm');
  assert.deepEqual(a.peer, { id: 4, display_name: 'Bo', avatar_url: null });
  assert.equal(a.unread, 2);
  assert.equal(a.lastRead, 7);
  assert.equal(a.last.text, 'hey');
  const b = checkConversation({ channel: 'room:Lobby', kind: 'room', peer: null, last_seq: 3, last_at: 70, last_read_seq: 3, unread: 0, last_message: null });
  assert.equal(b.name, 'Lobby');
  assert.equal(b.key, 'room:lobby');
  assert.equal(b.last, null);
  const c = checkConversation({ channel: 'system', kind: 'system', peer: null, unread: 1, last_at: null, last_seq: 1, last_read_seq: 0, last_message: null });
  assert.equal(c.at, 0);
  for (const bad of [null, { kind: 'room', name: 'x' }, { channel: 'nowhere' }]) assert.equal(checkConversation(bad), null);
  assert.deepEqual(sortConversations([a, b, c]).map((x) => x.key), ['system', 'room:lobby', 'dm:4']);
});

test('parseChatFrame checks the chat frames; builders make the client frames', () => {
  assert.deepEqual(parseChatFrame({ type: 'chat.subscribed', channel: 'room:a', last_seq: 4 }), { type: 'chat.subscribed', channel: 'room:a', last_seq: 4 });
  assert.deepEqual(parseChatFrame({ type: 'chat.ack', ref: 'c1', channel: 'room:a', seq: 5 }), { type: 'chat.ack', ref: 'c1', channel: 'room:a', seq: 5, at: null });
  assert.deepEqual(parseChatFrame({ type: 'chat.error', ref: 'c2', error: { code: 'muted', message: 'no' } }),
    { type: 'chat.error', ref: 'c2', code: 'muted', message: 'no', channel: null });
  assert.equal(parseChatFrame({ type: 'chat.message', channel: 'room:a', seq: 1, message: 'x' }).message.text, 'x');
  assert.deepEqual(parseChatFrame({ type: 'chat.member', channel: 'room:a', event: 'mute', user: { id: 3, display_name: 'z' }, until: 99 }),
    { type: 'chat.member', channel: 'room:a', event: 'mute', user: { id: 3, display_name: 'z' }, until: 99, role: null });
  assert.deepEqual(parseChatFrame({ type: 'chat.removed', channel: 'room:a', reason: 'ban' }), { type: 'chat.removed', channel: 'room:a', reason: 'ban' });
  for (const bad of [
    { type: 'chat.message', channel: 'nowhere', seq: 1, message: 'x' }, { type: 'chat.message', channel: 'room:a', message: 'x' },
    { type: 'chat.ack', ref: 1, seq: 2 }, { type: 'chat.deleted', channel: 'room:a' }, { type: 'chat.member', channel: 'room:a', event: 'dance', user: { id: 1 } },
    { type: 'chat.removed', channel: 'room:a', reason: 'x' }, { type: 'chat.read', channel: 'room:a', seq: -1 }, { type: 'chat.nope' },
  ]) assert.equal(parseChatFrame(bad), null, JSON.stringify(bad));
  assert.deepEqual(sendFrame('dm:3', 'hi', 'c1'), { type: 'chat.send', channel: 'dm:3', text: 'hi', ref: 'c1' });
  assert.deepEqual(subscribeFrame('room:a'), { type: 'chat.subscribe', channel: 'room:a' });
  assert.deepEqual(subscribeFrame('room:a', false), { type: 'chat.unsubscribe', channel: 'room:a' });
  assert.deepEqual(readFrame('system', 4), { type: 'chat.read', channel: 'system', seq: 4 });
});
