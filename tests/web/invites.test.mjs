// Unit tests of web/src/domain/invites.js and the app socket's invite frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkInvite, checkInviteLists, fromApiOptions, mergeInvite, secondsLeft, toApiOptions,
} from '../../web/src/domain/invites.js';
import { PRESETS } from '../../web/src/domain/gameoptions.js';
import { parseAppFrame } from '../../web/src/services/appsocket.js';

const user = (id) => ({ id, username: `u${id}`, display_name: `User ${id}`, avatar_url: `/api/users/${id}/avatar` });
const INVITE = {
  id: 5, from: user(1), to: user(2), options: { ball_speed: 2, paddle_size: 0, winning_score: 11, map: 2, powerups: 1 },
  created_at: 1000, expires_at: 301000, status: 'pending', game_id: null,
};

test('options between the form and the API', () => {
  assert.deepEqual(toApiOptions(PRESETS.frantic), INVITE.options);
  assert.deepEqual(fromApiOptions(INVITE.options), PRESETS.frantic);
  assert.deepEqual(toApiOptions(PRESETS.classic), { ball_speed: 1, paddle_size: 1, winning_score: 5, map: 0, powerups: 0 });
  assert.equal(toApiOptions({ ...PRESETS.classic, winningScore: 22 }), null);
  assert.equal(fromApiOptions({ ...INVITE.options, map: 4 }), null);
});

test('checkInvite keeps a clean copy and refuses bad shapes', () => {
  const v = checkInvite(INVITE);
  assert.deepEqual(v.options, PRESETS.frantic);
  assert.deepEqual([v.id, v.from.id, v.to.display_name, v.status, v.game_id, v.expires_at], [5, 1, 'User 2', 'pending', null, 301000]);
  assert.equal(checkInvite({ ...INVITE, status: 'weird' }), null);
  assert.equal(checkInvite({ ...INVITE, from: { id: 0 } }), null);
  assert.equal(checkInvite({ ...INVITE, options: null }), null);
  assert.equal(checkInvite({ ...INVITE, status: 'accepted', game_id: 44 }).game_id, 44);
  assert.deepEqual(checkInviteLists({ incoming: [INVITE, { id: 'x' }], outgoing: null }), { incoming: [v], outgoing: [] });
});

test('merging updates and the time left', () => {
  const a = checkInvite(INVITE);
  const b = checkInvite({ ...INVITE, id: 6 });
  let list = mergeInvite([], a);
  list = mergeInvite(list, b);
  assert.deepEqual(list.map((i) => i.id), [5, 6]);
  list = mergeInvite(list, { ...a, expires_at: 9 });
  assert.deepEqual(list.map((i) => [i.id, i.expires_at]), [[5, 9], [6, 301000]]);
  list = mergeInvite(list, { ...b, status: 'declined' });
  assert.deepEqual(list.map((i) => i.id), [5]);
  assert.equal(secondsLeft(a, 300500), 1);
  assert.equal(secondsLeft(a, 400000), 0);
});

test('the app socket parses invite and invite_update', () => {
  assert.deepEqual(parseAppFrame(JSON.stringify({ type: 'invite', invite: INVITE })), { type: 'invite', invite: checkInvite(INVITE) });
  const accepted = { ...INVITE, status: 'accepted', game_id: 3 };
  assert.equal(parseAppFrame(JSON.stringify({ type: 'invite_update', invite: accepted })).invite.game_id, 3);
  assert.equal(parseAppFrame(JSON.stringify({ type: 'invite', invite: { id: 1 } })), null);
});
