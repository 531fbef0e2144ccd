// Without TLS_CERT a self-signed certificate is generated in $VAR_DIR/tls/ (key 0600) and reused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startServer, buildWebRoot, withTimeout, get } from './helpers.mjs';

let fixture;
let varDir;
let server;

before(() => {
  fixture = buildWebRoot();
  varDir = mkdtempSync(join(tmpdir(), 'pongd-selfsigned-'));
});

after(async () => {
  await server?.stop();
  fixture?.cleanup();
  rmSync(varDir, { recursive: true, force: true });
});

function peerCert(port) {
  return withTimeout(new Promise((res, rej) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const c = s.getPeerCertificate();
      s.destroy();
      res(c);
    });
    s.on('error', rej);
  }), 5000, 'TLS connect');
}

test('generated on first start with key mode 0600, reused on the next start', { timeout: 60000 }, async () => {
  server = await startServer({ WEB_ROOT: fixture.root, VAR_DIR: varDir });
  const key = join(varDir, 'tls', 'key.pem');
  assert.ok(existsSync(key), `${key} must exist after start`);
  assert.equal(statSync(key).mode & 0o777, 0o600, `key mode is ${(statSync(key).mode & 0o777).toString(8)}`);
  const first = await peerCert(server.httpsPort);
  assert.ok(first.fingerprint256);
  // valid for at most 398 days (what browsers and testssl.sh accept), and at least a year
  const days = (Date.parse(first.valid_to) - Date.parse(first.valid_from)) / 86400000;
  assert.ok(days <= 398 && days >= 365, `the certificate is valid for ${days} days`);
  const r1 = await server.stop();
  assert.equal(r1.code, 0);

  server = await startServer({ WEB_ROOT: fixture.root, VAR_DIR: varDir });
  const second = await peerCert(server.httpsPort);
  assert.equal(second.fingerprint256, first.fingerprint256, 'the second start must reuse the certificate');
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.equal((await get(server.httpsPort, '/healthz')).status, 200);
  await server.stop();

  // A fresh VAR_DIR gets a different certificate (proves the comparison above can fail).
  server = await startServer({ WEB_ROOT: fixture.root });
  const third = await peerCert(server.httpsPort);
  assert.notEqual(third.fingerprint256, first.fingerprint256);
});
