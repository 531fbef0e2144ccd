// The generated favicon is a well-formed ICO file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFavicon } from '../../web/build.mjs';

test('makeFavicon writes an ICO directory pointing at BMP images', () => {
  const ico = makeFavicon([16, 32]);
  assert.equal(ico.readUInt16LE(0), 0);
  assert.equal(ico.readUInt16LE(2), 1);
  assert.equal(ico.readUInt16LE(4), 2);
  let end = 6 + 16 * 2;
  for (const [i, n] of [16, 32].entries()) {
    const e = 6 + 16 * i;
    assert.equal(ico[e], n);
    const size = ico.readUInt32LE(e + 8);
    const offset = ico.readUInt32LE(e + 12);
    assert.equal(offset, end);
    assert.equal(ico.readUInt32LE(offset), 40, 'BITMAPINFOHEADER');
    assert.equal(ico.readInt32LE(offset + 4), n);
    assert.equal(ico.readInt32LE(offset + 8), 2 * n);
    assert.equal(ico.readUInt16LE(offset + 14), 32);
    assert.equal(size, 40 + n * n * 4 + Math.ceil(n / 32) * 4 * n);
    end += size;
  }
  assert.equal(ico.length, end);
});
