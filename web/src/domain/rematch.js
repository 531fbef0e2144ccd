// Rematch after a remote game (POST / DELETE /api/games/{id}/rematch and the app socket's
// rematch_offer / rematch_start / rematch_declined, docs/matchmaking.md) as a pure reducer
// for the end screen: no DOM, no network (tests/web/rematch.test.mjs).
//
//   none ──offer──▶ offering ──offered──▶ waiting (my offer stands) ──withdraw──▶ none
//   none ──incoming (push)──▶ incoming ──accept──▶ accepting ──started──▶ started
//   incoming ──decline──▶ none (declinedByMe)    waiting ──declined (push)──▶ declined
//   offering | waiting ──incoming (push)──▶ incoming (both asked: pressing Accept starts it)
//   any ──started (answer or push)──▶ started (the new game's id)
//   any but started ──expire (past expires_at, or 409 expired)──▶ expired
// Failed requests go back to the phase before, with the error.

export const REMATCH_WINDOW_MS = 60_000;
export const INITIAL_REMATCH = Object.freeze({ phase: 'none', newGameId: null, expiresAt: null, from: null, error: null, declinedByMe: false });

const isId = (v) => Number.isSafeInteger(v) && v > 0;

/**
 * The next state after `event`:
 *   { type: 'offer' } / { type: 'offered', expires_at? } / { type: 'accept' }
 *   { type: 'started', new_game_id } / { type: 'incoming', from, expires_at }
 *   { type: 'decline' } / { type: 'withdraw' } / { type: 'declined' } (the other said no)
 *   { type: 'failed', error, back } / { type: 'expire' }
 */
export function rematchReducer(state, event) {
  const s = state ?? INITIAL_REMATCH;
  if (s.phase === 'started') return s;
  switch (event?.type) {
    case 'offer':
      return s.phase === 'none' || s.phase === 'declined' ? { ...s, phase: 'offering', error: null } : s;
    case 'offered':
      return s.phase === 'offering' ? { ...s, phase: 'waiting', expiresAt: event.expires_at ?? s.expiresAt } : s;
    case 'incoming':
      if (s.phase === 'expired' || s.declinedByMe) return s;
      return { ...s, phase: 'incoming', from: event.from ?? null, expiresAt: event.expires_at ?? s.expiresAt, error: null };
    case 'accept':
      return s.phase === 'incoming' ? { ...s, phase: 'accepting', error: null } : s;
    case 'started':
      return isId(event.new_game_id) ? { ...s, phase: 'started', newGameId: event.new_game_id, error: null } : s;
    case 'decline':
      return s.phase === 'incoming' ? { ...s, phase: 'none', declinedByMe: true, error: null } : s;
    case 'withdraw':
      return s.phase === 'waiting' ? { ...s, phase: 'none', error: null } : s;
    case 'declined':
      return s.phase === 'waiting' || s.phase === 'offering' ? { ...s, phase: 'declined' } : s;
    case 'failed': {
      if (event.error?.code === 'expired') return { ...s, phase: 'expired', error: event.error ?? null };
      const back = { offering: 'none', accepting: 'incoming' }[s.phase] ?? s.phase;
      return { ...s, phase: back, error: event.error ?? null };
    }
    case 'expire':
      return s.phase === 'none' || s.phase === 'waiting' || s.phase === 'incoming' || s.phase === 'offering' ? { ...s, phase: 'expired' } : s;
    default:
      return s;
  }
}

/** The deadline of a rematch for a game that ended at `endedAt` (ms), or the offer's own. */
export function rematchDeadline(state, endedAt) {
  if (typeof state.expiresAt === 'number') return state.expiresAt;
  return typeof endedAt === 'number' ? endedAt + REMATCH_WINDOW_MS : null;
}
