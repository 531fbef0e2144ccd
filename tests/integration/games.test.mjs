// Remote games (issue 12): invites over the API and the app socket, and games played over
// the game socket /ws/game/<id>/ by scripted clients (game-client.mjs): a whole game to the
// end by score, every refusal with its close code, late inputs and relays, resigning. Every
// game that ends here is replayed from its stored input log and must reach its stored tick
// count and final hash. The slow ones (resume deadlines, forfeits, restarts) are in
// games-long.test.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import {
  useServer, openApp, nextMessage, noMessageWithin, registerUser, expectWsRefused, getMetrics,
} from './helpers.mjs';
import {
  GameClient, SHORT, MATCH, LIMITS, inviteGame, planGame, policiesLoserStops, POLICY, checkReplay, counts, getGame,
  snapshotRate, encodeInput, encodePing,
} from './game-client.mjs';

const open = [];
// Registered before useServer's after(), so the sockets are closed before pongd is stopped.
after(() => { for (const s of open) s.terminate(); });
const ctx = useServer({ AUTH_RATE: '10000' });

const api = (method, path, token, body) => call(ctx.server, method, path, { token, body });
const INVITE_MS = 300 * 1000;   // GAME_INVITE_SECONDS' default

async function tab(who) {
  const ws = await openApp(ctx.server, { token: who.token });
  open.push(ws);
  return ws;
}

async function seat(gameId, who, label) {
  const c = await GameClient.connect(ctx.server, gameId, who.token, { label });
  open.push(c);
  return c;
}

async function opened(gameId, opts = {}) {
  const c = await GameClient.open(ctx.server, gameId, opts);
  open.push(c);
  return c;
}

/** The next invite or invite_update on an app socket (other notifications skipped). */
async function nextEvent(ws, timeout = 5000) {
  for (;;) {
    const m = await nextMessage(ws, timeout);
    if (m?.type === 'invite' || m?.type === 'invite_update') return m;
  }
}

async function assertQuiet(ws, what, ms = 300) {
  const got = (await noMessageWithin(ws, ms)).map((m) => (typeof m === 'string' ? JSON.parse(m) : m))
    .filter((m) => m.type === 'invite' || m.type === 'invite_update');
  assert.deepEqual(got, [], what);
}

/** Two new users and a game between them (a seat 0, b seat 1). */
async function newGame(prefix, options = {}) {
  const a = await registerUser(ctx.server, `${prefix}a`);
  const b = await registerUser(ctx.server, `${prefix}b`);
  const { gameId } = await inviteGame(ctx.server, a, b, options);
  return { a, b, gameId };
}

// ---------------------------------------------------------------------------

test('invites: create (the invitee\'s tab told), list both ways, decline, cancel, accept; every refusal', { timeout: 30000 }, async () => {
  const a = await registerUser(ctx.server, 'inva', { display_name: 'Inviter A' });
  const b = await registerUser(ctx.server, 'invb');
  const c = await registerUser(ctx.server, 'invc');
  const aTab = await tab(a);
  const bTab = await tab(b);
  const options = { ball_speed: 2, paddle_size: 0, winning_score: 3, map: 1, powerups: 1 };

  // create: 201, the invitee's tabs get {"type":"invite"}
  const t0 = Date.now();
  const r = await api('POST', '/api/invites', a.token, { user_id: b.user.id, options });
  assert.equal(r.status, 201, r.text);
  const inv = r.json;
  assert.equal(inv.from.id, a.user.id);
  assert.equal(inv.from.display_name, 'Inviter A');
  assert.equal(inv.to.id, b.user.id);
  assert.deepEqual(inv.options, options);
  assert.equal(inv.status, 'pending');
  assert.equal(inv.game_id, null);
  assert.ok(inv.created_at >= t0 - 1000 && inv.created_at <= Date.now() + 1000, `created_at ${inv.created_at} is now`);
  // expires_at is taken from the clock a moment before created_at (api_invite_create, then the database job)
  assert.ok(inv.expires_at - inv.created_at <= INVITE_MS && inv.expires_at - inv.created_at > INVITE_MS - 1000,
    `expires GAME_INVITE_SECONDS after its creation (${inv.expires_at - inv.created_at} ms)`);
  assert.deepEqual(await nextEvent(bTab), { type: 'invite', invite: inv }, 'the invitee is told at once, with the invite');
  await assertQuiet(aTab, 'the inviter\'s own tab is not told of its invite');

  // listed both ways
  const la = await api('GET', '/api/invites', a.token);
  assert.equal(la.status, 200);
  assert.deepEqual(la.json, { incoming: [], outgoing: [inv] });
  const lb = await api('GET', '/api/invites', b.token);
  assert.deepEqual(lb.json, { incoming: [inv], outgoing: [] });
  assert.deepEqual((await api('GET', '/api/invites', c.token)).json, { incoming: [], outgoing: [] }, 'nothing for a third user');

  // one pending invite per pair, either direction: 409 exists
  for (const [from, to] of [[a, b], [b, a]]) {
    const d = await api('POST', '/api/invites', from.token, { user_id: to.user.id, options: SHORT });
    assert.equal(d.status, 409, d.text);
    assert.equal(d.json.error.code, 'exists');
  }
  // only the invitee answers, only the inviter cancels: 403 not_yours
  for (const [who, method, path] of [
    [a, 'POST', `/api/invites/${inv.id}/accept`], [a, 'POST', `/api/invites/${inv.id}/decline`], [b, 'DELETE', `/api/invites/${inv.id}`],
    [c, 'POST', `/api/invites/${inv.id}/accept`], [c, 'POST', `/api/invites/${inv.id}/decline`], [c, 'DELETE', `/api/invites/${inv.id}`],
  ]) {
    const x = await api(method, path, who.token);
    assert.equal(x.status, 403, `${who.username} ${method} ${path}: ${x.text}`);
    assert.equal(x.json.error.code, 'not_yours');
  }
  for (const [method, path] of [['POST', '/api/invites/999999/accept'], ['POST', '/api/invites/999999/decline'], ['DELETE', '/api/invites/999999']]) {
    assert.equal((await api(method, path, b.token)).status, 404, `${method} ${path} of no invite`);
  }

  // decline: 204, both sides told
  const dec = await api('POST', `/api/invites/${inv.id}/decline`, b.token);
  assert.equal(dec.status, 204, dec.text);
  for (const [ws, who] of [[aTab, 'inviter'], [bTab, 'invitee']]) {
    const m = await nextEvent(ws);
    assert.equal(m.type, 'invite_update', who);
    assert.deepEqual(m.invite, { ...inv, status: 'declined' }, `${who}: the declined invite`);
  }
  assert.deepEqual((await api('GET', '/api/invites', a.token)).json, { incoming: [], outgoing: [] });
  assert.deepEqual((await api('GET', '/api/invites', b.token)).json, { incoming: [], outgoing: [] });
  for (const [who, method, path] of [[b, 'POST', `/api/invites/${inv.id}/accept`], [b, 'POST', `/api/invites/${inv.id}/decline`], [a, 'DELETE', `/api/invites/${inv.id}`]]) {
    const x = await api(method, path, who.token);
    assert.equal(x.status, 409, `${method} ${path} after the decline: ${x.text}`);
    assert.equal(x.json.error.code, 'answered');
  }

  // cancel: 204, the invitee told
  const inv2 = (await api('POST', '/api/invites', a.token, { user_id: b.user.id, options: SHORT })).json;
  assert.equal((await nextEvent(bTab)).type, 'invite');
  const can = await api('DELETE', `/api/invites/${inv2.id}`, a.token);
  assert.equal(can.status, 204, can.text);
  for (const [ws, who] of [[bTab, 'invitee'], [aTab, 'inviter']]) {
    const m = await nextEvent(ws);
    assert.deepEqual(m, { type: 'invite_update', invite: { ...inv2, status: 'cancelled' } }, who);
  }

  // refusals: yourself 400, nobody 404, bad options 400 with fields
  const self = await api('POST', '/api/invites', a.token, { user_id: a.user.id, options: SHORT });
  assert.equal(self.status, 400, self.text);
  assert.equal(self.json.error.code, 'self');
  const nobody = await api('POST', '/api/invites', a.token, { user_id: 999999, options: SHORT });
  assert.equal(nobody.status, 404, nobody.text);
  for (const bad of [{ ...SHORT, winning_score: 0 }, { ...SHORT, winning_score: 22 }, { ...SHORT, map: 4 }, { ...SHORT, ball_speed: 3 },
    { ...SHORT, powerups: 2 }, { ...SHORT, paddle_size: -1 }, { ball_speed: 1 }]) {
    const x = await api('POST', '/api/invites', a.token, { user_id: b.user.id, options: bad });
    assert.equal(x.status, 400, `options ${JSON.stringify(bad)}: ${x.text}`);
  }
  assert.equal((await api('POST', '/api/invites', a.token, { options: SHORT })).status, 400, 'no user_id');
  assert.equal((await api('POST', '/api/invites', a.token, { user_id: b.user.id })).status, 400, 'no options');
  assert.equal((await api('POST', '/api/invites', null, { user_id: b.user.id, options: SHORT })).status, 401, 'not logged in');
  await assertQuiet(bTab, 'refused invites tell nobody');

  // a block, either direction: 403 blocked; also an invite sent before the block cannot be accepted
  const pending = (await api('POST', '/api/invites', c.token, { user_id: a.user.id, options: SHORT })).json;
  assert.deepEqual(await nextEvent(aTab), { type: 'invite', invite: pending });
  assert.equal((await api('PUT', `/api/blocks/${c.user.id}`, a.token)).status < 300, true, 'a blocks c');
  for (const [from, to] of [[a, c], [c, a]]) {
    const x = await api('POST', '/api/invites', from.token, { user_id: to.user.id, options: SHORT });
    assert.equal(x.status, 403, `${from.username} → ${to.username} with a block: ${x.text}`);
    assert.equal(x.json.error.code, 'blocked');
  }
  const blockedAccept = await api('POST', `/api/invites/${pending.id}/accept`, a.token);
  assert.equal(blockedAccept.status, 403, `accepting an invite from someone you block: ${blockedAccept.text}`);
  assert.equal(blockedAccept.json.error.code, 'blocked');

  // accept: 200 {game_id}, both told with invite_update (accepted, game_id)
  const d = await registerUser(ctx.server, 'invd');
  const e = await registerUser(ctx.server, 'inve');
  const fromE = (await api('POST', '/api/invites', e.token, { user_id: b.user.id, options: SHORT })).json;   // for the busy check below
  assert.equal((await nextEvent(bTab)).type, 'invite');
  const inv3 = (await api('POST', '/api/invites', a.token, { user_id: b.user.id, options: SHORT })).json;
  assert.equal((await nextEvent(bTab)).invite.id, inv3.id);
  const acc = await api('POST', `/api/invites/${inv3.id}/accept`, b.token);
  assert.equal(acc.status, 200, acc.text);
  const gameId = acc.json.game_id;
  assert.ok(Number.isInteger(gameId) && gameId > 0);
  for (const [ws, who] of [[aTab, 'inviter'], [bTab, 'invitee']]) {
    assert.deepEqual(await nextEvent(ws), { type: 'invite_update', invite: { ...inv3, status: 'accepted', game_id: gameId } }, who);
  }
  assert.equal((await api('POST', `/api/invites/${inv3.id}/accept`, b.token)).status, 409, 'accepted twice');
  const live = await getGame(ctx.server, a.token, gameId);
  assert.equal(live.status, 'live');
  assert.deepEqual(live.players.map((p) => p.id), [a.user.id, b.user.id], 'the inviter is seat 0');
  assert.deepEqual({ ...live.options, seed: undefined }, { ...SHORT, seed: undefined });
  assert.deepEqual(live.live, { state: 'waiting', connected: [false, false] });

  // busy: one live game per account (either side of a new invite, or accepting another)
  for (const [from, to] of [[a, d], [d, a], [b, d], [d, b]]) {
    const x = await api('POST', '/api/invites', from.token, { user_id: to.user.id, options: SHORT });
    assert.equal(x.status, 409, `${from.username} → ${to.username} while one is playing: ${x.text}`);
    assert.equal(x.json.error.code, 'busy');
  }
  const busyAccept = await api('POST', `/api/invites/${fromE.id}/accept`, b.token);
  assert.equal(busyAccept.status, 409, busyAccept.text);
  assert.equal(busyAccept.json.error.code, 'busy');

  // end it (resign before anyone joined): a finished game, replayed like every other
  assert.equal((await api('POST', `/api/games/${gameId}/resign`, a.token)).status, 204);
  const { record } = await checkReplay(ctx.server, a.token, gameId);
  assert.deepEqual([record.status, record.ended_how, record.winner, record.ticks], ['finished', 'resign', 1, 0]);
  // free again
  const again = await api('POST', `/api/invites/${fromE.id}/accept`, b.token);
  assert.equal(again.status, 200, `b may accept e's invite once the game is over: ${again.text}`);
  assert.equal((await api('POST', `/api/games/${again.json.game_id}/resign`, e.token)).status, 204);
  await checkReplay(ctx.server, e.token, again.json.game_id);
});

test('a whole game over WSS by score: joined, snapshots, relays, over; the record, the counts, the export, the replay; TCP_NODELAY', { timeout: 60000 }, async () => {
  const a = await registerUser(ctx.server, 'whola', { display_name: 'Left Player' });
  const b = await registerUser(ctx.server, 'wholb', { display_name: 'Right Player' });
  const before = [counts(ctx.server, a.user.id), counts(ctx.server, b.user.id)];
  assert.deepEqual(before, [{ wins: 0, losses: 0 }, { wins: 0, losses: 0 }]);
  const options = { ...SHORT, ball_speed: 2, winning_score: 2, powerups: 1 };
  const { gameId } = await inviteGame(ctx.server, a, b, options);
  const m0 = (await getMetrics(ctx.server.httpsPort)).values;

  const c0 = await seat(gameId, a, 'seat 0');
  const { joined, snapshot: first } = await c0.waitJoined();
  const players = [{ id: a.user.id, display_name: 'Left Player' }, { id: b.user.id, display_name: 'Right Player' }];
  assert.equal(joined.json.type, 'joined');
  assert.equal(joined.game_id, gameId);
  assert.equal(joined.seat, 0);
  assert.equal(joined.json.tick_rate, 60);
  assert.equal(joined.json.snapshot_every, 3);
  assert.deepEqual(joined.json.players, players);
  const { seed, ...opts } = joined.json.options;
  assert.deepEqual(opts, options, 'joined carries the invite\'s options');
  assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff, `seed ${seed}`);
  assert.equal(first.state, MATCH.WAITING, 'alone: waiting for the other player');
  assert.equal(first.tick, 0);
  assert.ok(first.left > 0 && first.left <= 30 * 60, `left ${first.left}: the wait's deadline in ticks`);

  // the plan: the same simulation offline, with this seed
  const plan = await planGame(joined.json.options, policiesLoserStops(120));
  assert.ok(plan.over && plan.ticks < 60 * 30, `the planned game ends (${plan.ticks} ticks)`);
  assert.ok(plan.maxPerSecond < 30, 'few key changes per second');
  assert.deepEqual(Array.from(first.save), Array.from(plan.saves[0]), 'the first snapshot is the game\'s initial state');
  c0.play(plan.schedules[0]);

  const c1 = await seat(gameId, b, 'seat 1');
  assert.equal(c1.seat, 1);
  assert.deepEqual(c1.joined.json.players, players);
  assert.deepEqual(c1.joined.json.options, joined.json.options);
  c1.play(plan.schedules[1]);
  const cd = await c0.waitState(MATCH.COUNTDOWN);
  assert.equal(cd.left, 180, 'both here: a 3 s countdown');
  assert.equal((await c1.waitState(MATCH.COUNTDOWN)).left, 180);

  // both game sockets are open: realtime, TCP_NODELAY read back as set
  const m1 = (await getMetrics(ctx.server.httpsPort)).values;
  assert.equal(m1.pongd_ws_realtime_open - (m0.pongd_ws_realtime_open ?? 0), 2, 'two realtime sockets more');
  assert.equal(m1.pongd_ws_realtime_open, 2, 'pongd_ws_realtime_open 2');
  assert.equal(m1.pongd_ws_realtime_nodelay, 2, 'pongd_ws_realtime_nodelay 2');
  assert.ok(m1.pongd_games_live >= 1, 'pongd_games_live counts this game');
  const live = await getGame(ctx.server, b.token, gameId);
  assert.equal(live.status, 'live');
  assert.deepEqual(live.live.connected, [true, true]);
  assert.ok(['countdown', 'playing'].includes(live.live.state), live.live.state);
  assert.equal(live.final_hash, 0);
  assert.equal(live.ended_how, null);

  const over0 = await c0.waitOver({ timeout: 40000 });
  const over1 = await c1.waitOver();
  // the steps of this game were timed: the lateness summary counts them
  const mt = (await getMetrics(ctx.server.httpsPort)).values;
  assert.ok(mt.pongd_game_tick_lateness_seconds_count >= plan.ticks, `lateness of ${mt.pongd_game_tick_lateness_seconds_count} steps`);
  assert.ok(mt.pongd_game_tick_lateness_max_seconds >= 0);
  // the game sockets' frames went out at the end of the loop turn that queued them, not
  // through a writable-callback round trip (at least one write per playing snapshot)
  assert.ok(mt.pongd_ws_direct_writes_total - (m1.pongd_ws_direct_writes_total ?? 0) >= 2 * (plan.ticks / 3 - 3) * 0.9,
    `direct writes ${mt.pongd_ws_direct_writes_total - (m1.pongd_ws_direct_writes_total ?? 0)} for ${plan.ticks} ticks`);
  for (const [c, over] of [[c0, over0], [c1, over1]]) {
    assert.deepEqual(over.json, { type: 'over', reason: 'score', winner: plan.winner, score: plan.score }, `${c.label}: over`);
    const last = c.snapshots.at(-1);
    assert.ok(last.i < over.i, `${c.label}: the last snapshot comes before "over"`);
    assert.equal(last.state, MATCH.OVER);
    assert.equal(last.tick, plan.ticks);
    assert.deepEqual(Array.from(last.save), Array.from(plan.saves[plan.ticks]), `${c.label}: the final state is the planned one`);
    const close = await c.waitClose();
    assert.equal(close.code, 1000, `${c.label}: closed with 1000 after over`);
    // every snapshot is the planned state at its tick (the server applied every input on time)
    for (const s of c.snapshots) {
      assert.deepEqual(Array.from(s.save), Array.from(plan.saves[s.tick]), `${c.label}: snapshot of tick ${s.tick} (state ${s.state})`);
      assert.ok(s.late <= 0, `${c.label}: no input was late (tick ${s.tick}: late ${s.late})`);
    }
    // ~20 snapshots per second while playing, every 3rd tick
    const playing = c.snapshots.filter((s) => s.state === MATCH.PLAYING);
    assert.ok(playing.length >= plan.ticks / 3 - 3, `${c.label}: ${playing.length} playing snapshots for ${plan.ticks} ticks`);
    const steps = playing.slice(1).map((s, i) => s.tick - playing[i].tick);
    // one snapshot per 3 ticks of game time: a late wake-up that catches up several steps sends
    // the snapshot at the sweep's end (steps like 4,2 or 8,1 on a loaded machine), so the check
    // is on the mean interval in ticks, not on every step
    const meanStep = (playing.at(-1).tick - playing[0].tick) / steps.length;
    assert.ok(meanStep > 2.7 && meanStep < 3.3 && steps.every((d) => d >= 1), `${c.label}: a snapshot every 3 ticks on average (${meanStep.toFixed(2)}; ${JSON.stringify(steps.slice(0, 40))})`);
    const rate = snapshotRate(c);
    assert.ok(rate > 15 && rate < 25, `${c.label}: ${rate.toFixed(1)} snapshots/s while playing`);
    // the opponent's key changes are relayed, each at the tick it was applied
    const other = 1 - c.seat;
    assert.deepEqual(c.relays.map((r) => [r.tick, r.seat, r.key]), plan.inputs.filter(([, s]) => s === other),
      `${c.label}: relays of seat ${other}'s inputs`);
    // acks: the tick of the seat's last applied input
    const lastMine = plan.inputs.filter(([, s]) => s === c.seat).at(-1);
    if (lastMine) assert.equal(last.acks[c.seat], lastMine[0], `${c.label}: ack of its last input`);
  }

  // the record
  const { record, replay } = await checkReplay(ctx.server, a.token, gameId);
  assert.equal(record.id, gameId);
  assert.equal(record.status, 'finished');
  assert.equal(record.ended_how, 'score');
  assert.equal(record.winner, plan.winner);
  assert.deepEqual(record.score, plan.score);
  assert.equal(record.ticks, plan.ticks);
  assert.equal(record.final_hash, plan.hash);
  assert.deepEqual(record.players.map((p) => p.id), [a.user.id, b.user.id]);
  assert.deepEqual(record.options, joined.json.options);
  assert.equal(record.live, null);
  assert.ok(record.ended_at >= record.started_at + record.duration_ms - 5, 'ended_at ≈ started_at + duration');
  assert.ok(record.duration_ms >= (plan.ticks * 1000) / 60 + 3000 - 200, `duration ${record.duration_ms} ms covers the countdown and ${plan.ticks} ticks`);
  assert.ok(record.duration_ms < (plan.ticks * 1000) / 60 + 3000 + 5000, `duration ${record.duration_ms} ms`);
  assert.equal(record.stats.rallies, plan.score[0] + plan.score[1], 'one rally per point');
  assert.ok(record.stats.longest_rally >= 1 && record.stats.top_speed > 0);
  assert.deepEqual(record.stats, plan.stats, 'the figures: rallies, longest rally, hits, top speed, power-ups');
  assert.deepEqual(replay.inputs, plan.inputs, 'the input log is exactly the inputs sent, at their ticks');
  assert.deepEqual(await getGame(ctx.server, b.token, gameId), record, 'the opponent sees the same record');

  // the counts moved together; the export lists the match for both
  assert.deepEqual(counts(ctx.server, a.user.id), { wins: 1, losses: 0 });
  assert.deepEqual(counts(ctx.server, b.user.id), { wins: 0, losses: 1 });
  for (const [who, s] of [[a, 0], [b, 1]]) {
    const ex = await api('GET', '/api/users/me/export', who.token);
    assert.equal(ex.status, 200);
    const m = ex.json.matches.find((x) => x.game_id === gameId);
    assert.ok(m, `${who.username}'s export lists the game`);
    assert.equal(m.seat, s);
    assert.equal(m.status, 'finished');
    assert.equal(m.ended_how, 'score');
    assert.equal(m.winner, plan.winner);
    assert.deepEqual(m.score, plan.score);
    assert.equal(m.ticks, plan.ticks);
    assert.deepEqual(m.players, ['Left Player', 'Right Player']);
  }
  const m2 = (await getMetrics(ctx.server.httpsPort)).values;
  assert.equal(m2.pongd_ws_realtime_open, 0, 'no realtime socket left');
  // a finished game's socket: 4004
  const late = await opened(gameId);
  late.auth(a.token);
  assert.equal((await late.waitClose()).code, 4004, 'a finished game cannot be joined');
});

test('game socket refusals, each with its close code', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('ref');
  const c = await registerUser(ctx.server, 'refc');
  const expectClose = async (client, code, what) => {
    const cl = await client.waitClose();
    assert.equal(cl.code, code, `${what}: closed with ${cl.code} (${cl.reason}), expected ${code}`);
    return client;
  };

  // before auth: binary → 4001; a bad token → 4001; silence → 4001 at 5 s is the other sockets' rule (not waited for here)
  let x = await opened(gameId);
  x.input(1, 0, 0);
  await expectClose(x, 4001, 'a binary frame before the auth frame');
  x = await opened(gameId);
  x.auth('not.a.token');
  await expectClose(x, 4001, 'a bad token');
  assert.deepEqual(x.of('joined'), [], 'no joined');
  // not a player: a spectator (matchmaking.test.mjs), whose INPUT closes it 4409; no such game 4004
  x = await opened(gameId);
  x.auth(c.token);
  await x.waitFor((e) => e.raw && JSON.parse(e.raw).type === 'watching', { label: 'watching' });
  x.input(1, 0, 0);
  await expectClose(x, 4409, 'an input from a user who is not a player');
  x = await opened(999999);
  x.auth(a.token);
  await expectClose(x, 4004, 'no such game');
  // the path: no trailing slash is the same socket; not a decimal id: 404; a foreign Origin: 403
  x = await GameClient.open(ctx.server, gameId, { path: `/ws/game/${gameId}` });
  open.push(x);
  x.auth(a.token);
  assert.equal((await x.waitJoined()).joined.seat, 0, 'without the trailing slash');
  await x.close();
  for (const path of ['/ws/game/abc/', `/ws/game/0${gameId}/`, '/ws/game/', `/ws/game/${gameId}/x/`]) {
    const r = await expectWsRefused(`wss://127.0.0.1:${ctx.server.httpsPort}${path}`, { origin: ctx.server.origin });
    assert.equal(r.statusCode, 404, `path ${path}`);
  }
  for (const origin of ['https://evil.example', undefined]) {
    const r = await expectWsRefused(`wss://127.0.0.1:${ctx.server.httpsPort}/ws/game/${gameId}/`, { origin });
    assert.equal(r.statusCode, 403, `Origin ${origin}`);
  }

  // seated (seat 0 alone: the game waits, so each refusal leaves it as it was), then a bad frame
  const seated = async () => {
    const s = await seat(gameId, a, 'seat 0');
    assert.equal(s.lastSnapshot.state, MATCH.WAITING);
    return s;
  };
  const input = (seatNo, key, tick, reserved = 0) => {
    const f = Buffer.from(encodeInput({ seat: seatNo, key, tick }));
    f[3] = reserved;
    return f;
  };
  const malformed = [
    ['an INPUT of 7 bytes', input(0, 1, 0).subarray(0, 7)],
    ['an INPUT of 9 bytes', Buffer.concat([input(0, 1, 0), Buffer.alloc(1)])],
    ['a PING of 12 bytes', Buffer.concat([Buffer.from(encodePing({ id: 1 })), Buffer.alloc(4)])],
    ['an unknown type 0x03', Buffer.from([3, 0, 0, 0, 0, 0, 0, 0])],
    ['a server type (SNAPSHOT 0x10) from the client', Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0])],
    ['seat 2', input(2, 1, 0)],
    ['key 3', input(0, 3, 0)],
    ['a reserved byte not 0', input(0, 1, 0, 7)],
    ['a PING with its reserved byte not 0', Buffer.from([2, 1, 0, 0, 1, 0, 0, 0])],
    ['an empty binary frame', Buffer.alloc(0)],
  ];
  for (const [what, bytes] of malformed) {
    const s = await seated();
    s.raw(bytes);
    await expectClose(s, 4400, what);
  }
  let s = await seated();
  s.raw(JSON.stringify({ type: 'ping' }), { binary: false });
  await expectClose(s, 4400, 'a text frame after the auth frame');
  s = await seated();
  s.raw(JSON.stringify({ type: 'auth' }), { binary: false });
  await expectClose(s, 4400, 'a second (short) auth frame');
  // input for the other seat 4410
  s = await seated();
  s.input(1, 0, 1);
  await expectClose(s, 4410, 'an input for the other seat');
  // more than 30 ticks ahead 4411 (30 is fine)
  s = await seated();
  const at = s.lastSnapshot.tick;
  s.input(1, at + LIMITS.AHEAD_TICKS);
  s.ping(42);
  assert.equal((await s.waitFor('pong')).id, 42, '30 ticks ahead is accepted');
  s.input(2, at + LIMITS.AHEAD_TICKS + 1);
  await expectClose(s, 4411, 'an input 31 ticks ahead');
  // over 64 bytes 4413 (binary or text)
  s = await seated();
  s.raw(Buffer.alloc(65, 1));
  await expectClose(s, 4413, 'a 65-byte binary frame');
  s = await seated();
  s.raw(Buffer.alloc(64, 0x01).subarray(0, 64));
  await expectClose(s, 4400, 'a 64-byte frame is not too big, only malformed');
  s = await seated();
  s.raw(`"${'x'.repeat(70)}"`, { binary: false });
  await expectClose(s, 4413, 'a 72-byte text frame');
  // more than 120 frames within a second 4429 (120 are fine)
  s = await seated();
  for (let i = 0; i < LIMITS.FRAMES_PER_S; i += 1) s.ping(i + 1);
  await s.waitFor((e) => e.kind === 'pong' && e.id === LIMITS.FRAMES_PER_S, { label: 'the 120th pong' });
  assert.equal(s.of('pong').length, LIMITS.FRAMES_PER_S, 'every ping answered');
  assert.equal(s.closeInfo, null, '120 frames within a second are allowed');
  s.ping(999);
  await expectClose(s, 4429, 'the 121st frame within a second');
  // a second socket for the same seat replaces the first: 4409
  const first = await seated();
  const second = await seated();
  await expectClose(first, 4409, 'the older socket of a seat');
  assert.equal(second.closeInfo, null, 'the newer one stays');
  second.ping(7);
  assert.equal((await second.waitFor('pong')).id, 7, 'the newer socket plays on');

  // a refusal is a disconnect: mid-game, the refused player's opponent sees the game paused
  const c1 = await seat(gameId, b, 'seat 1');
  await second.waitState(MATCH.COUNTDOWN);
  const mark = second.mark();
  c1.input(1, 0, 0);
  await expectClose(c1, 4410, 'seat 1 sends an input for seat 0');
  const paused = await second.waitFor('paused', { from: mark });
  assert.equal(paused.seat, 1);
  assert.equal(paused.reason, 'disconnected');
  assert.equal((await second.waitState(MATCH.PAUSED, { from: mark })).state, MATCH.PAUSED);
  // end it
  assert.equal((await api('POST', `/api/games/${gameId}/resign`, b.token)).status, 204);
  const over = await second.waitOver();
  assert.deepEqual(over.json, { type: 'over', reason: 'resign', winner: 0, score: [0, 0] });
  await checkReplay(ctx.server, a.token, gameId);
});

test('late inputs are applied at the current tick and reported; relays; ping/pong with the opponent\'s round trip', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('late', { winning_score: 5 });
  const c0 = await seat(gameId, a, 'seat 0');
  const c1 = await seat(gameId, b, 'seat 1');
  await c0.waitFor((e) => e.kind === 'snapshot' && e.state === MATCH.PLAYING && e.tick >= 30, { timeout: 8000, label: 'playing, tick ≥ 30' });

  // seat 1 tells its round trip; seat 0's PONG carries it
  c1.ping(1, 77);
  const p1 = await c1.waitFor('pong');
  assert.equal(p1.id, 1);
  assert.ok(p1.tick >= 30, `PONG carries the server's tick (${p1.tick})`);
  c0.ping(2, 33);
  const p0 = await c0.waitFor('pong');
  assert.equal(p0.id, 2);
  assert.equal(p0.opponentRttMs, 77, 'the opponent\'s round trip');
  c1.ping(3, 78);
  assert.equal((await c1.waitFor((e) => e.kind === 'pong' && e.id === 3)).opponentRttMs, 33);

  // a late input: stamped 10 ticks in the past
  let mark0 = c0.mark();
  let mark1 = c1.mark();
  const stamp = c0.tick - 10;
  c0.input(1, stamp);
  const relay = await c1.waitFor('relay', { from: mark1 });
  assert.equal(relay.seat, 0);
  assert.equal(relay.key, 1);
  assert.ok(relay.tick >= stamp + 10, `applied at the current tick (${relay.tick}), not at its stamp ${stamp}`);
  const snap = await c0.waitFor((e) => e.kind === 'snapshot' && e.acks[0] === relay.tick, { from: mark0, label: 'the ack of the late input' });
  assert.equal(snap.late, relay.tick - stamp, `late ${snap.late}: how many ticks late it was applied`);
  assert.equal(snap.keys[0], 1);
  const other = await c1.waitFor((e) => e.kind === 'snapshot' && e.acks[0] === relay.tick, { from: mark1 });
  assert.ok(other.late <= 0, 'the opponent\'s snapshots report its own lateness, not ours');

  // an early one: applied at its tick, reported as early (negative)
  mark0 = c0.mark();
  mark1 = c1.mark();
  // (stamped from a snapshot just received: the client's tick is its last snapshot's, and on a
  // loaded machine an older one can lag the server by more than the 20 ticks of margin)
  const sentAt = (await c0.waitFor('snapshot', { from: c0.mark() })).tick;
  const early = sentAt + 20;
  c0.input(2, early);
  // (a snapshot already on its way when the input was sent still reports the previous one)
  const firstSnap = await c0.waitFor((e) => e.kind === 'snapshot' && e.tick >= sentAt + 6, { from: mark0 });
  assert.ok(firstSnap.late < 0 && firstSnap.late >= -20, `early input: late ${firstSnap.late}`);
  const relay2 = await c1.waitFor('relay', { from: mark1, timeout: 6000 });
  assert.deepEqual([relay2.seat, relay2.key, relay2.tick], [0, 2, early], 'an early input is applied at its own tick');

  // a late one and then an early one before the next snapshot: the late one is reported
  mark0 = c0.mark();
  const t = c0.tick;
  c0.input(0, t - 5);
  c0.input(1, t + 15);
  const s3 = await c0.waitFor((e) => e.kind === 'snapshot' && e.tick >= t + 6, { from: mark0 });
  assert.ok(s3.late > 0, `late ${s3.late}: the late input is the one reported`);

  // seat 1's key changes reach seat 0 (relays both ways), at the tick they were applied
  mark0 = c0.mark();
  const t1 = c1.tick + 10;
  c1.input(2, t1);
  const r1 = await c0.waitFor('relay', { from: mark0 });
  assert.deepEqual([r1.seat, r1.key, r1.tick], [1, 2, t1]);
  assert.deepEqual(c0.relays.filter((r) => r.seat !== 1), [], 'seat 0 gets no relay of its own inputs');
  assert.deepEqual(c1.relays.filter((r) => r.seat !== 0), [], 'seat 1 gets no relay of its own inputs');

  // end: seat 0 resigns; the replay (late input included) reproduces the stored hash
  await c0.waitTick(t + 20);
  assert.equal((await api('POST', `/api/games/${gameId}/resign`, a.token)).status, 204);
  const over = await c1.waitOver();
  assert.equal(over.reason, 'resign');
  assert.equal(over.winner, 1);
  const { replay } = await checkReplay(ctx.server, b.token, gameId);
  assert.ok(replay.inputs.some(([tk, s, k]) => tk === relay.tick && s === 0 && k === 1), 'the late input is logged at the tick it was applied');
  assert.deepEqual(replay.inputs.filter(([, s]) => s === 0).slice(0, 2).map(([tk]) => tk), [relay.tick, early]);
});

test('resign: 204, the opponent wins (over/resign), the record and the counts', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('res', { winning_score: 3 });
  const c = await registerUser(ctx.server, 'resc');
  const c0 = await seat(gameId, a, 'seat 0');
  const c1 = await seat(gameId, b, 'seat 1');
  const plan = await planGame(c0.joined.options, [POLICY.reference, POLICY.reference]);
  c0.play(plan.schedules[0]);
  c1.play(plan.schedules[1]);
  await c0.waitFor((e) => e.kind === 'snapshot' && e.state === MATCH.PLAYING && e.tick >= 60, { timeout: 8000, label: 'a second of play' });
  const rep = await api('GET', `/api/games/${gameId}/replay`, a.token);
  assert.equal(rep.status, 409, 'no replay of a live game');
  assert.equal(rep.json.error.code, 'live');
  const notPlayer = await api('POST', `/api/games/${gameId}/resign`, c.token);
  assert.equal(notPlayer.status, 403, notPlayer.text);
  assert.equal(notPlayer.json.error.code, 'not_a_player');
  assert.equal((await api('POST', '/api/games/999999/resign', a.token)).status, 404);
  assert.equal((await api('POST', `/api/games/${gameId}/resign`, null)).status, 401);

  const r = await api('POST', `/api/games/${gameId}/resign`, b.token);
  assert.equal(r.status, 204, r.text);
  for (const cl of [c0, c1]) {
    const over = await cl.waitOver();
    assert.equal(over.reason, 'resign');
    assert.equal(over.winner, 0, 'the one who did not resign wins');
    const last = cl.snapshots.at(-1);
    assert.equal(last.state, MATCH.OVER);
    assert.deepEqual(over.score, [last.save[3], last.save[4]], 'over carries the score of the last snapshot');
    assert.equal((await cl.waitClose()).code, 1000);
  }
  assert.equal((await api('POST', `/api/games/${gameId}/resign`, a.token)).status, 404, 'resigning a finished game');
  const { record } = await checkReplay(ctx.server, a.token, gameId);
  assert.equal(record.status, 'finished');
  assert.equal(record.ended_how, 'resign');
  assert.equal(record.winner, 0);
  assert.ok(record.ticks >= 60, `ticks ${record.ticks}`);
  assert.equal(record.final_hash, (await (async () => {
    const p = await planGame(c0.joined.options, [POLICY.schedule(plan.schedules[0]), POLICY.schedule(plan.schedules[1])], { maxTicks: record.ticks });
    return p.hash;
  })()), 'the stored state is the planned game at the tick of the resignation');
  assert.deepEqual(counts(ctx.server, a.user.id), { wins: 1, losses: 0 });
  assert.deepEqual(counts(ctx.server, b.user.id), { wins: 0, losses: 1 });
  const g404 = await api('GET', '/api/games/999999', a.token);
  assert.equal(g404.status, 404);
  assert.equal((await api('GET', `/api/games/${gameId}`, null)).status, 401);
});
