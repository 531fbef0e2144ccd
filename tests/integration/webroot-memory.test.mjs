// WEB_ROOT is loaded into memory at start: later changes on disk do not change what is served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, get, INDEX_MARKER } from './helpers.mjs';

const ctx = useServer();

test('files changed, deleted or added after start do not change the answers', async () => {
  const before = await get(ctx.server.httpsPort, '/static/plain.js');
  assert.deepEqual(before.body, ctx.fixture.files['/static/plain.js']);

  writeFileSync(join(ctx.fixture.root, 'static/plain.js'), 'console.log("changed on disk");\n');
  rmSync(join(ctx.fixture.root, 'data.json'));
  writeFileSync(join(ctx.fixture.root, 'static/new-file.js'), 'console.log("new");\n');

  const changed = await get(ctx.server.httpsPort, '/static/plain.js');
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body, ctx.fixture.files['/static/plain.js'], 'served content must be the one loaded at start');
  assert.equal(changed.headers.etag, before.headers.etag);

  const deleted = await get(ctx.server.httpsPort, '/data.json');
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.body, ctx.fixture.files['/data.json']);

  const added = await get(ctx.server.httpsPort, '/static/new-file.js');
  assert.equal(added.status, 404, 'a file added after start is not served');
  assert.ok(!added.body.toString().includes(INDEX_MARKER));
});
