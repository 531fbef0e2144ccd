// Remote games, the slow part (run once, not in every integration pass): disconnects and
// their deadlines through the real configuration (GAME_RESUME_SECONDS=2), the pause budget,
// void games, an invite's expiry (GAME_INVITE_SECONDS=10), and restart safety (SIGKILL mid-game
// then a restart on the same database; SIGTERM mid-game). Every game that ends is replayed
// from its stored input log and must reach its stored tick count and final hash.
//
// "The same final hash as without the drop": pongd draws each game's seed, so two games
// never share one; the game without the drop is the same seed and inputs played offline on
// the same simulation (planGame), which games.test.mjs's whole game shows pongd matches
// exactly when nothing goes wrong (every snapshot, the final hash, the input log).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { call } from './api-client.mjs';
import { useServer, startServer, registerUser, openApp, withTimeout, sleep } from './helpers.mjs';
import {
  GameClient, MATCH, inviteGame, planGame, POLICY, checkReplay, counts, getGame, waitRecord,
} from './game-client.mjs';

const RESUME_S = 2;
const INVITE_S = 10;
const ENV = {
  AUTH_RATE: '10000', JWT_SECRET: randomBytes(32).toString('hex'),
  GAME_RESUME_SECONDS: String(RESUME_S), GAME_INVITE_SECONDS: String(INVITE_S),
};

const open = [];
const extra = [];   // servers started here (restarts), stopped before useServer's
after(async () => {
  for (const s of open) s.terminate();
  for (const s of extra.reverse()) await s.stop();
});
let srv = null;     // the server the tests talk to (replaced by the restarts)
const ctx = useServer(ENV, (c) => { srv = c.server; });

const api = (method, path, token, body) => call(srv, method, path, { token, body });

async function seat(gameId, who, label) {
  const c = await GameClient.connect(srv, gameId, who.token, { label });
  open.push(c);
  return c;
}

async function newGame(prefix, options = {}) {
  const a = await registerUser(srv, `${prefix}a`);
  const b = await registerUser(srv, `${prefix}b`);
  const { gameId } = await inviteGame(srv, a, b, options);
  return { a, b, gameId };
}

const playing = (c, tick) => c.waitFor((e) => e.kind === 'snapshot' && e.state === MATCH.PLAYING && e.tick >= tick,
  { timeout: 8000, label: `playing, tick ≥ ${tick}` });

// An invite made first and looked at last (after GAME_INVITE_SECONDS).
let expiring = null;

test('an invite expires GAME_INVITE_SECONDS after its creation (set up here, checked in a later test)', async () => {
  const x = await registerUser(srv, 'expx');
  const y = await registerUser(srv, 'expy');
  const r = await api('POST', '/api/invites', x.token, { user_id: y.user.id, options: { ball_speed: 1, paddle_size: 1, winning_score: 1, map: 0, powerups: 0 } });
  assert.equal(r.status, 201, r.text);
  // (expires_at is read from the clock a moment before created_at: a few ms short is pongd's way)
  const span = r.json.expires_at - r.json.created_at;
  assert.ok(span <= INVITE_S * 1000 && span > INVITE_S * 1000 - 1000, `expires_at - created_at = ${span} ms`);
  assert.deepEqual((await api('GET', '/api/invites', y.token)).json.incoming.map((i) => i.id), [r.json.id]);
  expiring = { x, y, invite: r.json };
});

test('a drop resumed within GAME_RESUME_SECONDS: paused (resume_by), resumed, a full snapshot, a countdown; the final hash is the game\'s without the drop', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('resume', { winning_score: 1 });
  const c0 = await seat(gameId, a, 'seat 0');
  const c1 = await seat(gameId, b, 'seat 1');
  // seat 1 runs up for 50 ticks and stays still (its key is 0 when it drops: the drop changes nothing)
  const plan = await planGame(c0.joined.options, [POLICY.reference, POLICY.schedule([{ tick: 0, key: 1 }, { tick: 50, key: 0 }])]);
  assert.ok(plan.over && plan.ticks > 100, `the planned game lasts (${plan.ticks} ticks)`);
  c0.play(plan.schedules[0]);
  c1.play(plan.schedules[1]);
  await playing(c1, 60);
  assert.deepEqual(c1.schedule, [], 'seat 1 sent all its inputs');

  const mark = c0.mark();
  const t0 = Date.now();
  await c1.drop();
  const paused = await c0.waitFor('paused', { from: mark });
  assert.equal(paused.seat, 1);
  assert.equal(paused.reason, 'disconnected');
  assert.ok(Math.abs(paused.resume_by - (t0 + RESUME_S * 1000)) < 500, `resume_by ${paused.resume_by - t0} ms after the drop`);
  const ps = await c0.waitState(MATCH.PAUSED, { from: mark });
  assert.ok(ps.left > RESUME_S * 60 - 20 && ps.left <= RESUME_S * 60, `left ${ps.left} ticks`);
  assert.deepEqual(c0.relays.filter((r) => r.i >= mark), [], 'seat 1 held no key: nothing to let go of');
  const frozen = ps.tick;
  const live = await getGame(srv, a.token, gameId);
  assert.deepEqual(live.live, { state: 'paused', connected: [true, false] });
  await sleep(300);
  assert.ok(c0.snapshots.filter((s) => s.i > ps.i).every((s) => s.tick === frozen), 'the game does not move while paused');

  const c1b = await GameClient.open(srv, gameId, { label: 'seat 1 again' });
  open.push(c1b);
  const mark0 = c0.mark();
  c1b.auth(b.token);
  const { joined, snapshot } = await c1b.waitJoined();
  assert.equal(joined.seat, 1);
  // the full state at the tick it froze comes first. (pongd queues a PAUSED snapshot, then
  // "resumed", then a COUNTDOWN snapshot; the second takes the first's place in the socket's
  // newest-snapshot slot, so the returning player sees joined, COUNTDOWN snapshot, resumed.)
  assert.ok([MATCH.PAUSED, MATCH.COUNTDOWN].includes(snapshot.state), `the first snapshot's state ${snapshot.state}`);
  assert.equal(snapshot.tick, frozen);
  assert.deepEqual(Array.from(snapshot.save), Array.from(plan.saves[frozen]), 'the full state at the tick it froze');
  const resumed = await c1b.waitFor('resumed', { from: joined.i + 1 });
  assert.equal(resumed.countdown_ticks, 180);
  const cd = await c1b.waitState(MATCH.COUNTDOWN, { from: joined.i + 1 });
  assert.equal(cd.left, 180);
  assert.equal(cd.tick, frozen);
  assert.equal((await c0.waitFor('resumed', { from: mark0 })).countdown_ticks, 180);
  assert.equal((await c0.waitState(MATCH.COUNTDOWN, { from: mark0 })).tick, frozen);
  assert.ok(Date.now() - t0 < RESUME_S * 1000, 'back before the deadline');

  const over = await c0.waitOver({ timeout: 40000 });
  assert.deepEqual(over.json, { type: 'over', reason: 'score', winner: plan.winner, score: plan.score });
  assert.deepEqual((await c1b.waitOver()).json, over.json);
  const { record, replay } = await checkReplay(srv, a.token, gameId);
  assert.equal(record.ticks, plan.ticks);
  assert.equal(record.final_hash, plan.hash, 'the same final hash as the game without the drop');
  assert.deepEqual(replay.inputs, plan.inputs);
  assert.ok(record.duration_ms >= (plan.ticks / 60 + 6) * 1000 - 300, `duration ${record.duration_ms} ms includes the pause and both countdowns`);
  const won = (s) => (plan.winner === s ? { wins: 1, losses: 0 } : { wins: 0, losses: 1 });
  assert.deepEqual([counts(srv, a.user.id), counts(srv, b.user.id)], [won(0), won(1)]);
});

test('a drop past the deadline: the held key let go (relayed, logged), then forfeit: the present player wins', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('forf', { winning_score: 5 });
  const c0 = await seat(gameId, a, 'seat 0');
  const c1 = await seat(gameId, b, 'seat 1');
  c1.play([{ tick: 0, key: 2 }]);   // holds down
  await playing(c0, 30);
  const mark = c0.mark();
  const t0 = Date.now();
  await c1.drop();
  const release = await c0.waitFor('relay', { from: mark });
  assert.equal(release.seat, 1);
  assert.equal(release.key, 0, 'the dropped player lets go of its key');
  const paused = await c0.waitFor('paused', { from: mark });
  assert.equal(paused.seat, 1);
  const ps = await c0.waitState(MATCH.PAUSED, { from: mark });
  assert.equal(ps.keys[1], 0);
  assert.equal(ps.tick, release.tick, 'let go at the tick it dropped');
  const over = await c0.waitOver({ timeout: 10000 });
  const waited = Date.now() - t0;
  assert.equal(over.reason, 'forfeit');
  assert.equal(over.winner, 0, 'the present player wins');
  assert.ok(waited >= RESUME_S * 1000 - 100 && waited < RESUME_S * 1000 + 1500, `forfeit ${waited} ms after the drop`);
  assert.ok(Date.now() >= paused.resume_by - 100, 'not before resume_by');
  assert.equal((await c0.waitClose()).code, 1000);
  const { record, replay } = await checkReplay(srv, a.token, gameId);
  assert.deepEqual([record.status, record.ended_how, record.winner], ['finished', 'forfeit', 0]);
  assert.equal(record.ticks, release.tick);
  assert.deepEqual(replay.inputs.filter(([, s]) => s === 1), [[0, 1, 2], [release.tick, 1, 0]], 'the release is in the log');
  assert.deepEqual(counts(srv, a.user.id), { wins: 1, losses: 0 });
  assert.deepEqual(counts(srv, b.user.id), { wins: 0, losses: 1 });
  // too late to come back
  const back = await GameClient.open(srv, gameId);
  open.push(back);
  back.auth(b.token);
  assert.equal((await back.waitClose()).code, 4004);
});

test('the pause budget: the 4th drop of a player is a forfeit', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('budget', { winning_score: 5 });
  const c0 = await seat(gameId, a, 'seat 0');
  let c1 = await seat(gameId, b, 'seat 1');
  await c0.waitState(MATCH.COUNTDOWN);
  for (let drop = 1; drop <= 3; drop += 1) {
    const mark = c0.mark();
    await c1.drop();
    assert.equal((await c0.waitFor('paused', { from: mark })).seat, 1, `drop ${drop}: paused`);
    c1 = await seat(gameId, b, `seat 1 (${drop})`);
    await c0.waitFor('resumed', { from: mark });
  }
  const mark = c0.mark();
  await c1.drop();
  const over = await c0.waitOver({ from: mark });
  assert.deepEqual([over.reason, over.winner], ['forfeit', 0], 'the 4th drop forfeits at once');
  assert.deepEqual(c0.of('paused').filter((p) => p.i >= mark), [], 'no 4th pause');
  const { record } = await checkReplay(srv, a.token, gameId);
  assert.deepEqual([record.status, record.ended_how, record.winner], ['finished', 'forfeit', 0]);
});

test('both players gone: void, no counts change; never joined: forfeit (one there) or void (nobody)', { timeout: 60000 }, async () => {
  const both = await newGame('void');
  const alone = await newGame('alone');
  const nobody = await newGame('nobody');
  const t0 = Date.now();
  const lone = await seat(alone.gameId, alone.a, 'alone seat 0');
  const c0 = await seat(both.gameId, both.a, 'void seat 0');
  const c1 = await seat(both.gameId, both.b, 'void seat 1');
  await playing(c0, 10);
  await c0.drop();
  await c1.drop();
  const rv = await waitRecord(srv, both.a.token, both.gameId);
  assert.deepEqual([rv.status, rv.ended_how, rv.winner], ['void', 'void', null], 'the second drop voids the game');
  await checkReplay(srv, both.a.token, both.gameId);
  for (const u of [both.a, both.b]) assert.deepEqual(counts(srv, u.user.id), { wins: 0, losses: 0 });

  const over = await lone.waitOver({ timeout: RESUME_S * 1000 + 3000 });
  assert.deepEqual([over.reason, over.winner], ['forfeit', 0], 'the other never came');
  assert.ok(Date.now() - t0 >= RESUME_S * 1000 - 200, 'at the deadline from the game\'s creation');
  const ra = await checkReplay(srv, alone.a.token, alone.gameId);
  assert.deepEqual([ra.record.status, ra.record.ended_how, ra.record.winner, ra.record.ticks], ['finished', 'forfeit', 0, 0]);
  assert.deepEqual(counts(srv, alone.a.user.id), { wins: 1, losses: 0 });
  assert.deepEqual(counts(srv, alone.b.user.id), { wins: 0, losses: 1 });
  const rn = await checkReplay(srv, nobody.a.token, nobody.gameId);
  assert.deepEqual([rn.record.status, rn.record.ended_how, rn.record.winner], ['void', 'void', null], 'nobody came');
  for (const u of [nobody.a, nobody.b]) assert.deepEqual(counts(srv, u.user.id), { wins: 0, losses: 0 });
});

test('the expired invite: not listed, cannot be answered (410)', { timeout: 20000 }, async () => {
  const { x, y, invite } = expiring;
  const wait = invite.expires_at - Date.now() + 200;
  if (wait > 0) await sleep(wait);
  assert.deepEqual((await api('GET', '/api/invites', y.token)).json, { incoming: [], outgoing: [] });
  assert.deepEqual((await api('GET', '/api/invites', x.token)).json, { incoming: [], outgoing: [] });
  for (const [who, method, path] of [[y, 'POST', `/api/invites/${invite.id}/accept`], [y, 'POST', `/api/invites/${invite.id}/decline`], [x, 'DELETE', `/api/invites/${invite.id}`]]) {
    const r = await api(method, path, who.token);
    assert.equal(r.status, 410, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.error.code, 'expired');
  }
  const again = await api('POST', '/api/invites', x.token, { user_id: y.user.id, options: invite.options });
  assert.equal(again.status, 201, `a new invite once the old one expired: ${again.text}`);
});

/** A new pongd on the database of `old` (same JWT secret: the tokens stay valid). */
async function restartOn(old) {
  const s = await startServer({ WEB_ROOT: ctx.fixture.root, ...ENV, DATABASE_URL: old.databaseUrl ?? join(old.varDir, 'pongd.sqlite3') });
  extra.push(s);
  return s;
}

test('SIGKILL mid-game, then a restart on the same database: the game is interrupted, no counts changed', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('kill', { winning_score: 5 });
  const c0 = await seat(gameId, a, 'seat 0');
  const c1 = await seat(gameId, b, 'seat 1');
  await playing(c0, 30);
  const old = srv;
  old.expectExit();
  old.proc.kill('SIGKILL');
  await withTimeout(old.exited, 5000, 'pongd to die');
  await Promise.all([c0.waitClose(), c1.waitClose()]);
  assert.deepEqual(c0.of('over'), [], 'nobody could be told');
  srv = await restartOn(old);
  const g = await getGame(srv, a.token, gameId);
  assert.deepEqual([g.status, g.ended_how, g.winner, g.live], ['interrupted', 'interrupted', null, null]);
  assert.ok(g.ended_at >= g.started_at, 'ended_at set');
  for (const u of [a, b]) assert.deepEqual(counts(srv, u.user.id), { wins: 0, losses: 0 }, 'interrupted games count for nobody');
  const ex = await api('GET', '/api/users/me/export', b.token);
  assert.deepEqual(ex.json.matches.filter((m) => m.game_id === gameId).map((m) => [m.status, m.ended_how, m.winner]), [['interrupted', 'interrupted', null]]);
  // (its replay: no input log was written before the crash, see the report)
  // nobody is left "in a game": they can play again
  const again = await inviteGame(srv, b, a);
  assert.equal((await api('POST', `/api/games/${again.gameId}/resign`, a.token)).status, 204);
  await checkReplay(srv, a.token, again.gameId);
  // the app socket still works after the restart
  (await openApp(srv, { token: a.token })).terminate();
});

test('SIGTERM mid-game: both players get over/interrupted before the close; the record says interrupted', { timeout: 60000 }, async () => {
  const { a, b, gameId } = await newGame('term', { winning_score: 5 });
  const c0 = await seat(gameId, a, 'seat 0');
  const c1 = await seat(gameId, b, 'seat 1');
  const plan = await planGame(c0.joined.options, [POLICY.reference, POLICY.reference], { maxTicks: 600 });
  c0.play(plan.schedules[0]);
  c1.play(plan.schedules[1]);
  await playing(c0, 60);
  const old = srv;
  old.expectExit();
  old.proc.kill('SIGTERM');
  for (const c of [c0, c1]) {
    const over = await c.waitOver({ timeout: 5000 });
    assert.deepEqual([over.reason, over.winner], ['interrupted', null], `${c.label}: over/interrupted`);
    const close = await c.waitClose();
    assert.ok([1000, 1001].includes(close.code), `${c.label}: closed with ${close.code}`);
    assert.ok(c.events.findIndex((e) => e.kind === 'over') < c.events.findIndex((e) => e.kind === 'close'), 'over before the close');
    assert.equal(c.snapshots.at(-1).state, MATCH.OVER);
  }
  const ex = await withTimeout(old.exited, 8000, 'pongd to exit after SIGTERM');
  assert.equal(ex.code, 0);
  const st = old.logs();
  srv = await restartOn(old);
  const { record } = await checkReplay(srv, a.token, gameId);
  assert.deepEqual([record.status, record.ended_how, record.winner], ['interrupted', 'interrupted', null]);
  assert.ok(record.ticks >= 60, `the record has the game as it stood (ticks ${record.ticks}); pongd said: ${st.slice(-600)}`);
  const upTo = await planGame(c0.joined.options, [POLICY.schedule(plan.schedules[0]), POLICY.schedule(plan.schedules[1])], { maxTicks: record.ticks });
  assert.equal(record.final_hash, upTo.hash, 'the state it stopped at is the planned one');
  for (const u of [a, b]) assert.deepEqual(counts(srv, u.user.id), { wins: 0, losses: 0 });
});
