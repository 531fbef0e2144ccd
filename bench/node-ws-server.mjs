// Reference server for the broadcast benchmark: a minimal Node.js room chat over TLS,
// speaking pongd's chat protocol (docs/interface.md):
//   wss://host/ws/chat/<room>/   client -> {"message":"..."}
//   server -> every socket of the room, sender included: {"message","room","at"}
// No origin check, no rate limit, no persistence: the least a Node server would do.
//
// usage: node bench/node-ws-server.mjs --cert C --key K [--port 0] [--host 127.0.0.1]
// Prints "LISTENING <port>" on stdout once ready. Stops on SIGTERM/SIGINT, or by itself
// after --max-seconds (default 1800) so a forgotten server does not linger.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(resolve(dirname(fileURLToPath(import.meta.url)), '../package.json'));
const { WebSocketServer } = require('ws');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const host = args.host || '127.0.0.1';
const port = Number(args.port || 0);
const maxSeconds = Number(args['max-seconds'] || 1800);

const server = https.createServer({ cert: readFileSync(args.cert), key: readFileSync(args.key) }, (req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', uptime_seconds: Math.floor(process.uptime()) }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
const rooms = new Map(); // room -> Set<WebSocket>
const ROOM_RE = /^\/ws\/chat\/([A-Za-z0-9_-]{1,64})\/?$/;

server.on('upgrade', (req, socket, head) => {
  const m = ROOM_RE.exec(req.url);
  if (!m) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const room = m[1];
    let set = rooms.get(room);
    if (!set) rooms.set(room, (set = new Set()));
    set.add(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) { ws.close(1003); return; }
      let text;
      try { text = JSON.parse(data.toString()).message; } catch {
        ws.send(JSON.stringify({ error: { code: 'invalid_json', message: 'invalid JSON' } }));
        return;
      }
      if (typeof text !== 'string' || !text.trim()) {
        ws.send(JSON.stringify({ error: { code: 'invalid_message', message: 'message must be a non-empty string' } }));
        return;
      }
      // Encoded once, sent to every peer as a text frame (the fast path of ws).
      const out = Buffer.from(JSON.stringify({ message: text, room, at: Date.now() }));
      for (const peer of set) if (peer.readyState === 1) peer.send(out, { binary: false });
    });
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0) rooms.delete(room);
    });
    ws.on('error', () => {});
  });
});

server.listen(port, host, () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});

const stop = () => {
  for (const set of rooms.values()) for (const ws of set) ws.terminate();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxSeconds * 1000).unref();
