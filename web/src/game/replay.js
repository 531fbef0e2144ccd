// A stored game played again from its input log (GET /api/games/{id}/replay): the same
// simulation, the same seed and options, each logged key applied before the step from its
// tick (netroom.js says why). DOM-free; the replay page (replayboard.js) and the Node tests
// use it.
//
//   const r = createReplay(game, replay);   // replay = { options: {…, seed}, ticks, final_hash, inputs }
//   r.stepTo(tick) / r.step()               forward (restart() to go back)
//   verifyReplay(game, replay)              → { ok, ticks, hash, … } after running it all
import { checkWireOptions } from './netproto.js';
import { STATUS } from './pong.js';

/**
 * Checks a replay from the API: { options (C values with seed), ticks, final_hash,
 * inputs: [[tick, seat, key], …] in order of application }. Returns a clean copy or null.
 */
export function checkReplay(replay) {
  if (!replay || typeof replay !== 'object') return null;
  const options = checkWireOptions(replay.options);
  if (!options || options.seed === undefined) return null;
  if (!Number.isSafeInteger(replay.ticks) || replay.ticks < 0) return null;
  if (!Number.isSafeInteger(replay.final_hash) || replay.final_hash < 0 || replay.final_hash > 0xffffffff) return null;
  if (!Array.isArray(replay.inputs)) return null;
  const inputs = [];
  let last = 0;
  for (const e of replay.inputs) {
    if (!Array.isArray(e) || e.length !== 3) return null;
    const [tick, seat, key] = e;
    if (!Number.isSafeInteger(tick) || tick < last || (seat !== 0 && seat !== 1) || ![0, 1, 2].includes(key)) return null;
    last = tick;
    inputs.push([tick, seat, key]);
  }
  return { options, ticks: replay.ticks, final_hash: replay.final_hash, inputs };
}

/** A replay on `game` (a PongGame); throws a TypeError when `replay` is malformed. */
export function createReplay(game, replay) {
  const r = checkReplay(replay);
  if (!r) throw new TypeError('malformed replay');
  const o = r.options;
  let next = 0;
  const keys = [0, 0];
  let tick = 0;

  function restart() {
    game.reset({ raw: [o.ball_speed, o.paddle_size, o.winning_score, o.map, o.powerups] }, o.seed);
    next = 0;
    keys[0] = 0;
    keys[1] = 0;
    tick = 0;
  }

  function done() {
    return tick >= r.ticks;
  }

  /** One step (nothing once done); returns the EV bits. */
  function step() {
    if (done()) return 0;
    while (next < r.inputs.length && r.inputs[next][0] <= tick) {
      const [, seat, key] = r.inputs[next];
      keys[seat] = key;
      next += 1;
    }
    const ev = game.step(keys[0], keys[1]);
    tick += 1;
    return ev;
  }

  restart();
  return {
    step,
    restart,
    /** Steps until `target` (or the end); returns the EV bits seen on the way. */
    stepTo(target) {
      let ev = 0;
      while (tick < target && !done()) ev |= step();
      return ev;
    },
    get tick() { return tick; },
    get ticks() { return r.ticks; },
    get done() { return done(); },
    get finalHash() { return r.final_hash; },
    get keys() { return [...keys]; },
    /** The game's options in the domain's words (for the page). */
    get options() { return game.options; },
  };
}

/**
 * Plays the whole replay on `game` and compares: { ok, ticks, expectedTicks, hash,
 * expectedHash, over } (`ok`: the final hash and the tick count equal the stored ones).
 */
export function verifyReplay(game, replay) {
  const r = createReplay(game, replay);
  r.stepTo(r.ticks);
  const state = game.state();
  const hash = game.hash();
  return {
    ok: hash === r.finalHash && state.tick === r.ticks,
    ticks: state.tick,
    expectedTicks: r.ticks,
    hash,
    expectedHash: r.finalHash,
    over: state.status === STATUS.OVER,
  };
}
