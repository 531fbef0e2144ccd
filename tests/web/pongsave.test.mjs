// Unit tests of PongGame.save()/load() (web/src/game/pong.js over pw_save/pw_load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newGame } from './lib/wasm.mjs';
import { PRESETS } from '../../web/src/game/pong.js';

function play(game, steps, seed) {
  let x = seed;
  for (let i = 0; i < steps; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    game.step((x >>> 8) % 3, (x >>> 16) % 3);
  }
}

test('a state saved mid-game and loaded into another instance continues identically', () => {
  const a = newGame(PRESETS.frantic, 77);
  play(a, 900, 5);
  const saved = a.save();
  assert.equal(saved.length, 56);
  assert.equal(saved[0], 900, 'the tick comes first');
  const b = newGame(PRESETS.classic, 1);
  assert.equal(b.load(saved), 0);
  assert.equal(b.hash(), a.hash());
  assert.deepEqual(b.options, PRESETS.frantic, 'the options come with the state');
  assert.equal(b.seed, 77);
  play(a, 600, 9);
  play(b, 600, 9);
  assert.equal(b.hash(), a.hash());
  assert.deepEqual([...b.save()], [...a.save()]);
});

test('load refuses a state out of range and leaves the game as it was', () => {
  const g = newGame(PRESETS.arcade, 3);
  play(g, 100, 1);
  const before = g.hash();
  const bad = g.save();
  bad[13] = 0; // zero-height paddle
  assert.notEqual(g.load(bad), 0);
  assert.equal(g.hash(), before);
  assert.equal(g.load(new Int32Array(5)), -6);
  assert.equal(g.hash(), before);
});
