// Login limits that are fair to the real user (issue 16, docs/security.md "Login limits"):
// an address has AUTH_RATE attempts a minute; an account has AUTH_RATE wrong passwords a
// minute, counted once whatever name (username or email) was typed; past that the account is
// locked only for addresses that failed lately, so the owner at another address still logs in.
// AUTH_RATE=2 here (a token back every 30 s: far longer than each test). Every client uses its
// own address (127.0.0.x all reach the server on 127.0.0.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call } from './api-client.mjs';
import { useServer, TEST_PASSWORD } from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '2' });

let nextAddr = 10;
/** A client address no other test used. */
const fresh = () => `127.0.0.${nextAddr++}`;

async function register(prefix) {
  const username = `${prefix}_${randomBytes(3).toString('hex')}`;
  const email = `${username}@example.org`;
  const r = await call(ctx.server, 'POST', '/api/auth/register', { body: { username, email, password: TEST_PASSWORD }, localAddress: fresh() });
  assert.equal(r.status, 201, r.text);
  return { username, email, id: r.json.user.id };
}

const login = (username, password, localAddress) =>
  call(ctx.server, 'POST', '/api/auth/login', { body: { username, password }, localAddress });

function assert429(r, where) {
  assert.equal(r.status, 429, `${where}: ${r.status} ${r.text}`);
  assert.equal(r.json.error.code, 'too_many_requests');
  assert.ok(Number(r.headers['retry-after']) >= 1, `${where}: Retry-After`);
}

test('an attacker guessing from one address is blocked; the owner at another address still logs in', async () => {
  const v = await register('victim');
  const attacker = fresh();
  assert.equal((await login(v.username, 'wrong password 1', attacker)).status, 401);
  assert.equal((await login(v.username, 'wrong password 2', attacker)).status, 401);
  assert429(await login(v.username, 'wrong password 3', attacker), 'the attacker, past its budget');
  assert429(await login(v.username, TEST_PASSWORD, attacker), 'even the right password from the guessing address');
  // the account's budget of wrong passwords is spent, yet its owner, elsewhere, gets in
  const owner = await login(v.username, TEST_PASSWORD, fresh());
  assert.equal(owner.status, 200, owner.text);
  assert.equal(owner.json.user.id, v.id);
  // while it is locked, an address gets one wrong guess, and then waits like the attacker
  const third = fresh();
  assert.equal((await login(v.username, 'wrong password 4', third)).status, 401);
  assert429(await login(v.username, TEST_PASSWORD, third), 'an address that failed while the account is locked');
});

test('the username and the email share one budget of wrong passwords', async () => {
  const v = await register('shared');
  const a = fresh();
  const b = fresh();
  assert.equal((await login(v.username.toUpperCase(), 'wrong password 1', a)).status, 401);
  assert.equal((await login(v.email.toUpperCase(), 'wrong password 2', b)).status, 401);
  // two wrong passwords by two names: the one budget of 2 is spent, so an address that failed
  // is held back whichever name it types next (each address has used 1 of its 2 attempts)
  assert429(await login(v.username, TEST_PASSWORD, b), 'the email guesser, now by username');
  assert429(await login(v.email, TEST_PASSWORD, a), 'the username guesser, now by email');
  const owner = await login(v.email, TEST_PASSWORD, fresh());
  assert.equal(owner.status, 200, owner.text);
});

test('an unknown name is limited exactly like an account (the answers do not tell them apart)', async () => {
  const name = `nobody_${randomBytes(3).toString('hex')}`;
  const a = fresh();
  const b = fresh();
  assert.equal((await login(name, 'wrong password 1', a)).status, 401);
  assert.equal((await login(name, 'wrong password 2', b)).status, 401);
  assert429(await login(name, 'wrong password 3', a), 'an unknown name, from an address that failed');
  assert.equal((await login(name, 'wrong password 4', fresh())).status, 401, 'from a clean address: 401 as for an account');
});

test('a success does not spend the account\'s budget of failures', async () => {
  const v = await register('happy');
  for (let i = 0; i < 4; i++) {
    const r = await login(v.username, TEST_PASSWORD, fresh());
    assert.equal(r.status, 200, `login ${i + 1}: ${r.text}`);
  }
  const a = fresh();
  assert.equal((await login(v.username, 'wrong password', a)).status, 401);
  assert.equal((await login(v.username, TEST_PASSWORD, a)).status, 200, 'one failure leaves a budget: the right password passes');
});
