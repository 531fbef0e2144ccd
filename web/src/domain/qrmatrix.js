// A QR code of a text (the otpauth:// URI of a TOTP setup) as data: its modules and an SVG
// path that draws the dark ones, computed in the page by the npm package qrcode-generator
// (no third-party service sees the secret). Pure: no DOM (ui/qrcode.js draws it), tested in
// Node (tests/web/twofa.test.mjs).
import qrcode from 'qrcode-generator';

export const QUIET_ZONE = 4;   // modules of white margin, as ISO/IEC 18004 asks

/**
 * The QR code of `text` (byte mode, error correction level M, the smallest version that fits):
 * { size (modules per side), dark(row, col), path (SVG path data of the dark modules in a
 * viewBox of size + 2·QUIET_ZONE), viewBox }.
 */
export function qrMatrix(text, level = 'M') {
  const qr = qrcode(0, level);
  qr.addData(String(text), 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  const dark = (r, c) => r >= 0 && c >= 0 && r < size && c < size && qr.isDark(r, c);
  // one horizontal run of dark modules → one rectangle "M x y h w v 1 h -w z"
  const parts = [];
  for (let r = 0; r < size; r += 1) {
    for (let c = 0; c < size; c += 1) {
      if (!dark(r, c)) continue;
      let end = c;
      while (end + 1 < size && dark(r, end + 1)) end += 1;
      const w = end - c + 1;
      parts.push(`M${c + QUIET_ZONE} ${r + QUIET_ZONE}h${w}v1h-${w}z`);
      c = end;
    }
  }
  const side = size + 2 * QUIET_ZONE;
  return { size, dark, path: parts.join(''), viewBox: `0 0 ${side} ${side}` };
}
