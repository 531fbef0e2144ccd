// The Pong simulation in the browser: a thin wrapper over the WebAssembly build of
// src/game.c and src/ai.c (wasm/pong_wasm.c is the C side of this interface).
//
// One WebAssembly instance holds one game, so createGame() instantiates the compiled
// module afresh: games never share state; reset() starts a new game on the same instance.
// The simulation runs in integer sub-pixel units (UNIT per pixel); state() converts to
// pixels for renderers.
//
// DOM-free and loader-free: the caller hands over a compiled WebAssembly.Module (the
// browser gets it from ./loadwasm.js, Node tests from the file in build/wasm).
import {
  SPEEDS, PADDLES, MAPS, AI_LEVELS, WINNING_SCORE_MAX, PRESETS, DEFAULT_OPTIONS, validateOptions, presetOf,
} from '../domain/gameoptions.js';

export const KEY = Object.freeze({ NONE: 0, UP: 1, DOWN: 2 });

/** Bits of step()'s return value (game.h GAME_EV_*). */
export const EV = Object.freeze({
  HIT_LEFT: 1 << 0,
  HIT_RIGHT: 1 << 1,
  WALL: 1 << 2,
  OBSTACLE: 1 << 3,
  SCORE_LEFT: 1 << 4,
  SCORE_RIGHT: 1 << 5,
  SERVE: 1 << 6,
  POWERUP_SPAWN: 1 << 7,
  POWERUP_TAKEN: 1 << 8,
  POWERUP_EXPIRED: 1 << 9,
  GAME_OVER: 1 << 10,
});

export const STATUS = Object.freeze({ SERVING: 0, PLAYING: 1, OVER: 2 });

export const POWERUPS = Object.freeze([null, 'grow', 'shrink', 'fast']); // index = game_powerup_t
// The option values (indices of the C enums), presets and validation live with the rules
// (domain/gameoptions.js); re-exported here for the simulation's users.
export {
  SPEEDS, PADDLES, MAPS, AI_LEVELS, WINNING_SCORE_MAX, PRESETS, DEFAULT_OPTIONS, validateOptions, presetOf,
};

// The C side's option error codes (game_opt_err_t) by field.
const C_ERRORS = { [-1]: 'ballSpeed', [-2]: 'paddleSize', [-3]: 'winningScore', [-4]: 'map', [-5]: 'powerups' };

/** A random 32-bit seed. */
export function randomSeed() {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0];
}

/**
 * A new game on its own instance of the compiled `module` (asynchronous: browsers refuse
 * synchronous instantiation of all but tiny modules on the main thread).
 */
export async function createGame(module, options = DEFAULT_OPTIONS, seed = randomSeed()) {
  const instance = await WebAssembly.instantiate(module, {});
  const game = new PongGame(instance);
  game.reset(options, seed);
  return game;
}

export class PongGame {
  /** Wraps an instance of the module; call reset() before stepping. */
  constructor(instance) {
    this.x = instance.exports;
    const c = (i) => this.x.pw_const(i);
    this.UNIT = c(0);
    this.geometry = Object.freeze({
      width: c(1) / this.UNIT, height: c(2) / this.UNIT, ball: c(3) / this.UNIT, paddleWidth: c(4) / this.UNIT,
      paddleInset: c(5) / this.UNIT, powerupSize: c(6) / this.UNIT, stepsPerSecond: c(7), serveSteps: c(8),
      effectSteps: c(9), paddleSpeed: c(10) / this.UNIT,
    });
    this.view = new Int32Array(this.x.memory.buffer, this.x.pw_export(), this.x.pw_export_len());
  }

  /**
   * Starts a new game (any AI is removed). `options` as validateOptions() accepts, or the
   * raw C values `{ raw: [speed, paddle, score, map, powerups] }` (tests). Throws an Error
   * naming the field when the options are refused; the previous game is then unchanged.
   */
  reset(options = DEFAULT_OPTIONS, seed = randomSeed()) {
    let raw = options.raw;
    if (!raw) {
      const v = validateOptions(options);
      if (!v.ok) throw new Error(`invalid game options: ${v.errors.map((e) => e.field).join(', ')}`);
      raw = [SPEEDS.indexOf(v.options.ballSpeed), PADDLES.indexOf(v.options.paddleSize), v.options.winningScore,
        MAPS.indexOf(v.options.map), v.options.powerups ? 1 : 0];
      this.options = v.options;
    } else {
      this.options = null;
    }
    const err = this.x.pw_init(raw[0], raw[1], raw[2], raw[3], raw[4], seed >>> 0);
    if (err !== 0) throw new Error(`invalid game options: ${C_ERRORS[err] ?? err}`);
    this.seed = seed >>> 0;
  }

  /** Advances one 1/60 s step with each side's KEY; returns the EV bits. */
  step(left, right) {
    return this.x.pw_step(left, right) >>> 0;
  }

  /** Hash of the whole state (equal across builds for equal histories). */
  hash() {
    return this.x.pw_hash() >>> 0;
  }

  /** Puts an AI of `level` (index into AI_LEVELS) on `side` (0 left, 1 right). */
  setAI(side, level, seed = this.seed ^ (side ? 0x5bd1e995 : 0x1b873593)) {
    this.x.pw_ai_init(side, level, seed >>> 0);
  }

  /** The AI's key for the coming step (it sees the game once per second only). */
  aiKey(side) {
    return this.x.pw_ai_key(side);
  }

  /** How many times the AI on `side` has been shown the game. */
  aiViews(side) {
    return this.x.pw_ai_views(side) >>> 0;
  }

  /** The measuring reference opponent's key (reads the full state every step). */
  referenceKey(side) {
    return this.x.pw_reference_key(side);
  }

  /** How many int32 save() gives and load() takes (GAME_SAVE_LEN, 56). */
  get saveLength() {
    return this.x.pw_save_len();
  }

  /**
   * The whole state (game_save: the export, the options, the RNG, the derived speeds) as a
   * fresh Int32Array of saveLength values: what a server snapshot carries, what load() takes.
   */
  save() {
    const ptr = this.x.pw_save();
    return new Int32Array(this.x.memory.buffer, ptr, this.x.pw_save_len()).slice();
  }

  /**
   * Restores a state save() (or a server snapshot) gave: afterwards the game steps on bit for
   * bit as the one saved. Returns 0, or the C refusal (GAME_OPT_*: options or a field out of
   * range) and then the game is unchanged. The options come with the state.
   */
  load(state) {
    const n = this.x.pw_save_len();
    if (!state || state.length !== n) return -6;
    new Int32Array(this.x.memory.buffer, this.x.pw_state(), n).set(state);
    const err = this.x.pw_load();
    if (err === 0) {
      const o = state.subarray(48);
      this.seed = o[4] >>> 0;
      this.options = {
        ballSpeed: SPEEDS[o[0]], paddleSize: PADDLES[o[1]], winningScore: state[47], map: MAPS[o[2]], powerups: o[3] !== 0,
      };
    }
    return err;
  }

  /** The raw export (GAME_EXPORT_LEN int32 in sub-pixel units), a fresh copy. */
  raw() {
    this.x.pw_export();
    if (this.view.buffer !== this.x.memory.buffer) {
      this.view = new Int32Array(this.x.memory.buffer, this.x.pw_export(), this.x.pw_export_len());
    }
    return Int32Array.from(this.view);
  }

  /** The state in pixels, for renderers. */
  state() {
    const v = this.raw();
    const u = this.UNIT;
    const obstacles = [];
    for (let i = 0; i < v[26]; i += 1) {
      obstacles.push({ x: v[27 + 4 * i] / u, y: v[28 + 4 * i] / u, w: v[29 + 4 * i] / u, h: v[30 + 4 * i] / u });
    }
    return {
      tick: v[0],
      status: v[1],
      serveTimer: v[2],
      score: [v[3], v[4]],
      winner: v[5],
      ball: { x: v[6] / u, y: v[7] / u, vx: v[8] / u, vy: v[9] / u, speed: v[10] / u },
      paddles: [{ y: v[11] / u, h: v[13] / u }, { y: v[12] / u, h: v[14] / u }],
      effects: { grow: [v[15], v[16]], shrink: [v[17], v[18]], fast: v[19] },
      item: v[20] ? { kind: POWERUPS[v[20]], x: v[21] / u, y: v[22] / u, timer: v[23] } : null,
      lastHitter: v[24],
      rallyHits: v[25],
      obstacles,
      lastPowerup: { kind: POWERUPS[v[43]] ?? null, player: v[44] },
      serves: v[45],
      speedCap: v[46] / u,
      winningScore: v[47],
    };
  }
}
