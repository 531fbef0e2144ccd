// Unit tests of web/src/app/session.js with a fake fetch, locks and clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSession, refreshDelay, errorFromResponse, ApiError, REFRESH_MARGIN_MS, MIN_REFRESH_DELAY_MS,
  RETRY_REFRESH_MS,
} from '../../web/src/app/session.js';

const USER = { id: 7, username: 'alice', display_name: 'Alice', email: 'a@example.org', language: 'fr' };

function json(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function tokens(n, user = USER, expires = 900) {
  return { user, access_token: `tok${n}`, token_type: 'Bearer', expires_in: expires };
}

/**
 * A fake fetch answering from `routes[method path]` (a function of the request) and logging
 * calls. The page load's POST /api/auth/restore is the server's refresh with 204 instead of 401
 * (no session): without a route of its own it answers as the refresh route does, so, and
 * count('POST /api/auth/refresh') counts it too.
 */
function harness({ routes = {}, locks = null, channel = null } = {}) {
  const calls = [];
  const timers = new Map();
  let nextId = 1;
  let clock = 1_000_000;
  const fetch = async (path, init) => {
    const call = { path, method: init.method, headers: init.headers, body: init.body, credentials: init.credentials };
    calls.push(call);
    const key = `${init.method} ${path}`;
    if (key === 'POST /api/auth/restore' && !routes[key] && routes['POST /api/auth/refresh']) {
      const res = await routes['POST /api/auth/refresh'](call, calls);
      return res.status === 401 ? new Response(null, { status: 204 }) : res;
    }
    const handler = routes[key];
    if (!handler) return json(404, { error: { code: 'not_found', message: 'No such API endpoint.' } });
    return handler(call, calls);
  };
  const session = createSession({
    fetch,
    locks,
    channel,
    setTimeout: (fn, ms) => { const id = nextId++; timers.set(id, { fn, ms, at: clock + ms }); return id; },
    clearTimeout: (id) => timers.delete(id),
    now: () => clock,
  });
  const events = [];
  session.subscribe((s) => events.push(s.state));
  return {
    session, calls, timers, events,
    count: (key) => calls.filter((c) => `${c.method} ${c.path}` === key
      || (key === 'POST /api/auth/refresh' && `${c.method} ${c.path}` === 'POST /api/auth/restore')).length,
    advance(ms) { clock += ms; },
    async fireTimer() {
      assert.equal(timers.size, 1, 'exactly one pending timer');
      const [[id, t]] = timers;
      timers.delete(id);
      clock = Math.max(clock, t.at);
      t.fn();
      return t.ms;
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

test('refreshDelay: a minute before expiry, half of a short lifetime, never below the minimum', () => {
  assert.equal(refreshDelay(900_000), 900_000 - REFRESH_MARGIN_MS);
  assert.equal(refreshDelay(100_000), 50_000);
  assert.equal(refreshDelay(1_000), MIN_REFRESH_DELAY_MS);
});

test('errorFromResponse reads code, message, fields and Retry-After', async () => {
  const e = await errorFromResponse(json(400, { error: { code: 'invalid_fields', message: 'Bad.', fields: { password: 'too_short' } } }));
  assert.ok(e instanceof ApiError);
  assert.deepEqual([e.status, e.code, e.message, e.fields], [400, 'invalid_fields', 'Bad.', { password: 'too_short' }]);
  const busy = await errorFromResponse(json(503, { error: { code: 'busy', message: 'Later.' } }, { 'retry-after': '3' }));
  assert.equal(busy.retryAfter, 3);
  const single = await errorFromResponse(json(400, { error: { code: 'too_long', field: 'message' } }));
  assert.deepEqual(single.fields, { message: 'too_long' });
  const html = await errorFromResponse(new Response('<h1>oops</h1>', { status: 502 }));
  assert.deepEqual([html.status, html.code, html.fields, html.retryAfter], [502, '', null, 0]);
});

test('restore with a live session: one POST /api/auth/restore, logged in, token in memory only', async () => {
  const h = harness({ routes: { 'POST /api/auth/restore': () => json(200, tokens(1)) } });
  assert.equal(h.session.state, 'unknown');
  const [a, b] = [h.session.restore(), h.session.restore()];
  assert.equal(await a, 'in');
  assert.equal(await b, 'in');
  assert.deepEqual(h.calls.map((c) => `${c.method} ${c.path}`), ['POST /api/auth/restore']);
  assert.equal(h.calls[0].credentials, 'same-origin');
  assert.equal(h.session.user.display_name, 'Alice');
  assert.equal(h.session.token, 'tok1');
  assert.deepEqual(h.events, ['in']);
  // a refresh is scheduled a minute before expiry
  assert.equal([...h.timers.values()][0].ms, 900_000 - REFRESH_MARGIN_MS);
});

test('restore: 204 (no session in the cookie) means logged out, silently, with no error', async () => {
  const h = harness({ routes: { 'POST /api/auth/restore': () => new Response(null, { status: 204 }) } });
  assert.equal(await h.session.restore(), 'out');
  assert.equal(h.session.user, null);
  assert.equal(h.session.token, null);
  assert.deepEqual(h.events, ['out']);
  assert.equal(h.timers.size, 0);
  assert.equal(h.calls.length, 1);
});

test('restore asks every time the page loads: nothing in Web Storage decides (the cookie alone does)', async () => {
  const saved = globalThis.localStorage;
  const touched = [];
  globalThis.localStorage = {
    getItem: (k) => { touched.push(k); return null; },
    setItem: (k) => touched.push(k),
    removeItem: (k) => touched.push(k),
  };
  try {
    const h = harness({ routes: { 'POST /api/auth/restore': () => json(200, tokens(1)) } });
    assert.equal(await h.session.restore(), 'in');
    await h.session.logout().catch(() => {});
    const h2 = harness({ routes: { 'POST /api/auth/restore': () => json(200, tokens(2)) } });
    assert.equal(await h2.session.restore(), 'in', 'a new page load asks again, logged out before or not');
    assert.deepEqual(touched, [], 'the session never reads or writes localStorage');
  } finally {
    if (saved === undefined) delete globalThis.localStorage;
    else globalThis.localStorage = saved;
  }
});

test('restore: a 401 (an older server) also means logged out', async () => {
  const h = harness({ routes: { 'POST /api/auth/restore': () => json(401, { error: { code: 'refresh_invalid' } }) } });
  assert.equal(await h.session.restore(), 'out');
  assert.deepEqual(h.events, ['out']);
});

test('restore during a network failure: logged out for now', async () => {
  const h = harness({ routes: { 'POST /api/auth/restore': () => { throw new TypeError('Failed to fetch'); } } });
  assert.equal(await h.session.restore(), 'out');
  assert.equal(h.session.token, null);
});

test('login stores the session, sends JSON, and broadcasts to other tabs', async () => {
  const posted = [];
  const channel = { postMessage: (m) => posted.push(m), addEventListener() {} };
  const h = harness({ channel, routes: { 'POST /api/auth/login': () => json(200, tokens(1)) } });
  const user = await h.session.login({ username: 'alice', password: 'pw pw pw pw' });
  assert.equal(user.id, 7);
  const call = h.calls[0];
  assert.equal(call.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(call.body), { username: 'alice', password: 'pw pw pw pw' });
  assert.equal(call.headers.Authorization, undefined);
  assert.equal(h.session.state, 'in');
  assert.deepEqual(posted, [{ type: 'login' }]);
});

test('login with a second factor on: a challenge and no session; verifyTwoFactor logs in; wrong codes say attempts left', async () => {
  const posted = [];
  const channel = { postMessage: (m) => posted.push(m), addEventListener() {} };
  let verifies = 0;
  const h = harness({
    channel,
    routes: {
      'POST /api/auth/login': () => json(200, { two_factor_required: true, challenge: '7.tok', methods: ['totp', 'recovery'], expires_in: 300 }),
      'POST /api/auth/2fa/verify': () => {
        verifies += 1;
        return verifies === 1
          ? json(401, { error: { code: 'code_reused', message: 'Used.', attempts_left: 4 } })
          : json(200, tokens(1));
      },
    },
  });
  const res = await h.session.login({ username: 'alice', password: 'pw pw pw pw' });
  assert.equal(res.twoFactor.challenge, '7.tok');
  assert.deepEqual(res.twoFactor.methods, ['totp', 'recovery']);
  assert.ok(res.twoFactor.expiresAt > 0);
  assert.notEqual(h.session.state, 'in');
  assert.deepEqual(posted, [], 'no login broadcast before the second step');
  await assert.rejects(h.session.verifyTwoFactor({ challenge: '7.tok', code: '123456' }),
    (e) => e instanceof ApiError && e.code === 'code_reused' && e.attemptsLeft === 4);
  const user = await h.session.verifyTwoFactor({ challenge: '7.tok', code: '654321' });
  assert.equal(user.id, 7);
  const call = h.calls.filter((c) => c.path === '/api/auth/2fa/verify').at(-1);
  assert.deepEqual(JSON.parse(call.body), { challenge: '7.tok', code: '654321' });
  assert.equal(call.headers.Authorization, undefined);
  assert.equal(h.session.state, 'in');
  assert.deepEqual(posted, [{ type: 'login' }]);
});

test('login failures throw ApiError with the server code and fields; state unchanged', async () => {
  const h = harness({
    routes: {
      'POST /api/auth/login': () => json(401, { error: { code: 'invalid_credentials', message: 'Invalid credentials.' } }),
      'POST /api/auth/register': () => json(409, { error: { code: 'conflict', message: 'Taken.', fields: { username: 'taken' } } }),
    },
  });
  await h.session.restore();
  const asked = h.count('POST /api/auth/refresh');   // the page load's restore
  await assert.rejects(h.session.login({ username: 'x', password: 'y' }), (e) => e instanceof ApiError && e.status === 401 && e.code === 'invalid_credentials');
  await assert.rejects(h.session.register({ username: 'x' }), (e) => e.status === 409 && e.fields.username === 'taken');
  assert.equal(h.count('POST /api/auth/refresh'), asked, 'a failed login does not try a refresh');
  assert.equal(h.session.state, 'out');
});

test('api adds the Bearer token, parses JSON, returns null for 204', async () => {
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => json(200, tokens(1)),
      'GET /api/users/me': (c) => json(200, { ...USER, seen: c.headers.Authorization }),
      'DELETE /api/auth/sessions/3': () => new Response(null, { status: 204 }),
      'PATCH /api/users/me': (c) => json(200, { ...USER, ...JSON.parse(c.body) }),
    },
  });
  // api() waits for restore() when the state is not known yet
  const me = await h.session.api('/api/users/me');
  assert.equal(me.seen, 'Bearer tok1');
  assert.equal(await h.session.api('/api/auth/sessions/3', { method: 'DELETE' }), null);
  const patched = await h.session.api('/api/users/me', { method: 'PATCH', json: { display_name: 'Al' } });
  assert.equal(patched.display_name, 'Al');
  assert.equal(h.calls.at(-1).headers['Content-Type'], 'application/json');
});

test('api sends raw bodies as they are (avatar upload)', async () => {
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => json(200, tokens(1)),
      'PUT /api/users/me/avatar': (c) => json(200, { avatar_url: `/a?len=${c.body.size}&type=${c.headers['Content-Type']}` }),
    },
  });
  const blob = new Blob([new Uint8Array(10)], { type: 'image/png' });
  const res = await h.session.api('/api/users/me/avatar', { method: 'PUT', body: blob, headers: { 'Content-Type': 'image/png' } });
  assert.equal(res.avatar_url, '/a?len=10&type=image/png');
});

test('api: an expired token is refreshed once and the request retried', async () => {
  let n = 0;
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => json(200, tokens(++n)),
      'GET /api/friends': (c) => (c.headers.Authorization === 'Bearer tok1'
        ? json(401, { error: { code: 'token_expired', message: 'Expired.' } })
        : json(200, { friends: [], token: c.headers.Authorization })),
    },
  });
  await h.session.restore();
  const res = await h.session.api('/api/friends');
  assert.equal(res.token, 'Bearer tok2');
  assert.equal(h.count('POST /api/auth/refresh'), 2);
  assert.equal(h.count('GET /api/friends'), 2);
});

test('api: concurrent 401s share one refresh (rotation would see parallel ones as reuse)', async () => {
  let n = 0;
  let release;
  const gate = new Promise((r) => { release = r; });
  const h = harness({
    routes: {
      'POST /api/auth/refresh': async () => {
        n += 1;
        if (n > 1) await gate;
        return json(200, tokens(n));
      },
      'GET /api/x': (c) => (c.headers.Authorization === 'Bearer tok1'
        ? json(401, { error: { code: 'token_expired' } })
        : json(200, { ok: c.headers.Authorization })),
    },
  });
  await h.session.restore();
  const all = Promise.all([1, 2, 3, 4].map(() => h.session.api('/api/x')));
  await flush();
  await flush();
  release();
  const results = await all;
  assert.deepEqual(results.map((r) => r.ok), ['Bearer tok2', 'Bearer tok2', 'Bearer tok2', 'Bearer tok2']);
  assert.equal(h.count('POST /api/auth/refresh'), 2, 'the restore, then one shared refresh');
  // explicit refresh() calls while one is running share it too
  const p = [h.session.refresh(), h.session.refresh(), h.session.refresh()];
  assert.deepEqual(await Promise.all(p), [true, true, true]);
  assert.equal(h.count('POST /api/auth/refresh'), 3);
});

test('api: a 401 that refresh cannot fix logs out and throws', async () => {
  let refreshes = 0;
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => (++refreshes === 1 ? json(200, tokens(1)) : json(401, { error: { code: 'refresh_reused' } })),
      'GET /api/x': () => json(401, { error: { code: 'unauthorized', message: 'No.' } }),
    },
  });
  await h.session.restore();
  await assert.rejects(h.session.api('/api/x'), (e) => e.status === 401 && e.code === 'unauthorized');
  assert.equal(h.session.state, 'out');
  assert.deepEqual(h.events, ['in', 'out']);
  // Logged out now: another call goes without a token and is not retried.
  await assert.rejects(h.session.api('/api/x'), (e) => e.status === 401);
  assert.equal(h.calls.at(-1).headers.Authorization, undefined);
  assert.equal(refreshes, 2);
});

test('api: other errors are not retried; network failures become status 0', async () => {
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => json(200, tokens(1)),
      'GET /api/forbidden': () => json(403, { error: { code: 'blocked', message: 'Blocked.' } }),
      'GET /api/down': () => { throw new TypeError('Failed to fetch'); },
      'GET /api/limited': () => json(429, { error: { code: 'too_many_requests' } }, { 'retry-after': '7' }),
    },
  });
  await assert.rejects(h.session.api('/api/forbidden'), (e) => e.status === 403 && e.code === 'blocked');
  await assert.rejects(h.session.api('/api/down'), (e) => e.status === 0 && e.code === 'network');
  await assert.rejects(h.session.api('/api/limited'), (e) => e.status === 429 && e.retryAfter === 7);
  assert.equal(h.count('POST /api/auth/refresh'), 1);
});

test('the timer refreshes before expiry; a passing failure retries later, keeping the session', async () => {
  let n = 0;
  let fail = false;
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => (fail ? json(503, { error: { code: 'busy' } }, { 'retry-after': '2' }) : json(200, tokens(++n))),
    },
  });
  await h.session.restore();
  assert.equal(await h.fireTimer(), 900_000 - REFRESH_MARGIN_MS);
  await flush();
  assert.equal(h.session.token, 'tok2');
  fail = true;
  await h.fireTimer();
  await flush();
  assert.equal(h.session.state, 'in', 'still logged in: the token is still good');
  assert.equal([...h.timers.values()][0].ms, 2000, 'retried after Retry-After');
  fail = false;
  await h.fireTimer();
  await flush();
  assert.equal(h.session.token, 'tok3');
  // without Retry-After (a network failure), the default delay
  const h2 = harness({ routes: { 'POST /api/auth/refresh': () => (fail ? Promise.reject(new TypeError('offline')) : json(200, tokens(9))) } });
  await h2.session.restore();
  fail = true;
  await h2.fireTimer();
  await flush();
  assert.equal(h2.session.state, 'in');
  assert.equal([...h2.timers.values()][0].ms, RETRY_REFRESH_MS);
  // once the token has expired, a failed refresh logs out
  h2.advance(10 * 60_000);
  await h2.fireTimer();
  await flush();
  assert.equal(h2.session.state, 'out');
});

test('refresh uses the cross-tab lock when there is one', async () => {
  const held = [];
  const locks = { request: async (name, fn) => { held.push(name); return fn(); } };
  const h = harness({ locks, routes: { 'POST /api/auth/refresh': () => json(200, tokens(1)) } });
  await h.session.restore();
  assert.deepEqual(held, ['transcendence-auth-refresh']);
});

test('logout: waits for a running refresh, posts with the cookie, forgets everything', async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const order = [];
  const posted = [];
  const channel = { postMessage: (m) => posted.push(m), addEventListener() {} };
  const h = harness({
    channel,
    routes: {
      'POST /api/auth/refresh': async () => { order.push('refresh'); await gate; order.push('refreshed'); return json(200, tokens(2)); },
      'POST /api/auth/logout': () => { order.push('logout'); return new Response(null, { status: 204 }); },
    },
  });
  const restoring = h.session.restore();
  await flush();
  const out = h.session.logout();
  await flush();
  assert.deepEqual(order, ['refresh'], 'logout waits for the refresh');
  release();
  assert.equal(await out, true);
  await restoring;
  assert.deepEqual(order, ['refresh', 'refreshed', 'logout']);
  assert.equal(h.session.state, 'out', 'the refresh answer that came before logout is ignored');
  assert.equal(h.timers.size, 0);
  assert.deepEqual(posted, [{ type: 'logout' }]);
  assert.equal(h.calls.find((c) => c.path === '/api/auth/logout').headers.Authorization, undefined);
});

test('logoutAll needs the server to agree', async () => {
  let ok = false;
  const h = harness({
    routes: {
      'POST /api/auth/refresh': () => json(200, tokens(1)),
      'POST /api/auth/logout-all': (c) => (ok && c.headers.Authorization === 'Bearer tok1'
        ? new Response(null, { status: 204 }) : json(503, { error: { code: 'busy' } })),
    },
  });
  await h.session.restore();
  await assert.rejects(h.session.logoutAll(), (e) => e.status === 503);
  assert.equal(h.session.state, 'in');
  ok = true;
  await h.session.logoutAll();
  assert.equal(h.session.state, 'out');
});

test('another tab logging out or in is followed here', async () => {
  let onMessage = null;
  const channel = { postMessage() {}, addEventListener: (type, fn) => { onMessage = fn; }, removeEventListener() {}, close() {} };
  let n = 0;
  const h = harness({ channel, routes: { 'POST /api/auth/refresh': () => json(200, tokens(++n)) } });
  await h.session.restore();
  onMessage({ data: { type: 'logout' } });
  assert.equal(h.session.state, 'out');
  onMessage({ data: { type: 'login' } });
  await flush();
  await flush();
  assert.equal(h.session.state, 'in');
  assert.equal(h.session.token, 'tok2');
  h.session.dispose();
  assert.equal(h.timers.size, 0);
});

test('setUser merges account changes and notifies; ended() forgets the session', async () => {
  const h = harness({ routes: { 'POST /api/auth/refresh': () => json(200, tokens(1)) } });
  await h.session.restore();
  const seen = [];
  const off = h.session.subscribe((s) => seen.push(s.user?.display_name ?? null));
  h.session.setUser({ display_name: 'Alicia' });
  assert.equal(h.session.user.display_name, 'Alicia');
  assert.equal(h.session.user.email, 'a@example.org');
  h.session.ended();
  assert.equal(h.session.state, 'out');
  h.session.setUser({ display_name: 'ignored' });
  assert.equal(h.session.user, null);
  off();
  assert.deepEqual(seen, ['Alicia', null]);
});

test('a throwing subscriber does not break the others', async () => {
  const h = harness({ routes: { 'POST /api/auth/refresh': () => json(200, tokens(1)) } });
  const original = console.error;
  console.error = () => {};
  try {
    h.session.subscribe(() => { throw new Error('boom'); });
    await h.session.restore();
  } finally {
    console.error = original;
  }
  assert.deepEqual(h.events, ['in']);
});
