// A userspace TCP delay proxy for the tests (there is no `tc netem` here): it listens on a
// free 127.0.0.1 port and forwards every connection to `target`, holding each chunk of bytes
// for a one-way delay plus jitter, in both directions. It sees only bytes, so TLS (and the
// WebSocket inside it) passes through unchanged: the client talks TLS to pongd through it.
//
//   const proxy = await startDelayProxy({ port: server.httpsPort, delayMs: 50, jitterMs: 8 });
//   new WebSocket(`wss://127.0.0.1:${proxy.port}/ws/game/7/`, …)    // 100 ms round trip
//   proxy.stall(200)              // a lost segment: nothing moves for 200 ms, then a burst
//   await proxy.close()
//
// Each direction of each connection is a queue of { at, data } whose release times never
// decrease: a chunk is due at max(previous chunk's time, arrival + delay + jitter), so the
// jitter delays but never reorders (as on one TCP connection). A single timer per queue is
// armed at its head's time. Jitter is uniform in [−jitterMs, +jitterMs] around delayMs (never
// below 0), drawn from `random` (seed it for repeatable runs). No back-pressure: the test
// traffic is small (a few kB/s).
import net from 'node:net';

const DIRECTIONS = ['up', 'down'];   // up: client → target, down: target → client

/**
 * Starts the proxy. Options: { host = '127.0.0.1', port (the target's), delayMs = 0,
 * jitterMs = 0, random = Math.random, now = performance.now }. Resolves to
 * { port, connections, stats, set({ delayMs, jitterMs }), stall(ms, direction = 'both'),
 *   close() }. `stats.up/down`: { chunks, bytes, delays: [ms actually held, per chunk] }.
 */
export async function startDelayProxy({
  host = '127.0.0.1', port, delayMs = 0, jitterMs = 0, random = Math.random, now = () => performance.now(),
} = {}) {
  const conf = { delayMs, jitterMs };
  const stalledUntil = { up: 0, down: 0 };
  const connections = new Set();
  const stats = { up: { chunks: 0, bytes: 0, delays: [] }, down: { chunks: 0, bytes: 0, delays: [] } };

  // One direction: bytes read from `from` are written to `to` when due.
  function pipe(dir, from, to, conn) {
    const queue = [];                 // { at, data | null (end of stream), got }
    let last = 0;                     // release time of the newest chunk queued
    let timer = null;

    function arm() {
      clearTimeout(timer);
      timer = null;
      if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0].at - now()));
    }
    function flush() {
      const t = now();
      while (queue.length && queue[0].at <= t + 0.5) {   // timers fire up to ~1 ms early/late
        const { data, got } = queue.shift();
        if (to.destroyed) continue;
        if (data === null) { to.end(); continue; }
        stats[dir].chunks += 1;
        stats[dir].bytes += data.length;
        stats[dir].delays.push(t - got);
        to.write(data);
      }
      arm();
    }
    function push(data) {
      const t = now();
      const jitter = conf.jitterMs ? (2 * random() - 1) * conf.jitterMs : 0;
      const at = Math.max(last, stalledUntil[dir], t + Math.max(0, conf.delayMs + jitter));
      last = at;
      queue.push({ at, data, got: t });
      if (queue.length === 1) arm();
    }
    from.on('data', (d) => push(d));
    from.on('end', () => push(null));
    const q = {
      // hold everything queued (and whatever comes) until `until`
      holdUntil(until) {
        for (const e of queue) e.at = Math.max(e.at, until);
        last = Math.max(last, until);
        arm();
      },
      stop() { clearTimeout(timer); queue.length = 0; },
    };
    conn[dir] = q;
  }

  // allowHalfOpen: a FIN from one side is passed on (after the delay) without closing the
  // other direction early
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host, port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    const conn = { client, upstream };
    connections.add(conn);
    pipe('up', client, upstream, conn);
    pipe('down', upstream, client, conn);
    const done = () => {
      if (!connections.delete(conn)) return;
      conn.up.stop();
      conn.down.stop();
      client.destroy();
      upstream.destroy();
    };
    // an error or a reset on either side ends both at once; a clean end goes through the queue
    client.on('error', done);
    upstream.on('error', done);
    client.on('close', () => { if (upstream.writableEnded || upstream.destroyed) done(); });
    upstream.on('close', () => { if (client.writableEnded || client.destroyed) done(); });
  });
  await new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', res);
  });

  return {
    port: server.address().port,
    connections,
    stats,
    /** Changes the delay and jitter for the chunks that arrive from now on. */
    set(opts) { Object.assign(conf, opts); },
    /**
     * A stall: nothing queued or arriving in `direction` ('up', 'down' or 'both') is
     * delivered before `ms` from now; then it all goes at once (the burst after a
     * retransmission).
     */
    stall(ms, direction = 'both') {
      const until = now() + ms;
      for (const dir of DIRECTIONS) {
        if (direction !== 'both' && direction !== dir) continue;
        stalledUntil[dir] = Math.max(stalledUntil[dir], until);
        for (const c of connections) c[dir].holdUntil(until);
      }
    },
    /** Stops listening and drops every connection. */
    close() {
      for (const c of connections) {
        c.up.stop();
        c.down.stop();
        c.client.destroy();
        c.upstream.destroy();
      }
      connections.clear();
      return new Promise((res) => server.close(() => res()));
    },
  };
}
