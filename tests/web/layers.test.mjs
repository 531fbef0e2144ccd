// The layering rule of web/src (web/README.md): which folder may import which. Reads the
// import statements of every module; a new module or folder must fit the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/src');

// folder → the folders its modules may import from (besides their own)
export const MAY_IMPORT = Object.freeze({
  domain: [],
  app: ['domain'],
  services: ['domain'],
  game: ['app', 'domain'],
  ui: ['app', 'domain'],
  views: ['app', 'domain', 'services', 'game', 'ui'],
  '.': ['app', 'domain', 'services', 'game', 'ui', 'views'],   // main.js, the composition root
});

// npm packages → the folders that may import them (bundled by esbuild like the rest)
export const PACKAGES = Object.freeze({
  'qrcode-generator': ['domain'],   // the QR code of a TOTP setup, computed in the page (domain/qrmatrix.js)
});

function modules(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

function layerOf(path) {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.split('/')[0] : '.';
}

function imports(path) {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)]
    .map((m) => m[1] ?? m[2]);
}

test('every folder imports only from the folders below it', () => {
  const files = modules(SRC);
  assert.ok(files.length > 30, `read ${files.length} modules`);
  const wrong = [];
  for (const file of files) {
    const from = layerOf(file);
    assert.ok(from in MAY_IMPORT, `${relative(SRC, file)}: folder "${from}" is not in the layering table`);
    for (const spec of imports(file)) {
      if (!spec.startsWith('.') && PACKAGES[spec]?.includes(from)) continue;
      if (!spec.startsWith('.')) { wrong.push(`${relative(SRC, file)} imports the package ${spec}`); continue; }
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC)) {
        if (!(from === 'game' && spec.endsWith('/build/wasm/pong.wasm'))) wrong.push(`${relative(SRC, file)} imports ${spec}`);
        continue;
      }
      const to = layerOf(target);
      if (to !== from && !MAY_IMPORT[from].includes(to)) wrong.push(`${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('domain/ and services/ touch no DOM (they run in Node tests as they are)', () => {
  for (const file of modules(SRC).filter((f) => ['domain', 'services'].includes(layerOf(f)))) {
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    assert.doesNotMatch(code, /\b(document|window|HTMLElement|localStorage)\b/, relative(SRC, file));
  }
});
