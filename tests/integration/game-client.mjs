// A scripted client for remote games (docs/interface.md "Game socket"), for the integration
// suite: it opens wss://…/ws/game/<id>/ with an Origin, sends the auth frame, records every
// frame the server sends (joined, snapshots, relayed inputs, pongs, text events, the close),
// and sends INPUTs stamped at chosen ticks, on its own (a schedule sent a little ahead of the
// server's tick) or by hand. The frames are encoded and decoded by the web client's own
// module (web/src/game/netproto.js), so a mismatch between the two sides shows here.
//
// Also here: games created through invites, a planner that plays a game offline on the wasm
// simulation (the same C as pongd) to know its inputs, its tick count and its final hash before
// pongd plays it, the replay check every finished game gets, and the win/loss counts as stored
// (no API shows them yet: read from the database itself).
//
//   const { gameId } = await inviteGame(server, a, b, { winning_score: 1 });
//   const c0 = await GameClient.connect(server, gameId, a.token);   // joined + first snapshot
//   c0.play([{ tick: 0, key: 1 }, { tick: 40, key: 0 }]);          // sent ahead, on time
//   const over = await c0.waitOver();
//   await checkReplay(assert, server, a.token, gameId);
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { ROOT } from '../lib/server.mjs';
import { call } from './api-client.mjs';
import {
  FRAME, MATCH, CLOSE, LIMITS, encodeInput, encodePing, decodeServerFrame, parseServerText, authFrame,
} from '../../web/src/game/netproto.js';
import { verifyReplay } from '../../web/src/game/replay.js';
import { createGame, STATUS, EV } from '../../web/src/game/pong.js';

export { FRAME, MATCH, CLOSE, LIMITS, encodeInput, encodePing };

/** Options of a short game: first to `winning_score` (C values, as the API takes them). */
export const SHORT = Object.freeze({ ball_speed: 1, paddle_size: 1, winning_score: 1, map: 0, powerups: 0 });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// The simulation (build/wasm/pong.wasm, compiled once).

let modulePromise = null;
export function simModule() {
  modulePromise ??= WebAssembly.compile(readFileSync(join(ROOT, 'build/wasm/pong.wasm')));
  return modulePromise;
}

/** A fresh simulation of `options` (wire options with seed). */
export async function simGame(options) {
  const o = options;
  return createGame(await simModule(), { raw: [o.ball_speed, o.paddle_size, o.winning_score, o.map, o.powerups] }, o.seed);
}

/**
 * Policies for planGame: (game, tick, seat) → key, called before each step.
 *   still            never moves
 *   reference        the measuring reference player (reads the whole state every step)
 *   schedule([...])  holds keys from a fixed schedule [{tick, key}] (sorted)
 *   sequence([[untilTick, policy], …, [Infinity, policy]])  switches policy by tick
 */
export const POLICY = {
  still: () => 0,
  reference: (game, tick, seat) => game.referenceKey(seat),
  schedule: (list) => (game, tick) => {
    let k = 0;
    for (const e of list) { if (e.tick <= tick) k = e.key; else break; }
    return k;
  },
  sequence: (parts) => (game, tick, seat) => {
    for (const [until, p] of parts) if (tick < until) return p(game, tick, seat);
    return 0;
  },
};

/**
 * The usual plan: both play the reference player until `rallyUntil`, then seat 1 runs its
 * paddle up for 50 ticks and stays still there (so seat 0 wins the points that follow).
 */
export const policiesLoserStops = (rallyUntil = 240) => [
  POLICY.reference,
  POLICY.sequence([[rallyUntil, POLICY.reference], [rallyUntil + 50, () => 1], [Infinity, POLICY.still]]),
];

/**
 * Plays a game offline (the same simulation pongd runs) with the seats' `policies`, to the
 * end or `maxTicks`. Returns { inputs: [[tick, seat, key]] in the order the server applies
 * them (by tick, seat 0 first), schedules: [[{tick, key}], [{tick, key}]], ticks, hash,
 * score, winner (null unless over), over, hits: [l, r], stats: the record's figures (rallies,
 * longest_rally, hits, top_speed in 1/256 px per tick, powerups), maxPerSecond: the most key changes of
 * one seat within 60 ticks, saves: the whole state (game_save, what a snapshot carries) after
 * each tick, saves[t] after t steps }.
 */
export async function planGame(options, policies, { maxTicks = 60 * 120 } = {}) {
  const game = await simGame(options);
  const saves = [game.save()];
  const keys = [0, 0];
  const inputs = [];
  const schedules = [[], []];
  // the record's figures, counted as pongd counts them (live/match.c count_events)
  const stats = { rallies: 0, longest_rally: 0, hits: [0, 0], top_speed: 0, powerups: [0, 0] };
  let rally = 0;
  let tick = 0;
  while (game.state().status !== STATUS.OVER && tick < maxTicks) {
    for (let s = 0; s < 2; s += 1) {
      const k = policies[s](game, tick, s);
      if (k !== keys[s]) {
        keys[s] = k;
        inputs.push([tick, s, k]);
        schedules[s].push({ tick, key: k });
      }
    }
    const before = game.raw();
    if (before[1] === STATUS.PLAYING && before[10] > stats.top_speed) stats.top_speed = before[10];
    const ev = game.step(keys[0], keys[1]);
    if (ev & EV.SERVE) rally = 0;
    if (ev & EV.HIT_LEFT) { stats.hits[0] += 1; rally += 1; }
    if (ev & EV.HIT_RIGHT) { stats.hits[1] += 1; rally += 1; }
    if (ev & (EV.SCORE_LEFT | EV.SCORE_RIGHT)) {
      stats.rallies += 1;
      stats.longest_rally = Math.max(stats.longest_rally, rally);
      rally = 0;
    }
    if (ev & EV.POWERUP_TAKEN) {
      const who = game.state().lastPowerup.player;
      if (who === 0 || who === 1) stats.powerups[who] += 1;
    }
    tick += 1;
    saves.push(game.save());
  }
  const st = game.state();
  const perSecond = (list) => {
    let m = 0;
    for (let i = 0, j = 0; i < list.length; i += 1) {
      while (list[i].tick - list[j].tick >= 60) j += 1;
      m = Math.max(m, i - j + 1);
    }
    return m;
  };
  return {
    inputs, schedules, ticks: st.tick, hash: game.hash(), score: st.score, over: st.status === STATUS.OVER,
    winner: st.status === STATUS.OVER ? st.winner : null, hits: stats.hits, stats, saves, maxPerSecond: Math.max(perSecond(schedules[0]), perSecond(schedules[1])),
  };
}

// ---------------------------------------------------------------------------
// Games through invites.

const api = (server, method, path, token, body) => call(server, method, path, { token, body });

/**
 * `a` invites `b` with `options` (SHORT's values by default), `b` accepts: resolves to
 * { gameId, invite }. a is seat 0 (the inviter), b seat 1.
 */
export async function inviteGame(server, a, b, options = {}) {
  const inv = await api(server, 'POST', '/api/invites', a.token, { user_id: b.user.id, options: { ...SHORT, ...options } });
  assert.equal(inv.status, 201, `invite: ${inv.text}`);
  const acc = await api(server, 'POST', `/api/invites/${inv.json.id}/accept`, b.token);
  assert.equal(acc.status, 200, `accept: ${acc.text}`);
  return { gameId: acc.json.game_id, invite: inv.json };
}

/** GET /api/games/{id} as `token` (200 asserted): the JSON. */
export async function getGame(server, token, gameId) {
  const r = await api(server, 'GET', `/api/games/${gameId}`, token);
  assert.equal(r.status, 200, `GET /api/games/${gameId}: ${r.text}`);
  return r.json;
}

/**
 * Polls GET /api/games/{id} until its status is not "live" (the record is written by the
 * database threads after the end): the record.
 */
export async function waitRecord(server, token, gameId, timeout = 5000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const g = await getGame(server, token, gameId);
    if (g.status !== 'live') return g;
    if (Date.now() > deadline) throw new Error(`game ${gameId} still "live" after ${timeout} ms: ${JSON.stringify(g)}`);
    await sleep(50);
  }
}

/**
 * The replay check every finished game gets: GET /api/games/{id}/replay re-simulated with
 * web/src/game/replay.js reaches exactly the record's `ticks` and `final_hash`. Returns
 * { replay, record, result }.
 */
export async function checkReplay(server, token, gameId) {
  const record = await waitRecord(server, token, gameId);
  const r = await api(server, 'GET', `/api/games/${gameId}/replay`, token);
  assert.equal(r.status, 200, `replay of game ${gameId}: ${r.text}`);
  const replay = r.json;
  assert.equal(replay.id, gameId);
  assert.equal(replay.ticks, record.ticks, 'the replay and the record have the same tick count');
  assert.equal(replay.final_hash, record.final_hash, 'the replay and the record have the same final hash');
  assert.deepEqual(replay.options, record.options, 'the replay and the record have the same options and seed');
  const result = verifyReplay(await simGame(replay.options), replay);
  assert.ok(result.ok, `game ${gameId} (${record.status}/${record.ended_how}): the replay reaches tick ${result.ticks} hash ${result.hash}, `
    + `the record says tick ${result.expectedTicks} hash ${result.expectedHash}`);
  return { replay, record, result };
}

// ---------------------------------------------------------------------------
// Win/loss counts. No endpoint shows them (GET /api/users/{id} and the export carry no
// wins/losses): read users.wins/losses from the server's database (SQLite file in VAR_DIR,
// or its PostgreSQL schema).

export function dbQuery(server, sql) {
  if (server.databaseUrl?.startsWith('postgres')) {
    return execFileSync('psql', [server.databaseUrl, '-qAt', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
  }
  const file = server.databaseUrl || join(server.varDir, 'pongd.sqlite3');
  return execFileSync('sqlite3', ['-readonly', file, sql], { encoding: 'utf8' }).trim();
}

/** { wins, losses } of user `uid`, read from the database. */
export function counts(server, uid) {
  const [wins, losses] = dbQuery(server, `SELECT wins, losses FROM users WHERE id = ${Number(uid)}`).split('|').map(Number);
  return { wins, losses };
}

// ---------------------------------------------------------------------------
// The client.

/**
 * One game socket. `events` holds everything received, in order, each
 *   { i, at (ms since the socket opened), kind, … }:
 *   kind 'joined' | 'paused' | 'resumed' | 'over' | 'error'  (the parsed text event, `raw` its text)
 *   kind 'text'      a text frame parseServerText refused (`raw`)
 *   kind 'snapshot'  { state, keys, tick, acks, late, left, save, bytes }
 *   kind 'relay'     { seat, key, tick, bytes }  (the opponent's key change, INPUT 0x11)
 *   kind 'pong'      { id, tick, opponentRttMs, bytes }
 *   kind 'binary'    a binary frame decodeServerFrame refused (`bytes`)
 *   kind 'close'     { code, reason }
 * `sent` holds every frame sent: { at, kind ('auth'|'input'|'ping'|'raw'), …, knownTick }.
 */
export class GameClient {
  constructor(ws, { label = 'game client' } = {}) {
    this.ws = ws;
    this.label = label;
    this.t0 = performance.now();
    this.events = [];
    this.sent = [];
    this.joined = null;
    this.seat = null;
    this.closeInfo = null;
    this.tick = 0;            // the newest snapshot's tick
    this.state = null;        // the newest snapshot's match state
    this.schedule = [];       // inputs still to send: [{tick, key}]
    this.lead = 24;           // ticks ahead of the newest snapshot an input is sent
    this._waiters = new Set();
    ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    ws.on('error', (e) => { this.error = e; });
    this.closed = new Promise((res) => ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this._push({ kind: 'close', ...this.closeInfo });
      res(this.closeInfo);
    }));
  }

  /**
   * Opens wss://127.0.0.1:<port>/ws/game/<gameId>/ (`path` replaces it) with `origin` (the
   * server's own by default). Resolves once open (rejects when refused), without auth.
   */
  static async open(server, gameId, { origin = server.origin, path = `/ws/game/${gameId}/`, label, timeout = 5000 } = {}) {
    const ws = new WebSocket(`wss://127.0.0.1:${server.httpsPort}${path}`, { rejectUnauthorized: false, origin });
    const c = new GameClient(ws, { label: label ?? `game ${gameId}` });
    await new Promise((res, rej) => {
      const t = setTimeout(() => { ws.terminate(); rej(new Error(`${c.label}: no open within ${timeout} ms`)); }, timeout);
      ws.once('open', () => { clearTimeout(t); res(); });
      ws.once('unexpected-response', (req, r) => { clearTimeout(t); req.destroy(); rej(new Error(`${c.label}: handshake refused with HTTP ${r.statusCode}`)); });
      ws.once('error', (e) => { clearTimeout(t); rej(e); });
    });
    c.t0 = performance.now();
    return c;
  }

  /**
   * open() + the auth frame + {"type":"joined"} and the first snapshot. Resolves to the client
   * (client.joined, client.seat set).
   */
  static async connect(server, gameId, token, opts = {}) {
    const c = await GameClient.open(server, gameId, opts);
    c.auth(token);
    await c.waitJoined(opts.timeout ?? 5000);
    return c;
  }

  /** The events of `kind` (all if omitted). */
  of(kind) { return kind ? this.events.filter((e) => e.kind === kind) : this.events; }

  /** The index the next event will get (pass as `from` to wait for newer events only). */
  mark() { return this.events.length; }

  get snapshots() { return this.of('snapshot'); }
  get relays() { return this.of('relay'); }
  get lastSnapshot() { return this.snapshots.at(-1) ?? null; }

  _now() { return performance.now() - this.t0; }

  _push(e) {
    e.i = this.events.length;
    e.at = this._now();
    this.events.push(e);
    for (const w of [...this._waiters]) w();
    return e;
  }

  _onMessage(data, isBinary) {
    if (!isBinary) {
      const raw = data.toString('utf8');
      const ev = parseServerText(raw);
      if (!ev) { this._push({ kind: 'text', raw }); return; }
      const { type, ...rest } = ev;
      const e = this._push({ kind: type, ...rest, raw, json: JSON.parse(raw) });
      if (type === 'joined') { this.joined = e; this.seat = e.seat; }
      return;
    }
    const bytes = Buffer.from(data);
    const f = decodeServerFrame(bytes);
    if (!f) { this._push({ kind: 'binary', bytes }); return; }
    if (f.type === 'snapshot') {
      const { type, ...rest } = f;
      this._push({ kind: 'snapshot', ...rest, bytes });
      this.tick = f.tick;
      this.state = f.state;
      this._pump();
    } else if (f.type === 'input') {
      this._push({ kind: 'relay', seat: f.seat, key: f.key, tick: f.tick, bytes });
    } else {
      this._push({ kind: 'pong', id: f.id, tick: f.tick, opponentRttMs: f.opponentRttMs, bytes });
    }
  }

  /**
   * Waits for the first event with index ≥ `from` for which `pred(event)` is true (`pred` a
   * kind name or a function). Rejects on timeout, or when the socket closed without one
   * (unless the close itself is what is waited for).
   */
  waitFor(pred, { from = 0, timeout = 5000, label } = {}) {
    const test = typeof pred === 'string' ? (e) => e.kind === pred : pred;
    const what = label ?? (typeof pred === 'string' ? pred : 'event');
    return new Promise((res, rej) => {
      let t = null;
      const check = () => {
        for (let i = from; i < this.events.length; i += 1) {
          if (test(this.events[i])) { done(); res(this.events[i]); return; }
        }
        if (this.closeInfo) { done(); rej(new Error(`${this.label}: closed (${this.closeInfo.code} ${this.closeInfo.reason}) before ${what}; got ${this.describe(from)}`)); }
      };
      const done = () => { clearTimeout(t); this._waiters.delete(check); };
      t = setTimeout(() => { done(); rej(new Error(`${this.label}: timeout after ${timeout} ms waiting for ${what}; got ${this.describe(from)}`)); }, timeout);
      this._waiters.add(check);
      check();
    });
  }

  /** A short account of the events from `from` on (for failure messages). */
  describe(from = 0) {
    const ev = this.events.slice(from);
    const snaps = ev.filter((e) => e.kind === 'snapshot');
    const others = ev.filter((e) => e.kind !== 'snapshot').map((e) => (e.kind === 'close' ? `close ${e.code}` : e.raw ?? e.kind));
    const last = snaps.at(-1);
    return `${snaps.length} snapshots${last ? ` (last: state ${last.state} tick ${last.tick} left ${last.left})` : ''}, others: ${JSON.stringify(others).slice(0, 600)}`;
  }

  /** Waits for joined and the snapshot after it: resolves to { joined, snapshot }. */
  async waitJoined(timeout = 5000) {
    const joined = await this.waitFor('joined', { timeout });
    const snapshot = await this.waitFor('snapshot', { from: joined.i + 1, timeout, label: 'the first snapshot' });
    return { joined, snapshot };
  }

  /** A snapshot (index ≥ from) in match state `state` (MATCH.*). */
  waitState(state, opts = {}) {
    return this.waitFor((e) => e.kind === 'snapshot' && e.state === state, { label: `a snapshot in state ${state}`, ...opts });
  }

  /** A snapshot of tick ≥ tick. */
  waitTick(tick, opts = {}) {
    return this.waitFor((e) => e.kind === 'snapshot' && e.tick >= tick, { label: `a snapshot of tick ≥ ${tick}`, ...opts });
  }

  /** The "over" event. */
  waitOver(opts = {}) { return this.waitFor('over', { timeout: 30000, ...opts }); }

  /** Resolves to { code, reason } once closed; rejects after `timeout`. */
  async waitClose(timeout = 5000) {
    let t;
    const timer = new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${this.label}: not closed within ${timeout} ms; got ${this.describe()}`)), timeout); });
    try { return await Promise.race([this.closed, timer]); } finally { clearTimeout(t); }
  }

  // ---- sending ----

  _send(kind, data, binary, extra = {}) {
    this.sent.push({ at: this._now(), kind, knownTick: this.tick, bytes: Buffer.from(data), ...extra });
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary });
  }

  /** The first frame: {"type":"auth","token"}. */
  auth(token) { this._send('auth', authFrame(token), false); }

  /** INPUT: from `tick` on, `seat`'s (this seat by default) key is `key`. */
  input(key, tick, seat = this.seat) { this._send('input', encodeInput({ seat, key, tick }), true, { key, tick, seat }); }

  /** PING `id` with `rttMs` as our round trip. */
  ping(id, rttMs = 0) { this._send('ping', encodePing({ id, rttMs }), true, { id, rttMs }); }

  /** Any bytes (binary frame unless `binary: false`). */
  raw(data, { binary = true } = {}) { this._send('raw', data, binary); }

  /**
   * Sends the inputs of `schedule` ([{tick, key}], sorted) on time: each as soon as the
   * newest snapshot's tick is within `lead` ticks of it (so it is never more than `lead`
   * ticks ahead of the server, and reaches it long before its tick on a loopback link).
   */
  play(schedule, { lead = 24 } = {}) {
    this.schedule = schedule.map((e) => ({ ...e }));
    this.lead = lead;
    this._pump();
  }

  _pump() {
    while (this.schedule.length && this.schedule[0].tick <= this.tick + this.lead && this.ws.readyState === WebSocket.OPEN) {
      const e = this.schedule.shift();
      this.input(e.key, e.tick);
    }
  }

  /** The inputs this client sent: [{tick, key, seat, knownTick}]. */
  get inputsSent() { return this.sent.filter((s) => s.kind === 'input'); }

  /** Closes with `code` (1000) and waits for the close. */
  async close(code = 1000) {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.waitClose();
  }

  /** Drops the TCP connection without a close frame. */
  drop() { this.ws.terminate(); return this.closed; }

  terminate() { this.ws.terminate(); }
}

/** Snapshots per second over the PLAYING snapshots of `client` (first to last). */
export function snapshotRate(client) {
  const s = client.snapshots.filter((e) => e.state === MATCH.PLAYING);
  if (s.length < 2) return 0;
  return ((s.length - 1) * 1000) / (s.at(-1).at - s[0].at);
}
