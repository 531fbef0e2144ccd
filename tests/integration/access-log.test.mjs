// Access log lines on stdout (http, ws-open, ws-close), no query strings; ACCESS_LOG=0 silences it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, buildWebRoot, get, plainRequest, openWs, authWs, waitClose, waitFor, sendJson, nextMessage, registerUser,
} from './helpers.mjs';

let server;
let quiet;
let fixture;

before(async () => {
  fixture = buildWebRoot();
  server = await startServer({ WEB_ROOT: fixture.root, AUTH_RATE: '10000' });
  quiet = await startServer({ WEB_ROOT: fixture.root, ACCESS_LOG: '0', AUTH_RATE: '10000' });
});

after(async () => {
  await server?.stop();
  await quiet?.stop();
  fixture?.cleanup();
});

const TS = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|\+00:00)`;
const ADDR = String.raw`(?:127\.0\.0\.1|::ffff:127\.0\.0\.1|\[::ffff:127\.0\.0\.1\])(?::\d+)?`;
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function httpLine(method, path, status, bytes) {
  return new RegExp(`^${TS} http ${ADDR} ${method} ${esc(path)} ${status} ${bytes} \\d+(?:\\.\\d+)?ms$`, 'm');
}

test('an HTTP request is logged with method, path, status, body bytes and duration', { timeout: 15000 }, async () => {
  const r = await get(server.httpsPort, '/static/plain.js?token=SECRET-QUERY-123');
  assert.equal(r.status, 200);
  const re = httpLine('GET', '/static/plain.js', 200, fixture.files['/static/plain.js'].length);
  await waitFor(() => re.test(server.logs()), 5000, `access log line ${re}\n--- output:\n${server.logs().slice(-2000)}`);
  const nf = await get(server.httpsPort, '/api/nope?q=SECRET-QUERY-456');
  assert.equal(nf.status, 404);
  const re404 = httpLine('GET', '/api/nope', 404, nf.body.length);
  await waitFor(() => re404.test(server.logs()), 5000, `access log line ${re404}\n--- output:\n${server.logs().slice(-2000)}`);
});

test('the query string is never logged', { timeout: 15000 }, async () => {
  await get(server.httpsPort, '/chat/room1?secret=SECRET-QUERY-789');
  await waitFor(() => /http \S+ GET \/chat\/room1 200 /.test(server.logs()), 5000, 'the SPA request to be logged');
  assert.ok(!server.logs().includes('SECRET-QUERY'), 'query string leaked into the log');
});

test('ws-open and ws-close lines with path, close code and duration', { timeout: 15000 }, async () => {
  const { token } = await registerUser(server, 'log');
  const ws = await openWs(`wss://127.0.0.1:${server.httpsPort}/ws/chat/logRoom/?k=SECRET-QUERY-WS`, { origin: server.origin });
  await authWs(ws, token);
  sendJson(ws, { message: 'log me' });
  assert.equal((await nextMessage(ws)).message, 'log me');
  const open = new RegExp(`^${TS} ws-open ${ADDR} /ws/chat/logRoom/?$`, 'm');
  await waitFor(() => open.test(server.logs()), 5000, `ws-open line\n--- output:\n${server.logs().slice(-2000)}`);
  ws.close(1000, 'done');
  await waitClose(ws);
  const close = new RegExp(`^${TS} ws-close ${ADDR} /ws/chat/logRoom/? 1000 \\d+(?:\\.\\d+)?ms$`, 'm');
  await waitFor(() => close.test(server.logs()), 5000, `ws-close line\n--- output:\n${server.logs().slice(-2000)}`);
  assert.ok(!server.logs().includes('SECRET-QUERY'), 'query string leaked into the log');
  assert.ok(!server.logs().includes('log me'), 'chat content must not be logged');
  assert.ok(!server.logs().includes(token.split('.')[2]), 'the access token must not be logged');
});

test('control characters, C1, invalid UTF-8 and bidi overrides from a request are escaped (issue 16)', { timeout: 15000 }, async () => {
  // percent-encoded (lws decodes them into the path) and raw in the request line; the
  // redirect port logs the path it got too
  const sent = [
    ['/static/ESCA%1b[31m%09%08FAKE%7f', String.raw`/static/ESCA\x1b[31m\x09\x08FAKE\x7f`],
    ['/ESCB%c2%9b2J%ff%fe%e2%80%ae%5c', String.raw`/ESCB\xc2\x9b2J\xff\xfe\u202e\x5c`],
    ['/static/ESCC\x1b[1mX\x08\x7f', String.raw`/static/ESCC\x1b[1mX\x08\x7f`],
  ];
  for (const [target] of sent) await get(server.httpsPort, target);
  await plainRequest(server.httpPort, 'GET', '/ESCD%1b[2J%07');
  sent.push(['', String.raw`/ESCD\x1b[2J\x07`]);
  for (const [, logged] of sent) {
    await waitFor(() => server.logs().includes(` GET ${logged} `), 5000,
      `the access log line of ${logged}\n--- output:\n${JSON.stringify(server.logs().slice(-2000))}`);
  }
  // nothing of the request reaches stdout undecoded: each line with a marker is a whole
  // access-log line, printable
  const lines = server.logs().split('\n').filter((l) => /ESC[ABCD]/.test(l));
  assert.equal(lines.length, 4, JSON.stringify(lines));
  for (const l of lines) {
    assert.match(l, new RegExp(`^${TS} http ${ADDR} GET \\S+ (400|404|200|301) \\d+ \\d+(?:\\.\\d+)?ms$`), JSON.stringify(l));
    assert.doesNotMatch(l, /[\x00-\x1f\x7f-\x9f\ufffd\u202a-\u202e]/, `raw control bytes in ${JSON.stringify(l)}`);
  }
});

test('ACCESS_LOG=0 silences the access log', { timeout: 15000 }, async () => {
  await get(quiet.httpsPort, '/static/plain.js');
  await get(quiet.httpsPort, '/api/nope');
  const { token } = await registerUser(quiet, 'quiet');
  const ws = await openWs(`wss://127.0.0.1:${quiet.httpsPort}/ws/chat/quietRoom/`, { origin: quiet.origin });
  await authWs(ws, token);
  ws.close(1000);
  await waitClose(ws);
  // Control: the same requests are logged by the other server within this time.
  await get(server.httpsPort, '/static/x.mjs');
  await waitFor(() => httpLine('GET', '/static/x.mjs', 200, fixture.files['/static/x.mjs'].length).test(server.logs()), 5000, 'control line');
  const res = await quiet.stop();
  assert.equal(res.code, 0);
  const lines = quiet.logs().split('\n');
  const logged = lines.filter((l) => new RegExp(`^${TS} (http|ws-open|ws-close) `).test(l));
  assert.deepEqual(logged, [], 'no access log lines with ACCESS_LOG=0');
});
