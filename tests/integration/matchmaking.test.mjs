// Matchmaking and standing (issue 14, docs/matchmaking.md) on a running pongd: quick play (two
// queued users paired and playing to the end; blocks; one entry per account; leaving with the
// last tab), Glicko-2 ratings (the expected values computed here from the paper's formulas,
// independently of the C), void games changing nothing, rematch (both agree, decline), the
// match history pages, the user search, the live-games list and "in a game" presence. One
// server; quick-play games are first to 1 point (QUICKPLAY_WINNING_SCORE), played from a plan
// computed offline (a short rally, then the loser stops).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { useServer, openApp, nextMessage, registerUser, waitFor, sleep } from './helpers.mjs';
import { GameClient, SHORT, inviteGame, checkReplay, waitRecord, counts, planGame, policiesLoserStops } from './game-client.mjs';

const open = [];
after(() => { for (const s of open) s.terminate(); });
const ctx = useServer({ AUTH_RATE: '10000', QUICKPLAY_WINNING_SCORE: '1', GAME_RESUME_SECONDS: '2' });

const api = (method, path, token, body) => call(ctx.server, method, path, { token, body });

async function tab(who) {
  const ws = await openApp(ctx.server, { token: who.token });
  open.push(ws);
  return ws;
}

/** The next app-socket frame of `type` (others skipped). */
async function nextOf(ws, type, timeout = 8000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const m = await nextMessage(ws, Math.max(1, deadline - Date.now()));
    if (m?.type === type) return m;
  }
}

async function seat(gameId, who, label) {
  const c = await GameClient.connect(ctx.server, gameId, who.token, { label });
  open.push(c);
  return c;
}

async function befriend(a, b) {
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 201);
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, b.token)).status, 200);
}

const profile = async (who, viewer = who) => {
  const r = await api('GET', `/api/users/${who.user.id}`, viewer.token);
  assert.equal(r.status, 200, r.text);
  return r.json;
};

// ---------------------------------------------------------------------------
// Glicko-2, from "Example of the Glicko-2 system" (Glickman 2013), step by step; the
// project's policy: one game per rating period, τ = 0.5, RD within [30, 350], stored as
// thousandths (rating, RD) and millionths (σ).

const SCALE = 173.7178;
function glicko2(p, games, tau = 0.5) {
  const mu = (p.rating - 1500) / SCALE;
  const phi = p.rd / SCALE;
  const g = (ph) => 1 / Math.sqrt(1 + (3 * ph * ph) / (Math.PI * Math.PI));
  const E = (m, mj, phj) => 1 / (1 + Math.exp(-g(phj) * (m - mj)));
  let vInv = 0;
  let sum = 0;
  for (const o of games) {
    const muj = (o.rating - 1500) / SCALE;
    const phij = o.rd / SCALE;
    const e = E(mu, muj, phij);
    vInv += g(phij) ** 2 * e * (1 - e);
    sum += g(phij) * (o.score - e);
  }
  const v = 1 / vInv;
  const delta = v * sum;
  const a = Math.log(p.vol ** 2);
  const f = (x) => (Math.exp(x) * (delta ** 2 - phi ** 2 - v - Math.exp(x))) / (2 * (phi ** 2 + v + Math.exp(x)) ** 2) - (x - a) / tau ** 2;
  let A = a;
  let B;
  if (delta ** 2 > phi ** 2 + v) B = Math.log(delta ** 2 - phi ** 2 - v);
  else {
    let k = 1;
    while (f(a - k * tau) < 0) k += 1;
    B = a - k * tau;
  }
  let fA = f(A);
  let fB = f(B);
  while (Math.abs(B - A) > 0.000001) {
    const C = A + ((A - B) * fA) / (fB - fA);
    const fC = f(C);
    if (fC * fB <= 0) { A = B; fA = fB; } else fA /= 2;
    B = C;
    fB = fC;
  }
  const vol = Math.exp(A / 2);
  const phiStar = Math.sqrt(phi ** 2 + vol ** 2);
  const phi2 = 1 / Math.sqrt(1 / phiStar ** 2 + 1 / v);
  const mu2 = mu + phi2 ** 2 * sum;
  return { rating: SCALE * mu2 + 1500, rd: SCALE * phi2, vol };
}

/** One game between stored ratings x and y ({rating, rd, vol} as stored), x scoring sx: both new stored values. */
function rateGame(x, y, sx) {
  const store = (r) => ({
    rating: Math.round(r.rating * 1000) / 1000,
    rd: Math.round(Math.min(350, Math.max(30, r.rd)) * 1000) / 1000,
    vol: Math.round(r.vol * 1e6) / 1e6,
  });
  return [store(glicko2(x, [{ rating: y.rating, rd: y.rd, score: sx }])), store(glicko2(y, [{ rating: x.rating, rd: x.rd, score: 1 - sx }]))];
}
const NEW = Object.freeze({ rating: 1500, rd: 350, vol: 0.06 });

test('the test\'s Glicko-2 reproduces the paper\'s worked example', () => {
  const r = glicko2({ rating: 1500, rd: 200, vol: 0.06 }, [
    { rating: 1400, rd: 30, score: 1 }, { rating: 1550, rd: 100, score: 0 }, { rating: 1700, rd: 300, score: 0 },
  ]);
  assert.ok(Math.abs(r.rating - 1464.06) < 0.02, `${r.rating}`);
  assert.ok(Math.abs(r.rd - 151.52) < 0.01, `${r.rd}`);
  assert.ok(Math.abs(r.vol - 0.05999) < 0.00001, `${r.vol}`);
});

// ---------------------------------------------------------------------------

/**
 * Both seats connect and play a game planned offline (the same simulation, this seed: a
 * rally, then the loser stops), so it ends by score. The record (replay checked).
 */
async function playOut(gameId, left, right) {
  const c0 = await seat(gameId, left, 'left');
  const plan = await planGame(c0.joined.json.options, policiesLoserStops(60));
  assert.ok(plan.over, 'the planned game ends');
  c0.play(plan.schedules[0]);
  const c1 = await seat(gameId, right, 'right');
  c1.play(plan.schedules[1]);
  assert.equal(c0.seat, 0);
  assert.equal(c1.seat, 1);
  const over = await c0.waitOver({ timeout: 30000 });
  assert.equal(over.json.reason, 'score');
  const { record } = await checkReplay(ctx.server, left.token, gameId);
  assert.equal(record.status, 'finished');
  assert.equal(record.ended_how, 'score');
  return record;
}

const shared = {};   // the quick-play game's users, for the rematch and the history tests

test('quick play: two queued users are paired (match_found), play to the end; ratings move as Glicko-2 says; in_game presence; live list', { timeout: 60000 }, async () => {
  const a = await registerUser(ctx.server, 'qpa', { display_name: 'Quick A' });
  const b = await registerUser(ctx.server, 'qpb', { display_name: 'Quick B' });
  const friend = await registerUser(ctx.server, 'qpf');
  await befriend(a, friend);
  const aTab = await tab(a);
  const bTab = await tab(b);
  const fTab = await tab(friend);

  const idle = await api('GET', '/api/queue', a.token);
  assert.equal(idle.status, 200);
  assert.deepEqual(idle.json, { queued: false, since: null, waited_ms: 0, window: 0, rating: null, game_id: null });
  const t0 = Date.now();
  const q1 = await api('POST', '/api/queue', a.token);
  assert.equal(q1.status, 201, q1.text);
  assert.equal(q1.json.queued, true);
  assert.equal(q1.json.rating, 1500);
  assert.equal(q1.json.window, 100);
  assert.ok(q1.json.since >= t0 - 5 && q1.json.since <= Date.now(), `since ${q1.json.since}`);
  const q2 = await api('POST', '/api/queue', a.token);   // one entry per account
  assert.equal(q2.status, 200, q2.text);
  assert.equal(q2.json.since, q1.json.since);
  const got = await api('GET', '/api/queue', a.token);
  assert.equal(got.json.queued, true);
  assert.ok(got.json.waited_ms >= 0);

  assert.equal((await api('POST', '/api/queue', b.token)).status, 201);
  const [fa, fb] = await Promise.all([nextOf(aTab, 'match_found'), nextOf(bTab, 'match_found')]);
  assert.equal(fa.game_id, fb.game_id);
  const gameId = fa.game_id;
  assert.deepEqual(fa.opponent, { id: b.user.id, username: b.username, display_name: 'Quick B', avatar_url: b.user.avatar_url, rating: 1500 });
  assert.equal(fb.opponent.id, a.user.id);
  assert.equal(fb.opponent.rating, 1500);
  for (const who of [a, b]) {
    const s = (await api('GET', '/api/queue', who.token)).json;
    assert.equal(s.queued, false, 'paired: out of the queue');
    assert.equal(s.game_id, gameId);
  }
  assert.equal((await api('POST', '/api/queue', a.token)).status, 409, 'never queued while in a live game');

  // the game: classic preset, first to 1 here; equal ratings: the older entry (a) on the left
  const live = (await api('GET', `/api/games/${gameId}`, a.token)).json;
  assert.equal(live.status, 'live');
  assert.deepEqual(live.players.map((p) => p.id), [a.user.id, b.user.id]);
  const { seed, ...options } = live.options;
  assert.deepEqual(options, { ball_speed: 1, paddle_size: 1, winning_score: 1, map: 0, powerups: 0 });

  // in a game: the friend is told, the profile says so, the live list shows it
  const pres = await nextOf(fTab, 'presence');
  assert.deepEqual(pres, { type: 'presence', user_id: a.user.id, online: true, in_game: gameId });
  assert.equal((await profile(a, friend)).in_game, gameId);
  const list = await api('GET', '/api/games?status=live', friend.token);
  assert.equal(list.status, 200, list.text);
  const entry = list.json.games.find((g) => g.id === gameId);
  assert.ok(entry, JSON.stringify(list.json));
  assert.deepEqual(entry.players.map((p) => [p.id, p.rating]), [[a.user.id, 1500], [b.user.id, 1500]]);
  assert.equal(entry.mode, 'quick');
  assert.deepEqual(entry.score, [0, 0]);
  assert.equal(entry.spectators, 0);
  assert.equal((await api('GET', '/api/games?status=over', friend.token)).status, 400);

  const record = await playOut(gameId, a, b);
  const w = record.winner;
  assert.ok(w === 0 || w === 1);
  const [winner, loser] = w === 0 ? [a, b] : [b, a];
  const [rw, rl] = rateGame(NEW, NEW, 1);
  const pw = await waitFor(async () => { const p = await profile(winner, friend); return p.wins === 1 ? p : null; }, 5000, 'the win counted');
  const pl = await profile(loser, friend);
  assert.deepEqual([pw.wins, pw.losses, pl.wins, pl.losses], [1, 0, 0, 1]);
  assert.equal(pw.rating, Math.round(rw.rating), `winner ${pw.rating} vs ${rw.rating}`);
  assert.equal(pl.rating, Math.round(rl.rating), `loser ${pl.rating} vs ${rl.rating}`);
  assert.equal(pw.rating_deviation, Math.round(rw.rd));
  assert.equal(pl.rating_deviation, Math.round(rl.rd));
  assert.ok(pw.rating > 1500 && pl.rating < 1500 && pw.rating_deviation < 350);
  assert.equal(pw.provisional, true, 'RD still over 110');
  assert.deepEqual(counts(ctx.server, winner.user.id), { wins: 1, losses: 0 });
  // the game is over: in_game null again
  const back = await nextOf(fTab, 'presence');
  assert.equal(back.in_game, null);
  assert.equal((await profile(a, friend)).in_game, null);
  assert.ok(!(await api('GET', '/api/games?status=live', a.token)).json.games.some((g) => g.id === gameId));

  Object.assign(shared, { a, b, aTab, bTab, gameId, winner, loser, stored: new Map([[winner.user.id, rw], [loser.user.id, rl]]) });
});

test('rematch: an offer, the opponent agrees, seats swapped and options kept; the ratings move again; decline; refusals', { timeout: 60000 }, async () => {
  const { a, b, aTab, bTab, gameId, stored } = shared;
  assert.ok(gameId, 'needs the quick-play game');
  const stranger = await registerUser(ctx.server, 'rmx');
  assert.equal((await api('POST', `/api/games/${gameId}/rematch`, stranger.token)).status, 403);
  assert.equal((await api('POST', '/api/games/99999999/rematch', a.token)).status, 404);

  const o1 = await api('POST', `/api/games/${gameId}/rematch`, a.token);
  assert.equal(o1.status, 200, o1.text);
  assert.equal(o1.json.status, 'offered');
  const offer = await nextOf(bTab, 'rematch_offer');
  assert.equal(offer.game_id, gameId);
  assert.equal(offer.from.id, a.user.id);
  assert.equal(offer.expires_at, o1.json.expires_at);
  assert.equal((await api('POST', `/api/games/${gameId}/rematch`, a.token)).json.status, 'offered', 'asking again changes nothing');

  const agreed = await api('POST', `/api/games/${gameId}/rematch`, b.token);
  assert.equal(agreed.status, 200, agreed.text);
  assert.equal(agreed.json.status, 'started');
  const next = agreed.json.game_id;
  for (const ws of [aTab, bTab]) {
    const m = await nextOf(ws, 'rematch_start');
    assert.deepEqual(m, { type: 'rematch_start', game_id: gameId, new_game_id: next });
  }
  const g = (await api('GET', `/api/games/${next}`, a.token)).json;
  const old = (await api('GET', `/api/games/${gameId}`, a.token)).json;
  assert.deepEqual(g.players.map((p) => p.id), old.players.map((p) => p.id).reverse(), 'seats swapped');
  const { seed: s1, ...o } = g.options;
  const { seed: s0, ...oo } = old.options;
  assert.deepEqual(o, oo, 'options carry over');
  assert.equal((await api('POST', `/api/games/${next}/rematch`, a.token)).status, 409, 'a live game: no rematch yet');

  const left = g.players[0].id === a.user.id ? a : b;
  const right = left === a ? b : a;
  const record = await playOut(next, left, right);
  const win = record.winner === 0 ? left : right;
  const lose = win === a ? b : a;
  const [rw, rl] = rateGame(stored.get(win.user.id), stored.get(lose.user.id), 1);
  const pw = await waitFor(async () => { const p = await profile(win); return p.wins + p.losses === 2 ? p : null; }, 5000, 'the rematch counted');
  const pl = await profile(lose);
  assert.equal(pw.rating, Math.round(rw.rating));
  assert.equal(pw.rating_deviation, Math.round(rw.rd));
  assert.equal(pl.rating, Math.round(rl.rating));
  assert.equal(pl.rating_deviation, Math.round(rl.rd));
  stored.set(win.user.id, rw);
  stored.set(lose.user.id, rl);
  shared.rematchId = next;

  // decline: b offers, a declines, b is told
  assert.equal((await api('POST', `/api/games/${next}/rematch`, b.token)).json.status, 'offered');
  await nextOf(aTab, 'rematch_offer');
  assert.equal((await api('DELETE', `/api/games/${next}/rematch`, a.token)).status, 204);
  assert.deepEqual(await nextOf(bTab, 'rematch_declined'), { type: 'rematch_declined', game_id: next, by: a.user.id });
  // and a block refuses it
  assert.equal((await api('PUT', `/api/blocks/${b.user.id}`, a.token)).status < 300, true);
  assert.equal((await api('POST', `/api/games/${next}/rematch`, b.token)).status, 403);
  assert.equal((await api('DELETE', `/api/blocks/${b.user.id}`, a.token)).status, 204);
});

test('a void game (nobody came) moves no rating and counts for nobody; its history entry says so', { timeout: 30000 }, async () => {
  const d = await registerUser(ctx.server, 'vda');
  const e = await registerUser(ctx.server, 'vdb');
  const { gameId } = await inviteGame(ctx.server, d, e, SHORT);
  const rec = await waitRecord(ctx.server, d.token, gameId, 10000);   // GAME_RESUME_SECONDS = 2
  assert.equal(rec.status, 'void');
  for (const who of [d, e]) {
    const p = await profile(who);
    assert.deepEqual([p.rating, p.rating_deviation, p.wins, p.losses], [1500, 350, 0, 0]);
  }
  const h = await api('GET', `/api/users/${d.user.id}/matches`, e.token);
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.total, 1);
  const m = h.json.matches[0];
  assert.equal(m.id, gameId);
  assert.equal(m.status, 'void');
  assert.equal(m.mode, 'invite');
  assert.equal(m.won, null);
  assert.equal(m.rating_before, null);
  assert.equal(m.rating_after, null);
});

test('match history: pages newest first with the total, my side, the opponent, ratings before/after; bad paging 400', async () => {
  const { a, b, gameId, rematchId } = shared;
  assert.ok(rematchId, 'needs the rematch');
  const page = async (q) => {
    const r = await api('GET', `/api/users/${a.user.id}/matches${q}`, b.token);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const all = await page('');
  assert.equal(all.total, 2);
  assert.equal(all.per_page, 20);
  assert.deepEqual(all.matches.map((m) => m.id), [rematchId, gameId], 'newest first');
  const p1 = await page('?page=1&per_page=1');
  const p2 = await page('?page=2&per_page=1');
  const p3 = await page('?page=3&per_page=1');
  assert.deepEqual([p1.total, p2.total, p3.total], [2, 2, 2]);
  assert.deepEqual([p1.matches.map((m) => m.id), p2.matches.map((m) => m.id), p3.matches], [[rematchId], [gameId], []]);
  const first = p2.matches[0];
  assert.equal(first.opponent.id, b.user.id);
  assert.equal(first.side, 0, 'a sat left in the quick-play game');
  assert.equal(first.mode, 'quick');
  assert.equal(first.status, 'finished');
  assert.equal(first.ended_how, 'score');
  assert.equal(first.rating_before, 1500);
  assert.equal(first.rating_after, first.won ? Math.round(rateGame(NEW, NEW, 1)[0].rating) : Math.round(rateGame(NEW, NEW, 1)[1].rating));
  assert.equal(p1.matches[0].side, 1, 'seats swapped in the rematch');
  assert.equal(p1.matches[0].rating_before, first.rating_after);
  assert.equal(p1.matches[0].rating_after, (await profile(a)).rating);
  for (const q of ['?per_page=51', '?per_page=0', '?page=0', '?page=x']) {
    const r = await api('GET', `/api/users/${a.user.id}/matches${q}`, b.token);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
  }
  assert.equal((await api('GET', '/api/users/99999999/matches', b.token)).status, 404);
});

test('quick play never pairs across a block (either way); oldest first; DELETE leaves; the last tab closing leaves', { timeout: 30000 }, async () => {
  const f = await registerUser(ctx.server, 'blf');
  const g = await registerUser(ctx.server, 'blg');
  const h = await registerUser(ctx.server, 'blh');
  assert.equal((await api('PUT', `/api/blocks/${f.user.id}`, g.token)).status < 300, true);   // g blocks f
  const fTab = await tab(f);
  const gTab = await tab(g);
  assert.equal((await api('POST', '/api/queue', f.token)).status, 201);
  await sleep(20);
  assert.equal((await api('POST', '/api/queue', g.token)).status, 201);
  await sleep(1200);   // two pairing rounds
  assert.equal((await api('GET', '/api/queue', f.token)).json.queued, true, 'not paired with the blocker');
  assert.equal((await api('GET', '/api/queue', g.token)).json.queued, true);
  const hTab = await tab(h);
  assert.equal((await api('POST', '/api/queue', h.token)).status, 201);
  const found = await nextOf(hTab, 'match_found');
  assert.equal(found.opponent.id, f.user.id, 'the oldest entry (f) is served first');
  await nextOf(fTab, 'match_found');
  assert.equal((await api('GET', '/api/queue', g.token)).json.queued, true);
  assert.equal((await api('DELETE', '/api/queue', g.token)).status, 204);
  assert.equal((await api('GET', '/api/queue', g.token)).json.queued, false);
  assert.equal((await api('DELETE', '/api/queue', g.token)).status, 204, 'leaving twice is fine');
  // the last /ws/ tab closing takes the user out of the queue
  assert.equal((await api('POST', '/api/queue', g.token)).status, 201);
  gTab.close(1000);
  await waitFor(async () => !(await api('GET', '/api/queue', g.token)).json.queued, 3000, 'g left the queue with its tab');
  // the paired game is settled by a resign, so f and h are free again
  assert.equal((await api('POST', `/api/games/${found.game_id}/resign`, h.token)).status, 204);
});

test('user search: part of the display name, case-insensitive, names starting with it first; 2 to 32 characters', async () => {
  const s1 = await registerUser(ctx.server, 'sr1', { display_name: 'Zebrafinch One' });
  const s2 = await registerUser(ctx.server, 'sr2', { display_name: 'Old Zebrafinch' });
  await registerUser(ctx.server, 'sr3', { display_name: 'Unrelated' });
  const r = await api('GET', '/api/users?search=ZEBRAFINCH', s1.token);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.users.map((u) => u.id), [s1.user.id, s2.user.id]);
  assert.equal(r.json.users[0].rating, 1500);
  assert.equal(r.json.users[0].in_game, null);
  const one = await api('GET', `/api/users?search=${encodeURIComponent('d zebra')}`, s1.token);
  assert.deepEqual(one.json.users.map((u) => u.id), [s2.user.id]);
  assert.deepEqual((await api('GET', '/api/users?search=zebrafinch&limit=1', s1.token)).json.users.map((u) => u.id), [s1.user.id]);
  assert.deepEqual((await api('GET', '/api/users?search=%25%25', s1.token)).json.users, [], '% is matched literally');
  const short = await api('GET', '/api/users?search=z', s1.token);
  assert.equal(short.status, 400);
  assert.equal(short.json.error.fields.search, 'too_short');
  assert.equal((await api('GET', `/api/users?search=${'x'.repeat(33)}`, s1.token)).status, 400);
  assert.equal((await api('GET', '/api/users', s1.token)).status, 400);
  assert.equal((await api('GET', '/api/users?search=zebra')).status, 401);
});
