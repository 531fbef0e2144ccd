// A stand-in for the 42 intranet's OAuth 2.0 provider, for the integration and browser tests
// of Log in with 42. A real HTTPS server (node:https) with a throw-away test CA and a server
// certificate made with openssl when it starts: pongd is given the CA (OAUTH42_CA_FILE) and
// verifies the certificate as it would the real one's. It speaks the real API's JSON:
//   GET  /oauth/authorize  ?client_id&redirect_uri&response_type=code&state&code_challenge
//                          &code_challenge_method=S256 → 302 to redirect_uri with code and
//                          state (knob `deny`: error=access_denied and state instead)
//   POST /oauth/token      grant_type=authorization_code, client_id, client_secret, code,
//                          redirect_uri, code_verifier (PKCE S256 checked; a code works once)
//   GET  /v2/me            Authorization: Bearer → { id, login, email, image: { link,
//                          versions: { large, medium, small, micro } }, … }
//   GET  /img/<name>.png   a small PNG (the avatar)
// Knobs (set at any time): deny, slowMs (the token endpoint answers after it), user (the
// account the next authorizations log in as), imageHost (the host the image links name).
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export const CLIENT_ID = 'u-s4t2ud-test-client';
export const CLIENT_SECRET = 's-s4t2af-test-secret';

/** A CA and a server certificate for 127.0.0.1 and localhost, in a fresh directory. */
function makeCerts() {
  const dir = mkdtempSync(join(tmpdir(), 'fake42-'));
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-days', '2', '-subj', '/CN=pongd test CA (throw-away)', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n'
    + 'keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '2', '-extfile', 'ext.cnf']);
  return { dir, ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A 64×64 RGB PNG of two colours (the "photo" of a 42 user). */
export function makePng(size = 64) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const o = y * (size * 3 + 1) + 1 + x * 3;
      const on = (x < size / 2) !== (y < size / 2);
      raw[o] = on ? 0x20 : 0xe0; raw[o + 1] = 0x80; raw[o + 2] = on ? 0xe0 : 0x20;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A user of the intranet as /v2/me shows it (the fields Log in with 42 reads, and a few more). */
export function user42(id, login, { email = `${login}@student.42.fr` } = {}) {
  return { id, login, email, first_name: login, last_name: 'Test', displayname: `${login} Test`, kind: 'student' };
}

/**
 * Starts the stand-in on a free loopback port. Resolves to { origin, caFile, env (the OAUTH42_*
 * variables for pongd), knobs: { deny, slowMs, user, imageHost }, requests (what was asked,
 * in order), codes (issued), stop() }.
 */
export async function startFake42() {
  const certs = makeCerts();
  const png = makePng();
  const codes = new Map();    // code → { challenge, redirectUri, user, used }
  const tokens = new Map();   // access token → user
  const requests = [];
  const knobs = { deny: false, slowMs: 0, user: user42(90001, 'mlogin'), imageHost: null };
  const pending = new Set();
  let origin = '';

  const send = (res, status, body, headers = {}) => {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': Buffer.isBuffer(body) ? 'image/png' : 'application/json; charset=utf-8',
      'content-length': buf.length, ...headers });
    res.end(buf);
  };

  const server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const url = new URL(req.url, origin);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body,
        authorization: req.headers.authorization ?? null });
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
        const q = url.searchParams;
        const back = q.get('redirect_uri');
        if (q.get('client_id') !== CLIENT_ID || q.get('response_type') !== 'code' || !back
          || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
          send(res, 400, { error: 'invalid_request' });
          return;
        }
        const to = new URL(back);
        if (knobs.deny) {
          to.searchParams.set('error', 'access_denied');
          to.searchParams.set('error_description', 'The resource owner or authorization server denied the request.');
        } else {
          const code = b64url(randomBytes(24));
          codes.set(code, { challenge: q.get('code_challenge'), redirectUri: back, user: { ...knobs.user }, used: false });
          to.searchParams.set('code', code);
        }
        if (q.has('state')) to.searchParams.set('state', q.get('state'));
        res.writeHead(302, { location: to.href, 'content-length': 0 });
        res.end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/oauth/token') {
        const answer = () => {
          const f = new URLSearchParams(body);
          const c = codes.get(f.get('code') ?? '');
          if (f.get('client_id') !== CLIENT_ID || f.get('client_secret') !== CLIENT_SECRET) {
            send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
            return;
          }
          const verifier = f.get('code_verifier') ?? '';
          if (f.get('grant_type') !== 'authorization_code' || !c || c.used || c.redirectUri !== f.get('redirect_uri')
            || b64url(createHash('sha256').update(verifier).digest()) !== c.challenge) {
            send(res, 400, { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid.' });
            return;
          }
          c.used = true;
          const token = b64url(randomBytes(32));
          tokens.set(token, c.user);
          send(res, 200, { access_token: token, token_type: 'bearer', expires_in: 7200, scope: 'public',
            created_at: Math.floor(Date.now() / 1000), secret_valid_until: Math.floor(Date.now() / 1000) + 86400 });
        };
        if (knobs.slowMs > 0) {
          const t = setTimeout(() => { pending.delete(t); if (!res.destroyed) answer(); }, knobs.slowMs);
          pending.add(t);
        } else answer();
        return;
      }
      if (req.method === 'GET' && url.pathname === '/v2/me') {
        const u = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!u) {
          send(res, 401, { error: 'Not authorized' });
          return;
        }
        const img = (size) => `https://${knobs.imageHost ?? url.host}/img/${size}_${u.login}.png`;
        send(res, 200, { ...u, url: `https://api.intra.42.fr/v2/users/${u.login}`,
          image: { link: img('full'), versions: { large: img('large'), medium: img('medium'), small: img('small'), micro: img('micro') } } });
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/img/')) {
        send(res, 200, png);
        return;
      }
      send(res, 404, { error: 'Not found' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${server.address().port}`;
  return {
    origin,
    caFile: certs.ca,
    knobs,
    requests,
    codes,
    env: {
      OAUTH42_CLIENT_ID: CLIENT_ID,
      OAUTH42_CLIENT_SECRET: CLIENT_SECRET,
      OAUTH42_AUTHORIZE_URL: `${origin}/oauth/authorize`,
      OAUTH42_TOKEN_URL: `${origin}/oauth/token`,
      OAUTH42_USERINFO_URL: `${origin}/v2/me`,
      OAUTH42_CA_FILE: certs.ca,
    },
    async stop() {
      for (const t of pending) clearTimeout(t);
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}
