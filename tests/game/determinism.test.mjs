// Native vs WebAssembly determinism of the game simulation and the AI (make game-test).
//
// build/tools/gamecheck plays 10,000 pseudo-random games with the native build and prints
// "<index> <steps> <chain> <score-left> <score-right>" per game, where chain folds the
// state hash after every step. This file generates the very same games in JavaScript
// against build/wasm/pong.wasm, following tools/gamecheck.c's generator exactly (the same
// xorshift32 stream, consumed in the same order: options, each side's player kind and AI
// seed, then per step the left player's key and the right's), and compares line by line.
// A second test runs the ASan+UBSan build of gamecheck on the first 1,000 games: undefined
// behaviour aborts it, and optimisation-dependent behaviour shows as a different line.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, openSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGame, EV } from '../../web/src/game/pong.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GAMECHECK = join(ROOT, 'build/tools/gamecheck');
const GAMECHECK_ASAN = join(ROOT, 'build/asan/tools/gamecheck');
const WASM = join(ROOT, 'build/wasm/pong.wasm');

const GAMES = 10000;
const ASAN_GAMES = 1000;
const MAX_STEPS = 20000; // tools/gamecheck.c MAX_STEPS
const TIMEOUT_MS = 120000;

/**
 * Runs `bin args` to completion with stdout going to a file (so the child never waits on a
 * pipe while this process is busy computing); resolves { code, signal, stdout, stderr }.
 */
function run(bin, args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gamecheck-'));
  const outPath = join(dir, 'stdout');
  const fd = openSync(outPath, 'w');
  return new Promise((res, rej) => {
    const child = spawn(bin, args, { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, ...env } });
    closeSync(fd);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', (e) => { clearTimeout(timer); rmSync(dir, { recursive: true, force: true }); rej(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = readFileSync(outPath, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      res({ code, signal, stdout, stderr });
    });
  });
}

/** The lines of a gamecheck run, after checking that it exited cleanly. */
function linesOf(r, label) {
  assert.equal(r.signal, null, `${label} killed by ${r.signal}\n${r.stderr.slice(0, 4000)}`);
  assert.equal(r.code, 0, `${label} exited ${r.code}\n${r.stderr.slice(0, 4000)}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** Index of the first differing element of two arrays, or -1. */
function firstDiff(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return i;
  return -1;
}

function assertSameLines(actual, expected, what) {
  const i = firstDiff(actual, expected);
  if (i >= 0) {
    assert.fail(`${what}: first difference at game index ${i}\n`
      + `  got:      ${actual[i] ?? '(missing)'}\n  expected: ${expected[i] ?? '(missing)'}\n`
      + `(${actual.length} vs ${expected.length} lines; line format: index steps chain score-left score-right)`);
  }
}

/** xorshift32, as next() in tools/gamecheck.c; returns a uint32. */
function rng(state) {
  let x = state.s;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state.s = x >>> 0;
  return state.s;
}

/**
 * Plays games [first, first + count) with the WebAssembly build, exactly as gamecheck does.
 * Returns the lines plus what each game was (for the coverage checks).
 */
async function wasmGames(first, count) {
  const module = new WebAssembly.Module(readFileSync(WASM));
  const game = await createGame(module);
  const lines = [];
  const info = [];
  for (let i = first; i < first + count; i += 1) {
    const r = { s: Math.imul(i + 1, 2654435761) >>> 0 };
    if (r.s === 0) r.s = 1;
    rng(r);
    const speed = rng(r) % 3;
    const paddle = rng(r) % 3;
    const score = 1 + (rng(r) % 5);
    const map = rng(r) % 4;
    const powerups = rng(r) % 2;
    const seed = rng(r);
    game.reset({ raw: [speed, paddle, score, map, powerups] }, seed);
    const kind = [0, 0];
    for (let s = 0; s < 2; s += 1) {
      kind[s] = rng(r) % 4; // 0 random keys, 1..3 AI level kind-1
      if (kind[s]) game.setAI(s, kind[s] - 1, rng(r));
    }
    const key = [0, 0];
    let chain = 2166136261;
    let steps = 0;
    let over = false;
    while (!over && steps < MAX_STEPS) {
      for (let s = 0; s < 2; s += 1) {
        if (kind[s]) key[s] = game.aiKey(s);
        else if (rng(r) % 8 === 0) key[s] = rng(r) % 3;
      }
      over = (game.step(key[0], key[1]) & EV.GAME_OVER) !== 0;
      chain = Math.imul(chain ^ game.hash(), 16777619) >>> 0;
      steps += 1;
    }
    const v = game.raw();
    lines.push(`${i} ${steps} ${chain} ${v[3]} ${v[4]}`);
    info.push({ speed, paddle, score, map, powerups, kind, steps, over, scores: [v[3], v[4]], status: v[1], winner: v[5] });
  }
  return { lines, info };
}

let nativeRun; // the optimised native run, shared by both tests

before(() => {
  // started first so it runs on another core while the JavaScript side computes
  nativeRun = run(GAMECHECK, [String(GAMES)]);
  nativeRun.catch(() => {}); // reported by the tests that await it
});

test(`native and WebAssembly builds play ${GAMES} random games identically`, { timeout: TIMEOUT_MS }, async () => {
  const { lines: wasm, info } = await wasmGames(0, GAMES);
  const native = linesOf(await nativeRun, 'build/tools/gamecheck');
  assert.equal(native.length, GAMES, 'gamecheck printed one line per game');
  assertSameLines(wasm, native, 'WebAssembly (JavaScript generator) vs native gamecheck');

  // The comparison only means something if the games are varied and really played out.
  const chains = new Set(native.map((l) => l.split(' ')[2]));
  assert.ok(chains.size >= GAMES * 0.99, `games differ: ${chains.size} distinct chains of ${GAMES}`);
  const stepCounts = new Set(info.map((g) => g.steps));
  assert.ok(stepCounts.size > 500, `game lengths vary: ${stepCounts.size} distinct step counts`);

  const byScore = info.filter((g) => g.over);
  assert.ok(byScore.length >= GAMES / 2, `most games end by score (${byScore.length} of ${GAMES})`);
  for (const g of byScore) {
    assert.equal(g.status, 2, 'a game that reported GAME_OVER is over');
    assert.equal(Math.max(...g.scores), g.score, 'the winner reached the winning score');
    assert.equal(g.scores[g.winner], g.score, 'the winner is the side with the winning score');
  }
  const total = info.reduce((n, g) => n + g.steps, 0);
  assert.ok(total > GAMES * 300, `games last more than a few serves (${total} steps in all)`);

  const combos = new Set(info.map((g) => `${g.speed}/${g.paddle}/${g.map}/${g.powerups}`));
  assert.equal(combos.size, 3 * 3 * 4 * 2, `every speed/paddle/map/power-up combination occurred (${combos.size})`);
  const scores = new Set(info.map((g) => g.score));
  assert.equal(scores.size, 5, 'winning scores 1..5 all occurred');
  const pairings = new Set(info.map((g) => g.kind.join('v')));
  assert.equal(pairings.size, 16, `every pairing of random keys and AI levels occurred (${[...pairings].sort()})`);
});

test(`ASan+UBSan build of gamecheck agrees with the optimised build on ${ASAN_GAMES} games`, { timeout: TIMEOUT_MS }, async () => {
  const asan = await run(GAMECHECK_ASAN, [String(ASAN_GAMES)], {
    ASAN_OPTIONS: 'abort_on_error=1:halt_on_error=1:detect_leaks=1',
    UBSAN_OPTIONS: 'halt_on_error=1:abort_on_error=1:print_stacktrace=1',
  });
  assert.doesNotMatch(asan.stderr, /runtime error|Sanitizer/, `sanitizer report:\n${asan.stderr.slice(0, 4000)}`);
  const lines = linesOf(asan, 'build/asan/tools/gamecheck');
  const native = linesOf(await nativeRun, 'build/tools/gamecheck');
  assert.equal(lines.length, ASAN_GAMES);
  assertSameLines(lines, native.slice(0, ASAN_GAMES), 'ASan+UBSan (-O1) vs optimised (-O2) native gamecheck');
});
