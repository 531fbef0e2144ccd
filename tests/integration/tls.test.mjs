// TLS: versions and cipher suites (TLS 1.2/1.3, forward-secret AEAD only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServer, withTimeout } from './helpers.mjs';

const ctx = useServer();

/** Resolves { ok: true, protocol, cipher } or { ok: false, error }. */
function tryTls(port, opts) {
  return withTimeout(new Promise((res) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    s.once('secureConnect', () => {
      const r = { ok: true, protocol: s.getProtocol(), cipher: s.getCipher() };
      s.destroy();
      res(r);
    });
    s.once('error', (e) => { s.destroy(); res({ ok: false, error: e.message }); });
    s.once('close', () => res({ ok: false, error: 'closed' }));
  }), 10000, 'TLS handshake');
}

// Lets this Node/OpenSSL client offer legacy protocols and suites at all.
const LEGACY = { ciphers: 'ALL:@SECLEVEL=0' };

test('control: this client can negotiate TLS 1.1 with a permissive server', async (t) => {
  // Proves the refusal test below can fail: a server that allows TLS 1.1 would be accepted.
  const dir = mkdtempSync(join(tmpdir(), 'pongd-tlsctl-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=legacy',
      '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const srv = tls.createServer({
      key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')),
      minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0',
    }, (s) => s.end());
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const r = await tryTls(srv.address().port, { ...LEGACY, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' });
    srv.close();
    if (!r.ok) t.skip(`this OpenSSL cannot do TLS 1.1 at all (${r.error}); the refusal test is vacuous here`);
    else assert.equal(r.protocol, 'TLSv1.1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS 1.0 and 1.1 are refused', async () => {
  for (const v of ['TLSv1', 'TLSv1.1']) {
    const r = await tryTls(ctx.server.httpsPort, { ...LEGACY, minVersion: v, maxVersion: v });
    assert.equal(r.ok, false, `${v} must be refused, negotiated ${r.protocol} ${r.cipher?.name}`);
  }
  const both = await tryTls(ctx.server.httpsPort, { ...LEGACY, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
  assert.equal(both.ok, false);
});

test('TLS 1.2 works with an ECDHE AEAD suite', async () => {
  const r = await tryTls(ctx.server.httpsPort, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.protocol, 'TLSv1.2');
  assert.match(r.cipher.name, /^ECDHE-/, `key exchange must be ECDHE: ${r.cipher.name}`);
  assert.match(r.cipher.name, /GCM|CHACHA20/, `cipher must be AEAD: ${r.cipher.name}`);
});

test('TLS 1.3 works with an AEAD suite', async () => {
  const r = await tryTls(ctx.server.httpsPort, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.protocol, 'TLSv1.3');
  assert.match(r.cipher.name, /^TLS_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)_SHA(256|384)$/);
});

test('default negotiation picks TLS 1.3', async () => {
  const r = await tryTls(ctx.server.httpsPort, {});
  assert.equal(r.ok, true, r.error);
  assert.equal(r.protocol, 'TLSv1.3');
});

test('TLS 1.2 without forward secrecy (static RSA key exchange) is refused', async () => {
  const r = await tryTls(ctx.server.httpsPort, {
    ...LEGACY, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2',
    ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES128-SHA:@SECLEVEL=0',
  });
  assert.equal(r.ok, false, `non-FS suite negotiated: ${r.cipher?.name}`);
});

test('TLS 1.2 CBC (non-AEAD) suites are refused even with ECDHE', async () => {
  const r = await tryTls(ctx.server.httpsPort, {
    ...LEGACY, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA384:'
      + 'ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256:@SECLEVEL=0',
  });
  assert.equal(r.ok, false, `CBC suite negotiated: ${r.cipher?.name}`);
});
