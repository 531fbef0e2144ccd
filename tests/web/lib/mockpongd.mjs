// A stand-in pongd for looking at the remote-game pages without the C server: HTTPS + WSS
// (Node, `ws`) serving web/dist, the few API routes the pages call, the app socket, and
// the game socket over the reference room (web/src/game/netroom.js). The opponent is a bot
// playing through the real client netcode in process. Not a test: a tool for screenshots
// and for trying the pages by hand.
//
//   node tests/web/lib/mockpongd.mjs [port]     then open https://localhost:<port>/mock/as/1?next=/game/1
//
// Users 1 (Ann) and 2 (Bob). Game 1: live, Ann (left) against the bot Bob. Game 2: finished
// (played by two bots at start-up, first to 2), for the replay page. /mock/as/<uid> logs the
// browser in as that user (a cookie), /mock/invite pushes an invite from Bob to user 1 (and
// its card into Ann's chat channel "Pong"). The chat (mockchat.mjs): room "general" with 80
// messages from Bob; PUT /api/blocks/<id> blocks in the chat.
import { createServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { createRoom } from '../../../web/src/game/netroom.js';
import { createNetGame } from '../../../web/src/game/netgame.js';
import { PRESETS } from '../../../web/src/game/pong.js';
import { playMatch, rng, trackingBot } from './netsim.mjs';
import { newGame } from './wasm.mjs';
import { createMockChat } from './mockchat.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIST = join(ROOT, 'web/dist');
const port = Number(process.argv[2] ?? 8443);

const USERS = {
  1: { id: 1, username: 'ann', display_name: 'Ann', avatar_url: '/static/icon.svg', language: 'en' },
  2: { id: 2, username: 'bob', display_name: 'Bob', avatar_url: '/static/icon.svg', language: 'en' },
};
const brief = (u) => ({ id: u.id, username: u.username, display_name: u.display_name, avatar_url: u.avatar_url });

function certificate() {
  const dir = '/tmp/mockpongd-cert';
  if (!existsSync(`${dir}/key.pem`)) {
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`,
      '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  }
  return { key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) };
}

// ---- games ----
const games = new Map();
const appSockets = new Map();   // uid → Set(ws)

function liveGame(id, options, seed) {
  const sockets = [null, null];
  const g = { id, options, record: null, startedAt: Date.now(), endedAt: null, sockets };
  g.room = createRoom({
    game: newGame(options, seed),
    gameId: id,
    players: [{ id: 1, display_name: 'Ann' }, { id: 2, display_name: 'Bob' }],
    send: (seat, data) => {
      const s = sockets[seat];
      if (s?.readyState === 1) s.send(data);
      else if (s?.deliver) s.deliver(data);
    },
    close: (seat, code) => sockets[seat]?.close(code),
    onOver: (r) => { g.record = r; g.endedAt = Date.now(); },
  });
  setInterval(() => g.room.tick(), 1000 / 60);
  games.set(id, g);
  return g;
}

// Game 1: Ann (seat 0, the browser) against a bot on seat 1 through the real netcode.
const g1 = liveGame(1, { ...PRESETS.arcade, winningScore: 11 }, 1234);
{
  const bot = trackingBot(1, rng(3));
  const inbox = [];
  const net = createNetGame({ game: newGame(PRESETS.classic, 1), send: (d) => setTimeout(() => g1.room.receive(1, d), 40) });
  g1.sockets[1] = { readyState: 0, deliver: (d) => setTimeout(() => inbox.push(d), 40), close() {} };
  g1.room.join(1);
  setInterval(() => {
    for (const d of inbox.splice(0)) net.receive(typeof d === 'string' ? d : d);
    const t = performance.now();
    net.update(t, bot(net.view(t), t));
  }, 1000 / 60);
}

// Game 2: over, for the replay page.
{
  const { record } = playMatch({
    options: { ...PRESETS.frantic, winningScore: 2 }, seed: 77, durationMs: 600000,
    links: { up: [{ delayMs: 50 }, { delayMs: 50 }], down: [{ delayMs: 50 }, { delayMs: 50 }] },
    bots: [trackingBot(0, rng(1)), trackingBot(1, rng(2))],
  });
  games.set(2, { id: 2, record, options: PRESETS.frantic, startedAt: Date.now() - 120000, endedAt: Date.now() - 1000 });
}

function gameJson(g) {
  const r = g.record;
  const live = !r;
  const save = live ? g.room : null;
  return {
    id: g.id,
    status: live ? 'live' : (r.ended_how === 'void' ? 'void' : r.ended_how === 'interrupted' ? 'interrupted' : 'finished'),
    players: [brief(USERS[1]), brief(USERS[2])],
    options: live ? save.options : r.options,
    score: live ? [0, 0] : r.score,
    winner: live ? null : r.winner,
    ended_how: live ? null : r.ended_how,
    started_at: g.startedAt,
    ended_at: g.endedAt,
    duration_ms: live ? Date.now() - g.startedAt : r.duration_ms,
    ticks: live ? save.gameTick : r.ticks,
    final_hash: live ? null : r.final_hash,
    stats: live ? null : {
      rallies: r.stats.rallies, longest_rally: r.stats.longestRally, hits: r.stats.hits,
      top_speed: Math.round(r.stats.topSpeed * 60), powerups: r.stats.powerups,
    },
    live: live ? { state: ['waiting', 'countdown', 'playing', 'paused', 'over'][save.state], connected: save.connected } : null,
  };
}

const chat = createMockChat({
  users: USERS,
  brief,
  push: (uid, make) => { for (const ws of appSockets.get(uid) ?? []) ws.send(JSON.stringify(make(ws))); },
});
chat.seed('general', 2, Array.from({ length: 80 }, (_, i) => `message ${i + 1} from Bob, see https://example.org/${i + 1}`));

function invite(status = 'pending') {
  return {
    id: 9, from: brief(USERS[2]), to: brief(USERS[1]),
    options: { ball_speed: 2, paddle_size: 0, winning_score: 11, map: 2, powerups: 1 },
    created_at: Date.now(), expires_at: Date.now() + 300000, status, game_id: status === 'accepted' ? 1 : null,
  };
}

// ---- HTTP ----
const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.html': 'text/html', '.ico': 'image/x-icon' };

function uidOf(req) {
  const m = /(?:^|;\s*)mock_uid=(\d+)/.exec(req.headers.cookie ?? '');
  return m ? Number(m[1]) : null;
}

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

const server = createServer(certificate(), async (req, res) => {
  const url = new URL(req.url, 'https://x');
  let body = null;
  if (req.method === 'POST' || req.method === 'PUT') {
    let text = '';
    for await (const chunk of req) text += chunk;
    try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  }
  const path = url.pathname;
  let m;
  if ((m = /^\/mock\/as\/(\d+)$/.exec(path))) {
    res.writeHead(302, { 'Set-Cookie': `mock_uid=${m[1]}; Path=/; Secure; SameSite=Strict`, Location: url.searchParams.get('next') ?? '/' });
    res.end();
    return;
  }
  if (path === '/mock/invite') {
    for (const ws of appSockets.get(1) ?? []) ws.send(JSON.stringify({ type: 'invite', invite: invite() }));
    chat.notice(1, 'Bob invites you to play', invite());
    json(res, 200, { pushed: true });
    return;
  }
  if (path.startsWith('/api/')) {
    const uid = uidOf(req);
    if (path === '/api/auth/refresh') {
      if (!uid) { json(res, 401, { error: { code: 'unauthorized', message: 'no session' } }); return; }
      json(res, 200, { access_token: `tok-${uid}`, expires_in: 900, user: { ...USERS[uid], email: `${USERS[uid].username}@example.org` } });
      return;
    }
    if ((m = /^\/api\/games\/(\d+)$/.exec(path))) {
      const g = games.get(Number(m[1]));
      if (!g) json(res, 404, { error: { code: 'not_found', message: 'no such game' } });
      else json(res, 200, gameJson(g));
      return;
    }
    if ((m = /^\/api\/games\/(\d+)\/replay$/.exec(path))) {
      const g = games.get(Number(m[1]));
      if (!g) json(res, 404, { error: { code: 'not_found', message: 'no such game' } });
      else if (!g.record) json(res, 409, { error: { code: 'live', message: 'still playing' } });
      else json(res, 200, { id: g.id, options: g.record.options, ticks: g.record.ticks, final_hash: g.record.final_hash, inputs: g.record.inputs });
      return;
    }
    if ((m = /^\/api\/games\/(\d+)\/resign$/.exec(path)) && req.method === 'POST') {
      const g = games.get(Number(m[1]));
      g?.room?.resign(uid === 2 ? 1 : 0);
      json(res, 204);
      return;
    }
    if (path === '/api/invites') {
      if (req.method === 'POST') { json(res, 409, { error: { code: 'busy', message: 'One of you is already playing a game.' } }); return; }
      json(res, 200, { incoming: [], outgoing: [] });
      return;
    }
    if ((m = /^\/api\/blocks\/(\d+)$/.exec(path)) && req.method === 'PUT') {
      chat.block(uid, Number(m[1]));
      json(res, 204);
      return;
    }
    const answer = chat.handle(uid, req.method, path, url.searchParams, body);
    if (answer) { json(res, answer[0], answer[1]); return; }
    if ((m = /^\/api\/users\/(\d+)$/.exec(path)) && USERS[m[1]]) {
      json(res, 200, { ...brief(USERS[m[1]]), online: true, last_seen_at: null, relation: Number(m[1]) === uid ? 'self' : 'friends' });
      return;
    }
    json(res, 404, { error: { code: 'not_found', message: 'mock: no such route' } });
    return;
  }
  const file = path.startsWith('/static/') ? join(DIST, path) : join(DIST, 'index.html');
  if (!file.startsWith(DIST) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const path = new URL(req.url, 'https://x').pathname;
    let uid = null;
    ws.once('message', (data) => {
      const auth = JSON.parse(String(data));
      uid = Number(/^tok-(\d+)$/.exec(auth.token)?.[1]);
      const gm = /^\/ws\/game\/(\d+)\/?$/.exec(path);
      if (!gm) {
        if (!appSockets.has(uid)) appSockets.set(uid, new Set());
        appSockets.get(uid).add(ws);
        ws.uid = uid;
        ws.on('message', (d) => { try { chat.onFrame(ws, JSON.parse(String(d))); } catch { /* not JSON */ } });
        ws.on('close', () => appSockets.get(uid)?.delete(ws));
        ws.send(JSON.stringify({ type: 'hello', user: brief(USERS[uid]) }));
        return;
      }
      const g = games.get(Number(gm[1]));
      if (!g || !g.room || g.record) { ws.close(4004); return; }
      const seat = uid === 1 ? 0 : 1;
      if (g.sockets[seat]?.readyState === 1) g.sockets[seat].close(4409);
      g.sockets[seat] = ws;
      ws.on('message', (d, isBinary) => { if (isBinary) setTimeout(() => g.room.receive(seat, d), 40); });
      ws.on('close', () => { if (g.sockets[seat] === ws) { g.sockets[seat] = null; g.room.leave(seat); } });
      // 40 ms each way on top of localhost, so the netcode has something to hide
      const send = ws.send.bind(ws);
      ws.send = (d) => setTimeout(() => { if (ws.readyState === 1) send(d); }, 40);
      g.room.join(seat);
    });
  });
});

server.listen(port, () => console.log(`mockpongd on https://localhost:${port}/mock/as/1?next=/game/1`));
