// The AI harness (src/game/ai.c ai_harness_step, through the WebAssembly build): the AI is shown
// the game once per second and is blind in between, and it plays with the same paddle
// speed as a human (make game-test).
//
// Blindness is checked by counterfactual: two games with the same options, seeds and
// history are identical at a view tick; during the following second one of them gets
// different opponent keys, so the two states differ on every later step. If the AI could
// read the game between views its keys could differ; they must be identical, because they
// can depend only on what it saw at the view tick. The same pair of games continued past
// the next view tick shows that the AI does react to what it is shown (otherwise the
// first check would prove nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGame, KEY, AI_LEVELS } from '../../web/src/game/pong.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const module = new WebAssembly.Module(readFileSync(join(ROOT, 'build/wasm/pong.wasm')));

const VIEW_EVERY = 60; // AI_VIEW_EVERY: one view per second of 60 steps
const AI = 0; // the AI plays left, the other side is driven by the test
const OPP = 1;

// raw() indices (game.c game_export)
const R = { status: 1, ballX: 6, ballY: 7, ballVX: 8, ballVY: 9, paddleY: 11, paddleH: 13 };

// [speed, paddle, winning score, map, power-ups]: long games, so they do not end early
const OPTION_SETS = {
  classic: [1, 1, 21, 0, 0],
  'pillars+powerups': [1, 1, 21, 2, 1],
  'fast+small+bumpers+powerups': [2, 0, 21, 1, 1],
};

async function newGame(raw, seed, level, aiSeed) {
  const g = await createGame(module, { raw }, seed);
  g.setAI(AI, level, aiSeed);
  return g;
}

/**
 * The perturbed opponent's key: never the reference game's key `k`, and the one that puts
 * its paddle farthest from where the reference game's opponent paddle will be (`refY`).
 */
function other(g, k, refY) {
  const v = g.raw();
  const y = v[R.paddleY + OPP];
  const h = v[R.paddleH + OPP];
  const speed = g.geometry.paddleSpeed * g.UNIT;
  const maxY = g.geometry.height * g.UNIT - h;
  const after = (key) => Math.min(Math.max(y + (key === KEY.UP ? -speed : key === KEY.DOWN ? speed : 0), 0), maxY);
  const keys = [KEY.NONE, KEY.UP, KEY.DOWN].filter((c) => c !== k);
  return keys.reduce((best, c) => (Math.abs(after(c) - refY) > Math.abs(after(best) - refY) ? c : best));
}

const sameBall = (a, b) => a[R.ballX] === b[R.ballX] && a[R.ballY] === b[R.ballY]
  && a[R.ballVX] === b[R.ballVX] && a[R.ballVY] === b[R.ballVY];

test('the AI is shown the game once every 60 steps: aiViews === ceil(steps / 60)', async () => {
  for (const [name, raw] of Object.entries(OPTION_SETS)) {
    for (let level = 0; level < AI_LEVELS.length; level += 1) {
      const g = await newGame(raw, 1000 + level, level, 77 + level);
      assert.equal(g.aiViews(AI), 0, 'no view before the first step');
      const N = 1000;
      for (let n = 1; n <= N; n += 1) {
        const k = g.aiKey(AI);
        assert.ok(k === KEY.NONE || k === KEY.UP || k === KEY.DOWN, `a key, not ${k}`);
        g.step(k, g.referenceKey(OPP));
        assert.equal(g.aiViews(AI), Math.ceil(n / VIEW_EVERY), `${name}, ${AI_LEVELS[level]}: views after ${n} steps`);
      }
      assert.equal(g.aiViews(OPP), 0, 'no AI on the other side, no views');
      // two AIs, one per side, each with its own count
      const two = await newGame(raw, 2000 + level, level, 7);
      two.setAI(OPP, 2 - level, 8);
      for (let n = 1; n <= 200; n += 1) {
        two.step(two.aiKey(AI), two.aiKey(OPP));
        assert.deepEqual([two.aiViews(AI), two.aiViews(OPP)], [Math.ceil(n / VIEW_EVERY), Math.ceil(n / VIEW_EVERY)]);
      }
      // a new AI starts counting afresh, and its first step is a view
      g.setAI(AI, level, 5);
      assert.equal(g.aiViews(AI), 0);
      g.aiKey(AI);
      assert.equal(g.aiViews(AI), 1);
      for (let n = 2; n <= 61; n += 1) g.aiKey(AI);
      assert.equal(g.aiViews(AI), 2, 'the 61st step is the second view');
    }
  }
});

/**
 * Plays a reference game (AI left, reference opponent right) for `steps` steps, recording
 * every key and the hash and raw state after every step, and checking the AI's paddle speed
 * on the way.
 */
function playReference(g, steps, label, stats) {
  const left = [];
  const right = [];
  const hashes = [g.hash()];
  const states = [g.raw()];
  const maxMove = g.geometry.paddleSpeed * g.UNIT;
  let prev = g.raw();
  for (let t = 0; t < steps && prev[R.status] !== 2; t += 1) {
    const l = g.aiKey(AI);
    const r = g.referenceKey(OPP);
    g.step(l, r);
    left.push(l);
    right.push(r);
    hashes.push(g.hash());
    const v = g.raw();
    states.push(v);
    stats.keys[l] += 1;
    if (v[R.paddleH + AI] !== prev[R.paddleH + AI]) {
      stats.resized += 1; // a power-up effect began or ended: the paddle was re-centred
    } else {
      const dy = v[R.paddleY + AI] - prev[R.paddleY + AI];
      assert.ok(Math.abs(dy) <= maxMove, `${label} step ${t}: the AI's paddle moved ${dy / g.UNIT} px (max ${maxMove / g.UNIT})`);
      if (l === KEY.NONE) assert.equal(dy, 0, `${label} step ${t}: no key, no move`);
      if (l === KEY.UP) assert.ok(dy <= 0, `${label} step ${t}: UP moves up`);
      if (l === KEY.DOWN) assert.ok(dy >= 0, `${label} step ${t}: DOWN moves down`);
      if (Math.abs(dy) === maxMove) stats.fullSpeed += 1;
    }
    prev = v;
  }
  return { left, right, hashes, states };
}

test('between views the AI cannot see the game; at a view it does; it moves at human paddle speed', async () => {
  const WINDOWS = 40;
  for (const [name, raw] of Object.entries(OPTION_SETS)) {
    for (let level = 0; level < AI_LEVELS.length; level += 1) {
      const label = `${name}, ${AI_LEVELS[level]}`;
      const seed = 4242 + level;
      const aiSeed = 99 + level;
      const stats = { keys: [0, 0, 0], resized: 0, fullSpeed: 0 };
      const a = await newGame(raw, seed, level, aiSeed);
      const ref = playReference(a, (WINDOWS + 2) * VIEW_EVERY, label, stats);
      const windows = Math.floor(ref.left.length / VIEW_EVERY) - 2;
      assert.ok(windows >= 20, `${label}: the reference game lasted ${ref.left.length} steps`);

      let blindChecked = 0;
      let ballDiverged = 0;
      let reacted = 0;
      for (let w = 1; w <= windows; w += 1) {
        const start = w * VIEW_EVERY; // a view tick
        const b = await newGame(raw, seed, level, aiSeed);
        for (let t = 0; t < start; t += 1) {
          const l = b.aiKey(AI);
          assert.equal(l, ref.left[t], `${label}: replay step ${t} is deterministic`);
          b.step(l, ref.right[t]);
        }
        assert.equal(b.hash(), ref.hashes[start], `${label}: identical at the view tick ${start}`);

        // one second with different opponent keys: the AI's keys must not change
        for (let t = start; t < start + VIEW_EVERY; t += 1) {
          const l = b.aiKey(AI);
          b.step(l, other(b, ref.right[t], ref.states[t + 1][R.paddleY + OPP]));
          assert.notEqual(b.hash(), ref.hashes[t + 1], `${label}: the perturbed game differs after step ${t}`);
          assert.equal(l, ref.left[t], `${label}: the AI's key at step ${t} (view at ${start}) changed when `
            + 'the game changed between views: it saw the game without a view');
        }
        blindChecked += VIEW_EVERY - 1;
        if (!sameBall(b.raw(), ref.states[start + VIEW_EVERY])) ballDiverged += 1;

        // the next second, after a view of the changed game: the AI may now act differently
        let differs = false;
        for (let t = start + VIEW_EVERY; t < start + 2 * VIEW_EVERY; t += 1) {
          const l = b.aiKey(AI);
          b.step(l, ref.right[t]);
          if (l !== ref.left[t]) differs = true;
        }
        if (differs) reacted += 1;
      }

      assert.ok(blindChecked >= 20 * (VIEW_EVERY - 1));
      assert.ok(stats.keys[KEY.UP] > 50 && stats.keys[KEY.DOWN] > 50, `${label}: the AI presses keys (${stats.keys})`);
      assert.ok(stats.fullSpeed > 50, `${label}: the AI's paddle moves at full speed at times (${stats.fullSpeed})`);
      if (!raw[4]) assert.equal(stats.resized, 0, 'without power-ups the paddle never changes size');
      // the perturbation mattered: the ball itself took another course in some windows ...
      assert.ok(ballDiverged >= 3, `${label}: the ball's course changed in ${ballDiverged} of ${windows} windows`);
      // ... and the AI, once shown the changed game, played differently in many of them
      assert.ok(reacted >= Math.max(3, windows / 4), `${label}: the AI reacted to the changed view in ${reacted} of ${windows} windows`);
    }
  }
});
