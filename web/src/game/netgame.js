// The client netcode of a remote match: prediction, rollback, smoothing and clock sync over
// the game socket (docs/interface.md "Game socket", wire format in netproto.js).
//
//   const net = createNetGame({ game, send, now });
//   socket frames  → net.receive(data)       text (JSON or parsed) or binary
//   every frame    → net.update(now, key)    clock, key change, simulation
//   drawing        ← net.view(now)           { state, prev, alpha, trail } for renderer.js
//   net.info                                 seat, players, match state, round trips, result
//
// DOM-free and socket-free: `game` is a PongGame (its own WebAssembly instance), `send(data)`
// writes a Uint8Array to the socket, `now()` is the clock (ms); Node tests drive it with a
// fake clock and an in-process server (netroom.js) behind a simulated link.
//
// How it works (docs/architecture.md has the why):
// - The client runs ahead of the server: its tick clock targets the server's current tick
//   + the time an input needs to get there (≈ RTT/2) + MARGIN ticks, so an input stamped
//   with the client's tick reaches the server just before that tick is simulated. The
//   server's tick is estimated from snapshots and PONGs (the least-delayed sample of the
//   last 2 s, plus the measured round trip); the clock follows the estimate with ±3 % time
//   dilation (snapped when far off); a `late` report nudges the lead up, steady earliness
//   lets it decay back.
// - It predicts everything by running the same simulation: its own paddle with its own
//   keys (exact), the ball, and the opponent holding its last known key.
// - Each snapshot (tick T) is compared with the prediction kept for T: equal, nothing to
//   do; different, the snapshot is restored (load) and the ticks T → now re-simulated with
//   the own inputs not yet applied by the server (the history) and the opponent's relayed
//   ones (rollback). A relayed opponent INPUT for tick t rolls back from the prediction at t
//   at once. Prediction stops MAX_PREDICT ticks past the last snapshot.
// - A correction moves what is drawn: the jump goes into a render offset that decays over
//   ~100 ms; it is dropped (snapped) when larger than a quarter of the court or across a
//   serve or point.
// - A spectator (joined with "spectator": true, no seat) runs the same prediction from the
//   snapshots with both paddles on the keys in force (and any relayed changes), its clock at
//   the server's newest known tick; it never sends a frame.
// - Only key changes are sent, stamped with the tick they are meant for, at most one per
//   tick; a PING every second carries the last round trip (shown to the opponent).
import {
  FINAL_CLOSES, MATCH, SAVE_LEN, decodeServerFrame, encodeInput, encodePing, parseServerText,
} from './netproto.js';
import { EV } from './pong.js';
import { nextTrail } from './renderer.js';

export const STEP_MS = 1000 / 60;
export const MARGIN = 2;              // ticks an input should arrive before its tick
export const MAX_PREDICT = 15;        // ticks simulated past the last snapshot, at most
export const SMOOTH_MS = 100;         // a correction is (95 %) gone after this
export const PING_MS = 1000;
const SYNC_WINDOW_MS = 2000;
const RTT_SAMPLES = 5;
const DEFAULT_RTT = 100;
const DILATION = 0.03;
const SNAP_TICKS = 8;                 // clock further off than this: jump
const MAX_STEPS_PER_UPDATE = 30;
const LEAD_MAX = 10;

/** Index of the fields in game_save's state (game.c export). */
const F = Object.freeze({ TICK: 0, STATUS: 1, SCORE0: 3, SCORE1: 4, BALL_X: 6, BALL_Y: 7, PADDLE0: 11, SERVES: 45 });

function sameState(a, b) {
  for (let i = 0; i < SAVE_LEN; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function withOffsets(s, o) {
  if (!s) return s;
  return {
    ...s,
    ball: { ...s.ball, x: s.ball.x + o.bx, y: s.ball.y + o.by },
    paddles: [{ ...s.paddles[0], y: s.paddles[0].y + o.p[0] }, { ...s.paddles[1], y: s.paddles[1].y + o.p[1] }],
  };
}

function shifted(s, from, to) {
  if (!s) return s;
  return {
    ...s,
    ball: { ...s.ball, x: s.ball.x + to.ball.x - from.ball.x, y: s.ball.y + to.ball.y - from.ball.y },
    paddles: [0, 1].map((i) => ({ ...s.paddles[i], y: s.paddles[i].y + to.paddles[i].y - from.paddles[i].y })),
  };
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : 0;
}

/**
 * A remote match's client. `game`: a PongGame for the prediction; `send(Uint8Array)`;
 * `now()` ms; `onEvent(event)` for the page: { type: 'joined'|'snapshot-state'|'paused'|
 * 'resumed'|'over'|'rtt'|'error', … }. Options (tests): maxPredict, margin, smoothMs.
 */
export function createNetGame({
  game, send, now = () => performance.now(), onEvent = () => {},
  maxPredict = MAX_PREDICT, margin = MARGIN, smoothMs = SMOOTH_MS,
}) {
  const geo = game.geometry;
  const UNIT = game.UNIT;

  let seat = null;
  let spectator = false;              // watching: no seat, no input, no ping
  let spectators = 0;
  let players = null;
  let options = null;
  let match = { state: MATCH.WAITING, left: 0, at: 0, pausedSeat: null, resumeBy: null };
  let over = null;                    // the `over` event
  let auth = null;                    // last snapshot
  let simTick = null;                 // the game instance holds the state at simTick
  const predicted = new Map();        // tick → Int32Array (state at that tick)
  let own = [];                       // own inputs sent: { tick, key }
  let relays = [];                    // relayed inputs (the opponent's; both for a spectator): { tick, key, seat }
  let sentKey = 0;
  let lastStamp = -1;
  let lastSendAt = -Infinity;

  let ct = null;                      // the client's tick clock (fractional)
  let lastNow = null;
  let samples = [];                   // { at, v: serverTick − at/STEP_MS }
  let rtts = [];
  let lastRtt = 0;
  let oppRtt = 0;
  const pings = new Map();
  let pingId = 0;
  let nextPingAt = null;
  let leadAdj = 0;
  let lastAckSeen = null;
  let lateSinceCheck = false;

  let cur = null;                     // pixel states drawn: at simTick and simTick − 1
  let prev = null;
  let trail = [];
  const offset = { bx: 0, by: 0, p: [0, 0] };
  let offsetAt = null;

  const stats = {
    snapshots: 0, checks: 0, confirmed: 0, rollbacks: 0, relayRollbacks: 0, depths: [],
    ownMismatch: 0, ownMismatchLate: 0, ballErrors: [], ballErrorsLate: 0, corrections: [], snaps: 0,
    inputsSent: 0, lateInputs: 0, lateTicks: [], clockSnaps: 0, capped: 0,
  };

  const opp = () => 1 - seat;

  // ---- keys at a tick (for the simulation from the last snapshot on) ----
  function keyAt(s, t) {
    if (s === seat) {
      let key = auth.keys[s];
      // Not yet applied at the snapshot: not covered by an ack yet, or stamped at or after
      // the snapshot's tick (a snapshot is taken before its tick's inputs; applying one again
      // is harmless: a key is a state, not a move). One stamped before the snapshot's tick
      // and not applied is in flight and will be applied late: count it from now on.
      for (const e of own) {
        if (e.tick > t) break;
        if (!e.applied || e.tick >= auth.tick) key = e.key;
      }
      return key;
    }
    let key = auth.keys[s];
    for (const r of relays) {
      if (r.tick > t) break;
      if (r.seat === s && r.tick >= auth.tick) key = r.key;
    }
    return key;
  }

  function stepOnce() {
    const ev = game.step(keyAt(0, simTick), keyAt(1, simTick));
    simTick += 1;
    predicted.set(simTick, game.save());
    return ev;
  }

  // ---- clock ----
  function srtt() {
    return rtts.length ? median(rtts) : DEFAULT_RTT;
  }

  function addSample(serverTick, at) {
    samples.push({ at, v: serverTick - at / STEP_MS });
    while (samples.length && samples[0].at < at - SYNC_WINDOW_MS) samples.shift();
  }

  /** The tick the client should be at now, or null before any sample. */
  function desiredTick(t) {
    if (!samples.length) return null;
    let best = -Infinity;
    for (const s of samples) if (s.at >= t - SYNC_WINDOW_MS && s.v > best) best = s.v;
    if (best === -Infinity) best = samples[samples.length - 1].v;
    // A spectator draws the server's newest known tick (no input to get there in time).
    if (spectator) return best + t / STEP_MS;
    return best + t / STEP_MS + srtt() / STEP_MS + margin + leadAdj;
  }

  function advanceClock(t) {
    const playing = match.state === MATCH.PLAYING && auth !== null;
    if (!playing) {
      ct = null;
      lastNow = t;
      return;
    }
    const want = desiredTick(t);
    if (ct === null) {
      ct = Math.max(want ?? simTick, simTick);
    } else {
      const err = want === null ? 0 : want - ct;
      if (err > SNAP_TICKS) {
        ct = want;
        stats.clockSnaps += 1;
      } else {
        const rate = err < -SNAP_TICKS ? 0.5 : 1 + Math.max(-DILATION, Math.min(DILATION, err * 0.02));
        ct += (Math.max(0, t - lastNow) / STEP_MS) * rate;
      }
    }
    lastNow = t;
  }

  // ---- smoothing ----
  function decay(t) {
    if (offsetAt !== null) {
      const k = Math.exp((-3 * Math.max(0, t - offsetAt)) / smoothMs);
      offset.bx *= k;
      offset.by *= k;
      offset.p[0] *= k;
      offset.p[1] *= k;
      if (Math.abs(offset.bx) + Math.abs(offset.by) < 0.05) { offset.bx = 0; offset.by = 0; }
      for (const i of [0, 1]) if (Math.abs(offset.p[i]) < 0.05) offset.p[i] = 0;
    }
    offsetAt = t;
  }

  /** `before` was drawn, `after` is the corrected state of the same tick: move the offset. */
  function correct(before, after, t) {
    decay(t);
    const dx = before.ball.x - after.ball.x;
    const dy = before.ball.y - after.ball.y;
    const jumped = before.serves !== after.serves || before.score[0] !== after.score[0]
      || before.score[1] !== after.score[1] || before.status !== after.status;
    const dist = Math.hypot(dx, dy);
    if (dist > 0) stats.corrections.push(dist);
    const nx = offset.bx + dx;
    const ny = offset.by + dy;
    if (jumped || Math.hypot(nx, ny) > geo.width / 4) {
      if (dist > 0 || jumped) stats.snaps += 1;
      offset.bx = 0;
      offset.by = 0;
      trail = [];
    } else {
      offset.bx = nx;
      offset.by = ny;
    }
    for (const i of [0, 1]) {
      const np = offset.p[i] + before.paddles[i].y - after.paddles[i].y;
      offset.p[i] = Math.abs(np) > geo.height / 4 ? 0 : np;
    }
  }

  // ---- rollback ----
  function resimulate(from, state, t) {
    const before = cur;
    const depth = simTick - from;
    if (game.load(state) !== 0) return false;
    predicted.set(from, state);
    const target = simTick;
    simTick = from;
    while (simTick < target) stepOnce();
    stats.depths.push(depth);
    const after = game.state();
    if (before) {
      prev = shifted(prev, before, after);
      correct(before, after, t);
    }
    cur = after;
    return true;
  }

  function resetTo(snap) {
    if (game.load(snap.save) !== 0) return;
    simTick = snap.tick;
    predicted.clear();
    predicted.set(simTick, snap.save);
    cur = game.state();
    prev = cur;
    trail = [];
    offset.bx = 0; offset.by = 0; offset.p = [0, 0];
  }

  function prune() {
    const keepFrom = auth.tick - 2;
    for (const t of predicted.keys()) if (t < keepFrom) predicted.delete(t);
    own = own.filter((e) => !e.applied || e.tick >= auth.tick);
    relays = relays.filter((r) => r.tick >= auth.tick);
  }

  function onSnapshot(snap, t) {
    stats.snapshots += 1;
    const was = match.state;
    if (snap.state !== was || snap.state !== MATCH.PLAYING) {
      match = { ...match, state: snap.state, left: snap.left, at: t };
      if (snap.state !== MATCH.PAUSED) { match.pausedSeat = null; match.resumeBy = null; }
    }
    // How early or late the own inputs were applied: the lead follows. The server says it
    // (`late`); an ack past the stamp of the input it acknowledges says it too.
    if (!spectator && lastAckSeen !== null && snap.acks[seat] !== lastAckSeen) {
      const ack = snap.acks[seat];
      let applied = null;
      for (const e of own) if (e.tick > lastAckSeen && e.tick <= ack) applied = e;
      for (const e of own) if (e.tick <= ack) e.applied = true;
      const lateBy = Math.max(snap.late, applied && applied.tick < ack && !own.some((e) => e.tick === ack) ? ack - applied.tick : 0);
      if (lateBy > 0) {
        stats.lateInputs += 1;
        stats.lateTicks.push(lateBy);
        leadAdj = Math.min(LEAD_MAX, leadAdj + lateBy);
        lateSinceCheck = true;
      } else if (snap.late < -(margin + 3)) {
        leadAdj = Math.max(-margin, leadAdj - 0.5);
      }
    }
    lastAckSeen = spectator ? null : snap.acks[seat];
    leadAdj *= 0.998;

    if (snap.state !== MATCH.PLAYING) {
      auth = snap;
      resetTo(snap);
      ct = null;
      samples = [];
      if (snap.state !== was) onEvent({ type: 'state', state: snap.state });
      return;
    }
    if (was !== MATCH.PLAYING) {
      // (Re)starting: the server's tick may have stood still; measure it afresh.
      samples = [];
      auth = snap;
      resetTo(snap);
      addSample(snap.tick, t);
      onEvent({ type: 'state', state: snap.state });
      return;
    }
    addSample(snap.tick, t);
    const mine = predicted.get(snap.tick);
    auth = snap;
    if (simTick === null || snap.tick > simTick || !mine) {
      stats.capped += simTick !== null && snap.tick > simTick ? 1 : 0;
      resetTo(snap);
      prune();
      return;
    }
    stats.checks += 1;
    const ownIdx = F.PADDLE0 + seat;
    // An own input stamped before T that the server has not applied by T is late (it is in
    // flight): T is not an acknowledged tick for this seat.
    const pendingLate = own.some((e) => e.tick < snap.tick && !e.applied);
    if (pendingLate) lateSinceCheck = true;
    if (!spectator && mine[ownIdx] !== snap.save[ownIdx]) {
      if (lateSinceCheck) stats.ownMismatchLate += 1;
      else stats.ownMismatch += 1;
    }
    const ballErr = Math.hypot(mine[F.BALL_X] - snap.save[F.BALL_X], mine[F.BALL_Y] - snap.save[F.BALL_Y]) / UNIT;
    if (ballErr > 0) {
      if (lateSinceCheck) stats.ballErrorsLate += 1;
      else stats.ballErrors.push({ tick: snap.tick, px: ballErr });
    }
    lateSinceCheck = false;
    if (sameState(mine, snap.save)) {
      stats.confirmed += 1;
    } else {
      stats.rollbacks += 1;
      resimulate(snap.tick, snap.save, t);
    }
    prune();
  }

  function onRelay(input, t) {
    if (spectator ? false : seat === null || input.seat !== opp()) return;
    relays.push({ tick: input.tick, key: input.key, seat: input.seat });
    relays.sort((a, b) => a.tick - b.tick);
    if (!auth || match.state !== MATCH.PLAYING || simTick === null || input.tick >= simTick) return;
    const from = Math.max(input.tick, auth.tick);
    const base = from === auth.tick ? auth.save : predicted.get(from);
    if (!base) return;
    stats.relayRollbacks += 1;
    resimulate(from, base, t);
  }

  function onPong(pong, t) {
    const sentAt = pings.get(pong.id);
    if (sentAt === undefined) return;
    pings.delete(pong.id);
    lastRtt = Math.max(1, Math.round(t - sentAt));
    rtts.push(lastRtt);
    if (rtts.length > RTT_SAMPLES) rtts.shift();
    oppRtt = pong.opponentRttMs;
    if (match.state === MATCH.PLAYING) addSample(pong.tick, t);
    onEvent({ type: 'rtt', rtt: lastRtt, opponent: oppRtt });
  }

  function onText(ev, t) {
    switch (ev.type) {
      case 'joined':
        seat = ev.seat;
        spectator = ev.spectator === true;
        if (ev.spectators !== undefined) spectators = ev.spectators;
        players = ev.players;
        options = ev.options;
        auth = null;
        simTick = null;
        predicted.clear();
        own = [];
        relays = [];
        sentKey = 0;                  // the server let go of our key while we were away
        lastStamp = -1;
        lastAckSeen = null;
        samples = [];
        ct = null;
        over = null;
        nextPingAt = spectator ? null : t;
        onEvent({ type: 'joined', seat, players, options, spectator, spectators });
        break;
      case 'paused':
        match = { ...match, pausedSeat: ev.seat, resumeBy: ev.resume_by };
        onEvent({ type: 'paused', seat: ev.seat, resumeBy: ev.resume_by });
        break;
      case 'resumed':
        match = { ...match, pausedSeat: null, resumeBy: null };
        onEvent({ type: 'resumed', countdownTicks: ev.countdown_ticks });
        break;
      case 'spectators':
        spectators = ev.count;
        onEvent({ type: 'spectators', count: spectators });
        break;
      case 'over':
        over = ev;
        onEvent({ type: 'over', ...ev });
        break;
      case 'error':
        onEvent(ev);
        break;
      default:
    }
  }

  // ---- sending ----
  function sendInput(key, t) {
    if (seat === null || !auth || match.state === MATCH.OVER) return;
    if (t - lastSendAt < STEP_MS - 0.5) return;            // at most one a tick (rate limit)
    let stamp;
    if (match.state === MATCH.PLAYING && simTick !== null) {
      stamp = Math.max(simTick, ct === null ? simTick : Math.floor(ct));
      if (stamp <= lastStamp) return;                       // one per tick: the next frame
    } else {
      stamp = Math.max(auth.tick, lastStamp);                // the tick stands still
    }
    send(encodeInput({ seat, key, tick: stamp }));
    own.push({ tick: stamp, key, applied: false });
    sentKey = key;
    lastStamp = stamp;
    lastSendAt = t;
    stats.inputsSent += 1;
  }

  function maybePing(t) {
    if (nextPingAt === null || t < nextPingAt) return;
    pingId = (pingId + 1) >>> 0;
    pings.set(pingId, t);
    if (pings.size > 8) pings.delete(pings.keys().next().value);
    send(encodePing({ id: pingId, rttMs: lastRtt }));
    nextPingAt = t + PING_MS;
  }

  return {
    /** A frame from the socket: a JSON text (or parsed object) or binary data. */
    receive(data) {
      const t = now();
      if (typeof data === 'string' || (data && typeof data === 'object' && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer))) {
        const ev = parseServerText(data);
        if (ev) onText(ev, t);
        return;
      }
      if (seat === null && !spectator) return;
      const frame = decodeServerFrame(data);
      if (!frame) return;
      if (frame.type === 'snapshot') onSnapshot(frame, t);
      else if (frame.type === 'input') onRelay(frame, t);
      else if (frame.type === 'pong') onPong(frame, t);
    },

    /** One display frame: `key` is the player's KEY now. */
    update(t = now(), key = 0) {
      if (seat === null && !spectator) return;
      if (!spectator) {
        maybePing(t);
        if (key !== sentKey) sendInput(key, t);
      }
      advanceClock(t);
      if (match.state !== MATCH.PLAYING || ct === null || simTick === null) return;
      const goal = Math.min(Math.floor(ct), auth.tick + maxPredict);
      let steps = 0;
      while (simTick < goal && steps < MAX_STEPS_PER_UPDATE) {
        const ev = stepOnce();
        prev = cur;
        cur = game.state();
        const jumped = (ev & (EV.SCORE_LEFT | EV.SCORE_RIGHT | EV.SERVE)) !== 0;
        if (jumped) prev = { ...prev, ball: cur.ball };
        trail = nextTrail(trail, cur, jumped);
        steps += 1;
      }
    },

    /** What to draw now: { state, prev, alpha, trail } with the smoothing offsets applied. */
    view(t = now()) {
      decay(t);
      if (!cur) return null;
      let alpha = 1;
      if (ct !== null && simTick === Math.floor(ct)) alpha = ct - Math.floor(ct);
      return { state: withOffsets(cur, offset), prev: withOffsets(prev, offset), alpha, trail };
    },

    /** The page's view of the match. */
    get info() {
      const t = now();
      const ticksGone = match.state === MATCH.COUNTDOWN || match.state === MATCH.PAUSED
        ? Math.floor((t - match.at) / STEP_MS) : 0;
      const rtt = [0, 0];
      if (seat !== null) {
        rtt[seat] = lastRtt;
        rtt[1 - seat] = oppRtt;
      }
      return {
        seat, spectator, spectators, players, options, over, rtt,
        state: match.state,
        left: Math.max(0, match.left - ticksGone),
        pausedSeat: match.pausedSeat,
        resumeBy: match.resumeBy,
        tick: simTick,
        serverTick: auth?.tick ?? null,
        score: cur ? [...cur.score] : [0, 0],
      };
    },

    /** The last own key the server was told. */
    get sentKey() { return sentKey; },
    /** The client's tick clock (null unless playing). */
    get clockTick() { return ct; },
    /** Ticks between the client's clock and its last snapshot. */
    get lead() { return ct === null || !auth ? 0 : ct - auth.tick; },
    stats,
  };
}

/** Reconnecting would not help after this close code (see netproto.js). */
export function isFinalClose(code) {
  return FINAL_CLOSES.has(code);
}
