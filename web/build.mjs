// Builds the single-page app into web/dist (run: node web/build.mjs, or npm run build:web).
//   dist/index.html           from web/index.html, pointing at the hashed bundles
//   dist/static/app-HASH.js   web/src/main.js bundled (ESM, minified, es2020)
//   dist/static/styles-HASH.css  web/src/styles.css + Bootstrap, minified
//   dist/apidocs.html         from web/apidocs/apidocs.html: the API docs page (/api/docs)
//   dist/static/apidocs-HASH.js / .css  web/apidocs/main.js: Swagger UI (swagger-ui-dist) and
//                             its styles, a separate entry: the app bundle does not carry it
//   dist/static/icon.svg      copied from web/public
//   dist/favicon.ico          generated here (16×16 and 32×32 32-bit BMP images)
// No source maps are written. Offline: only node_modules is used.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = dirname(fileURLToPath(import.meta.url));
const ROOT = join(WEB, '..');
const DIST = join(WEB, 'dist');
const STATIC = join(DIST, 'static');

/** Pixel colour (RGBA) of the Pong icon at (x, y) on an n×n grid. */
function iconPixel(x, y, n) {
  const u = (x + 0.5) / n;
  const v = (y + 0.5) / n;
  const white = [255, 255, 255, 255];
  if (u > 0.12 && u < 0.22 && v > 0.25 && v < 0.65) return white;          // left paddle
  if (u > 0.78 && u < 0.88 && v > 0.38 && v < 0.78) return white;          // right paddle
  if ((u - 0.53) ** 2 + (v - 0.47) ** 2 < 0.085 ** 2) return [255, 193, 7, 255]; // ball
  const corner = 0.18;                                                      // rounded corners
  const cx = Math.min(Math.max(u, corner), 1 - corner);
  const cy = Math.min(Math.max(v, corner), 1 - corner);
  if ((u - cx) ** 2 + (v - cy) ** 2 > corner ** 2) return [0, 0, 0, 0];
  return [13, 110, 253, 255];
}

/** One ICO image: BITMAPINFOHEADER + bottom-up BGRA pixels + AND mask. */
function icoBitmap(n) {
  const maskRow = Math.ceil(n / 32) * 4;
  const buf = Buffer.alloc(40 + n * n * 4 + maskRow * n);
  buf.writeUInt32LE(40, 0);
  buf.writeInt32LE(n, 4);
  buf.writeInt32LE(n * 2, 8); // colour + mask
  buf.writeUInt16LE(1, 12);
  buf.writeUInt16LE(32, 14);
  buf.writeUInt32LE(n * n * 4 + maskRow * n, 20);
  let off = 40;
  for (let y = n - 1; y >= 0; y -= 1) {
    for (let x = 0; x < n; x += 1) {
      const [r, g, b, a] = iconPixel(x, y, n);
      buf[off++] = b; buf[off++] = g; buf[off++] = r; buf[off++] = a;
    }
  }
  for (let y = n - 1; y >= 0; y -= 1) {
    for (let x = 0; x < n; x += 1) {
      if (iconPixel(x, y, n)[3] === 0) buf[off + (x >> 3)] |= 0x80 >> (x & 7);
    }
    off += maskRow;
  }
  return buf;
}

/** A valid .ico file holding the icon at the given sizes. */
export function makeFavicon(sizes = [16, 32]) {
  const images = sizes.map(icoBitmap);
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((n, i) => {
    const e = 6 + 16 * i;
    header[e] = n; header[e + 1] = n; header[e + 2] = 0; header[e + 3] = 0;
    header.writeUInt16LE(1, e + 4);
    header.writeUInt16LE(32, e + 6);
    header.writeUInt32LE(images[i].length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += images[i].length;
  });
  return Buffer.concat([header, ...images]);
}

async function build() {
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(STATIC, { recursive: true });

  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'web/src/main.js', styles: 'web/src/styles.css', apidocs: 'web/apidocs/main.js' },
    outdir: STATIC,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.wasm': 'file' },        // the simulation: imported as its hashed URL
    publicPath: '/static/',
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2020',
    sourcemap: false,
    metafile: true,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
  });

  const outputs = Object.entries(result.metafile.outputs);
  const pick = (entry) => {
    const hit = outputs.find(([, o]) => o.entryPoint === entry);
    if (!hit) throw new Error(`no output for ${entry}`);
    return `/static/${basename(hit[0])}`;
  };
  /** The CSS that a JS entry imports, which esbuild writes next to it (same name, own hash). */
  const cssOf = (entry) => {
    const hit = outputs.find(([, o]) => o.entryPoint === entry && o.cssBundle);
    if (!hit) throw new Error(`no CSS output for ${entry}`);
    return `/static/${basename(hit[1].cssBundle)}`;
  };

  /** Writes dist/`out` from the template `src` with its markers replaced by the bundles. */
  const page = (src, out, css, js) => {
    const template = readFileSync(join(WEB, src), 'utf8');
    if (!template.includes('<!-- build:css -->') || !template.includes('<!-- build:js -->')) {
      throw new Error(`web/${src} lacks the <!-- build:css --> / <!-- build:js --> markers`);
    }
    const html = template
      .replace('<!-- build:css -->', `<link rel="stylesheet" href="${css}">`)
      .replace('<!-- build:js -->', `<script type="module" src="${js}"></script>`);
    writeFileSync(join(DIST, out), html);
  };
  page('index.html', 'index.html', pick('web/src/styles.css'), pick('web/src/main.js'));
  page('apidocs/apidocs.html', 'apidocs.html', cssOf('web/apidocs/main.js'), pick('web/apidocs/main.js'));

  for (const name of readdirSync(join(WEB, 'public'))) {
    copyFileSync(join(WEB, 'public', name), join(STATIC, name));
  }
  writeFileSync(join(DIST, 'favicon.ico'), makeFavicon());

  const walk = (dir) => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
  for (const file of walk(DIST).sort()) {
    console.log(`  ${relative(ROOT, file).padEnd(44)} ${String(statSync(file).size).padStart(8)} B`);
  }
  console.log(`web build done in ${Date.now() - started} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build().catch((err) => {
    console.error(err.message || err);
    process.exit(1);
  });
}
