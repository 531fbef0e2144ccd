// Quick play for the whole tab (docs/matchmaking.md "Quick play"): enters and leaves the
// queue (POST / DELETE /api/queue), asks whether this account is queued whenever the app
// socket says hello (GET /api/queue: a reload, another tab, a reconnection), and hears the
// app socket's `match_found` (or, after a reconnection, GET /api/queue's `game_id`: the match
// made while the push could not arrive). The state is domain/queue.js's; no DOM.
//
//   const qp = createQuickPlay({ api, live });   api(path, { method }) → promise (session.api)
//   qp.subscribe(fn(state, event)) → unsubscribe; qp.join(); qp.leave(); qp.refresh(); qp.state
//   onMatch(gameId, opponent) is called once per match_found (the page opens /game/<id>).
import { INITIAL_QUEUE, checkQueueStatus, missedMatch, queueReducer } from '../domain/queue.js';

/**
 * `live`: services/appsocket.js createLive() (subscribe, state); `loggedIn()`: whether the
 * session is still in (a closed socket while logged out forgets the state); `now()` ms (tests).
 * Returns { get state, subscribe, join, leave, refresh, dispose }.
 */
export function createQuickPlay({ api, live, loggedIn = () => true, onMatch = () => {}, now = () => Date.now() }) {
  let state = INITIAL_QUEUE;
  const listeners = new Set();
  let disposed = false;
  let loads = 0;

  function dispatch(event) {
    const next = queueReducer(state, event, now());
    if (next === state) return;
    state = next;
    for (const fn of [...listeners]) {
      try {
        fn(state, event);
      } catch (err) {
        console.error('quick play listener failed', err);
      }
    }
  }

  async function refresh() {
    const my = ++loads;
    try {
      const status = checkQueueStatus(await api('/api/queue'));
      if (disposed || my !== loads) return;
      // Paired while this tab was not listening (a reconnection): go to the game all the same.
      const missed = missedMatch(state, status);
      dispatch({ type: 'status', status });
      if (missed) onMatch(status.game_id, null);
    } catch {
      /* the next hello asks again */
    }
  }

  async function join() {
    if (state.phase !== 'idle' && state.phase !== 'matched' && state.phase !== 'unknown') return;
    loads += 1;                       // an answer of GET in flight is older than ours
    dispatch({ type: 'join' });
    try {
      const res = await api('/api/queue', { method: 'POST' });
      if (disposed) return;
      dispatch({ type: 'joined', status: checkQueueStatus(res) ?? { queued: true, waited_ms: 0 } });
    } catch (err) {
      if (!disposed) dispatch({ type: 'join_failed', error: err });
    }
  }

  async function leave() {
    if (state.phase !== 'queued') return;
    loads += 1;
    dispatch({ type: 'leave' });
    try {
      await api('/api/queue', { method: 'DELETE' });
      if (!disposed) dispatch({ type: 'left' });
    } catch (err) {
      if (disposed) return;
      // Not queued any more (404): that is what we wanted.
      if (err?.status === 404) dispatch({ type: 'left' });
      else dispatch({ type: 'leave_failed', error: err });
    }
  }

  function onEvent(ev) {
    if (disposed) return;
    if (ev.type === 'hello') {
      refresh();
    } else if (ev.type === 'status' && ev.state === 'disconnected' && !loggedIn()) {
      loads += 1;
      dispatch({ type: 'reset' });
    } else if (ev.type === 'match_found') {
      loads += 1;
      dispatch({ type: 'match_found', game_id: ev.game_id, opponent: ev.opponent });
      onMatch(ev.game_id, ev.opponent);
    }
  }

  const off = live ? live.subscribe(onEvent) : () => {};
  if (live?.state === 'connected') refresh();

  return {
    get state() { return state; },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    join,
    leave,
    refresh,
    dispose() {
      disposed = true;
      off();
      listeners.clear();
    },
  };
}
