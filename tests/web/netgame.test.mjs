// The client netcode (web/src/game/netgame.js) against the reference room
// (web/src/game/netroom.js) over simulated links (tests/web/lib/netsim.mjs): 50 ms each
// way plus jitter (100 ms round trip), bursts after stalls, 60 Hz and 144 Hz displays.
//
// Asserted: the predicted own paddle equals the server's at every acknowledged tick, except
// after inputs the server reported late; with no opponent input changes the ball is never
// corrected; late inputs stay rare; rollbacks stay shallow; a game played to the end
// replays to the stored hash. Reported (t.diagnostic): how often and how far the ball is
// corrected after the opponent's changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from '../../web/src/game/pong.js';
import { MATCH } from '../../web/src/game/netproto.js';
import { verifyReplay } from '../../web/src/game/replay.js';
import { periodicStalls, playMatch, quantile, rng, stillBot, trackingBot } from './lib/netsim.mjs';
import { newGame } from './lib/wasm.mjs';

const link = (seed, extra = {}) => ({ delayMs: 50, jitterMs: 8, random: rng(seed), ...extra });
const links100 = (extra = () => ({})) => ({
  up: [link(11, extra(0)), link(12, extra(1))],
  down: [link(13, extra(2)), link(14, extra(3))],
});

function figures(c, minutes) {
  const s = c.stats;
  const corr = s.corrections;
  return `checks ${s.checks}, confirmed ${s.confirmed}, snapshot rollbacks ${s.rollbacks}, relay rollbacks ${s.relayRollbacks}; `
    + `own mismatches ${s.ownMismatch} (+${s.ownMismatchLate} after late inputs); late inputs ${s.lateInputs}/${s.inputsSent}; `
    + `ball corrections ${corr.length} (${(corr.length / minutes).toFixed(1)}/min) p50 ${quantile(corr, 0.5).toFixed(1)} px, `
    + `p95 ${quantile(corr, 0.95).toFixed(1)} px, max ${quantile(corr, 1).toFixed(1)} px, snapped ${s.snaps}; `
    + `ball wrong at a snapshot ${s.ballErrors.length}; rollback depth p99 ${quantile(s.depths, 0.99)} max ${quantile(s.depths, 1)}; `
    + `round trip ${c.info.rtt[c.info.seat]} ms`;
}

test('opponent holding still: own paddle exact at every acknowledged tick, the ball never corrected', (t) => {
  const { clients } = playMatch({
    options: { ...PRESETS.arcade, winningScore: 21 },
    durationMs: 60000,
    links: links100(),
    bots: [trackingBot(0, rng(1), { wander: 2 }), stillBot()],
  });
  const [mover, still] = clients;
  t.diagnostic(`mover: ${figures(mover, 1)}`);
  assert.ok(mover.stats.checks > 1100, `${mover.stats.checks} snapshots checked`);
  assert.ok(mover.stats.inputsSent > 300, `${mover.stats.inputsSent} key changes`);
  assert.equal(mover.stats.lateInputs, 0);
  assert.equal(mover.stats.ownMismatch + mover.stats.ownMismatchLate, 0, 'own paddle predicted exactly');
  assert.equal(mover.stats.ballErrors.length, 0, 'ball exact at every snapshot');
  assert.deepEqual(mover.stats.corrections, [], 'ball never corrected');
  assert.equal(mover.stats.rollbacks, 0, 'every snapshot confirmed the prediction');
  assert.equal(still.stats.ownMismatch, 0);
  assert.ok(quantile(mover.stats.depths.concat(still.stats.depths), 0.99) <= 12);
});

test('both players moving at 100 ms RTT: own paddles exact, ball corrections reported', (t) => {
  const minutes = 2;
  const { clients, room } = playMatch({
    options: { ...PRESETS.arcade, winningScore: 21 },
    durationMs: minutes * 60000,
    links: links100(),
    bots: [trackingBot(0, rng(2)), trackingBot(1, rng(3))],
    frameMs: [1000 / 60, 1000 / 144],
  });
  for (const c of clients) {
    t.diagnostic(`seat ${c.info.seat}: ${figures(c, minutes)}`);
    assert.equal(c.stats.ownMismatch, 0, 'own paddle exact except after late inputs');
    assert.ok(c.stats.lateInputs <= c.stats.inputsSent / 100, 'late inputs under 1 %');
    assert.ok(quantile(c.stats.depths, 0.99) <= 12, 'rollback depth p99 ≤ 12 ticks');
    assert.ok(c.stats.relayRollbacks > 100);
    assert.ok(Math.abs(c.info.rtt[c.info.seat] - 104) < 15, `round trip ${c.info.rtt[c.info.seat]}`);
    assert.ok(c.info.rtt[1 - c.info.seat] > 80, 'the opponent\'s round trip came through the PONGs');
    assert.equal(c.stats.ballErrors.length, 0, 'the relays fix the ball before a snapshot shows it');
  }
  assert.ok(room.gameTick > minutes * 3500);
});

test('bursts (200 ms stalls every 7 s each way): own mismatches only after late inputs', (t) => {
  const minutes = 2;
  const D = minutes * 60000;
  const { clients } = playMatch({
    options: { ...PRESETS.classic, winningScore: 21 },
    durationMs: D,
    links: links100((i) => ({ stalls: periodicStalls({ everyMs: 7000, firstMs: 2500 + 1000 * i, ms: 200, untilMs: D }) })),
    bots: [trackingBot(0, rng(4)), trackingBot(1, rng(5))],
  });
  for (const c of clients) {
    t.diagnostic(`seat ${c.info.seat}: ${figures(c, minutes)}; late ticks max ${quantile(c.stats.lateTicks, 1)}`);
    assert.equal(c.stats.ownMismatch, 0);
    assert.ok(c.stats.lateInputs > 0, 'the stalls made inputs late');
    assert.ok(c.stats.clockSnaps <= 2);
  }
});

test('a whole game to the end: both see the result, the replay gives the stored hash', () => {
  const { record, clients, room } = playMatch({
    options: { ...PRESETS.frantic, winningScore: 3 },
    seed: 9,
    durationMs: 600000,
    links: links100(),
    bots: [trackingBot(0, rng(6)), trackingBot(1, rng(7))],
  });
  assert.ok(record, 'the game ended');
  assert.equal(room.state, MATCH.OVER);
  assert.equal(record.ended_how, 'score');
  assert.equal(Math.max(...record.score), 3);
  assert.equal(record.score[record.winner], 3);
  for (const c of clients) {
    assert.deepEqual(c.info.over, { type: 'over', reason: 'score', winner: record.winner, score: record.score });
    assert.equal(c.info.state, MATCH.OVER);
    assert.deepEqual(c.info.score, record.score, 'the last snapshot shows the final score');
  }
  assert.ok(record.inputs.length > 50);
  assert.ok(record.stats.rallies >= 3 && record.stats.hits[0] + record.stats.hits[1] > 0);
  const v = verifyReplay(newGame(PRESETS.classic, 1), { ...record, options: record.options });
  assert.deepEqual([v.ok, v.ticks, v.hash, v.over], [true, record.ticks, record.final_hash, true]);
});

test('a client with no socket traffic yet draws nothing and sends nothing', async () => {
  const { createNetGame } = await import('../../web/src/game/netgame.js');
  const sent = [];
  const net = createNetGame({ game: newGame(PRESETS.classic, 1), send: (d) => sent.push(d), now: () => 0 });
  net.update(0, 1);
  assert.equal(net.view(0), null);
  assert.deepEqual(sent, []);
  net.receive(new Uint8Array([0x12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));   // a stray PONG before joined
  assert.equal(net.info.seat, null);
});
