// The built web app serves the game simulation as WebAssembly: application/wasm,
// immutable caching under a content-hashed name, gzip, and bytes that compile and play.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServer, get } from './helpers.mjs';
import { ROOT } from '../lib/server.mjs';
import { createGame, PRESETS, STATUS } from '../../web/src/game/pong.js';

const ctx = useServer({ WEB_ROOT: join(ROOT, 'web/dist') });

/** The hashed .wasm URL the app bundle refers to. */
async function wasmPath(port) {
  const index = (await get(port, '/')).body.toString('utf8');
  const js = index.match(/src="(\/static\/app-[^"]+\.js)"/)[1];
  const bundle = (await get(port, js)).body.toString('utf8');
  const m = bundle.match(/\/static\/pong-[A-Za-z0-9]+\.wasm/);
  assert.ok(m, 'the app bundle names the hashed pong-*.wasm');
  return m[0];
}

test('the simulation is served as application/wasm, immutable, and compiles', async () => {
  const port = ctx.server.httpsPort;
  const path = await wasmPath(port);
  const r = await get(port, path);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/wasm');
  assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.deepEqual(r.body, readFileSync(join(ROOT, 'build/wasm/pong.wasm')), 'the served bytes are the build output');
  const module = await WebAssembly.compile(r.body);
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ['pw_init', 'pw_step', 'pw_hash', 'pw_ai_key']) assert.ok(exports.includes(name), name);
  assert.deepEqual(WebAssembly.Module.imports(module), [], 'no imports: the simulation needs nothing from the page');
  // and it plays: two AIs finish a one-point game
  const game = await createGame(module, { ...PRESETS.classic, winningScore: 1 }, 1);
  game.setAI(0, 2);
  game.setAI(1, 0);
  let steps = 0;
  while (game.state().status !== STATUS.OVER && steps < 60 * 600) {
    game.step(game.aiKey(0), game.aiKey(1));
    steps += 1;
  }
  assert.equal(game.state().status, STATUS.OVER);
  assert.equal(game.state().score[0] + game.state().score[1], 1);
});

test('the .wasm is gzip-compressed for clients that accept it', async () => {
  const port = ctx.server.httpsPort;
  const path = await wasmPath(port);
  const r = await get(port, path, { 'Accept-Encoding': 'gzip' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(r.headers['content-type'], 'application/wasm');
  assert.ok(r.body.length < readFileSync(join(ROOT, 'build/wasm/pong.wasm')).length);
  assert.deepEqual(gunzipSync(r.body), readFileSync(join(ROOT, 'build/wasm/pong.wasm')));
});
