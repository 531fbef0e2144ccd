// Unit tests of web/src/domain/queue.js (the quick play state machine) and
// web/src/services/queue.js over the app socket (fake WebSocket) and a fake API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  INITIAL_QUEUE, queueReducer, checkQueueStatus, canJoin, canLeave, isWaiting, waitedMs,
} from '../../web/src/domain/queue.js';
import { createQuickPlay } from '../../web/src/services/queue.js';
import { createLive } from '../../web/src/services/appsocket.js';
import { fakeEnv, flush } from './fakesocket.mjs';

const run = (events, now = 10_000, from = INITIAL_QUEUE) => events.reduce((s, e) => queueReducer(s, e, now), from);

test('checkQueueStatus', () => {
  assert.deepEqual(checkQueueStatus({ queued: true, since: 5, waited_ms: 1200, window: 130, rating: 1500 }),
    { queued: true, waited_ms: 1200, rating: 1500, game_id: null });
  assert.deepEqual(checkQueueStatus({ queued: false }), { queued: false, waited_ms: 0, rating: null, game_id: null });
  assert.equal(checkQueueStatus({ queued: false, game_id: 12 }).game_id, 12);
  assert.equal(checkQueueStatus({ queued: false, game_id: -1 }).game_id, null);
  assert.equal(checkQueueStatus({ queued: 'yes' }), null);
  assert.equal(checkQueueStatus(null), null);
});

test('unknown → idle or queued from GET /api/queue; since on our clock', () => {
  const idle = run([{ type: 'status', status: { queued: false } }]);
  assert.equal(idle.phase, 'idle');
  assert.ok(canJoin(idle));
  const q = run([{ type: 'status', status: { queued: true, waited_ms: 4000, window: 200 } }], 10_000);
  assert.equal(q.phase, 'queued');
  assert.equal(q.since, 6000);
    assert.equal(waitedMs(q, 11_000), 5000);
  assert.ok(canLeave(q));
  assert.ok(isWaiting(q));
  // a later status keeps the start of the wait, updates the rating
  const later = queueReducer(q, { type: 'status', status: { queued: true, waited_ms: 9000, rating: 1510 } }, 20_000);
  assert.equal(later.since, 6000);
  assert.equal(later.rating, 1510);
  assert.equal(queueReducer(q, { type: 'status', status: null }, 1), q, 'a bad answer changes nothing');
});

test('join → joined → leave → left, and the failures', () => {
  let s = run([{ type: 'status', status: { queued: false } }]);
  s = queueReducer(s, { type: 'join' }, 100);
  assert.equal(s.phase, 'joining');
  assert.ok(isWaiting(s));
  assert.ok(!canJoin(s) && !canLeave(s));
  assert.equal(queueReducer(s, { type: 'join' }, 100), s, 'no second join');
  assert.equal(queueReducer(s, { type: 'status', status: { queued: false } }, 100), s, 'our request decides');
  const failed = queueReducer(s, { type: 'join_failed', error: { code: 'busy' } }, 100);
  assert.deepEqual([failed.phase, failed.error.code], ['idle', 'busy']);
  s = queueReducer(s, { type: 'joined', status: { queued: true, waited_ms: 0 } }, 200);
  assert.deepEqual([s.phase, s.since], ['queued', 200]);
  s = queueReducer(s, { type: 'leave' }, 300);
  assert.equal(s.phase, 'leaving');
  const kept = queueReducer(s, { type: 'leave_failed', error: { status: 500 } }, 300);
  assert.deepEqual([kept.phase, kept.since, kept.error.status], ['queued', 200, 500]);
  s = queueReducer(s, { type: 'left' }, 400);
  assert.deepEqual([s.phase, s.since], ['idle', null]);
  assert.equal(queueReducer(s, { type: 'left' }, 1), s, 'left out of turn: ignored');
  assert.equal(queueReducer(s, { type: 'leave' }, 1), s, 'nothing to leave');
});

test('match_found from any waiting phase; play again; reset', () => {
  for (const phase of ['joining', 'queued', 'leaving', 'idle']) {
    const s = queueReducer({ ...INITIAL_QUEUE, phase, since: 1 }, { type: 'match_found', game_id: 9, opponent: { id: 2 } }, 5);
    assert.deepEqual([s.phase, s.gameId, s.opponent.id, s.since], ['matched', 9, 2, null], phase);
  }
  const m = run([{ type: 'match_found', game_id: 9 }]);
  assert.equal(queueReducer(m, { type: 'match_found', game_id: 0 }, 1), m, 'a bad id is ignored');
  assert.equal(queueReducer(m, { type: 'status', status: { queued: false } }, 1), m, 'matched stays until the next join');
  assert.ok(canJoin(m));
  assert.equal(queueReducer(m, { type: 'join' }, 1).phase, 'joining');
  assert.equal(queueReducer(m, { type: 'reset' }, 1), INITIAL_QUEUE);
  assert.equal(queueReducer(m, { type: 'nonsense' }, 1), m);
});

// ---- the service over a real createLive() with a fake WebSocket ----
function harness(answers = {}) {
  const env = fakeEnv();
  let subscriber = null;
  const session = {
    state: 'in', user: { id: 1, display_name: 'Me' }, token: 't',
    subscribe(fn) { subscriber = fn; return () => { subscriber = null; }; },
    async refresh() { return true; },
  };
  const live = createLive(session, { url: 'wss://h/ws/', deps: env.deps });
  const calls = [];
  const api = async (path, opts = {}) => {
    const key = `${opts.method ?? 'GET'} ${path}`;
    calls.push(key);
    const a = answers[key];
    const v = typeof a === 'function' ? a() : a;
    if (v instanceof Error) throw v;
    return v;
  };
  const matches = [];
  let clock = 50_000;
  const qp = createQuickPlay({ api, live, loggedIn: () => session.state === 'in', onMatch: (id, opp) => matches.push([id, opp]), now: () => clock });
  const seen = [];
  qp.subscribe((s) => seen.push(s.phase));
  return {
    env, live, qp, calls, matches, seen, session, answers,
    setClock(v) { clock = v; },
    async connect() { await flush(); env.last().open(); await flush(); env.last().hello(); await flush(); },
    logout() { session.state = 'out'; session.user = null; subscriber?.({ state: 'out', user: null }); },
  };
}

test('service: hello asks GET /api/queue and restores a wait in progress', async () => {
  const h = harness({ 'GET /api/queue': { queued: true, since: 1, waited_ms: 7000, window: 275, rating: 1500 } });
  await h.connect();
  assert.deepEqual(h.calls, ['GET /api/queue']);
  assert.equal(h.qp.state.phase, 'queued');
  assert.equal(h.qp.state.since, 43_000);
  // a reconnection asks again
  h.env.last().drop(1006);
  await h.env.fireTimer();
  h.env.last().open();
  await flush();
  h.env.last().hello();
  await flush();
  assert.deepEqual(h.calls, ['GET /api/queue', 'GET /api/queue']);
});

test('service: join, match_found opens the game once, leave', async () => {
  const h = harness({
    'GET /api/queue': { queued: false },
    'POST /api/queue': { queued: true, waited_ms: 0, window: 100, rating: 1500 },
    'DELETE /api/queue': null,
  });
  await h.connect();
  assert.equal(h.qp.state.phase, 'idle');
  await h.qp.join();
  assert.deepEqual(h.calls, ['GET /api/queue', 'POST /api/queue']);
  assert.equal(h.qp.state.phase, 'queued');
  await h.qp.join();
  assert.equal(h.calls.length, 2, 'no second POST while queued');
  await h.qp.leave();
  assert.equal(h.qp.state.phase, 'idle');
  assert.deepEqual(h.calls.slice(2), ['DELETE /api/queue']);
  await h.qp.join();
  h.env.last().receive({ type: 'match_found', game_id: 42, opponent: { id: 7, display_name: 'Rival' } });
  await flush();
  assert.deepEqual(h.matches, [[42, { id: 7, display_name: 'Rival' }]]);
  assert.equal(h.qp.state.phase, 'matched');
  assert.deepEqual(h.seen, ['idle', 'joining', 'queued', 'leaving', 'idle', 'joining', 'queued', 'matched']);
  h.env.last().receive({ type: 'match_found', game_id: 'x' });
  await flush();
  assert.equal(h.matches.length, 1, 'a malformed frame is dropped');
});

test('a wait whose match_found was missed: GET /api/queue\'s game_id ends it', () => {
  const q = run([{ type: 'status', status: { queued: true, waited_ms: 0 } }]);
  const m = queueReducer(q, { type: 'status', status: { queued: false, waited_ms: 0, game_id: 31 } }, 1);
  assert.deepEqual([m.phase, m.gameId], ['matched', 31]);
  const idle = run([{ type: 'status', status: { queued: false, game_id: 31 } }]);
  assert.equal(idle.phase, 'idle', 'not waiting: being in a game is not news');
});

test('service: a reconnection finds the game the push could not announce', async () => {
  const h = harness({ 'GET /api/queue': { queued: true, waited_ms: 0 } });
  await h.connect();
  assert.equal(h.qp.state.phase, 'queued');
  h.answers['GET /api/queue'] = { queued: false, waited_ms: 0, game_id: 77 };
  h.env.last().drop(1006);
  await h.env.fireTimer();
  h.env.last().open();
  await flush();
  h.env.last().hello();
  await flush();
  assert.deepEqual(h.matches, [[77, null]]);
  assert.equal(h.qp.state.phase, 'matched');
});

test('service: refusals and a 404 on leave', async () => {
  const busy = Object.assign(new Error('busy'), { status: 409, code: 'busy' });
  const gone = Object.assign(new Error('gone'), { status: 404, code: 'not_found' });
  const h = harness({ 'GET /api/queue': { queued: false }, 'POST /api/queue': busy, 'DELETE /api/queue': gone });
  await h.connect();
  await h.qp.join();
  assert.equal(h.qp.state.phase, 'idle');
  assert.equal(h.qp.state.error.code, 'busy');
  h.answers['POST /api/queue'] = { queued: true, waited_ms: 0 };
  await h.qp.join();
  assert.equal(h.qp.state.error, null);
  await h.qp.leave();
  assert.equal(h.qp.state.phase, 'idle', 'not queued any more is what we wanted');
});

test('service: a stale GET answer does not undo a join; logging out forgets the state', async () => {
  let release;
  const h = harness({
    'GET /api/queue': () => new Promise((r) => { release = () => r({ queued: false }); }),
    'POST /api/queue': { queued: true, waited_ms: 0 },
  });
  await h.connect();
  await h.qp.join();
  release();
  await flush();
  assert.equal(h.qp.state.phase, 'queued');
  h.logout();
  await flush();
  assert.equal(h.qp.state.phase, 'unknown');
  h.qp.dispose();
  h.live.dispose();
});
