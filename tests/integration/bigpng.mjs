// Large PNG images made in memory for the avatar memory test: a smooth RGB gradient compresses to
// a few hundred kilobytes whatever its pixel count, so an upload under the body limit can ask the
// server to decode tens of megapixels. `interlaced` writes Adam7 (libpng then holds the whole
// image while decoding).
import { deflateSync, crc32 } from 'node:zlib';

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** A width × height 8-bit RGB PNG (Buffer); `seed` varies the colours so no two are alike. */
export function bigPng(width, height, { interlaced = false, seed = 0 } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  ihdr[12] = interlaced ? 1 : 0;
  const passes = interlaced ? ADAM7 : [[0, 0, 1, 1]];
  let total = 0;
  const dims = passes.map(([x0, y0, dx, dy]) => {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (w && h) total += h * (1 + 3 * w);
    return { x0, y0, dx, dy, w, h };
  });
  const raw = Buffer.alloc(total);
  let at = 0;
  for (const { x0, y0, dx, dy, w, h } of dims) {
    if (!w || !h) continue;
    for (let r = 0; r < h; r++) {
      const y = y0 + r * dy;
      raw[at++] = 0; // filter: none
      for (let c = 0; c < w; c++) {
        const x = x0 + c * dx;
        raw[at++] = (x >> 7) + seed;
        raw[at++] = y >> 7;
        raw[at++] = (x + y) >> 8;
      }
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
