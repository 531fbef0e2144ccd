// Unit tests of web/src/game/renderer.js: the ball trail, and draw() on a recording fake
// canvas (what is drawn where; the pixels themselves are checked by the browser tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS } from '../../web/src/game/pong.js';
import { createRenderer, nextTrail, lerp, TRAIL_LENGTH } from '../../web/src/game/renderer.js';

const GEO = Object.freeze({
  width: 800, height: 500, ball: 12, paddleWidth: 12, paddleInset: 24, powerupSize: 28,
  stepsPerSecond: 60, serveSteps: 60, effectSteps: 600, paddleSpeed: 7,
});

function state(over = {}) {
  return {
    tick: 10, status: STATUS.PLAYING, serveTimer: 0, score: [1, 2], winner: -1,
    ball: { x: 100, y: 200 }, paddles: [{ y: 50, h: 80 }, { y: 300, h: 80 }],
    effects: { grow: [0, 0], shrink: [0, 0], fast: 0 }, item: null, obstacles: [],
    ...over,
  };
}

function fakeCanvas(clientWidth = 400) {
  const calls = [];
  const ctx = new Proxy({}, {
    get(target, name) {
      if (name in target) return target[name];
      if (name === 'measureText') return (text) => ({ width: text.length * 8 });
      return (...args) => calls.push([name, ...args]);
    },
    set(target, name, value) { target[name] = value; return true; },
  });
  const canvas = { width: GEO.width, height: GEO.height, clientWidth, getContext: () => ctx };
  return { canvas, ctx, calls, named: (n) => calls.filter((c) => c[0] === n) };
}

test('lerp', () => {
  assert.equal(lerp(10, 20, 0), 10);
  assert.equal(lerp(10, 20, 0.25), 12.5);
  assert.equal(lerp(10, 20, 1), 20);
});

test('the trail follows the ball only while the fast effect lasts, at most TRAIL_LENGTH points', () => {
  let trail = [];
  const fast = (x) => state({ ball: { x, y: 1 }, effects: { grow: [0, 0], shrink: [0, 0], fast: 100 } });
  for (let x = 0; x < TRAIL_LENGTH + 5; x += 1) trail = nextTrail(trail, fast(x));
  assert.equal(trail.length, TRAIL_LENGTH);
  assert.deepEqual(trail.at(-1), { x: TRAIL_LENGTH + 4, y: 1 });
  assert.equal(trail[0].x, 5, 'the oldest points go first');
  assert.deepEqual(nextTrail(trail, fast(99), true), [{ x: 99, y: 1 }], 'a jump starts afresh');
  assert.deepEqual(nextTrail(trail, state()), [], 'no fast effect: no trail');
  assert.deepEqual(nextTrail([{ x: 1, y: 1 }], { ...fast(3), status: STATUS.SERVING }), []);
});

test('fit() sizes the backing store to the CSS width × devicePixelRatio, keeping the aspect', () => {
  const f = fakeCanvas(300);
  const r = createRenderer(f.canvas, GEO, { win: { devicePixelRatio: 2 } });
  assert.equal(r.fit(), true);
  assert.deepEqual([f.canvas.width, f.canvas.height], [600, 375]);
  assert.equal(r.fit(), false, 'unchanged');
  const hidden = fakeCanvas(0);
  assert.equal(createRenderer(hidden.canvas, GEO, { win: {} }).fit(), false);
});

test('draw() scales to the canvas and interpolates paddles and ball between two states', () => {
  const f = fakeCanvas();
  f.canvas.width = 400;
  const r = createRenderer(f.canvas, GEO, { win: {} });
  const prev = state();
  const cur = state({ ball: { x: 110, y: 220 }, paddles: [{ y: 60, h: 80 }, { y: 300, h: 80 }] });
  r.draw({ state: cur, prev, alpha: 0.5 });
  assert.deepEqual(f.named('setTransform')[0], ['setTransform', 0.5, 0, 0, 0.5, 0, 0]);
  const fills = f.named('fillText').map((c) => c[1]);
  assert.deepEqual(fills.slice(0, 2), ['1', '2'], 'the faint scores');
  const ball = f.named('arc').at(-1);
  assert.deepEqual(ball.slice(1, 3), [105 + 6, 210 + 6], 'ball centre halfway');
  const leftPaddle = f.named('moveTo').find((c) => c[1] === GEO.paddleInset + 3);
  assert.equal(leftPaddle[2], 55, 'left paddle halfway');
});

test('the serve ring: only while serving, and not when the caller hides it', () => {
  const serving = state({ status: STATUS.SERVING, serveTimer: 30 });
  const ringCount = (frame) => {
    const f = fakeCanvas();
    createRenderer(f.canvas, GEO, { win: {} }).draw(frame);
    return f.named('arc').filter((c) => c[3] === 20).length;
  };
  assert.equal(ringCount({ state: serving }), 1);
  assert.equal(ringCount({ state: serving, serveRing: false }), 0);
  assert.equal(ringCount({ state: state() }), 0);
});

test('power-up item, effect badges and obstacles are drawn', () => {
  const f = fakeCanvas();
  createRenderer(f.canvas, GEO, { win: {} }).draw({
    state: state({
      item: { kind: 'grow', x: 300, y: 200, timer: 500 },
      effects: { grow: [120, 0], shrink: [0, 60], fast: 30 },
      obstacles: [{ x: 380, y: 100, w: 40, h: 60 }],
    }),
  });
  const texts = f.named('fillText').map((c) => c[1]);
  assert.ok(texts.includes('+'), 'the item symbol');
  assert.ok(texts.includes('+ 2s') && texts.includes('− 1s') && texts.includes('» 1s'), texts.join('|'));
  assert.ok(f.named('moveTo').some((c) => c[1] === 384 && c[2] === 100), 'the obstacle');
});
