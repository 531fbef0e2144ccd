// Unit tests of web/src/game/loop.js: the fixed-step clock with an injected time, and the
// animation-frame runner with a fake window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createStepClock, runFrames, STEP_MS, MAX_STEPS_PER_FRAME, MAX_FRAME_MS,
} from '../../web/src/game/loop.js';

const close = (a, b) => Math.abs(a - b) < 1e-9;

test('60 steps per second, at most 4 per frame, frames longer than 100 ms dropped', () => {
  assert.ok(close(STEP_MS, 1000 / 60));
  assert.equal(MAX_STEPS_PER_FRAME, 4);
  assert.equal(MAX_FRAME_MS, 100);
});

test('the first frame only starts the clock; whole steps run, the rest is alpha', () => {
  const clock = createStepClock();
  let steps = 0;
  const step = () => { steps += 1; return false; };
  assert.deepEqual(clock.advance(1000, step), { steps: 0, alpha: 0, stopped: false });
  const r = clock.advance(1000 + STEP_MS * 1.5, step);
  assert.equal(r.steps, 1);
  assert.ok(close(r.alpha, 0.5), `alpha ${r.alpha}`);
  const r2 = clock.advance(1000 + STEP_MS * 3.25, step);   // the half step left + 1.75 steps
  assert.equal(r2.steps, 2);
  assert.ok(close(r2.alpha, 0.25), `alpha ${r2.alpha}`);
  assert.equal(steps, 3);
});

test('one second of 60 Hz frames gives 60 steps; of 144 Hz frames too, with alphas in [0, 1)', () => {
  for (const hz of [60, 144, 30]) {
    const clock = createStepClock();
    let steps = 0;
    const alphas = [];
    for (let i = 0; i <= hz; i += 1) {
      const r = clock.advance((i * 1000) / hz, () => { steps += 1; });
      alphas.push(r.alpha);
    }
    assert.ok(Math.abs(steps - 60) <= 1, `${hz} Hz: ${steps} steps`);
    assert.ok(alphas.every((a) => a >= 0 && a < 1), `${hz} Hz alphas`);
  }
});

test('a long gap is not caught up: at most MAX_STEPS_PER_FRAME, the remainder dropped', () => {
  const clock = createStepClock();
  let steps = 0;
  clock.advance(0, () => {});
  const r = clock.advance(5000, () => { steps += 1; });   // 5 s: counted as 100 ms = 6 steps
  assert.equal(r.steps, MAX_STEPS_PER_FRAME);
  assert.ok(r.alpha >= 0 && r.alpha < 1);
  const r2 = clock.advance(5000, () => { steps += 1; });
  assert.equal(r2.steps, 0, 'nothing left over from the gap beyond a step');
  assert.equal(steps, MAX_STEPS_PER_FRAME);
});

test('step() returning true stops at once: alpha 1, the rest dropped', () => {
  const clock = createStepClock();
  clock.advance(0, () => {});
  let n = 0;
  const r = clock.advance(STEP_MS * 3.5, () => { n += 1; return n === 2; });
  assert.deepEqual(r, { steps: 2, alpha: 1, stopped: true });
  assert.equal(clock.advance(STEP_MS * 3.5, () => { n += 1; }).steps, 0);
});

test('hold() makes a pause cost nothing; reset() forgets the accumulated time', () => {
  const clock = createStepClock();
  clock.advance(0, () => {});
  clock.advance(STEP_MS * 0.75, () => {});
  clock.hold();
  // 10 s later (paused meanwhile): the first frame after the hold only restarts the clock
  let steps = 0;
  assert.equal(clock.advance(10000, () => { steps += 1; }).steps, 0);
  const r = clock.advance(10000 + STEP_MS * 0.5, () => { steps += 1; });
  assert.equal(r.steps, 1, 'the 0.75 step from before the pause is still there');
  clock.reset();
  assert.equal(clock.advance(20000, () => { steps += 1; }).steps, 0);
  const r2 = clock.advance(20000 + STEP_MS * 0.5, () => { steps += 1; });
  assert.equal(r2.steps, 0);
  assert.ok(close(r2.alpha, 0.5));
});

test('runFrames calls onFrame with each frame time until stopped', () => {
  const queue = new Map();
  let next = 1;
  const win = {
    requestAnimationFrame(fn) { const id = next++; queue.set(id, fn); return id; },
    cancelAnimationFrame(id) { queue.delete(id); },
  };
  const seen = [];
  const stop = runFrames((now) => seen.push(now), win);
  const fire = (now) => { const [[id, fn]] = queue; queue.delete(id); fn(now); };
  fire(16);
  fire(33);
  assert.deepEqual(seen, [16, 33]);
  assert.equal(queue.size, 1, 'the next frame is requested');
  stop();
  assert.equal(queue.size, 0);
});
