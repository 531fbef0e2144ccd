// The build's layering rules (docs/architecture.md, "Layers"): a folder may include only the
// headers of the folders under it and only its own libraries. Each case compiles one small
// probe with a layer's real flags (`make layer-probe`) and checks that the build stops, with
// the reason, or (the controls) that an allowed include compiles. The include checker is run
// on a scratch tree holding one forbidden include at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'layers-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function probe(layer, source) {
  const file = join(scratch, `probe-${layer}-${Math.random().toString(36).slice(2)}.c`);
  writeFileSync(file, source + '\nint probe_unused(void);\n');
  const r = spawnSync('make', ['-s', '--no-print-directory', 'layer-probe', `LAYER=${layer}`, `PROBE=${file}`], {
    cwd: ROOT, encoding: 'utf8',
  });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function refused(layer, include, why) {
  const r = probe(layer, `#include ${include}`);
  assert.equal(r.ok, false, `${layer}/ including ${include} compiled, but it must not`);
  assert.match(r.out, why, `${layer}/ including ${include} failed for another reason:\n${r.out}`);
}

const LAYERING = /layering: .* is not for this folder/;
const NOT_FOUND = /No such file or directory|file not found/;

test('controls: each layer compiles its own and lower headers and its own libraries', () => {
  const cases = [
    ['base', '#include "util.h"\n#include "pool.h"\n#include "err.h"'],
    ['game', '#include "game.h"\n#include "ai.h"'],
    ['net', '#include "ws.h"\n#include "http.h"\n#include <libwebsockets.h>\n#include <openssl/ssl.h>'],
    ['db', '#include "db.h"\n#include "dbpool.h"\n#include <sqlite3.h>\n#include <libpq-fe.h>'],
    ['auth', '#include "auth.h"\n#include <sodium.h>\n#include <jwt.h>\n#include <oath.h>'],
    ['model', '#include "account.h"\n#include "social.h"\n#include <vips/vips.h>\n#include <curl/curl.h>'],
    ['live', '#include "chat.h"\n#include "presence.h"\n#include "ws.h"\n#include <jansson.h>'],
    ['api', '#include "api.h"\n#include "http.h"\n#include "presence.h"\n#include <jansson.h>'],
    ['root', '#include "app.h"\n#include "server.h"'],
  ];
  for (const [layer, src] of cases) {
    const r = probe(layer, src);
    assert.equal(r.ok, true, `${layer}: the control failed to compile:\n${r.out}`);
  }
});

test('only net/ includes libwebsockets and OpenSSL', () => {
  for (const layer of ['base', 'game', 'db', 'auth', 'model', 'live', 'api', 'root']) {
    refused(layer, '<libwebsockets.h>', LAYERING);
    refused(layer, '<openssl/ssl.h>', LAYERING);
    refused(layer, '<openssl/evp.h>', LAYERING);
  }
});

test('only db/ reaches SQLite and libpq', () => {
  for (const layer of ['base', 'game', 'net', 'auth', 'model', 'live', 'api', 'root']) {
    refused(layer, '<sqlite3.h>', LAYERING);
    refused(layer, '<libpq-fe.h>', LAYERING);
  }
});

test('libvips only in model/, libjwt only in auth/, jansson not in base/ game/ net/ db/', () => {
  for (const layer of ['base', 'net', 'db', 'auth', 'live', 'api']) refused(layer, '<vips/vips.h>', LAYERING);
  for (const layer of ['base', 'net', 'db', 'model', 'live', 'api']) refused(layer, '<jwt.h>', LAYERING);
  for (const layer of ['base', 'game', 'net', 'db']) refused(layer, '<jansson.h>', LAYERING);
});

test('liboath (TOTP) only in auth/, libcurl (outbound mail) only in model/', () => {
  for (const layer of ['base', 'game', 'net', 'db', 'model', 'live', 'api', 'root']) refused(layer, '<oath.h>', LAYERING);
  for (const layer of ['base', 'game', 'net', 'db', 'auth', 'live', 'api', 'root']) refused(layer, '<curl/curl.h>', LAYERING);
});

test('a folder cannot include the headers of a folder above it (or beside it)', () => {
  refused('game', '"server.h"', LAYERING);
  refused('game', '"util.h"', NOT_FOUND);
  refused('base', '"ws.h"', NOT_FOUND);
  refused('net', '"api.h"', NOT_FOUND);
  refused('net', '"db.h"', NOT_FOUND);
  refused('db', '"account.h"', NOT_FOUND);
  refused('auth', '"db.h"', NOT_FOUND);
  refused('model', '"presence.h"', NOT_FOUND);
  refused('model', '"ws.h"', NOT_FOUND);
  refused('live', '"api.h"', NOT_FOUND);
  refused('api', '"app.h"', NOT_FOUND);
  refused('api', '"server.h"', LAYERING);   // net/ is visible, but not its start/stop API
  refused('live', '"server.h"', LAYERING);
});

// scripts/check-includes.sh on a copy of src/ with one bad line added
function checkIncludes(relFile, line) {
  const tree = mkdtempSync(join(scratch, 'tree-'));
  cpSync(join(ROOT, 'src'), join(tree, 'src'), { recursive: true });
  mkdirSync(dirname(join(tree, relFile)), { recursive: true });
  writeFileSync(join(tree, relFile), `${line}\nint unused_decl(void);\n`);
  return spawnSync(join(ROOT, 'scripts/check-includes.sh'), [tree], { encoding: 'utf8' });
}

test('the include checker passes the real tree and refuses "..", absolute paths and libc in game/', () => {
  const clean = spawnSync(join(ROOT, 'scripts/check-includes.sh'), [ROOT], { encoding: 'utf8' });
  assert.equal(clean.status, 0, clean.stderr);
  let r = checkIncludes('src/api/probe.c', '#include "../net/server.h"');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /may not use '\.\.'/);
  r = checkIncludes('src/live/probe.c', '#include "/work/src/net/server.h"');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /absolute path/);
  r = checkIncludes('src/game/probe.c', '#include <stdio.h>');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /src\/game\/ may include only/);
  r = checkIncludes('src/game/probe.c', '#include <stdint.h>\n#include "game.h"');
  assert.equal(r.status, 0, r.stderr);
});
