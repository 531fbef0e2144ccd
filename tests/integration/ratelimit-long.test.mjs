// The general API budget (API_RATE, issue 16): per account and per address, 429 with
// Retry-After and the JSON error, recovery after waiting; no escape by another address or by
// forwarding headers; walking user ids is held back; health probes and WebSockets are outside
// it. A "-long" file: it waits for buckets to refill (SQLite pass only).
//
// The budget here: 0.5 requests a second per account, burst 6 (an address: 2 a second, burst
// 24). Each test uses its own client addresses (127.0.0.x all reach the server on 127.0.0.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './api-client.mjs';
import { useServer, registerUser, sleep, openApp, authWs, get } from './helpers.mjs';

const ctx = useServer({ API_RATE: '0.5,6', AUTH_RATE: '10000' });

/** Requests until the first 429 (at most `max`); resolves to { ok, tooMany } (the 429 answer or null). */
async function untilLimited(path, { token, localAddress, max = 60 }) {
  let ok = 0;
  for (let i = 0; i < max; i++) {
    const r = await call(ctx.server, 'GET', typeof path === 'function' ? path(i) : path, { token, localAddress });
    if (r.status === 429) return { ok, tooMany: r };
    ok += 1;
  }
  return { ok, tooMany: null };
}

function assertTooMany(r, where) {
  assert.equal(r.status, 429, where);
  assert.equal(r.json?.error?.code, 'too_many_requests', `${where}: the JSON error`);
  assert.equal(typeof r.json.error.message, 'string');
  const after = Number(r.headers['retry-after']);
  assert.ok(Number.isInteger(after) && after >= 1, `${where}: Retry-After is whole seconds ≥ 1 (got ${r.headers['retry-after']})`);
  return after;
}

test('an account past its budget gets 429 + Retry-After, and gets through again after waiting that long', async () => {
  const u = await registerUser(ctx.server, 'rl', {});
  const { ok, tooMany } = await untilLimited('/api/users/me', { token: u.token, localAddress: '127.0.0.3' });
  assert.ok(tooMany, 'the account was never limited');
  assert.ok(ok >= 6, `the burst (6) passes first, got ${ok}`);
  const after = assertTooMany(tooMany, 'past the budget');
  await sleep(after * 1000 + 100);
  const again = await call(ctx.server, 'GET', '/api/users/me', { token: u.token, localAddress: '127.0.0.3' });
  assert.equal(again.status, 200, 'after Retry-After seconds a request goes through');
  assert.equal(again.json.id, u.user.id);
});

test('one account cannot escape its budget from another address or with forwarding headers', async () => {
  const u = await registerUser(ctx.server, 'rlx', {});
  const { tooMany } = await untilLimited('/api/users/me', { token: u.token, localAddress: '127.0.0.4' });
  assert.ok(tooMany, 'the account was never limited');
  // the same token from a fresh address, with every header a proxy might set
  const headers = { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9', forwarded: 'for=203.0.113.9' };
  const moved = await call(ctx.server, 'GET', '/api/users/me', { token: u.token, localAddress: '127.0.0.5', headers });
  assertTooMany(moved, 'the same account from another address');
  // the fresh address itself is not spent: another account from it gets through
  const other = await registerUser(ctx.server, 'rly', {});
  const fine = await call(ctx.server, 'GET', '/api/users/me', { token: other.token, localAddress: '127.0.0.5' });
  assert.equal(fine.status, 200, 'another account from that address');
  // and forwarding headers do not give an address a new budget either
  const anon = await untilLimited('/api/', { localAddress: '127.0.0.6', max: 200 });
  assert.ok(anon.tooMany, 'the address was never limited');
  assert.ok(anon.ok >= 24, `an address's burst is 4 accounts' (24), got ${anon.ok}`);
  const forwarded = await call(ctx.server, 'GET', '/api/', { localAddress: '127.0.0.6', headers });
  assertTooMany(forwarded, 'X-Forwarded-For is not trusted');
});

test('walking user ids: refused without login, and held back by the budget with one', async () => {
  const anon = await call(ctx.server, 'GET', '/api/users/1', { localAddress: '127.0.0.7' });
  assert.equal(anon.status, 401, 'profiles need a login');
  const walker = await registerUser(ctx.server, 'rlw', {});
  for (let i = 0; i < 3; i++) await registerUser(ctx.server, 'rlv', {});
  const N = 60;
  const seen = [];
  const { ok, tooMany } = await untilLimited((i) => `/api/users/${i + 1}`, { token: walker.token, localAddress: '127.0.0.8', max: N });
  assert.ok(tooMany, `the walker read all ${N} ids`);
  assertTooMany(tooMany, 'walking ids');
  assert.ok(ok < N, 'the walk was stopped');
  // and it stays stopped for every next id while the budget is spent
  for (let id = ok + 2; id < ok + 6; id++) {
    const r = await call(ctx.server, 'GET', `/api/users/${id}`, { token: walker.token, localAddress: '127.0.0.8' });
    seen.push(r.status);
  }
  assert.ok(seen.every((s) => s === 429), `the next ids are refused too: ${seen}`);
  // without a token, walking gets nothing but 401s, and the address's budget ends those too
  const blind = await untilLimited((i) => `/api/users/${i + 1}`, { localAddress: '127.0.0.9', max: 200 });
  assert.ok(blind.tooMany, 'anonymous walking was never limited');
});

test('health probes and WebSockets are outside the API budget', async () => {
  const u = await registerUser(ctx.server, 'rlh', {});
  const { tooMany } = await untilLimited('/api/users/me', { token: u.token });
  assert.ok(tooMany);
  const h = await get(ctx.server.httpsPort, '/healthz');
  assert.equal(h.status, 200, '/healthz');
  const m = await get(ctx.server.httpsPort, '/metrics');
  assert.equal(m.status, 200, '/metrics');
  // the app socket is capped by connections, not by requests: it opens and authenticates
  const ws = await openApp(ctx.server, { token: u.token });
  try {
    assert.equal(ws.readyState, 1);
  } finally {
    ws.close();
  }
});
