// Files pongd creates under VAR_DIR (issue 16): the SQLite database and its -wal and -shm, the
// JWT secret, the generated TLS key and certificate are 0600 and the directories it makes 0700,
// whatever the umask and even when VAR_DIR already exists with mode 0755; files an older version
// left readable by others are narrowed at start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, chmodSync, statSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, registerUser } from './helpers.mjs';
import { call } from './api-client.mjs';

const dirs = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A VAR_DIR made beforehand, as an operator would with `mkdir` under umask 022. */
function openVarDir() {
  const parent = mkdtempSync(join(tmpdir(), 'pongd-modes-'));
  dirs.push(parent);
  const dir = join(parent, 'var');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  return dir;
}

/** Every file and directory under dir (recursively): [{ path, mode, dir }]. */
function tree(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push({ path: p, mode: statSync(p).mode & 0o777, dir: e.isDirectory() });
    if (e.isDirectory()) out.push(...tree(p));
  }
  return out;
}

function assertPrivate(dir, expected) {
  const entries = tree(dir);
  const names = entries.map((e) => e.path.slice(dir.length + 1));
  for (const name of expected) assert.ok(names.includes(name), `${name} in ${JSON.stringify(names)}`);
  for (const e of entries) {
    const want = e.dir ? 0o700 : 0o600;
    assert.equal(e.mode.toString(8), want.toString(8), `mode of ${e.path}`);
  }
}

/** Writes through the database so that SQLite has its -wal and -shm open. */
async function someWrites(s) {
  const { token } = await registerUser(s, 'modes');
  assert.equal((await call(s, 'PATCH', '/api/users/me', { token, body: { display_name: 'Mode Tester' } })).status, 200);
}

const sqlite = process.env.PONGD_INTEGRATION_DB !== 'postgres';
const expected = ['jwt.key', 'tls', 'tls/cert.pem', 'tls/key.pem', ...(sqlite ? ['pongd.sqlite3', 'pongd.sqlite3-wal', 'pongd.sqlite3-shm'] : [])];

test('under umask 022 in an existing 0755 VAR_DIR every file pongd creates is 0600', { timeout: 30000 }, async () => {
  const dir = openVarDir();
  const old = process.umask(0o022);
  let s;
  try {
    s = await startServer({ VAR_DIR: dir, AUTH_RATE: '10000' });
  } finally {
    process.umask(old);
  }
  try {
    await someWrites(s);
    assertPrivate(dir, expected);
  } finally {
    await s.stop();
  }
  assertPrivate(dir, expected.filter((n) => !/-(wal|shm)$/.test(n)));
});

test('with umask 000, files left 0644 by an older version are narrowed to 0600 at start', { timeout: 30000 }, async () => {
  const dir = openVarDir();
  writeFileSync(join(dir, 'jwt.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o644 });
  chmodSync(join(dir, 'jwt.key'), 0o644);
  if (sqlite) {
    writeFileSync(join(dir, 'pongd.sqlite3'), '');
    chmodSync(join(dir, 'pongd.sqlite3'), 0o644);
  }
  const old = process.umask(0);
  let s;
  try {
    s = await startServer({ VAR_DIR: dir, AUTH_RATE: '10000' });
  } finally {
    process.umask(old);
  }
  try {
    await someWrites(s);
    assertPrivate(dir, expected);
  } finally {
    await s.stop();
  }
});
