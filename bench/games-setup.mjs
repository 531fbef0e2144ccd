// Accounts and games for bench/games.sh (pongd's API over HTTPS, keep-alive, bounded concurrency).
//
//   node bench/games-setup.mjs register PORT COUNT USERS_FILE
//       registers COUNT users (POST /api/auth/register; Argon2id on pongd's hashing pool, the
//       slow part: ~50 ms of a core each) and writes one JSON line per user {id, refresh}
//       (the refresh cookie). Run it once against a pongd whose VAR_DIR is then copied for
//       every measured run: the copies hold the accounts, their sessions and the JWT key.
//   node bench/games-setup.mjs games PORT N USERS_FILE GAMES_FILE [OPTIONS_JSON]
//       on a copy of that VAR_DIR: a fresh access token for 2N users (POST /api/auth/refresh
//       with the stored cookie: no hashing), then N invites (user 2i invites 2i+1) and their
//       accepts. Writes "game_id token_seat0 token_seat1" per line (the inviter is seat 0 or
//       1: pongd decides; the generator learns its seat from "joined").
// Every request has a deadline; any failure exits non-zero with the answer.
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';

const [mode, portArg, countArg, usersFile, gamesFile, optionsArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
if (!['register', 'games'].includes(mode) || !port || !count || !usersFile) {
  console.error('usage: games-setup.mjs register PORT COUNT USERS_FILE | games PORT N USERS_FILE GAMES_FILE [OPTIONS_JSON]');
  process.exit(2);
}
const origin = `https://127.0.0.1:${port}`;
const agent = new https.Agent({ keepAlive: true, maxSockets: 32, rejectUnauthorized: false });

function call(method, path, { body, token, cookie } = {}) {
  const headers = { origin };
  let payload = null;
  if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (token) headers.authorization = `Bearer ${token}`;
  if (cookie) headers.cookie = cookie;
  return new Promise((resolve, reject) => {
    const req = https.request(`${origin}${path}`, { method, headers, agent, timeout: 120000 }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: r.statusCode, headers: r.headers, json, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

async function pool(n, width, fn) {
  let next = 0;
  const out = new Array(n);
  async function worker() {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
  return out;
}

function refreshCookie(headers) {
  for (const c of [].concat(headers['set-cookie'] || [])) {
    const m = /^refresh=([^;]+)/.exec(c);
    if (m) return `refresh=${m[1]}`;
  }
  return null;
}

function fail(what, r) {
  console.error(`games-setup: ${what}: ${r.status} ${r.text.slice(0, 300)}`);
  process.exit(1);
}

const t0 = Date.now();
if (mode === 'register') {
  const tag = Math.random().toString(36).slice(2, 8);
  const users = await pool(count, 16, async (i) => {
    const name = `gb${tag}${i}`;
    for (let attempt = 0; ; attempt++) {
      const r = await call('POST', '/api/auth/register', {
        body: { username: name, email: `${name}@example.org`, password: 'correct horse battery staple' },
      });
      if (r.status === 503 && attempt < 20) { await new Promise((res) => setTimeout(res, 500)); continue; }
      if (r.status !== 201 && r.status !== 200) fail(`register ${name}`, r);
      return { id: r.json.user.id, refresh: refreshCookie(r.headers) };
    }
  });
  writeFileSync(usersFile, users.map((u) => JSON.stringify(u)).join('\n') + '\n');
  console.error(`games-setup: ${count} users registered in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} else {
  const users = readFileSync(usersFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  if (users.length < 2 * count) { console.error(`games-setup: ${users.length} users, need ${2 * count}`); process.exit(1); }
  const options = { ball_speed: 1, paddle_size: 1, winning_score: 21, map: 0, powerups: 0, ...(optionsArg ? JSON.parse(optionsArg) : {}) };
  const tokens = await pool(2 * count, 32, async (i) => {
    const r = await call('POST', '/api/auth/refresh', { cookie: users[i].refresh });
    if (r.status !== 200) fail(`refresh user ${users[i].id}`, r);
    return r.json.access_token;
  });
  const lines = await pool(count, 32, async (g) => {
    const a = 2 * g;
    const b = a + 1;
    const inv = await call('POST', '/api/invites', { token: tokens[a], body: { user_id: users[b].id, options } });
    if (inv.status !== 201) fail(`invite ${users[a].id} -> ${users[b].id}`, inv);
    const acc = await call('POST', `/api/invites/${inv.json.id}/accept`, { token: tokens[b] });
    if (acc.status !== 200) fail(`accept invite ${inv.json.id}`, acc);
    return `${acc.json.game_id} ${tokens[a]} ${tokens[b]}`;
  });
  writeFileSync(gamesFile, lines.join('\n') + '\n');
  console.error(`games-setup: ${count} games created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
agent.destroy();
