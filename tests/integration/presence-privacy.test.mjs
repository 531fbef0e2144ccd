// Presence privacy (issue 16, docs/security.md "Presence"): a user's presence (online,
// in_game, last_seen_at) is hidden from the users they block, and with presence_visibility
// "friends" from everyone but their friends — in every REST answer that shows it (the profile,
// the search, the friends list, a room's members) and in the pushes of the app socket. Hidden
// reads as offline and never seen. Runs on SQLite and PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call } from './api-client.mjs';
import { useServer, openApp, nextMessage, waitClose, registerUser } from './helpers.mjs';

const open = [];
after(() => { for (const ws of open) ws.terminate(); });
const ctx = useServer({ AUTH_RATE: '10000' });
const api = (method, path, who, body) => call(ctx.server, method, path, { token: who.token, body });

async function tab(who) {
  const ws = await openApp(ctx.server, { token: who.token });
  open.push(ws);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  ws.frames = frames;
  return ws;
}

/** What `viewer` sees of `who`'s presence in each REST answer that shows it. */
async function seen(viewer, who, room) {
  const profile = (await api('GET', `/api/users/${who.user.id}`, viewer)).json;
  const search = (await api('GET', `/api/users?search=${encodeURIComponent(who.user.display_name)}`, viewer)).json.users
    .find((u) => u.id === who.user.id);
  const members = (await api('GET', `/api/chat/rooms/${room}`, viewer)).json.members.find((m) => m.user.id === who.user.id);
  const lists = (await api('GET', '/api/friends', viewer)).json;
  const listed = [...lists.friends, ...lists.incoming, ...lists.outgoing].find((f) => f.user.id === who.user.id)?.user;
  return {
    profile: { online: profile.online, last_seen_at: profile.last_seen_at, in_game: profile.in_game },
    search: { online: search.online, in_game: search.in_game },
    member: members.online,
    friends: listed ? { online: listed.online, last_seen_at: listed.last_seen_at } : null,
  };
}

const ONLINE = { online: true, last_seen_at: null, in_game: null };
const HIDDEN = { online: false, last_seen_at: null, in_game: null };

test('presence is hidden from blocked users, and from non-friends when the user chooses friends only', { timeout: 60000 }, async () => {
  const tag = randomBytes(3).toString('hex');
  const pia = await registerUser(ctx.server, 'pia', { display_name: `Pia ${tag}` });
  const fox = await registerUser(ctx.server, 'fox');   // her friend
  const sam = await registerUser(ctx.server, 'sam');   // asked her to be friends; not yet
  const rex = await registerUser(ctx.server, 'rex');   // she blocks him
  const room = `pres_${tag}`;
  for (const u of [pia, fox, sam, rex]) {
    const j = await api('POST', `/api/chat/rooms/${room}/join`, u);
    assert.ok(j.status === 200 || j.status === 201, j.text);
  }
  assert.equal((await api('POST', `/api/friends/${pia.user.id}`, fox)).status, 201);
  assert.equal((await api('POST', `/api/friends/${fox.user.id}/accept`, pia)).status, 200);
  assert.equal((await api('POST', `/api/friends/${pia.user.id}`, sam)).status, 201);
  assert.equal((await api('PUT', `/api/blocks/${rex.user.id}`, pia)).status, 204);

  const me = await api('GET', '/api/users/me', pia);
  assert.equal(me.json.presence_visibility, 'everyone', 'the default');
  const foxTab = await tab(fox);
  const rexTab = await tab(rex);
  const piaTab = await tab(pia);
  const frame = await nextMessage(foxTab);
  assert.deepEqual(frame, { type: 'presence', user_id: pia.user.id, online: true, in_game: null }, 'her friend is told');

  // everyone: all but the blocked user see her online
  assert.deepEqual(await seen(fox, pia, room), { profile: ONLINE, search: { online: true, in_game: null }, member: true, friends: { online: true, last_seen_at: null } });
  assert.deepEqual(await seen(sam, pia, room), { profile: ONLINE, search: { online: true, in_game: null }, member: true, friends: { online: true, last_seen_at: null } });
  assert.deepEqual(await seen(rex, pia, room), { profile: HIDDEN, search: { online: false, in_game: null }, member: false, friends: null });
  // the blocker still sees the blocked user's presence (the setting and the block are hers)
  assert.equal((await api('GET', `/api/users/${rex.user.id}`, pia)).json.online, true);

  // friends only
  const bad = await api('PATCH', '/api/users/me', pia, { presence_visibility: 'nobody' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.fields.presence_visibility, 'unsupported');
  const set = await api('PATCH', '/api/users/me', pia, { presence_visibility: 'friends' });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.presence_visibility, 'friends');
  assert.equal((await api('GET', '/api/users/me', pia)).json.presence_visibility, 'friends');
  assert.deepEqual((await seen(fox, pia, room)).profile, ONLINE, 'her friend still sees her');
  assert.deepEqual(await seen(sam, pia, room), { profile: HIDDEN, search: { online: false, in_game: null }, member: false, friends: { online: false, last_seen_at: null } });
  assert.deepEqual((await seen(rex, pia, room)).profile, HIDDEN);

  // offline: last_seen_at for her friend only
  piaTab.close(1000);
  await waitClose(piaTab);
  const gone = await nextMessage(foxTab);
  assert.equal(gone.online, false);
  assert.equal(typeof gone.last_seen_at, 'number', 'her friend is told when she was last seen');
  const foxView = await seen(fox, pia, room);
  assert.equal(foxView.profile.online, false);
  assert.equal(foxView.profile.last_seen_at, gone.last_seen_at);
  assert.equal(foxView.friends.last_seen_at, gone.last_seen_at);
  assert.deepEqual((await seen(sam, pia, room)).profile, HIDDEN, 'no last_seen_at for a non-friend');
  assert.deepEqual((await seen(rex, pia, room)).profile, HIDDEN, 'nor for the blocked user');
  // the socket of the blocked user got nothing about her, on or off (her friend's did: both frames came)
  assert.deepEqual(rexTab.frames.filter((f) => f.user_id === pia.user.id), [], 'no presence frame about her reached him');

  // back to everyone: the non-friend sees her last_seen_at again; the blocked user still does not
  assert.equal((await api('PATCH', '/api/users/me', pia, { presence_visibility: 'everyone' })).status, 200);
  assert.equal((await seen(sam, pia, room)).profile.last_seen_at, gone.last_seen_at);
  assert.deepEqual((await seen(rex, pia, room)).profile, HIDDEN);
});
