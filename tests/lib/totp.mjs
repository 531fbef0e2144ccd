// TOTP for the tests (RFC 6238: HMAC-SHA-1, 30 s steps, 6 digits), computed independently of
// pongd's liboath with node:crypto, as an authenticator app would.
import { createHmac } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of a base32 secret (any case, no padding needed). */
export function base32Decode(s) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.toUpperCase().replace(/=+$/, '')) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The step of a time in ms. */
export const stepOf = (ms = Date.now()) => Math.floor(ms / 30000);

/** The 6-digit code of `secret` (base32) at TOTP step `step`. */
export function totp(secret, step = stepOf()) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = h[h.length - 1] & 0xf;
  const n = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(n % 1e6).padStart(6, '0');
}

/** Waits until the next TOTP step begins (plus a margin); its number. */
export async function nextStep() {
  const next = stepOf() + 1;
  await new Promise((r) => setTimeout(r, next * 30000 - Date.now() + 200));
  return next;
}
