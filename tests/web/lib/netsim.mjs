// An in-process match for the netcode tests: the reference room (web/src/game/netroom.js)
// and two clients (web/src/game/netgame.js), each on the same WebAssembly simulation,
// joined by simulated links, on a virtual millisecond clock. Seeded: every run is the same.
//
// A link is one direction of a TCP connection: every message takes `delayMs` plus a jitter
// drawn in [0, jitterMs], never overtakes the one before it (in order, like TCP), and during
// a stall (a lost segment waiting for its retransmission) nothing arrives: what was sent
// comes out in one burst at the end.
import { createRoom } from '../../../web/src/game/netroom.js';
import { createNetGame } from '../../../web/src/game/netgame.js';
import { KEY, PRESETS } from '../../../web/src/game/pong.js';
import { newGame } from './wasm.mjs';

/** A seeded PRNG (mulberry32) → () => [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction: { push(now, msg), due(now) → msgs }. */
export function createLink({ delayMs = 50, jitterMs = 0, random = Math.random, stalls = [] } = {}) {
  const queue = [];
  let last = 0;
  return {
    push(now, msg) {
      let at = Math.max(last, now + delayMs + random() * jitterMs);
      for (const s of stalls) if (at >= s.from && at < s.from + s.ms) at = s.from + s.ms;
      last = at;
      queue.push({ at, msg });
    },
    due(now) {
      const out = [];
      while (queue.length && queue[0].at <= now) out.push(queue.shift().msg);
      return out;
    },
  };
}

/** Stalls of `ms` every `everyMs` (starting at `firstMs`) until `untilMs`. */
export function periodicStalls({ everyMs, ms, firstMs = everyMs, untilMs }) {
  const out = [];
  for (let t = firstMs; t < untilMs; t += everyMs) out.push({ from: t, ms });
  return out;
}

/**
 * A bot that moves its paddle towards the ball when the ball comes its way (and back to
 * the middle otherwise), with a dead zone, plus `wander` random changes a second: many key
 * changes. `still` never presses anything.
 */
export function trackingBot(side, random, { wander = 1 } = {}) {
  let forced = null;
  let forcedUntil = 0;
  return (view, now) => {
    if (!view) return KEY.NONE;
    if (now < forcedUntil) return forced;
    if (random() < wander / 60) {
      forced = [KEY.NONE, KEY.UP, KEY.DOWN][Math.floor(random() * 3)];
      forcedUntil = now + 50 + random() * 250;
      return forced;
    }
    const s = view.state;
    const p = s.paddles[side];
    const coming = side === 0 ? s.ball.vx < 0 : s.ball.vx > 0;
    const target = coming ? s.ball.y : 300;
    const centre = p.y + p.h / 2;
    if (target < centre - p.h / 4) return KEY.UP;
    if (target > centre + p.h / 4) return KEY.DOWN;
    return KEY.NONE;
  };
}

export const stillBot = () => () => KEY.NONE;

/**
 * Plays one match for `durationMs` of virtual time (or until it is over).
 * links: { up: [opts0, opts1], down: [opts0, opts1] } (createLink options, per seat);
 * bots: [fn0, fn1] (view, now) → KEY; frameMs: [ms0, ms1] display frame period per client.
 * Returns { room, clients, record, endedAt }.
 */
export function playMatch({
  options = PRESETS.classic, seed = 42, durationMs = 60000, links, bots, frameMs = [1000 / 60, 1000 / 60],
  countdownTicks = 60, onStep = () => {}, clientOptions = {},
} = {}) {
  let now = 0;
  const clock = () => now;
  const up = [0, 1].map((s) => createLink(links.up[s]));
  const down = [0, 1].map((s) => createLink(links.down[s]));
  let record = null;
  const room = createRoom({
    game: newGame(options, seed),
    players: [{ id: 1, display_name: 'Left' }, { id: 2, display_name: 'Right' }],
    send: (s, data) => down[s].push(now, data),
    close: (s, code) => { throw new Error(`the room closed seat ${s} with ${code}`); },
    now: clock,
    countdownTicks,
    onOver: (r) => { record = r; },
  });
  const clients = [0, 1].map((s) => createNetGame({
    game: newGame(PRESETS.classic, 1),
    send: (data) => up[s].push(now, data),
    now: clock,
    ...clientOptions,
  }));
  for (const s of [0, 1]) room.join(s);

  const STEP = 1000 / 60;
  let nextTick = STEP;
  const nextFrame = [frameMs[0] / 2, frameMs[1] / 3];
  let endedAt = null;
  for (now = 0; now <= durationMs; now += 0.25) {
    for (const s of [0, 1]) {
      for (const msg of up[s].due(now)) room.receive(s, msg);
      for (const msg of down[s].due(now)) clients[s].receive(msg);
    }
    while (now >= nextTick) {
      room.tick();
      nextTick += STEP;
    }
    for (const s of [0, 1]) {
      if (now >= nextFrame[s]) {
        nextFrame[s] += frameMs[s];
        const key = bots[s](clients[s].view(now), now);
        clients[s].update(now, key);
        onStep(s, clients[s], now);
      }
    }
    if (record && endedAt === null) endedAt = now;
    if (endedAt !== null && now > endedAt + 500) break;
  }
  return { room, clients, record, endedAt };
}

/** p-quantile of numbers (0 for none). */
export function quantile(values, p) {
  if (!values.length) return 0;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
}
