// One remote match with the game socket's rules (docs/interface.md "Game socket"), in
// JavaScript over the same WebAssembly simulation as pongd's C room: the reference server
// of the client netcode's tests (tests/web/netgame.test.mjs) and of the Node benchmark.
// Not part of the page (nothing in the app imports it); DOM-free and socket-free: the
// caller owns the connections and the 60 Hz clock.
//
//   const room = createRoom({ game, players, send, close, now });
//   room.join(seat)           a socket of `seat` authenticated: joined + a full snapshot
//   room.leave(seat)          that socket dropped (pause, forfeit or void by the rules)
//   room.receive(seat, bytes) a binary frame from `seat`: INPUT, PING, or a refusal (close)
//   room.tick()               one 1/60 s of the room (call it 60 times a second, never skip)
//   room.resign(seat)         POST /api/games/{id}/resign
//
// The tick. `tick` is the game's own step count (state[0]): it advances only while the
// match is playing and stands still during the countdown and a pause. A snapshot at tick
// T is the state after T steps, taken before the inputs stamped T are applied. An input
// stamped T is in force from the step T → T+1 on; one that arrives when the room is past
// T (its step already ran) is applied at the current tick and `late` = current − T tells
// its sender (negative: that many ticks early; of several inputs between two snapshots, a
// late one is reported rather than an early one after it). `ack` is the tick the seat's
// last input was applied at. The opponent gets the change relayed with
// the tick it was applied at; the input log (the replay) holds [tick, seat, key] in order
// of application, so replaying = applying each entry before the step from its tick.
import {
  CLOSE, LIMITS, MATCH, decodeClientFrame, encodePong, encodeRelay, encodeSnapshot,
} from './netproto.js';
import { EV, STATUS } from './pong.js';

export const DEFAULTS = Object.freeze({
  snapshotEvery: 3,       // 20 snapshots/s while playing
  countdownTicks: 180,    // 3 s before the first serve and after a resume
  resumeSeconds: 30,      // GAME_RESUME_SECONDS
  pauses: 3,              // drops a player may come back from; the next one forfeits
});

/**
 * A room for `game` (a PongGame already reset with the match's options and seed).
 * `players` [{ id, display_name } × 2]; `send(seat, data)` (a Uint8Array or a JSON text)
 * and `close(seat, code)` reach the seat's socket; `now()` in ms (for resume_by and the
 * flood window); `onOver(record)` once, with the match record; `gameId` for `joined`.
 */
export function createRoom({
  game, players, send, close = () => {}, now = () => Date.now(), onOver = () => {}, gameId = 1,
  snapshotEvery = DEFAULTS.snapshotEvery, countdownTicks = DEFAULTS.countdownTicks,
  resumeSeconds = DEFAULTS.resumeSeconds, pauses = DEFAULTS.pauses,
}) {
  const tickRate = LIMITS.TICK_RATE;
  let state = MATCH.WAITING;
  let left = 0;                         // ticks left of a countdown or pause
  let pausedSeat = -1;
  let tick = game.save()[0];
  const keys = [0, 0];
  const acks = [0, 0];
  const late = [0, 0];
  const lateSent = [true, true];         // late[seat] went out in a snapshot
  const rtt = [0, 0];
  const connected = [false, false];
  const everJoined = [false, false];
  const pausesUsed = [0, 0];
  const queue = [[], []];               // pending inputs per seat: { tick, key }
  const frames = [[], []];              // arrival times of the last second's frames
  const log = [];                       // [tick, seat, key]
  const stats = { rallies: 0, longestRally: 0, hits: [0, 0], topSpeed: 0, powerups: [0, 0] };
  let rally = 0;
  let record = null;
  let startedTicks = 0;                 // room ticks since the first countdown (duration)

  const options = (() => {
    const s = game.save();
    return { ball_speed: s[48], paddle_size: s[49], winning_score: s[47], map: s[50], powerups: s[51], seed: s[52] >>> 0 };
  })();

  function snapshotFor(seat) {
    const data = encodeSnapshot({ state, keys, tick, acks, late: late[seat], left, save: game.save() });
    lateSent[seat] = true;
    return data;
  }

  function broadcast(makeData) {
    for (const s of [0, 1]) if (connected[s]) send(s, makeData(s));
  }

  function snapshotAll() {
    broadcast(snapshotFor);
  }

  function text(value) {
    return JSON.stringify(value);
  }

  function setState(next, ticksLeft = 0) {
    state = next;
    left = ticksLeft;
    snapshotAll();
  }

  function finish(reason, winner) {
    if (state === MATCH.OVER) return;
    const save = game.save();
    state = MATCH.OVER;
    left = 0;
    snapshotAll();
    const score = [save[3], save[4]];
    broadcast(() => text({ type: 'over', reason, winner, score }));
    record = {
      ended_how: reason, winner, score, ticks: tick, final_hash: game.hash(), options: { ...options },
      inputs: log.slice(), duration_ms: Math.round((startedTicks * 1000) / tickRate), stats: structuredClone(stats),
    };
    onOver(record);
  }

  function apply(seat, key) {
    keys[seat] = key;
    acks[seat] = tick;
    log.push([tick, seat, key]);
    const other = 1 - seat;
    if (connected[other]) send(other, encodeRelay({ seat, key, tick }));
  }

  function join(seat) {
    if (state === MATCH.OVER) {
      close(seat, CLOSE.NO_GAME);
      return;
    }
    connected[seat] = true;
    everJoined[seat] = true;
    send(seat, text({
      type: 'joined', game_id: gameId, seat, tick_rate: tickRate, snapshot_every: snapshotEvery, options: { ...options },
      players: players.map((p) => ({ id: p.id, display_name: p.display_name })),
    }));
    send(seat, snapshotFor(seat));
    if (state === MATCH.WAITING && everJoined[0] && everJoined[1]) {
      setState(MATCH.COUNTDOWN, countdownTicks);
    } else if (state === MATCH.PAUSED && connected[0] && connected[1]) {
      pausedSeat = -1;
      broadcast(() => text({ type: 'resumed', countdown_ticks: countdownTicks }));
      setState(MATCH.COUNTDOWN, countdownTicks);
    }
  }

  function leave(seat) {
    if (!connected[seat]) return;
    connected[seat] = false;
    queue[seat].length = 0;
    if (state === MATCH.OVER || state === MATCH.WAITING) return;
    if (!connected[0] && !connected[1]) {
      finish('void', null);
      return;
    }
    if (keys[seat] !== 0 && state !== MATCH.PAUSED) apply(seat, 0);   // the absent player lets go
    if (state === MATCH.PAUSED) return;   // the other one is already away (handled above)
    pausesUsed[seat] += 1;
    if (pausesUsed[seat] > pauses) {
      finish('forfeit', 1 - seat);
      return;
    }
    pausedSeat = seat;
    const ticks = resumeSeconds * tickRate;
    broadcast(() => text({ type: 'paused', seat, reason: 'disconnected', resume_by: Math.round(now() + resumeSeconds * 1000) }));
    setState(MATCH.PAUSED, ticks);
  }

  function receive(seat, data) {
    if (!connected[seat]) return;
    const t = now();
    const f = frames[seat];
    f.push(t);
    while (f.length && f[0] <= t - 1000) f.shift();
    if (f.length > LIMITS.FRAMES_PER_S) {
      refuse(seat, CLOSE.FLOOD);
      return;
    }
    const frame = decodeClientFrame(data);
    if (frame.error) {
      refuse(seat, frame.error);
      return;
    }
    if (frame.type === 'ping') {
      rtt[seat] = frame.rttMs;
      send(seat, encodePong({ id: frame.id, tick, opponentRttMs: rtt[1 - seat] }));
      return;
    }
    if (frame.seat !== seat) {
      refuse(seat, CLOSE.OTHER_SEAT);
      return;
    }
    if (frame.tick > tick + LIMITS.AHEAD_TICKS) {
      refuse(seat, CLOSE.TOO_FAR_AHEAD);
      return;
    }
    if (state === MATCH.OVER) return;
    // `late` of the last input; one that was late stays reported until a snapshot took it
    // (a burst of inputs between two snapshots must not hide a late one behind an early one).
    const lateness = tick - frame.tick;
    late[seat] = lateSent[seat] || lateness > 0 || late[seat] <= 0 ? lateness : late[seat];
    lateSent[seat] = false;
    queue[seat].push({ tick: Math.max(frame.tick, tick), key: frame.key });
  }

  function refuse(seat, code) {
    close(seat, code);
    leave(seat);
  }

  function tickOnce() {
    if (state === MATCH.WAITING || state === MATCH.OVER) return;
    startedTicks += 1;
    if (state === MATCH.COUNTDOWN) {
      left -= 1;
      if (left <= 0) setState(MATCH.PLAYING, 0);
      return;
    }
    if (state === MATCH.PAUSED) {
      left -= 1;
      if (left <= 0) finish('forfeit', 1 - pausedSeat);
      return;
    }
    for (const seat of [0, 1]) {
      const q = queue[seat];
      while (q.length && q[0].tick <= tick) apply(seat, q.shift().key);
    }
    const before = game.state();
    const ev = game.step(keys[0], keys[1]);
    tick += 1;
    figures(ev, before);
    if (ev & EV.GAME_OVER) {
      const s = game.state();
      finish('score', s.winner);
      return;
    }
    if (tick % snapshotEvery === 0) snapshotAll();
  }

  function figures(ev, before) {
    if (ev & (EV.HIT_LEFT | EV.HIT_RIGHT)) {
      rally += 1;
      if (ev & EV.HIT_LEFT) stats.hits[0] += 1;
      if (ev & EV.HIT_RIGHT) stats.hits[1] += 1;
    }
    if (ev & (EV.SCORE_LEFT | EV.SCORE_RIGHT)) {
      stats.rallies += 1;
      stats.longestRally = Math.max(stats.longestRally, rally);
      rally = 0;
    }
    if (ev & EV.POWERUP_TAKEN) {
      const p = game.state().lastPowerup.player;
      if (p === 0 || p === 1) stats.powerups[p] += 1;
    }
    if (before.status === STATUS.PLAYING) stats.topSpeed = Math.max(stats.topSpeed, before.ball.speed);
  }

  return {
    join,
    leave,
    receive,
    tick: tickOnce,
    resign(seat) {
      if (state !== MATCH.OVER) finish('resign', 1 - seat);
    },
    /** Server shutdown: the match is saved as interrupted. */
    interrupt() {
      finish('interrupted', null);
    },
    get state() { return state; },
    get gameTick() { return tick; },
    get left() { return left; },
    get keys() { return [...keys]; },
    get connected() { return [...connected]; },
    get record() { return record; },
    get log() { return log; },
    get options() { return { ...options }; },
  };
}
