// SIGTERM lets running requests finish (issue 16: 16 concurrent registrations once got no
// answer): the server stops accepting, answers what it has (up to SHUTDOWN_GRACE), then exits;
// every account it acknowledged is there after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, buildWebRoot, rawTls, buildRequest, parseJson, withTimeout, tcpConnect, TEST_PASSWORD,
} from './helpers.mjs';
import { call } from './api-client.mjs';

test('SIGTERM right after 16 registrations are sent: all 16 answered 201, all 16 log in after a restart', { timeout: 90000 }, async () => {
  const fixture = buildWebRoot();
  // one hashing thread: the 16 Argon2id hashes run one after another, well past the signal
  const env = { WEB_ROOT: fixture.root, AUTH_RATE: '10000', HASH_THREADS: '1' };
  const first = await startServer(env);
  let second;
  try {
    const port = first.httpsPort;
    const names = Array.from({ length: 16 }, (_, i) => `drain_${i}_${process.pid % 10000}`);
    const conns = await Promise.all(names.map(() => rawTls(port)));
    await Promise.all(conns.map((c, i) => {
      const body = JSON.stringify({ username: names[i], email: `${names[i]}@example.org`, password: TEST_PASSWORD });
      return c.send(buildRequest('POST', '/api/auth/register', { 'content-type': 'application/json', origin: first.origin }, body));
    }));
    first.expectExit();
    first.proc.kill('SIGTERM');
    const answers = await Promise.all(conns.map((c) => c.readResponse({ timeout: 30000 }).catch((e) => ({ status: 0, error: e.message }))));
    assert.deepEqual(answers.map((r) => r.status), names.map(() => 201),
      `every registration answered 201: ${JSON.stringify(answers.map((r) => r.status))}\n${first.logs().slice(-3000)}`);
    for (const [i, r] of answers.entries()) assert.equal(parseJson(r).user.username, names[i]);
    const ex = await withTimeout(first.exited, 15000, 'pongd to exit after SIGTERM');
    assert.equal(ex.code, 0, `exit ${JSON.stringify(ex)}`);
    await assert.rejects(tcpConnect(port, 2000), 'the listener is closed');
    assert.match(first.logs(), /stopping: finishing \d+ requests/);

    second = await startServer({ ...env, VAR_DIR: first.varDir });
    for (const username of names) {
      const res = await call(second, 'POST', '/api/auth/login', { body: { username, password: TEST_PASSWORD } });
      assert.equal(res.status, 200, `${username} logs in after the restart`);
    }
  } finally {
    await second?.stop();
    await first.stop();
    fixture.cleanup();
  }
});
