// Memory of avatar decoding (issue 16): eight ~40-megapixel uploads at once must not take
// pongd's memory up with them, and what the decodes used goes back to the system afterwards.
// The images are interlaced PNGs, the costliest kind the server accepts: libpng holds the whole
// picture (6000 × 6666 × 3 bytes = 120 MB) while decoding one. Figures: docs/performance.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { call } from './api-client.mjs';
import { bigPng } from './bigpng.mjs';
import { useServer, registerUser, sleep, get } from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });
const MiB = 1024 * 1024;

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
function memory(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

// The bound: LIM_AVATAR_DECODES (2) decodes at once, each holding at most AVATAR_MAX_WHOLE_BYTES
// (128 MiB) of whole image plus up to 64 MiB of libpng rows, the resize and WebP encoding, and
// the request bodies (8 × 1.6 MB, kept twice): 2 × 192 MiB. Before the limit the same eight
// uploads ran four at a time (WORKER_THREADS) and took about 590 MiB over the baseline (docs/performance.md).
const PEAK_OVER_BASELINE = 2 * (128 + 64) * MiB;
// After the burst: libraries paged in by the first decode (libpng, libwebp, lcms) and what
// glibc keeps per thread; before malloc_trim the process kept about 93 MiB more than it started with.
const AFTER_OVER_BASELINE = 32 * MiB;

test('eight concurrent 40-megapixel uploads: bounded peak memory, memory returned after', { timeout: 180000 }, async () => {
  const s = ctx.server;
  const users = [];
  for (let i = 0; i < 8; i++) users.push(await registerUser(s, 'mem'));
  const images = users.map((_, i) => bigPng(6000, 6666, { interlaced: true, seed: i }));
  for (const img of images) assert.ok(img.length < 5 * 1000 * 1000, `an upload of ${img.length} bytes fits the 5 MB limit`);
  // the first registrations' Argon2id (64 MiB each) are in the peak so far: start it afresh
  await sleep(500);
  writeFileSync(`/proc/${s.proc.pid}/clear_refs`, '5');
  const base = memory(s.proc.pid);

  const answers = await Promise.all(users.map((u, i) => call(s, 'PUT', '/api/users/me/avatar', {
    token: u.token, body: images[i], headers: { 'content-type': 'application/octet-stream' },
  })));
  const peak = memory(s.proc.pid).hwm;
  for (const [i, r] of answers.entries()) {
    // eight fit in LIM_AVATAR_DECODES + LIM_AVATAR_WAITING: every upload is accepted
    assert.equal(r.status, 200, `upload ${i}: ${r.status} ${r.text}`);
    assert.match(r.json.avatar_url, new RegExp(`^/api/users/${users[i].user.id}/avatar\\?v=\\d+$`));
    const img = await call(s, 'GET', r.json.avatar_url);
    assert.equal(img.status, 200);
    assert.equal(img.headers['content-type'], 'image/webp');
  }
  // the decoded memory goes back to the system once the burst is over
  let after = memory(s.proc.pid).rss;
  for (let i = 0; i < 50 && after - base.rss > AFTER_OVER_BASELINE; i++) {
    await sleep(100);
    after = memory(s.proc.pid).rss;
  }
  const mb = (b) => `${(b / MiB).toFixed(0)} MiB`;
  process.stdout.write(`# baseline RSS ${mb(base.rss)}, peak ${mb(peak)}, after ${mb(after)}\n`);
  assert.ok(peak - base.rss < PEAK_OVER_BASELINE,
    `peak RSS ${mb(peak)} is more than ${mb(PEAK_OVER_BASELINE)} over the baseline ${mb(base.rss)}`);
  assert.ok(after - base.rss < AFTER_OVER_BASELINE,
    `RSS after the burst ${mb(after)} stays more than ${mb(AFTER_OVER_BASELINE)} over the baseline ${mb(base.rss)}`);
  assert.equal((await get(s.httpsPort, '/healthz')).status, 200);
});
