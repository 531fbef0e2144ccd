// Quick play's waiting state (POST / DELETE / GET /api/queue and the app socket's
// `match_found`, docs/matchmaking.md) as a state machine: a pure reducer, no DOM, no
// network; services/queue.js drives it, Node tests check it (tests/web/queue.test.mjs).
//
//   unknown ──status──▶ idle | queued     queued ──status: not queued, in game N──▶ matched (missed push)
//   idle ──join──▶ joining ──joined──▶ queued ──leave──▶ leaving ──left──▶ idle
//   joining ──failed──▶ idle (with the error)     leaving ──failed──▶ queued (with the error)
//   queued | joining | leaving ──match_found──▶ matched (game id, opponent)
//   matched ──join──▶ joining (play again)         any ──reset──▶ unknown (logged out)
//
// `since` is this page's clock (ms) at which the wait began: the server's `waited_ms`
// subtracted from the time its answer came, so the two clocks need not agree.

export const QUEUE_PHASES = Object.freeze(['unknown', 'idle', 'joining', 'queued', 'leaving', 'matched']);

const isId = (v) => Number.isSafeInteger(v) && v > 0;
const isObj = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export const INITIAL_QUEUE = Object.freeze({ phase: 'unknown', since: null, gameId: null, opponent: null, error: null, rating: null });

/**
 * GET / POST /api/queue's answer → { queued, waited_ms, rating, game_id } (null when
 * unusable); `game_id` is the live game the caller plays in (or null).
 */
export function checkQueueStatus(v) {
  if (!isObj(v) || typeof v.queued !== 'boolean') return null;
  const n = (x) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null);
  return { queued: v.queued, waited_ms: n(v.waited_ms) ?? 0, rating: n(v.rating), game_id: isId(v.game_id) ? v.game_id : null };
}

/**
 * Whether a GET /api/queue answer tells a tab that was waiting that its match was made
 * while it did not hear `match_found` (a reconnection): not queued any more, in a game.
 */
export function missedMatch(state, status) {
  return Boolean(status) && !status.queued && status.game_id !== null && status.game_id !== undefined
    && (state.phase === 'queued' || state.phase === 'leaving');
}

function queued(state, status, now) {
  return { ...state, phase: 'queued', since: now - (status?.waited_ms ?? 0), error: null, rating: status?.rating ?? null, gameId: null, opponent: null };
}

function idle(state, error = null) {
  return { ...INITIAL_QUEUE, phase: 'idle', error };
}

/**
 * The next state after `event` at `now` (ms):
 *   { type: 'status', status }       GET /api/queue answered (checkQueueStatus)
 *   { type: 'join' } / { type: 'joined', status } / { type: 'join_failed', error }
 *   { type: 'leave' } / { type: 'left' } / { type: 'leave_failed', error }
 *   { type: 'match_found', game_id, opponent }
 *   { type: 'reset' }
 * An event that does not apply in the current phase leaves the state as it is (the same object).
 */
export function queueReducer(state, event, now) {
  const s = state ?? INITIAL_QUEUE;
  switch (event?.type) {
    case 'status':
      if (s.phase === 'joining' || s.phase === 'leaving') return s;   // our own request decides
      if (!event.status) return s;
      if (event.status.queued) return s.phase === 'queued' ? { ...s, rating: event.status.rating } : queued(s, event.status, now);
      if (missedMatch(s, event.status)) return { ...INITIAL_QUEUE, phase: 'matched', gameId: event.status.game_id };
      return s.phase === 'matched' ? s : idle(s);
    case 'join':
      return s.phase === 'idle' || s.phase === 'matched' || s.phase === 'unknown' ? { ...s, phase: 'joining', error: null, gameId: null, opponent: null } : s;
    case 'joined':
      return s.phase === 'joining' ? queued(s, event.status, now) : s;
    case 'join_failed':
      return s.phase === 'joining' ? idle(s, event.error ?? null) : s;
    case 'leave':
      return s.phase === 'queued' || s.phase === 'joining' ? { ...s, phase: 'leaving', error: null } : s;
    case 'left':
      return s.phase === 'leaving' ? idle(s) : s;
    case 'leave_failed':
      return s.phase === 'leaving' ? { ...s, phase: 'queued', error: event.error ?? null } : s;
    case 'match_found':
      if (!isId(event.game_id)) return s;
      return { ...INITIAL_QUEUE, phase: 'matched', gameId: event.game_id, opponent: event.opponent ?? null };
    case 'reset':
      return INITIAL_QUEUE;
    default:
      return s;
  }
}

/** Whether "Quick play" can be pressed / "Cancel" can be pressed in `state`. */
export function canJoin(state) {
  return state.phase === 'idle' || state.phase === 'matched';
}
export function canLeave(state) {
  return state.phase === 'queued';
}
/** Whether the page shows the waiting state (joining, queued or leaving). */
export function isWaiting(state) {
  return state.phase === 'joining' || state.phase === 'queued' || state.phase === 'leaving';
}

/** Milliseconds waited at `now` (0 unless queued). */
export function waitedMs(state, now) {
  return state.since === null || !isWaiting(state) ? 0 : Math.max(0, now - state.since);
}
