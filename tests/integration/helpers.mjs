// Shared helpers for the pongd integration suite: raw HTTP/1.1 over TLS and plain TCP,
// a fixture web root, WebSocket helpers (ws library and a hand-rolled raw client),
// Prometheus text parsing and process helpers. Every wait has a timeout and rejects
// instead of hanging.
import { before, after } from 'node:test';
import tls from 'node:tls';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, readdirSync, readlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import WebSocket from 'ws';
import { PONGD_BIN, ROOT, freePort, startServer as startServerLib } from '../lib/server.mjs';
import { call } from './api-client.mjs';
import { baseOf, checkApiResponse, resetDocument } from './openapi-check.mjs';

export { WebSocket, PONGD_BIN, ROOT, freePort };

/**
 * tests/lib/server.mjs startServer, plus: if pongd dies while the test did not ask it to
 * stop (a crash), its exit status and last output are written to stderr so the failure
 * report shows the cause. Call `server.expectExit()` before signalling it deliberately.
 */
export async function startServer(env = {}) {
  const s = await startServerLib(env);
  resetDocument(s.base);   // answers of this server are checked against its own OpenAPI document
  let expected = false;
  const stop = s.stop.bind(s);
  s.expectExit = () => { expected = true; };
  // Sanitizer builds (PONGD_BIN=build/asan/pongd) report problems on stderr; make them fail
  // the file's after() hook instead of passing unnoticed.
  s.stop = async () => {
    expected = true;
    const r = await stop();
    const m = /(==\d+==ERROR: \w+Sanitizer|runtime error:|SUMMARY: \w+Sanitizer)/.exec(s.logs());
    if (m) throw new Error(`sanitizer report in pongd output:\n${s.logs().slice(Math.max(0, m.index - 200), m.index + 3000)}`);
    return r;
  };
  s.proc.on('exit', (code, signal) => {
    if (!expected) {
      process.stderr.write(`\n[pongd on :${s.httpsPort} exited unexpectedly: code ${code}, signal ${signal}]\n`
        + `${s.logs().slice(-4000)}\n[end of pongd output]\n`);
    }
  });
  return s;
}

/**
 * The setup most test files share: registers a `before` hook that builds a fixture web root
 * and starts pongd on it (`env` is added to WEB_ROOT), and an `after` hook that stops the
 * server and removes the fixture. Returns { server, fixture }, filled in by the `before` hook,
 * so read them inside tests and hooks, not at module top level. `onStarted(ctx)`, if given,
 * runs in the same hook once the server is up: derive per-file values (ports, URLs) there, not
 * in a separate top-level `before`, which Node 20 starts without waiting for this one.
 */
export function useServer(env = {}, onStarted = null) {
  const ctx = { server: undefined, fixture: undefined };
  before(async () => {
    ctx.fixture = buildWebRoot();
    ctx.server = await startServer({ WEB_ROOT: ctx.fixture.root, ...env });
    await onStarted?.(ctx);
  });
  after(async () => {
    await ctx.server?.stop();
    ctx.fixture?.cleanup();
  });
  return ctx;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with a labelled error if `promise` does not settle within `ms`. */
export function withTimeout(promise, ms, label = 'operation') {
  let t;
  const timer = new Promise((_, rej) => {
    t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

/** Polls `fn` (sync or async) until it returns a truthy value; rejects after `ms`. */
export async function waitFor(fn, ms = 5000, label = 'condition', every = 50) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timeout after ${ms} ms waiting for ${label} (last: ${last})`);
    await sleep(every);
  }
}

// ---------------------------------------------------------------------------
// Security headers every HTTPS response must carry (docs/interface.md).
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
  + "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
  + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Asserts the security headers from interface.md; `headers` keys are lower-case. */
export function assertSecurityHeaders(assert, headers, where = '') {
  const w = where ? ` (${where})` : '';
  assert.ok(headers['strict-transport-security'], `HSTS missing${w}`);
  assert.match(headers['strict-transport-security'], /^max-age=31536000\b/, `HSTS value${w}`);
  assert.equal(headers['content-security-policy'], CSP, `CSP value${w}`);
  const scriptSrc = /script-src([^;]*)/.exec(headers['content-security-policy'] || '')?.[1] || '';
  assert.ok(!scriptSrc.includes("'unsafe-inline'"), `script-src allows unsafe-inline${w}`);
  assert.equal(headers['x-content-type-options'], 'nosniff', `X-Content-Type-Options${w}`);
  assert.equal(headers['referrer-policy'], 'strict-origin-when-cross-origin', `Referrer-Policy${w}`);
  assert.equal(headers['x-frame-options'], 'DENY', `X-Frame-Options${w}`);
}

// ---------------------------------------------------------------------------
// Raw HTTP/1.1 response parsing.

/**
 * Parses one HTTP/1.1 response from the start of `buf`. Returns null if incomplete.
 * { statusLine, status, version, headers (lower-case keys, repeated joined by ", "),
 *   rawHeaders [[name,value]], body Buffer, consumed }.
 * `head`: response to HEAD (no body). `closed`: peer closed, so a body without framing ends here.
 */
export function parseResponse(buf, { head = false, closed = false } = {}) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = lines[0];
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  const status = Number(m[2]);
  const headers = {};
  const rawHeaders = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) throw new Error(`bad header line: ${JSON.stringify(l)}`);
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    rawHeaders.push([k, v]);
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  const start = end + 4;
  const base = { statusLine, status, version: m[1], headers, rawHeaders, head };
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { ...base, body: Buffer.alloc(0), consumed: start };
  }
  if (/\bchunked\b/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let pos = start;
    for (;;) {
      const le = buf.indexOf('\r\n', pos);
      if (le < 0) return null;
      const size = parseInt(buf.subarray(pos, le).toString('latin1').split(';')[0], 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      pos = le + 2;
      if (size === 0) {
        // No trailers expected: the terminating CRLF.
        const te = buf.indexOf('\r\n\r\n', pos - 2);
        if (te < 0) return null;
        return { ...base, body: Buffer.concat(parts), consumed: te + 4 };
      }
      if (buf.length < pos + size + 2) return null;
      parts.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
  }
  if ('content-length' in headers) {
    const n = Number(headers['content-length']);
    if (!Number.isInteger(n) || n < 0) throw new Error(`bad content-length ${headers['content-length']}`);
    if (buf.length < start + n) return null;
    return { ...base, body: buf.subarray(start, start + n), consumed: start + n };
  }
  if (!closed) return null;
  return { ...base, body: buf.subarray(start), consumed: buf.length };
}

/**
 * A raw byte stream (TLS or TCP) that can send bytes and read whole HTTP responses. Given the
 * HTTPS `port` (rawTls does), it remembers the request lines it sends and checks every answer
 * to an API path (/api/…, /healthz) against the server's OpenAPI document (openapi-check.mjs):
 * readResponse throws when the answer is not documented.
 */
export class RawConn {
  constructor(sock, port = null) {
    this.sock = sock;
    this.port = port;
    this._out = Buffer.alloc(0);   // sent bytes not yet split into requests
    this._skip = 0;                // body bytes of the last request still to come
    this._sent = [];               // { method, target } (null: not an HTTP request line) per request sent
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.error = null;
    this._wake = null;
    this.closedPromise = new Promise((res) => { this._resolveClosed = res; });
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this._notify(); });
    sock.on('end', () => { this.closed = true; this._notify(); this._resolveClosed(); });
    sock.on('close', () => { this.closed = true; this._notify(); this._resolveClosed(); });
    sock.on('error', (e) => { this.error = e; this.closed = true; this._notify(); this._resolveClosed(); });
  }

  _notify() { if (this._wake) { const w = this._wake; this._wake = null; w(); } }

  _changed(ms) {
    return new Promise((res) => {
      const t = setTimeout(res, ms);
      this._wake = () => { clearTimeout(t); res(); };
    });
  }

  send(data) {
    if (this.port) this._track(Buffer.from(data));
    return new Promise((res, rej) => this.sock.write(data, (e) => (e ? rej(e) : res())));
  }

  /** Splits the bytes sent into requests: each complete head adds its request line to _sent. */
  _track(bytes) {
    this._out = Buffer.concat([this._out, bytes]);
    for (;;) {
      if (this._skip > 0) {
        const n = Math.min(this._skip, this._out.length);
        this._out = this._out.subarray(n);
        this._skip -= n;
        if (this._skip > 0) return;
      }
      const end = this._out.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this._out.subarray(0, end).toString('latin1').split('\r\n');
      this._out = this._out.subarray(end + 4);
      const m = /^([A-Za-z]+) (\S+) HTTP\/\d\.\d$/.exec(lines[0]);
      this._sent.push(m ? { method: m[1].toUpperCase(), target: m[2] } : null);
      const header = (name) => lines.slice(1).find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
      if (/chunked/i.test(header('transfer-encoding') || '')) this._skip = Infinity;   // answered at once (411)
      else if (/^\d+$/.test(header('content-length') || '')) this._skip = Number(header('content-length'));
    }
  }

  /** The request an answer belongs to: the oldest one sent, else a head still incomplete. */
  _requestOf() {
    if (this._sent.length) return this._sent.shift();
    const m = /^([A-Za-z]+) (\S+) HTTP\/\d\.\d\r\n/.exec(this._out.toString('latin1'));
    return m ? { method: m[1].toUpperCase(), target: m[2] } : null;
  }

  /** Waits for one complete response, removes it from the buffer and returns it. */
  async readResponse({ head = false, timeout = 10000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const r = parseResponse(this.buf, { head, closed: this.closed });
      if (r) {
        this.buf = this.buf.subarray(r.consumed);
        const req = this.port && r.status >= 200 ? this._requestOf() : null;
        if (req) await checkApiResponse(baseOf(this.port), req.method, req.target, r);
        return r;
      }
      if (this.closed) {
        throw new Error(`connection closed before a complete response (${this.buf.length} bytes: ${JSON.stringify(this.buf.subarray(0, 200).toString('latin1'))})${this.error ? ` ${this.error.message}` : ''}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout after ${timeout} ms waiting for a response (have ${this.buf.length} bytes: ${JSON.stringify(this.buf.subarray(0, 200).toString('latin1'))})`);
      await this._changed(Math.min(left, 200));
    }
  }

  /** Resolves true once the peer has closed, false if still open after `ms`. */
  async waitClosed(ms) {
    if (this.closed) return true;
    let t;
    const r = await Promise.race([
      this.closedPromise.then(() => true),
      new Promise((res) => { t = setTimeout(() => res(false), ms); }),
    ]);
    clearTimeout(t);
    return r;
  }

  destroy() { this.sock.destroy(); }
}

/** Opens a TLS connection to 127.0.0.1:port (HTTP/1.1 ALPN, self-signed accepted). */
export function tlsConnect(port, opts = {}, timeout = 5000) {
  return withTimeout(new Promise((res, rej) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...opts });
    s.once('secureConnect', () => { s.removeListener('error', rej); res(s); });
    s.once('error', rej);
  }), timeout, `TLS connect to ${port}`);
}

export async function rawTls(port, opts = {}) {
  return new RawConn(await tlsConnect(port, opts), port);
}

export function tcpConnect(port, timeout = 5000) {
  return withTimeout(new Promise((res, rej) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.removeListener('error', rej); res(s); });
    s.once('error', rej);
  }), timeout, `TCP connect to ${port}`);
}

export async function rawTcp(port) {
  return new RawConn(await tcpConnect(port));
}

/** Builds request bytes. `target` is sent verbatim (no normalisation). */
export function buildRequest(method, target, headers = {}, body = null, host = '127.0.0.1') {
  const h = { Host: host, ...headers };
  if (body != null && !Object.keys(h).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) {
    h['Content-Length'] = Buffer.byteLength(body);
  }
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== null) s += `${k}: ${v}\r\n`;
  s += '\r\n';
  return body == null ? Buffer.from(s, 'latin1') : Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from(body)]);
}

/**
 * One request over a fresh TLS connection (Connection: close), raw target.
 * Returns the parsed response. `raw` replaces the generated request bytes.
 */
export async function request(port, method, target, { headers = {}, body = null, raw = null, timeout = 10000 } = {}) {
  const c = await rawTls(port);
  try {
    await c.send(raw ?? buildRequest(method, target, { Connection: 'close', ...headers }, body));
    return await c.readResponse({ head: method === 'HEAD', timeout });
  } finally {
    c.destroy();
  }
}

export async function get(port, target, headers = {}) {
  return request(port, 'GET', target, { headers });
}

/** Same over plain TCP (the HTTP redirect port). */
export async function plainRequest(port, method, target, { headers = {}, body = null, raw = null, timeout = 10000 } = {}) {
  const c = await rawTcp(port);
  try {
    await c.send(raw ?? buildRequest(method, target, { Connection: 'close', ...headers }, body, headers.Host ?? '127.0.0.1'));
    return await c.readResponse({ head: method === 'HEAD', timeout });
  } finally {
    c.destroy();
  }
}

export function parseJson(res) {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch (e) {
    throw new Error(`body is not JSON (status ${res.status}): ${JSON.stringify(res.body.subarray(0, 300).toString('utf8'))}`);
  }
}

// ---------------------------------------------------------------------------
// Fixture web root.

export const INDEX_MARKER = 'PONGD-FIXTURE-INDEX-7f3a9c';
export const SECRET_MARKER = 'PONGD-TOP-SECRET-b41d2e';

function pseudoRandom(n, seed) {
  // Deterministic bytes (incl. NUL and high bytes) so binary bodies can be compared.
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; out[i] = x >>> 24; }
  return out;
}

/**
 * Creates <tmp>/www (the web root) and <tmp>/secret.txt (outside it).
 * Returns { parent, root, files: { '/path': Buffer }, cleanup() }.
 */
export function buildWebRoot() {
  const parent = mkdtempSync(join(tmpdir(), 'pongd-fixture-'));
  const root = join(parent, 'www');
  const bigLines = [];
  for (let i = 0; i < 6000; i++) bigLines.push(`export const value${i} = { id: ${i}, label: "item number ${i}", even: ${i % 2 === 0} };`);
  const files = {
    '/index.html': Buffer.from(`<!doctype html>\n<html><head><meta charset="utf-8"><title>Transcendence</title>`
      + `<script type="module" src="/static/app-ABCD1234.js"></script></head>`
      + `<body><div id="app">${INDEX_MARKER}</div></body></html>\n`),
    '/favicon.ico': Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0]), pseudoRandom(300, 1)]),
    '/static/app-ABCD1234.js': Buffer.from('console.log("hashed app bundle");\n'),
    '/static/plain.js': Buffer.from('console.log("plain, not hashed");\n'),
    '/static/style-0123abcd.css': Buffer.from('body { color: #123456; }\n'),
    '/static/x.mjs': Buffer.from('export const x = 1;\n'),
    '/static/app-ABC123.js': Buffer.from('// hash too short: not immutable\n'),
    '/static/app-ghijklmn.js': Buffer.from('// lowercase non-hex: not immutable\n'),
    '/static/big.js': Buffer.from(`${bigLines.join('\n')}\n`),
    '/data.json': Buffer.from('{"hello":"world","n":42}\n'),
    '/icon.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1" height="1"/></svg>\n'),
    '/img.png': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pseudoRandom(200000, 2)]),
    '/img.jpg': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), pseudoRandom(2000, 3)]),
    '/img.webp': Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'), pseudoRandom(500, 4)]),
    '/font.woff2': Buffer.concat([Buffer.from('wOF2', 'latin1'), pseudoRandom(800, 5)]),
    '/mod.wasm': Buffer.concat([Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), pseudoRandom(64, 6)]),
  };
  for (const [p, data] of Object.entries(files)) {
    const full = join(root, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, data);
  }
  writeFileSync(join(parent, 'secret.txt'), `${SECRET_MARKER}\n`);
  return { parent, root, files, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------
// WebSocket helpers (ws library).

/** Wires an inbox, an error sink and a `closed` promise onto a ws client. */
function instrument(ws) {
  ws.inbox = [];
  ws.errors = [];
  ws._waiters = [];
  ws.closeInfo = null;
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? data : data.toString('utf8');
    ws.inbox.push(text);
    const w = ws._waiters.shift();
    if (w) w();
  });
  ws.on('error', (e) => { ws.errors.push(e); });
  ws.closed = new Promise((res) => ws.on('close', (code, reason) => {
    ws.closeInfo = { code, reason: reason.toString() };
    for (const w of ws._waiters.splice(0)) w();
    res(ws.closeInfo);
  }));
  return ws;
}

/** Opens a ws client; resolves when open, rejects on refusal, error or timeout. */
export function openWs(url, { origin, timeout = 5000, ...opts } = {}) {
  const ws = instrument(new WebSocket(url, { rejectUnauthorized: false, origin, ...opts }));
  return withTimeout(new Promise((res, rej) => {
    ws.once('open', () => res(ws));
    ws.once('unexpected-response', (req, r) => {
      rej(new Error(`handshake refused with HTTP ${r.statusCode} for ${url}`));
      req.destroy();
    });
    ws.once('error', rej);
    ws.once('close', (code) => rej(new Error(`closed (${code}) before open`)));
  }), timeout, `WebSocket open ${url}`).catch((e) => { ws.terminate(); throw e; });
}

/**
 * Attempts a handshake that must be refused. Resolves to { statusCode, headers, body }.
 * Rejects if the socket opens or nothing happens within `timeout`.
 */
export function expectWsRefused(url, { origin, timeout = 5000, ...opts } = {}) {
  const ws = new WebSocket(url, { rejectUnauthorized: false, origin, ...opts });
  ws.on('error', () => {});
  return withTimeout(new Promise((res, rej) => {
    ws.once('open', () => { ws.terminate(); rej(new Error(`handshake to ${url} was accepted`)); });
    ws.once('unexpected-response', (req, r) => {
      const chunks = [];
      r.on('data', (d) => chunks.push(d));
      const done = () => { res({ statusCode: r.statusCode, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }); req.destroy(); };
      r.on('end', done);
      r.on('error', done);
      r.on('close', done);
    });
  }), timeout, `refused handshake ${url}`).finally(() => ws.terminate());
}

/** Next message (JSON-parsed if possible) from the inbox; rejects on close or timeout. */
export async function nextMessage(ws, timeout = 5000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (ws.inbox.length) {
      const m = ws.inbox.shift();
      if (typeof m !== 'string') return m;
      try { return JSON.parse(m); } catch { return m; }
    }
    if (ws.closeInfo) throw new Error(`socket closed (${ws.closeInfo.code}) while waiting for a message`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timeout after ${timeout} ms waiting for a WebSocket message`);
    await new Promise((res) => {
      const t = setTimeout(() => { ws._waiters = ws._waiters.filter((w) => w !== done); res(); }, left);
      const done = () => { clearTimeout(t); res(); };
      ws._waiters.push(done);
    });
  }
}

/** Asserts no message arrives within `ms` (returns the list of unexpected messages). */
export async function noMessageWithin(ws, ms) {
  await sleep(ms);
  return ws.inbox.splice(0);
}

export function waitClose(ws, timeout = 5000) {
  return withTimeout(ws.closed, timeout, 'WebSocket close');
}

export function sendJson(ws, obj) { ws.send(JSON.stringify(obj)); }

// ---------------------------------------------------------------------------
// Accounts and authenticated sockets. The room chat (/ws/chat/<room>/) and the app socket
// (/ws/) take a logged-in user: the first frame must be {"type":"auth","token":"<access
// token>"} (within 5 s, else the server closes it with 4001); a bad token closes with 4001.
// Servers these helpers register users on should allow it: useServer({ AUTH_RATE: '10000' }).

export const TEST_PASSWORD = 'correct horse battery staple';
let userSeq = 0;

/**
 * Registers a new user (a unique valid username starting with `prefix`, email
 * <username>@example.org, password TEST_PASSWORD). `fields` adds or overrides registration
 * fields (display_name, language, ...). Resolves to { token, user, cookie, username, email,
 * password, res }: `cookie` is the refresh cookie as "refresh=<value>". Throws if the
 * server does not answer 201.
 */
export async function registerUser(server, prefix = 'u', fields = {}) {
  userSeq += 1;
  const p = String(prefix).replace(/[^A-Za-z0-9_-]/g, '').slice(0, 8) || 'u';
  const username = fields.username ?? `${p}_${userSeq.toString(36)}${randomBytes(3).toString('hex')}`;
  const email = fields.email ?? `${username.toLowerCase()}@example.org`;
  const password = fields.password ?? TEST_PASSWORD;
  const res = await call(server, 'POST', '/api/auth/register', { body: { username, email, password, ...fields } });
  if (res.status !== 201) throw new Error(`registering ${username}: HTTP ${res.status} ${res.text}`);
  const line = [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('refresh='));
  return {
    token: res.json.access_token, user: res.json.user, cookie: line ? line.split(';')[0] : null,
    username, email, password, res,
  };
}

/**
 * Sends the auth frame on an open ws client and waits for the answer, which must be of type
 * `expect` ('auth_ok' for the room chat, 'hello' for /ws/). Resolves to that frame; rejects
 * (and terminates the socket) on anything else.
 */
export async function authWs(ws, token, { expect = 'auth_ok', timeout = 5000 } = {}) {
  sendJson(ws, { type: 'auth', token });
  let m;
  try {
    m = await nextMessage(ws, timeout);
  } catch (e) {
    ws.terminate();
    throw new Error(`no ${expect} after the auth frame: ${e.message}`);
  }
  if (m?.type !== expect) {
    ws.terminate();
    throw new Error(`expected {"type":"${expect}"} after the auth frame, got ${JSON.stringify(m)}`);
  }
  return m;
}

/**
 * Opens wss://…/ws/chat/<room>/ (`slash: false`: without the trailing slash), sends the auth
 * frame with `token` and resolves to the ws once {"type":"auth_ok"} arrived (kept as
 * ws.authOk, not left in the inbox). Other options go to openWs (origin defaults to the
 * server's own).
 */
export async function openChat(server, room, { token, origin = server.origin, slash = true, timeout = 5000, ...opts } = {}) {
  if (!token) throw new Error('openChat needs { token } (see registerUser)');
  const ws = await openWs(`wss://127.0.0.1:${server.httpsPort}/ws/chat/${room}${slash ? '/' : ''}`, { origin, timeout, ...opts });
  ws.authOk = await authWs(ws, token, { expect: 'auth_ok', timeout });
  return ws;
}

/** The app socket wss://…/ws/, authenticated: resolves once {"type":"hello"} arrived (ws.hello). */
export async function openApp(server, { token, origin = server.origin, timeout = 5000, ...opts } = {}) {
  if (!token) throw new Error('openApp needs { token } (see registerUser)');
  const ws = await openWs(`wss://127.0.0.1:${server.httpsPort}/ws/`, { origin, timeout, ...opts });
  ws.hello = await authWs(ws, token, { expect: 'hello', timeout });
  return ws;
}

// ---------------------------------------------------------------------------
// Raw WebSocket client (for peers that misbehave: never pong, unmasked frames, ...).

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function encodeFrame(opcode, payload = Buffer.alloc(0), { mask = true, fin = true } = {}) {
  payload = Buffer.from(payload);
  const len = payload.length;
  let head;
  if (len < 126) { head = Buffer.alloc(2); head[1] = len; }
  else if (len < 65536) { head = Buffer.alloc(4); head[1] = 126; head.writeUInt16BE(len, 2); }
  else { head = Buffer.alloc(10); head[1] = 127; head.writeBigUInt64BE(BigInt(len), 2); }
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (!mask) return Buffer.concat([head, payload]);
  head[1] |= 0x80;
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([head, key, masked]);
}

/**
 * Hand-rolled WebSocket client over TLS. Does not answer pings.
 * Returns { sock, frames: [{opcode, payload}], send(opcode, payload, opts), closed: Promise, isClosed() }.
 */
export async function rawWs(port, path, { origin, host = `127.0.0.1:${port}`, timeout = 5000 } = {}) {
  const sock = await tlsConnect(port);
  const key = randomBytes(16).toString('base64');
  const expectAccept = createHash('sha1').update(key + WS_GUID).digest('base64');
  let buf = Buffer.alloc(0);
  let closed = false;
  const frames = [];
  let resolveClosed;
  const closedP = new Promise((res) => { resolveClosed = res; });
  const onGone = () => { closed = true; resolveClosed(); };
  sock.on('close', onGone);
  sock.on('end', onGone);
  sock.on('error', onGone);
  let handshakeDone;
  const handshake = new Promise((res, rej) => { handshakeDone = { res, rej }; });
  let upgraded = false;
  let response = null;
  const parseFrames = () => {
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const masked = (buf[1] & 0x80) !== 0;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      frames.push({ opcode, fin: (buf[0] & 0x80) !== 0, masked, payload: buf.subarray(off, off + len) });
      buf = buf.subarray(off + len);
    }
  };
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      try {
        response = parseResponse(buf.subarray(0, end + 4), { head: true });
      } catch (e) { handshakeDone.rej(e); return; }
      buf = buf.subarray(end + 4);
      upgraded = true;
      handshakeDone.res(response);
    }
    parseFrames();
  });
  closedP.then(() => handshakeDone.rej(new Error('closed during handshake')));
  sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${origin ? `Origin: ${origin}\r\n` : ''}\r\n`);
  const res = await withTimeout(handshake, timeout, `raw WebSocket handshake ${path}`);
  return {
    sock,
    response: res,
    expectAccept,
    frames,
    closed: closedP,
    isClosed: () => closed,
    send: (opcode, payload, opts) => sock.write(encodeFrame(opcode, payload, opts)),
    destroy: () => sock.destroy(),
  };
}

/**
 * Authenticates a rawWs connection: sends the auth frame as a masked text frame, waits for
 * the first text frame and checks it is {"type":`expect`}. That frame is removed from
 * raw.frames (control frames received meanwhile stay) and returned.
 */
export async function rawAuth(raw, token, { expect = 'auth_ok', timeout = 5000 } = {}) {
  raw.send(0x1, Buffer.from(JSON.stringify({ type: 'auth', token })));
  const deadline = Date.now() + timeout;
  for (;;) {
    const i = raw.frames.findIndex((f) => f.opcode === 0x1 || f.opcode === 0x8);
    if (i >= 0) {
      const [f] = raw.frames.splice(i, 1);
      let m = null;
      try { m = JSON.parse(f.payload.toString('utf8')); } catch { /* not JSON */ }
      if (f.opcode !== 0x1 || m?.type !== expect) {
        throw new Error(`expected {"type":"${expect}"} after the auth frame, got opcode ${f.opcode} ${JSON.stringify(f.payload.toString('utf8'))}`);
      }
      return m;
    }
    if (raw.isClosed()) throw new Error('raw WebSocket closed while waiting for the auth answer');
    if (Date.now() > deadline) throw new Error(`timeout after ${timeout} ms waiting for ${expect}`);
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------
// Metrics.

/** Parses Prometheus text into { 'name{labels}': number }. */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)(?:\s+\d+)?$/.exec(line.trim());
    if (m) out[m[1].replace(/\s+/g, '')] = Number(m[2]);
  }
  return out;
}

export async function getMetrics(port) {
  const r = await get(port, '/metrics');
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return { res: r, values: parseMetrics(r.body.toString('utf8')) };
}

// ---------------------------------------------------------------------------
// Processes.

/**
 * Runs pongd with exactly `env` (plus PATH) and `args`; resolves { code, signal, out } once it
 * exits. Kills it and resolves { timedOut: true } if it is still running after `timeout`.
 */
export function runPongd(args = [], env = {}, timeout = 10000) {
  return new Promise((res) => {
    let out = '';
    const proc = spawn(PONGD_BIN, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ASAN_OPTIONS: process.env.ASAN_OPTIONS || '', UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || '', ENV_FILE: '/dev/null', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { out += d; });
    let timedOut = false;
    const t = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, timeout);
    proc.on('error', (e) => { clearTimeout(t); res({ code: null, signal: null, out: `${out}\nspawn error: ${e.message}`, timedOut: false }); });
    proc.on('close', (code, signal) => { clearTimeout(t); res({ code, signal, out, timedOut }); });
  });
}

/** /proc/net/tcp6 address (four little-endian 32-bit words in hex) → IPv6 text. */
function v6Text(hex) {
  const bytes = [];
  for (let w = 0; w < 4; w++) for (let b = 3; b >= 0; b--) bytes.push(parseInt(hex.slice(w * 8 + b * 2, w * 8 + b * 2 + 2), 16));
  if (bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 255 && bytes[11] === 255) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const text = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return text.replace(/:{3,}/, '::');
}

/**
 * Local TCP listening sockets owned by `pid`: [{ address, port }] (IPv4 and IPv6), read from
 * /proc so no external tool is needed.
 */
export function listeningSockets(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const l = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(l);
      if (m) inodes.add(m[1]);
    } catch { /* fd closed meanwhile */ }
  }
  const out = [];
  for (const [file, v6] of [['tcp', false], ['tcp6', true]]) {
    let text;
    try { text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9])) continue;
      const [addrHex, portHex] = f[1].split(':');
      let address;
      if (!v6) address = [3, 2, 1, 0].map((i) => parseInt(addrHex.slice(i * 2, i * 2 + 2), 16)).join('.');
      else address = v6Text(addrHex);
      out.push({ address, port: parseInt(portHex, 16), v6 });
    }
  }
  return out;
}
