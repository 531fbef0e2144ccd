// Log in with 42 when the provider is too slow: the token exchange runs out of OAUTH42_TIMEOUT
// (1 s here, the provider answers after 4 s) and the browser ends on the login page with a
// clear error, never a hanging request or JSON; the next login, with the provider quick again,
// works. A wait of seconds: the SQLite pass only (*-long). And a second server that is not
// given the stand-in's CA: the provider's certificate does not verify, so the login ends on the
// same clear page (verification is never off).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { call } from './api-client.mjs';
import { startServer, buildWebRoot } from './helpers.mjs';
import { startFake42, user42 } from '../lib/fake42.mjs';

let server;
let untrusting;
let fixture;
let fake;
before(async () => {
  fake = await startFake42();
  fixture = buildWebRoot();
  server = await startServer({ WEB_ROOT: fixture.root, ...fake.env, OAUTH42_TIMEOUT: '1' });
  untrusting = await startServer({ WEB_ROOT: fixture.root, ...fake.env, OAUTH42_CA_FILE: '' });
});
after(async () => {
  fixture?.cleanup();
  await server?.stop();
  await untrusting?.stop();
  await fake?.stop();
});

function providerGet(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { ca: readFileSync(fake.caFile), agent: false }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.headers.location));
    }).on('error', reject);
  });
}

async function flow(s = server) {
  const host = { host: `localhost:${s.httpsPort}` };   // PUBLIC_ORIGIN's (oauth.test.mjs)
  const start = await call(s, 'GET', '/api/auth/oauth/42', { headers: host });
  const cookie = [].concat(start.headers['set-cookie']).find((c) => c.startsWith('oauth42_state=')).split(';')[0];
  const back = new URL(await providerGet(start.headers.location));
  return call(s, 'GET', `${back.pathname}${back.search}`, { cookie, headers: host });
}

test('a provider slower than OAUTH42_TIMEOUT ends on /login?oauth_error=timeout; the next login works', async () => {
  fake.knobs.user = user42(2001, 'slowpoke');
  fake.knobs.slowMs = 4000;
  const slow = await flow();
  assert.equal(slow.status, 302);
  assert.equal(slow.headers.location, '/login?oauth_error=timeout');
  assert.ok(![].concat(slow.headers['set-cookie'] || []).some((c) => c.startsWith('refresh=')));
  fake.knobs.slowMs = 0;
  const quick = await flow();
  assert.equal(quick.headers.location, '/settings?oauth42=welcome');
  assert.ok([].concat(quick.headers['set-cookie'] || []).some((c) => c.startsWith('refresh=')));
});

test('a provider whose certificate does not verify (its CA not given) is refused: /login?oauth_error=provider', async () => {
  fake.knobs.user = user42(2002, 'untrusted');
  const before = fake.requests.filter((q) => q.path === '/oauth/token').length;
  const r = await flow(untrusting);
  assert.equal(r.headers.location, '/login?oauth_error=provider');
  assert.equal(fake.requests.filter((q) => q.path === '/oauth/token').length, before, 'no request got through the TLS handshake');
  assert.match(untrusting.logs(), /oauth42: the provider's answer was refused/);
});
