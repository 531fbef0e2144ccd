// Descriptor exhaustion (issue 16): one token opening sockets in a loop once took every
// descriptor (EMFILE; libwebsockets 4.1 then spins on the readable listener and /healthz stopped
// answering). Run under `ulimit -n 256` rather than with 20,000 sockets: MAX_CONNECTIONS is
// then 256 - 64 = 192, CONN_PER_ADDRESS at most half of it (96).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  useServer, openWs, sendJson, nextMessage, waitFor, registerUser, rawTls, getMetrics, get, withTimeout,
} from './helpers.mjs';

// The defaults, set again: tests/lib/server.mjs turns the per-address and per-account caps off.
const DEFAULT_CAPS = { CONN_PER_ADDRESS: '512', HANDSHAKES_PER_ADDRESS: '64', WS_PER_ADDRESS: '256', WS_PER_ACCOUNT: '32' };

/** GET /healthz over a connection from `localAddress`: the status, or 0 if refused. */
async function healthz(port, localAddress, timeout = 10000) {
  try {
    const raw = await rawTls(port, { localAddress }, timeout);
    await raw.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const res = await raw.readResponse({ timeout });
    raw.destroy();
    return res.status;
  } catch {
    return 0;
  }
}

/** Opens the app socket and authenticates: 'hello', or the close { code, reason } it got instead. */
async function appSocket(server, token, opts = {}) {
  const ws = await openWs(`wss://127.0.0.1:${server.httpsPort}/ws/`, { origin: server.origin, ...opts });
  sendJson(ws, { type: 'auth', token });
  const first = await Promise.race([nextMessage(ws, 10000).catch(() => null), ws.closed]);
  if (first?.type === 'hello') return { ws, hello: true };
  return { ws, close: await ws.closed };
}

describe('ulimit -n 256, default caps', () => {
  const ctx = useServer({ NOFILE: '256', AUTH_RATE: '10000', ...DEFAULT_CAPS });

  test('one token: sockets past WS_PER_ACCOUNT (32) are closed with 4008, /healthz answers throughout', { timeout: 60000 }, async () => {
    const s = ctx.server;
    assert.match(s.logs(), /connections: at most 192 \(descriptor limit 256\), 96 per address/);
    const { token } = await registerUser(s, 'tabs');
    const open = [];
    for (let i = 0; i < 40; i++) {
      const r = await appSocket(s, token);
      if (i < 32) {
        assert.ok(r.hello, `socket ${i + 1} is let in`);
        open.push(r.ws);
      } else {
        assert.deepEqual(r.close, { code: 4008, reason: 'too many connections' }, `socket ${i + 1} is refused`);
      }
      if (i % 8 === 7) assert.equal(await healthz(s.httpsPort, '127.0.0.1'), 200, `/healthz with ${open.length} sockets open`);
    }
    assert.equal((await getMetrics(s.httpsPort)).values.pongd_ws_account_refused_total, 8);
    // one closes: the account may open one again
    open.shift().close(1000);
    await waitFor(async () => (await getMetrics(s.httpsPort)).values.pongd_ws_connections_open === 31, 5000, 'the socket to close');
    const again = await appSocket(s, token);
    assert.ok(again.hello, 'below the cap again: let in');
    open.push(again.ws);
    for (const ws of open) ws.close(1000);
    await waitFor(async () => (await getMetrics(s.httpsPort)).values.pongd_ws_connections_open === 0, 5000, 'every socket to close');
  });

  test('one address holding CONN_PER_ADDRESS (96) is refused at accept; another address is still served', { timeout: 60000 }, async () => {
    const s = ctx.server;
    const tokens = [];
    for (let i = 0; i < 4; i++) tokens.push((await registerUser(s, `addr${i}`)).token);
    const open = [];
    let refused = null;
    for (let i = 0; i < 4 * 32 && !refused; i++) {
      try {
        const r = await appSocket(s, tokens[i % 4], { timeout: 5000 });
        assert.ok(r.hello, `socket ${i + 1}: ${JSON.stringify(r.close)}`);
        open.push(r.ws);
      } catch (e) {
        refused = e;
      }
    }
    assert.ok(refused, 'a socket past the per-address cap is refused');
    assert.ok(open.length <= 96 && open.length >= 80, `${open.length} sockets held from 127.0.0.1 (cap 96 with the test's own connections)`);
    assert.equal(await healthz(s.httpsPort, '127.0.0.2'), 200, '/healthz from another address');
    assert.equal(await healthz(s.httpsPort, '127.0.0.1', 3000), 0, '127.0.0.1 is at its cap');
    const raw = await rawTls(s.httpsPort, { localAddress: '127.0.0.2' });
    await raw.send('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const m = await raw.readResponse();
    raw.destroy();
    assert.match(m.body.toString(), /^pongd_connections_refused_total [1-9]/m);
    for (const ws of open) ws.close(1000);
    await waitFor(async () => (await healthz(s.httpsPort, '127.0.0.1')) === 200, 10000, '127.0.0.1 served again');
  });
});

// Both event loops: pausing the listeners works on libev's epoll and on lws's poll().
for (const loop of ['epoll', 'poll']) describe(`ulimit -n 256, no caps per address or account (${loop} loop)`, () => {
  const ctx = useServer({ NOFILE: '256', AUTH_RATE: '10000', ...(loop === 'poll' ? { PONGD_LOOP: 'poll' } : {}) });

  test('one token opening sockets in a loop: accepting pauses at MAX_CONNECTIONS (192), never EMFILE; served again once one closes', { timeout: 90000 }, async () => {
    const s = ctx.server;
    const { token } = await registerUser(s, 'greedy');
    const open = [];
    for (let i = 0; i < 300; i++) {
      try {
        const r = await appSocket(s, token, { timeout: 3000 });
        assert.ok(r.hello);
        open.push(r.ws);
      } catch {
        break;   // waits in the listen backlog: accepting paused
      }
    }
    assert.ok(open.length <= 192 && open.length >= 150, `${open.length} sockets open at the global cap`);
    const cpu0 = cpuSeconds(s.proc.pid);
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`pongd CPU while at the cap: ${(cpuSeconds(s.proc.pid) - cpu0).toFixed(2)} s in 2 s`);
    const probe = withTimeout(get(s.httpsPort, '/healthz'), 20000, '/healthz');
    for (const ws of open.splice(0, 8)) ws.close(1000);
    assert.equal((await probe).status, 200, '/healthz waited in the backlog and is answered once sockets close');
    assert.doesNotMatch(s.logs(), /accept: errno|out of descriptors/, 'accept never failed for descriptors');
    const { values } = await getMetrics(s.httpsPort);
    assert.ok(values.pongd_accept_pauses_total >= 1, 'accepting paused at the cap');
    for (const ws of open) ws.close(1000);
  });
});

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;   // utime + stime, in clock ticks (100/s)
}
