// Reference server for the remote-games benchmark (bench/games.sh): pongd's game socket
// (docs/interface.md "Game socket") on Node.js `https` + `ws`, each game a room of
// web/src/game/netroom.js (the same rules as pongd's src/live/match.c) over its own instance
// of the WebAssembly simulation (build/wasm/pong.wasm, the same C as pongd's), all stepped at
// 60 Hz on one grid of absolute deadlines, as pongd does.
//
//   wss://host/ws/game/<id>/   first frame {"type":"auth","token":"…"}, then binary frames
//
// No accounts: a game is created on the first connection to its id (options from --options,
// a seed from the id); the first distinct token of a game takes seat 0, the second seat 1, a
// third is refused (4003); the same token again replaces the older socket (4409). No origin
// check, no persistence: the least a Node server of these rules would do.
//
// --mode floor: no simulation and no room; after the auth frame, "joined", then every 3rd
// tick of the grid the same 244-byte snapshot (its tick updated) to every socket, PINGs
// answered: the cost of the writes alone, in Node (bench/floor-server.c is the C floor).
//
// GET /stats: {"games","sockets","ticks","late_p50_us","late_p99_us","late_max_us",
// "stalls"} — lateness of the grid's wake-ups (now − deadline of each tick run), since the
// last GET /stats?reset=1.
//
// usage: node bench/node-game-server.mjs --cert C --key K [--port 0] [--mode game|floor]
//        [--options '{"ball_speed":1,"paddle_size":1,"winning_score":21,"map":0,"powerups":0}']
// Prints "LISTENING <port>". Stops on SIGTERM/SIGINT, or by itself after --max-seconds (1800).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRoom } from '../web/src/game/netroom.js';
import { createGame } from '../web/src/game/pong.js';
import { decodeClientFrame, encodePong, encodeSnapshot, LIMITS } from '../web/src/game/netproto.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(HERE, '../package.json'));
const { WebSocketServer } = require('ws');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const host = args.host || '127.0.0.1';
const port = Number(args.port || 0);
const mode = args.mode || 'game';
const maxSeconds = Number(args['max-seconds'] || 1800);
const opt = { ball_speed: 1, paddle_size: 1, winning_score: 21, map: 0, powerups: 0, ...(args.options ? JSON.parse(args.options) : {}) };
const wasm = await WebAssembly.compile(readFileSync(resolve(HERE, '../build/wasm/pong.wasm')));

// ---- tick lateness (µs), log-linear histogram as in pongd's ticker (8 sub-buckets per power of two)
const hist = new Float64Array(512);
let histCount = 0;
let histMax = 0;
let stalls = 0;
function lateAdd(us) {
  const v = Math.max(0, Math.floor(us));
  let idx;
  if (v < 16) idx = v;
  else {
    const msb = 31 - Math.clz32(v);
    idx = 16 + (msb - 4) * 8 + ((v >>> (msb - 3)) & 7);
  }
  hist[Math.min(idx, 511)] += 1;
  histCount += 1;
  if (v > histMax) histMax = v;
}
function latePct(p) {
  if (!histCount) return 0;
  const want = Math.ceil(histCount * p);
  let acc = 0;
  for (let i = 0; i < 512; i++) {
    acc += hist[i];
    if (acc >= want) {
      if (i < 16) return i;
      const msb = 4 + Math.floor((i - 16) / 8);
      const sub = (i - 16) % 8;
      return Math.min(histMax, (8 + sub + 1) * 2 ** (msb - 3)); // upper edge of the bucket
    }
  }
  return histMax;
}

// ---- games
const games = new Map(); // id -> { room, tokens: [t0, t1], socks: [ws, ws], ready: Promise }
let socketCount = 0;

function newGame(id) {
  const g = { room: null, tokens: [null, null], socks: [null, null], tick: 0, floorFrame: null };
  g.ready = (async () => {
    if (mode === 'floor') {
      const game = await createGame(wasm, { raw: [opt.ball_speed, opt.paddle_size, opt.winning_score, opt.map, opt.powerups] }, id);
      g.floorFrame = encodeSnapshot({ state: 2, keys: [0, 0], tick: 0, acks: [0, 0], late: 0, left: 0, save: game.save() });
      return;
    }
    const game = await createGame(wasm, { raw: [opt.ball_speed, opt.paddle_size, opt.winning_score, opt.map, opt.powerups] }, id);
    g.room = createRoom({
      game,
      gameId: id,
      players: [{ id: 2 * id, display_name: `p${2 * id}` }, { id: 2 * id + 1, display_name: `p${2 * id + 1}` }],
      send: (seat, data) => { const ws = g.socks[seat]; if (ws && ws.readyState === 1) ws.send(data); },
      close: (seat, code) => { const ws = g.socks[seat]; if (ws) { g.socks[seat] = null; ws.close(code); } },
      onOver: () => { setTimeout(() => games.delete(id), 1000); },
    });
  })();
  games.set(id, g);
  return g;
}

function joinFloor(g, seat, ws) {
  ws.send(JSON.stringify({ type: 'joined', game_id: 0, seat, tick_rate: 60, snapshot_every: 3, options: { ...opt, seed: 0 }, players: [] }));
  ws.send(g.floorFrame);
}

const server = https.createServer({ cert: readFileSync(args.cert), key: readFileSync(args.key) }, (req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  if (req.url.startsWith('/stats')) {
    const body = {
      mode, games: games.size, sockets: socketCount, ticks: histCount, late_p50_us: latePct(0.5), late_p99_us: latePct(0.99),
      late_max_us: histMax, stalls,
    };
    if (req.url.includes('reset=1')) { hist.fill(0); histCount = 0; histMax = 0; stalls = 0; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: LIMITS.FRAME_BYTES });
const GAME_RE = /^\/ws\/game\/([1-9][0-9]{0,15})\/?$/;

server.on('upgrade', (req, socket, head) => {
  const m = GAME_RE.exec(req.url);
  if (!m) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const id = Number(m[1]);
  wss.handleUpgrade(req, socket, head, (ws) => {
    socketCount += 1;
    let seat = -1;
    let g = null;
    const authTimer = setTimeout(() => ws.close(4001), 5000);
    ws.on('message', async (data, isBinary) => {
      if (seat < 0) {
        if (isBinary || g) { ws.close(4001); return; }
        let token;
        try { token = JSON.parse(data.toString()).token; } catch { /* refused below */ }
        if (typeof token !== 'string' || !token) { ws.close(4001); return; }
        clearTimeout(authTimer);
        g = games.get(id) || newGame(id);
        await g.ready;
        let s = g.tokens.indexOf(token);
        if (s < 0) s = g.tokens.indexOf(null);
        if (s < 0) { ws.close(4003); return; }
        g.tokens[s] = token;
        const old = g.socks[s];
        if (old) { g.socks[s] = null; if (g.room) g.room.leave(s); old.close(4409); }
        g.socks[s] = ws;
        seat = s;
        if (mode === 'floor') joinFloor(g, seat, ws);
        else g.room.join(seat);
        return;
      }
      if (mode === 'floor') {
        const f = isBinary ? decodeClientFrame(data) : { error: 4400 };
        if (f.type === 'ping') ws.send(encodePong({ id: f.id, tick: g.tick, opponentRttMs: 0 }));
        return;
      }
      if (!isBinary) { g.room.receive(seat, new Uint8Array(0)); return; }   // a text frame after auth: refused by the room
      g.room.receive(seat, data);
    });
    ws.on('close', () => {
      socketCount -= 1;
      clearTimeout(authTimer);
      if (g && seat >= 0 && g.socks[seat] === ws) {
        g.socks[seat] = null;
        if (g.room) g.room.leave(seat);
      }
    });
    ws.on('error', () => {});
  });
});

// ---- the 60 Hz grid: tick j due at epoch + j·1e6/60 µs; catch up at most 30 at once
const PERIOD_MS = 1000 / 60;
const epoch = performance.now();
let j = 1;
function onTimer() {
  const now = performance.now();
  let ran = 0;
  while (epoch + j * PERIOD_MS <= now && ran < 30) {
    lateAdd((now - (epoch + j * PERIOD_MS)) * 1000);
    for (const g of games.values()) {
      if (g.room) g.room.tick();
      else if (g.floorFrame) floorTick(g);
    }
    j += 1;
    ran += 1;
  }
  if (epoch + j * PERIOD_MS <= now) { stalls += 1; j = Math.floor((now - epoch) / PERIOD_MS) + 1; }
  setTimeout(onTimer, Math.max(0, epoch + j * PERIOD_MS - performance.now()));
}
function floorTick(g) {
  g.tick += 1;
  if (g.tick % 3) return;
  const f = g.floorFrame;
  f[4] = g.tick & 255; f[5] = (g.tick >>> 8) & 255; f[6] = (g.tick >>> 16) & 255; f[7] = g.tick >>> 24;
  for (const ws of g.socks) if (ws && ws.readyState === 1) ws.send(f);
}
setTimeout(onTimer, PERIOD_MS);

server.listen(port, host, () => {
  console.log(`LISTENING ${server.address().port}`);
});
const stop = () => { server.close(); for (const ws of wss.clients) ws.terminate(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxSeconds * 1000).unref();
