// PUBLIC_ORIGIN and the default allowed origins: the names the served certificate is valid
// for on HTTPS_PORT, or PUBLIC_ORIGIN alone once set. The request's Host header is never
// trusted (before, Origin "https://<Host>" passed whatever Host the client sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { useServer, openApp, expectWsRefused, registerUser } from './helpers.mjs';

/** POST with raw headers (Host may lie); resolves to { status, body }. */
function post(server, path, headers) {
  return new Promise((res, rej) => {
    const req = https.request({ host: '127.0.0.1', port: server.httpsPort, path, method: 'POST', rejectUnauthorized: false,
      headers: { 'content-type': 'application/json', 'content-length': 2, ...headers } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { body += d; });
      r.on('end', () => res({ status: r.statusCode, body }));
    });
    req.on('error', rej);
    req.end('{}');
  });
}

const def = useServer({ AUTH_RATE: '10000' });
const pub = useServer({ AUTH_RATE: '10000', PUBLIC_ORIGIN: 'https://pong.example.org/' });

test('default: every name of the generated certificate on HTTPS_PORT is an allowed origin', async () => {
  const user = await registerUser(def.server, 'porigin');
  const p = def.server.httpsPort;
  for (const origin of [`https://localhost:${p}`, `https://127.0.0.1:${p}`, `https://[::1]:${p}`]) {
    const ws = await openApp(def.server, { token: user.token, origin });
    ws.terminate();
  }
  assert.match(def.server.logs(), new RegExp(`public origin https://localhost:${p} \\(3 allowed origins\\)`));
});

test('a lying Host header no longer makes its own Origin acceptable', async () => {
  const url = `wss://127.0.0.1:${def.server.httpsPort}/ws/`;
  for (const host of ['evil.example', `evil.example:${def.server.httpsPort}`]) {
    const r = await expectWsRefused(url, { origin: `https://${host}`, headers: { host } });
    assert.equal(r.statusCode, 403, `Host ${host}`);
    const c = await post(def.server, '/api/auth/refresh', { host, origin: `https://${host}`, cookie: 'refresh=x' });
    assert.equal(c.status, 403, `cookie route with Host ${host}: ${c.body}`);
    assert.match(c.body, /origin/i);
  }
  // another port of an allowed name is another origin
  const r = await expectWsRefused(url, { origin: 'https://localhost:1' });
  assert.equal(r.statusCode, 403);
});

test('PUBLIC_ORIGIN set: it alone is allowed, the certificate names are not', async () => {
  const user = await registerUser(pub.server, 'porigin2');
  const ws = await openApp(pub.server, { token: user.token, origin: 'https://pong.example.org' });
  ws.terminate();
  const url = `wss://127.0.0.1:${pub.server.httpsPort}/ws/`;
  for (const origin of [`https://localhost:${pub.server.httpsPort}`, pub.server.origin, 'https://pong.example.org:443']) {
    assert.equal((await expectWsRefused(url, { origin })).statusCode, 403, `Origin ${origin}`);
  }
  assert.match(pub.server.logs(), /public origin https:\/\/pong\.example\.org \(1 allowed origin\)/);
});
