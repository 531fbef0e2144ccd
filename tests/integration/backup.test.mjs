// Backup and restore (issue 16, README "Operations"). SQLite: `pongd backup FILE` while the
// server runs and writes (SQLite's online backup API), the file 0600, and a new server started
// from a copy of it. PostgreSQL: `pongd backup` refuses with the pg_dump / pg_restore steps, and
// those steps (pg_dump --format=custom, createdb, pg_restore --no-owner) restore into a new
// database that a new server starts from. Either way every account logs in and the friends,
// the chat messages (room and direct), the avatar and the recorded match are all there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from './api-client.mjs';
import { inviteGame, waitRecord } from './game-client.mjs';
import { startServer, registerUser, runPongd, ROOT, TEST_PASSWORD } from './helpers.mjs';

const postgres = process.env.PONGD_INTEGRATION_DB === 'postgres';
const cleanups = [];
after(async () => { for (const f of cleanups.reverse()) await f(); });

const api = (s, method, path, token, body) => call(s, method, path, { token, body });
async function ok(s, method, path, token, body, status = [200, 201, 204]) {
  const r = await api(s, method, path, token, body);
  assert.ok([].concat(status).includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
  return r;
}

/** Accounts, friends, a room and a direct conversation, an avatar, a finished match. */
async function populate(s) {
  const [alice, bob, carol] = [await registerUser(s, 'alice'), await registerUser(s, 'bob'), await registerUser(s, 'carol')];
  await ok(s, 'POST', `/api/friends/${bob.user.id}`, alice.token);
  await ok(s, 'POST', `/api/friends/${alice.user.id}/accept`, bob.token);
  await ok(s, 'POST', `/api/friends/${alice.user.id}`, carol.token);   // left pending
  const room = `backup_${process.pid}`;
  for (const u of [alice, bob]) await ok(s, 'POST', `/api/chat/rooms/${room}/join`, u.token);
  await ok(s, 'POST', `/api/chat/rooms/${room}/messages`, alice.token, { text: 'room message one' });
  await ok(s, 'POST', `/api/chat/rooms/${room}/messages`, bob.token, { text: 'room message two, ünïcödé 🏓' });
  await ok(s, 'POST', `/api/chat/dm/${bob.user.id}/messages`, alice.token, { text: 'a direct message' });
  await ok(s, 'POST', `/api/chat/dm/${alice.user.id}/messages`, bob.token, { text: 'and its answer' });
  const png = readFileSync(join(ROOT, 'tests/fixtures/images/ok.png'));
  await ok(s, 'PUT', '/api/users/me/avatar', alice.token, png);
  const { gameId } = await inviteGame(s, alice, bob);
  await ok(s, 'POST', `/api/games/${gameId}/resign`, bob.token);
  const record = await waitRecord(s, alice.token, gameId);
  assert.equal(record.status, 'finished');
  return { users: { alice, bob, carol }, room, gameId };
}

/** What a user sees of all that, through the API (with a fresh login: tokens are not kept). */
async function snapshot(s, data) {
  const out = {};
  const tokens = {};
  for (const [name, u] of Object.entries(data.users)) {
    const r = await api(s, 'POST', '/api/auth/login', null, { username: u.username, password: TEST_PASSWORD });
    assert.equal(r.status, 200, `${name} logs in: ${r.text}`);
    tokens[name] = r.json.access_token;
    out[`${name}.me`] = r.json.user;
  }
  const { alice, bob } = data.users;
  const ids = (list) => list.map((e) => e.user?.id ?? e.id).sort();
  for (const name of ['alice', 'bob', 'carol']) {
    const f = (await ok(s, 'GET', '/api/friends', tokens[name])).json;
    out[`${name}.friends`] = { friends: ids(f.friends), incoming: ids(f.incoming), outgoing: ids(f.outgoing) };
  }
  const strip = (msgs) => msgs.map((m) => ({ seq: m.seq, at: m.at, user_id: m.user_id, text: m.message }));
  out.room = strip((await ok(s, 'GET', `/api/chat/rooms/${data.room}/messages`, tokens.bob)).json.messages);
  out.dm = strip((await ok(s, 'GET', `/api/chat/dm/${bob.user.id}/messages`, tokens.alice)).json.messages);
  out.game = (await ok(s, 'GET', `/api/games/${data.gameId}`, tokens.alice)).json;
  out.alice = (await ok(s, 'GET', `/api/users/${alice.user.id}`, tokens.bob)).json;
  delete out.alice.online;
  delete out.alice.last_seen_at;
  out.avatar = (await ok(s, 'GET', out.alice.avatar_url, null)).body.toString('base64');
  return out;
}

function checkContent(snap) {
  const texts = snap.room.map((m) => m.text);
  assert.deepEqual(texts.slice(0, 2), ['room message one', 'room message two, ünïcödé 🏓']);
  // the ones written while a backup ran: a snapshot has the first k of them, in order
  assert.deepEqual(texts.slice(2), texts.slice(2).map((_, i) => `during ${i}`));
  assert.deepEqual(snap.dm.map((m) => m.text), ['a direct message', 'and its answer']);
  assert.equal(snap.game.ended_how, 'resign');
  assert.equal(snap.alice.wins, 1);
  assert.ok(snap.avatar.length > 100, 'the uploaded avatar');
}

test('a running server is backed up and a new server restored from the backup has everything', { timeout: 120000 }, async () => {
  const s1 = await startServer({ AUTH_RATE: '10000', CHAT_RATE: '0' });
  cleanups.push(() => s1.stop());
  const data = await populate(s1);
  const before = await snapshot(s1, data);
  checkContent(before);
  const work = mkdtempSync(join(tmpdir(), 'pongd-backup-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const newVar = join(work, 'var');

  let restoredUrl;
  if (!postgres) {
    // while the server keeps writing
    const file = join(work, 'pongd-backup.sqlite3');
    const writing = (async () => {
      for (let i = 0; i < 20; i++) await ok(s1, 'POST', `/api/chat/rooms/${data.room}/messages`, data.users.bob.token, { text: `during ${i}` });
    })();
    const r = await runPongd(['backup', file], { VAR_DIR: s1.varDir }, 60000);
    await writing;
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /copied to/);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the backup is readable by its owner only');
    assert.ok(!existsSync(`${file}.partial`));
    assert.equal(execFileSync('sqlite3', [file, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim(), 'ok');
    // a second backup onto the same name replaces it
    assert.equal((await runPongd(['backup', file], { VAR_DIR: s1.varDir }, 60000)).code, 0);
    // the restore: the file is the new server's database
    execFileSync('mkdir', ['-m', '700', newVar]);
    copyFileSync(file, join(newVar, 'pongd.sqlite3'));
  } else {
    const r = await runPongd(['backup', join(work, 'x')], { DATABASE_URL: s1.databaseUrl, VAR_DIR: work }, 20000);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /pg_dump --format=custom/);
    assert.match(r.out, /pg_restore --no-owner/);
    assert.ok(!existsSync(join(work, 'x')));
    // the documented steps, limited to this test's schema (-n): the suite shares one database
    const schema = decodeURIComponent(/search_path%3D([A-Za-z0-9_]+)/.exec(s1.databaseUrl)[1]);
    const dump = join(work, 'pongd.dump');
    execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, '-n', schema, s1.databaseUrl], { stdio: 'pipe' });
    const base = process.env.PONGD_TEST_DATABASE_URL;
    const dbName = `restored_${process.pid}`;
    execFileSync('psql', [base, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${dbName}`], { stdio: 'pipe' });
    const target = base.replace(/\/[^/?]+(\?|$)/, `/${dbName}$1`);
    cleanups.unshift(() => execFileSync('psql', [base, '-qAt', '-c', `DROP DATABASE IF EXISTS ${dbName}`], { stdio: 'pipe' }));
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${target}`, dump], { stdio: 'pipe' });
    restoredUrl = `${target}${target.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
  }
  await s1.stop();

  const s2 = await startServer({ AUTH_RATE: '10000', VAR_DIR: newVar, ...(restoredUrl ? { DATABASE_URL: restoredUrl } : {}) });
  cleanups.push(() => s2.stop());
  const after = await snapshot(s2, data);
  checkContent(after);
  // the messages written while the backup ran may or may not be in it (a snapshot of one
  // moment), but nothing before it is missing and nothing is changed
  after.room = after.room.slice(0, before.room.length);
  assert.deepEqual(after, before);
  // and the restored server goes on: a new message, a new account
  await ok(s2, 'POST', `/api/chat/dm/${data.users.alice.user.id}/messages`, (await api(s2, 'POST', '/api/auth/login', null, { username: data.users.bob.username, password: TEST_PASSWORD })).json.access_token, { text: 'after the restore' });
  await registerUser(s2, 'later');
});
