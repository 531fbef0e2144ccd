// Plain-HTTP listener: every request gets 301 to the HTTPS origin, nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, plainRequest, buildRequest, rawTcp, INDEX_MARKER } from './helpers.mjs';

const ctx = useServer();

function assertRedirect(res, location) {
  assert.equal(res.status, 301, `status line: ${res.statusLine}`);
  assert.equal(res.headers.location, location);
  assert.ok(!res.body.toString('latin1').includes(INDEX_MARKER), 'the redirect must not serve the app');
}

test('GET on the HTTP port → 301 to the HTTPS origin, path and query kept', async () => {
  const res = await plainRequest(ctx.server.httpPort, 'GET', '/chat/room1?x=1',
    { headers: { Host: `127.0.0.1:${ctx.server.httpPort}` } });
  assertRedirect(res, `https://127.0.0.1:${ctx.server.httpsPort}/chat/room1?x=1`);
});

// libwebsockets hands over the arguments decoded; pongd re-encodes them, so the query keeps
// its meaning: every parameter, escaped "&", "%" and "+" — only a "+" meaning a space comes
// back as "%20", which means the same.
test('the query string keeps its meaning: several parameters, escapes, plus signs', async () => {
  const got = {};
  for (const q of ['a=1&b=2', 'q=a%26b', 'q=%2541', 'q=a+b%2Bc']) {
    const res = await plainRequest(ctx.server.httpPort, 'GET', `/x?${q}`, { headers: { Host: `127.0.0.1:${ctx.server.httpPort}` } });
    got[q] = res.headers.location;
  }
  const base = `https://127.0.0.1:${ctx.server.httpsPort}/x?`;
  const expected = { 'a=1&b=2': 'a=1&b=2', 'q=a%26b': 'q=a%26b', 'q=%2541': 'q=%2541', 'q=a+b%2Bc': 'q=a%20b%2Bc' };
  assert.deepEqual(got, Object.fromEntries(Object.entries(expected).map(([q, e]) => [q, base + e])));
});

// The reason phrase is libwebsockets' own ("Redirect"); RFC 9112 makes it informational only.
test('the redirect status line is HTTP/1.1 301', async () => {
  for (const [method, extra] of [['GET', {}], ['HEAD', {}], ['POST', { body: 'a=1' }]]) {
    const res = await plainRequest(ctx.server.httpPort, method, '/x', { headers: { Host: `127.0.0.1:${ctx.server.httpPort}` }, ...extra });
    assert.match(res.statusLine, /^HTTP\/1\.1 301 /, `${method}`);
  }
});

test('HEAD on the HTTP port → 301 with Location and no body', async () => {
  const c = await rawTcp(ctx.server.httpPort);
  try {
    // HEAD then GET on one connection: if HEAD carried a body, the second parse would fail.
    await c.send(buildRequest('HEAD', '/chat/room1?x=1', {}, null, `127.0.0.1:${ctx.server.httpPort}`));
    const head = await c.readResponse({ head: true });
    assertRedirect(head, `https://127.0.0.1:${ctx.server.httpsPort}/chat/room1?x=1`);
    await c.send(buildRequest('GET', '/b', { Connection: 'close' }, null, `127.0.0.1:${ctx.server.httpPort}`));
    const second = await c.readResponse();
    assertRedirect(second, `https://127.0.0.1:${ctx.server.httpsPort}/b`);
  } finally {
    c.destroy();
  }
});

test('POST on the HTTP port → 301', async () => {
  const res = await plainRequest(ctx.server.httpPort, 'POST', '/api/things?y=2',
    { headers: { Host: `127.0.0.1:${ctx.server.httpPort}`, 'Content-Type': 'application/json' }, body: '{"a":1}' });
  assertRedirect(res, `https://127.0.0.1:${ctx.server.httpsPort}/api/things?y=2`);
});

test('the host of the Location comes from the Host header (port replaced by HTTPS_PORT)', async () => {
  let res = await plainRequest(ctx.server.httpPort, 'GET', '/x?q=1', { headers: { Host: `example.test:${ctx.server.httpPort}` } });
  assertRedirect(res, `https://example.test:${ctx.server.httpsPort}/x?q=1`);
  res = await plainRequest(ctx.server.httpPort, 'GET', '/', { headers: { Host: 'pong.example.org' } });
  assertRedirect(res, `https://pong.example.org:${ctx.server.httpsPort}/`);
  res = await plainRequest(ctx.server.httpPort, 'GET', '/v6', { headers: { Host: `[::1]:${ctx.server.httpPort}` } });
  assertRedirect(res, `https://[::1]:${ctx.server.httpsPort}/v6`);
});

test('nothing else is served on the HTTP port (no 200 on any path)', async () => {
  for (const path of ['/', '/index.html', '/healthz', '/metrics', '/api/', '/static/plain.js',
    '/static/app-ABCD1234.js', '/favicon.ico', '/ws/chat/room1/', '/ws/']) {
    for (const method of ['GET', 'HEAD']) {
      const res = await plainRequest(ctx.server.httpPort, method, path, { headers: { Host: `127.0.0.1:${ctx.server.httpPort}` } });
      assertRedirect(res, `https://127.0.0.1:${ctx.server.httpsPort}${path}`);
    }
  }
});

test('a WebSocket upgrade on the HTTP port is not accepted (room chat and app socket)', async () => {
  for (const path of ['/ws/chat/room1/', '/ws/']) {
    const res = await plainRequest(ctx.server.httpPort, 'GET', path, {
      headers: {
        Host: `127.0.0.1:${ctx.server.httpPort}`, Upgrade: 'websocket', Connection: 'Upgrade',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', Origin: ctx.server.origin,
      },
    });
    assertRedirect(res, `https://127.0.0.1:${ctx.server.httpsPort}${path}`);
  }
});
