// Keeps the login endpoint busy: CONCURRENCY requests in flight at all times, each a valid
// login (POST /api/auth/login) of one user, over keep-alive HTTPS. Runs until SIGTERM, then
// prints "FLOOD ok=N busy=N limited=N other=N seconds=S".
//   node bench/login-flood.mjs PORT USERNAME PASSWORD [CONCURRENCY]
import https from 'node:https';

const [port, username, password, conc = '64'] = process.argv.slice(2);
const agent = new https.Agent({ keepAlive: true, maxSockets: Number(conc), rejectUnauthorized: false });
const body = Buffer.from(JSON.stringify({ username, password }));
const counts = { ok: 0, busy: 0, limited: 0, other: 0 };
const t0 = Date.now();
let running = true;

function one() {
  if (!running) return;
  const req = https.request({ host: '127.0.0.1', port, path: '/api/auth/login', method: 'POST', agent,
    headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) counts.ok += 1;
      else if (res.statusCode === 503) counts.busy += 1;
      else if (res.statusCode === 429) counts.limited += 1;
      else counts.other += 1;
      one();
    });
  });
  req.on('error', () => { counts.other += 1; setTimeout(one, 10); });
  req.end(body);
}

for (let i = 0; i < Number(conc); i += 1) one();
process.on('SIGTERM', () => {
  running = false;
  const s = (Date.now() - t0) / 1000;
  console.log(`FLOOD ok=${counts.ok} busy=${counts.busy} limited=${counts.limited} other=${counts.other} seconds=${s.toFixed(1)}`);
  process.exit(0);
});
