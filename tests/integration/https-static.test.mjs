// HTTPS: status line, HEAD, keep-alive, security headers, static files, content types,
// ETag/304, Cache-Control, gzip, single-page fallback, /api/, /healthz, 405, ALPN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import tls from 'node:tls';
import {
  useServer, rawTls, buildRequest, request, get, parseJson, assertSecurityHeaders,
  INDEX_MARKER, withTimeout,
} from './helpers.mjs';

let port;
const ctx = useServer({}, () => {
  port = ctx.server.httpsPort;
});

const IMMUTABLE = 'public, max-age=31536000, immutable';

test('raw status line of HEAD / is exactly "HTTP/1.1 200 OK"', async () => {
  const c = await rawTls(port);
  try {
    await c.send(buildRequest('HEAD', '/', { Connection: 'close' }));
    const r = await c.readResponse({ head: true });
    assert.equal(r.statusLine, 'HTTP/1.1 200 OK');
    const gone = await c.waitClosed(5000);
    assert.ok(gone, 'Connection: close must close the connection');
    assert.equal(c.buf.length, 0, `HEAD must not send a body, got ${c.buf.length} extra bytes`);
  } finally {
    c.destroy();
  }
});

test('GET / serves index.html with the marker, text/html and no-cache', async () => {
  const r = await get(port, '/');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/html\b/);
  assert.ok(r.body.toString('utf8').includes(INDEX_MARKER));
  assert.equal(r.body.length, Number(r.headers['content-length']));
  assert.equal(r.headers['cache-control'], 'no-cache');
  assertSecurityHeaders(assert, r.headers, 'GET /');
});

test('HEAD has no body but the same Content-Length as GET', async () => {
  for (const path of ['/', '/static/plain.js', '/img.png', '/healthz']) {
    const g = await get(port, path);
    const c = await rawTls(port);
    try {
      await c.send(buildRequest('HEAD', path));
      const h = await c.readResponse({ head: true });
      assert.equal(h.status, 200, `HEAD ${path}`);
      if (path !== '/healthz') assert.equal(h.headers['content-length'], g.headers['content-length'], `Content-Length of HEAD ${path}`);
      assert.equal(h.headers['content-type'], g.headers['content-type'], `Content-Type of HEAD ${path}`);
      // A follow-up request on the same connection must parse cleanly: no stray body bytes.
      await c.send(buildRequest('GET', '/data.json', { Connection: 'close' }));
      const next = await c.readResponse();
      assert.equal(next.statusLine, 'HTTP/1.1 200 OK', `request after HEAD ${path}`);
      assert.deepEqual(next.body, ctx.fixture.files['/data.json']);
    } finally {
      c.destroy();
    }
  }
});

test('keep-alive: two requests on one TLS connection are both answered', async () => {
  const c = await rawTls(port);
  try {
    await c.send(buildRequest('GET', '/static/plain.js'));
    const a = await c.readResponse();
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, ctx.fixture.files['/static/plain.js']);
    assert.ok(!c.closed, 'connection must stay open after an HTTP/1.1 response');
    await c.send(buildRequest('GET', '/data.json'));
    const b = await c.readResponse();
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, ctx.fixture.files['/data.json']);
  } finally {
    c.destroy();
  }
});

test('pipelined requests in one write are answered in order', async () => {
  const c = await rawTls(port);
  try {
    await c.send(Buffer.concat([
      buildRequest('GET', '/static/plain.js'),
      buildRequest('GET', '/data.json'),
      buildRequest('GET', '/icon.svg', { Connection: 'close' }),
    ]));
    const a = await c.readResponse();
    const b = await c.readResponse();
    const d = await c.readResponse();
    assert.deepEqual(a.body, ctx.fixture.files['/static/plain.js']);
    assert.deepEqual(b.body, ctx.fixture.files['/data.json']);
    assert.deepEqual(d.body, ctx.fixture.files['/icon.svg']);
  } finally {
    c.destroy();
  }
});

test('security headers on index, static file, SPA fallback, API 404, /api/, /healthz, /metrics', async () => {
  const cases = [
    ['/', {}],
    ['/static/app-ABCD1234.js', {}],
    ['/img.png', {}],
    ['/chat/room1', { Accept: 'text/html' }],
    ['/api/nope', {}],
    ['/api/', {}],
    ['/healthz', {}],
    ['/metrics', {}],
    ['/static/missing.js', {}],
  ];
  for (const [path, headers] of cases) {
    const r = await get(port, path, headers);
    assertSecurityHeaders(assert, r.headers, `GET ${path} → ${r.status}`);
  }
});

test('content types', async () => {
  const expected = {
    '/index.html': /^text\/html\b/,
    '/static/style-0123abcd.css': /^text\/css\b/,
    '/static/plain.js': /^(text|application)\/javascript\b/,
    '/static/x.mjs': /^(text|application)\/javascript\b/,
    '/data.json': /^application\/json\b/,
    '/icon.svg': /^image\/svg\+xml\b/,
    '/img.png': /^image\/png$/,
    '/img.jpg': /^image\/jpeg$/,
    '/img.webp': /^image\/webp$/,
    '/favicon.ico': /^image\/(x-icon|vnd\.microsoft\.icon)$/,
    '/font.woff2': /^font\/woff2$/,
    '/mod.wasm': /^application\/wasm$/,
  };
  for (const [path, re] of Object.entries(expected)) {
    const r = await get(port, path);
    assert.equal(r.status, 200, `GET ${path}`);
    assert.match(r.headers['content-type'] || '', re, `Content-Type of ${path}`);
    if (path !== '/index.html') assert.deepEqual(r.body, ctx.fixture.files[path], `body of ${path}`);
  }
});

test('binary files are served byte-exact (200 KB png)', async () => {
  const r = await get(port, '/img.png');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.body.length, ctx.fixture.files['/img.png'].length);
  assert.ok(r.body.equals(ctx.fixture.files['/img.png']), 'png bytes differ');
});

test('ETag present; If-None-Match with it → 304 without body; another tag → 200', async () => {
  for (const path of ['/static/plain.js', '/img.png', '/']) {
    const r = await get(port, path);
    const etag = r.headers.etag;
    assert.ok(etag, `ETag missing on ${path}`);
    assert.match(etag, /^(W\/)?"[^"]*"$/, `ETag must be a quoted entity tag: ${etag}`);

    const c = await rawTls(port);
    try {
      await c.send(buildRequest('GET', path, { 'If-None-Match': etag }));
      const nm = await c.readResponse();
      assert.equal(nm.status, 304, `If-None-Match on ${path}`);
      assert.equal(nm.headers.etag, etag, '304 must repeat the ETag');
      assertSecurityHeaders(assert, nm.headers, `304 ${path}`);
      // No body: the next response on the connection must start right away.
      await c.send(buildRequest('GET', path, { 'If-None-Match': '"definitely-not-the-tag"', Connection: 'close' }));
      const other = await c.readResponse();
      assert.equal(other.statusLine, 'HTTP/1.1 200 OK', `a different tag on ${path}`);
      if (path !== '/') assert.deepEqual(other.body, ctx.fixture.files[path]);
    } finally {
      c.destroy();
    }

    const list = await get(port, path, { 'If-None-Match': `"nope", ${etag}` });
    assert.equal(list.status, 304, `If-None-Match list containing the tag on ${path}`);
  }
});

test('ETags differ between different files', async () => {
  const a = await get(port, '/static/plain.js');
  const b = await get(port, '/static/x.mjs');
  assert.notEqual(a.headers.etag, b.headers.etag);
});

test('Cache-Control: immutable for content-hashed names only', async () => {
  for (const path of ['/static/app-ABCD1234.js', '/static/style-0123abcd.css']) {
    const r = await get(port, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['cache-control'], IMMUTABLE, `Cache-Control of ${path}`);
  }
  for (const path of ['/static/plain.js', '/static/x.mjs', '/index.html', '/', '/data.json',
    '/static/app-ABC123.js', '/static/app-ghijklmn.js']) {
    const r = await get(port, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['cache-control'], 'no-cache', `Cache-Control of ${path}`);
  }
});

test('gzip: accepted → gzip body that inflates to the original; otherwise identity; Vary', async () => {
  const original = ctx.fixture.files['/static/big.js'];
  const gz = await get(port, '/static/big.js', { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.match(gz.headers.vary || '', /accept-encoding/i, 'Vary: Accept-Encoding on the gzip response');
  assert.ok(gz.body.length < original.length / 2, `gzip body (${gz.body.length}) should be much smaller than ${original.length}`);
  assert.ok(gunzipSync(gz.body).equals(original), 'gzip body must inflate to the original bytes');
  assert.match(gz.headers['content-type'], /^(text|application)\/javascript\b/);

  const id = await get(port, '/static/big.js');
  assert.equal(id.status, 200);
  assert.ok(!id.headers['content-encoding'] || id.headers['content-encoding'] === 'identity');
  assert.match(id.headers.vary || '', /accept-encoding/i, 'Vary: Accept-Encoding on the identity response');
  assert.ok(id.body.equals(original), 'identity body must be the original bytes');

  for (const ae of ['identity', 'br', 'gzip;q=0']) {
    const r = await get(port, '/static/big.js', { 'Accept-Encoding': ae });
    assert.ok(!r.headers['content-encoding'] || r.headers['content-encoding'] === 'identity', `Accept-Encoding: ${ae} → ${r.headers['content-encoding']}`);
    assert.ok(r.body.equals(original), `body with Accept-Encoding: ${ae}`);
  }
});

test('gzip: HEAD with gzip has the gzip Content-Length; ETag of the gzip variant gives 304', async () => {
  const gz = await get(port, '/static/big.js', { 'Accept-Encoding': 'gzip' });
  const c = await rawTls(port);
  try {
    await c.send(buildRequest('HEAD', '/static/big.js', { 'Accept-Encoding': 'gzip', Connection: 'close' }));
    const h = await c.readResponse({ head: true });
    assert.equal(h.headers['content-encoding'], 'gzip');
    assert.equal(h.headers['content-length'], gz.headers['content-length']);
  } finally {
    c.destroy();
  }
  const nm = await get(port, '/static/big.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag });
  assert.equal(nm.status, 304);
  assert.equal(nm.body.length, 0);
});

test('non-text types are not gzip-encoded', async () => {
  const r = await get(port, '/img.png', { 'Accept-Encoding': 'gzip' });
  assert.equal(r.status, 200);
  assert.ok(!r.headers['content-encoding'] || r.headers['content-encoding'] === 'identity');
  assert.ok(r.body.equals(ctx.fixture.files['/img.png']));
});

test('SPA fallback: HTML requests for unknown paths get index.html, 200, no-cache', async () => {
  for (const [path, accept] of [
    ['/chat/room1', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ['/chat/room1', 'text/html'],
    ['/profile/alice', 'text/html'],
    ['/profile/alice', '*/*'],
    ['/game/42/replay?x=1', undefined],
  ]) {
    const r = await get(port, path, accept === undefined ? {} : { Accept: accept });
    assert.equal(r.status, 200, `GET ${path} (Accept: ${accept})`);
    assert.match(r.headers['content-type'], /^text\/html\b/);
    assert.ok(r.body.toString('utf8').includes(INDEX_MARKER), `index.html for ${path}`);
    assert.equal(r.headers['cache-control'], 'no-cache');
  }
  const c = await rawTls(port);
  try {
    await c.send(buildRequest('HEAD', '/chat/room1', { Accept: 'text/html', Connection: 'close' }));
    const h = await c.readResponse({ head: true });
    assert.equal(h.status, 200, 'HEAD on an SPA path');
    assert.equal(await c.waitClosed(5000), true);
    assert.equal(c.buf.length, 0, 'HEAD must not carry a body');
  } finally {
    c.destroy();
  }
});

test('non-HTML request for a missing path → 404 (no index)', async () => {
  const r = await get(port, '/profile/alice', { Accept: 'application/json' });
  assert.equal(r.status, 404);
  assert.ok(!r.body.toString('utf8').includes(INDEX_MARKER));
  const img = await get(port, '/missing.png', { Accept: 'image/png' });
  assert.equal(img.status, 404);
});

test('missing /static/ file → 404 even when HTML is accepted', async () => {
  for (const accept of ['text/html', '*/*']) {
    const r = await get(port, '/static/missing.js', { Accept: accept });
    assert.equal(r.status, 404, `Accept: ${accept}`);
    assert.ok(!r.body.toString('utf8').includes(INDEX_MARKER), 'must not serve index.html for /static/');
  }
});

test('unknown /ws/ path over plain GET → 404, not the SPA', async () => {
  const r = await get(port, '/ws/nope', { Accept: 'text/html' });
  assert.equal(r.status, 404);
  assert.ok(!r.body.toString('utf8').includes(INDEX_MARKER));
});

test('/api/nope → 404 JSON error, also for HTML accept and other methods', async () => {
  for (const [method, headers, body] of [
    ['GET', {}, null],
    ['GET', { Accept: 'text/html' }, null],
    ['POST', { 'Content-Type': 'application/json' }, '{"a":1}'],
  ]) {
    const r = await request(port, method, '/api/nope', { headers, body });
    assert.equal(r.status, 404, `${method} /api/nope`);
    assert.match(r.headers['content-type'], /^application\/json\b/);
    const j = parseJson(r);
    assert.equal(j.error?.code, 'not_found');
    assert.equal(typeof j.error.message, 'string');
    assert.ok(j.error.message.length > 0);
    assertSecurityHeaders(assert, r.headers, `${method} /api/nope`);
  }
});

test('other methods under /api/ get a JSON error', async () => {
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const r = await request(port, method, '/api/', { body: method === 'DELETE' ? null : '{}' , headers: { 'Content-Type': 'application/json' } });
    assert.ok(r.status >= 400 && r.status < 500, `${method} /api/ → ${r.status}`);
    assert.match(r.headers['content-type'] || '', /^application\/json\b/, `${method} /api/ content type`);
    assert.equal(typeof parseJson(r).error?.code, 'string');
  }
});

test('GET /api/ → JSON index with name, version and endpoints', async () => {
  const r = await get(port, '/api/');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json\b/);
  const j = parseJson(r);
  assert.equal(j.name, 'transcendence');
  assert.equal(typeof j.version, 'string');
  assert.ok(j.version.length > 0);
  assert.ok(Array.isArray(j.endpoints), 'endpoints must be an array');
  assert.ok(j.endpoints.length >= 1, 'endpoints must not be empty');
  for (const e of j.endpoints) {
    assert.equal(typeof e.method, 'string', JSON.stringify(e));
    assert.equal(typeof e.path, 'string', JSON.stringify(e));
    assert.equal(typeof e.description, 'string', JSON.stringify(e));
  }
});

test('GET /healthz → 200 {"status":"ok","uptime_seconds":N}', async () => {
  const r = await get(port, '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json\b/);
  const j = parseJson(r);
  assert.equal(j.status, 'ok');
  assert.equal(typeof j.uptime_seconds, 'number');
  assert.ok(j.uptime_seconds >= 0);
});

test('other methods on static paths → 405 with Allow', async () => {
  for (const [method, path] of [['POST', '/static/plain.js'], ['PUT', '/favicon.ico'], ['DELETE', '/static/app-ABCD1234.js'], ['POST', '/']]) {
    const r = await request(port, method, path, { body: method === 'DELETE' ? null : 'x=1' });
    assert.equal(r.status, 405, `${method} ${path}`);
    assert.match(r.headers.allow || '', /\bGET\b/, `Allow header on 405 for ${method} ${path}`);
    assertSecurityHeaders(assert, r.headers, `${method} ${path}`);
  }
});

test('Connection: close is honoured', async () => {
  const c = await rawTls(port);
  try {
    await c.send(buildRequest('GET', '/data.json', { Connection: 'close' }));
    const r = await c.readResponse();
    assert.equal(r.status, 200);
    assert.equal(await c.waitClosed(5000), true, 'server must close after Connection: close');
  } finally {
    c.destroy();
  }
});

// ALPN offers http/1.1 only (docs/interface.md): WebSockets and pre-framed writes never ride on h2.
test('ALPN negotiates http/1.1 even when the client prefers h2', async () => {
  const sock = tls.connect({ host: '127.0.0.1', port: ctx.server.httpsPort, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] });
  try {
    await withTimeout(new Promise((res, rej) => { sock.once('secureConnect', res); sock.once('error', rej); }), 5000, 'tls connect');
    assert.equal(sock.alpnProtocol, 'http/1.1');
  } finally {
    sock.destroy();
  }
});
