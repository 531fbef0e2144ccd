// The account API beyond login (src/api/api_users.c): profile changes (PATCH /api/users/me),
// public profiles and lookup by display name, avatars (upload → 256×256 WebP, default
// identicon), friends, blocks, who may touch what, account deletion and export. SQLite, or
// PostgreSQL when the suite runs with PONGD_INTEGRATION_DB=postgres.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './api-client.mjs';
import { useServer, registerUser, ROOT, TEST_PASSWORD } from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });
const IMAGES = join(ROOT, 'tests/fixtures/images');
const image = (name) => readFileSync(join(IMAGES, name));

const api = (method, path, token, body) => call(ctx.server, method, path, { token, body });
const reg = (prefix, fields) => registerUser(ctx.server, prefix, fields);
const login = (username, password) => api('POST', '/api/auth/login', undefined, { username, password });

/** One HTTPS request with a binary body and a binary answer: { status, headers, body: Buffer, json }. */
const bytes = (method, path, { token, body, headers = {} } = {}) => call(ctx.server, method, path, { token, body, headers });

const upload = (token, img, headers = { 'content-type': 'application/octet-stream' }) =>
  bytes('PUT', '/api/users/me/avatar', { token, body: img, headers });

/**
 * Parses a WebP file: checks the RIFF container and returns { width, height, chunks, vp8x }
 * from the VP8 (lossy), VP8L (lossless) or VP8X (extended) header.
 */
function webpInfo(buf) {
  assert.ok(buf.length >= 30, `too short for a WebP (${buf.length} bytes)`);
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF', 'RIFF magic');
  assert.equal(buf.toString('latin1', 8, 12), 'WEBP', 'WEBP magic');
  assert.equal(buf.readUInt32LE(4), buf.length - 8, 'RIFF size matches the file');
  const chunks = [];
  for (let off = 12; off + 8 <= buf.length;) {
    const size = buf.readUInt32LE(off + 4);
    chunks.push({ id: buf.toString('latin1', off, off + 4), off: off + 8, size });
    off += 8 + size + (size & 1);
  }
  const first = chunks[0];
  const d = first.off;
  let width;
  let height;
  let vp8x = null;
  if (first.id === 'VP8 ') {
    assert.deepEqual([...buf.subarray(d + 3, d + 6)], [0x9d, 0x01, 0x2a], 'VP8 start code');
    width = buf.readUInt16LE(d + 6) & 0x3fff;
    height = buf.readUInt16LE(d + 8) & 0x3fff;
  } else if (first.id === 'VP8L') {
    assert.equal(buf[d], 0x2f, 'VP8L signature');
    const bits = buf.readUInt32LE(d + 1);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else if (first.id === 'VP8X') {
    vp8x = { flags: buf[d] };
    width = buf.readUIntLE(d + 4, 3) + 1;
    height = buf.readUIntLE(d + 7, 3) + 1;
  } else {
    assert.fail(`unexpected first WebP chunk ${JSON.stringify(first.id)}`);
  }
  return { width, height, chunks: chunks.map((c) => c.id), vp8x };
}

/** GETs an avatar URL (no token needed) and checks the caching headers. */
async function fetchAvatar(url) {
  const r = await bytes('GET', url);
  assert.equal(r.status, 200, `${url}: ${r.body.subarray(0, 200)}`);
  assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', `${url} is immutable`);
  return r;
}

function assertIdenticon(r) {
  assert.equal(r.headers['content-type'], 'image/svg+xml');
  const svg = r.body.toString('utf8');
  assert.match(svg, /^(<\?xml[^>]*>\s*)?<svg\b/, 'an SVG document');
  assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.doesNotMatch(svg, /<script/i, 'no script');
  assert.doesNotMatch(svg, /\bon[a-z]+\s*=/i, 'no event handler attributes');
  assert.doesNotMatch(svg, /href|url\(|<foreignObject|<image/i, 'no external reference');
  return svg;
}

// SQL-looking text (each at most 32 characters, so it also fits a display name).
const NASTY = [
  "Robert'); DROP TABLE users;--",
  "' OR '1'='1",
  '"; DELETE FROM sessions; --',
  "1; UPDATE users SET id=1 --",
  '$1 ?1 :x @y \\ %s %n',
  "%' OR display_key LIKE '%",
  "admin'/*",
  '\\x27 UNION SELECT * FROM users',
];

// ---------------------------------------------------------------------------
// PATCH /api/users/me

test('PATCH display_name: changed, shown everywhere; another user\'s name in any case → 409', async () => {
  const a = await reg('dnA', { display_name: 'Original Name' });
  const b = await reg('dnB', { display_name: 'Taken Name' });
  const res = await api('PATCH', '/api/users/me', a.token, { display_name: 'Brand New Name' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.json).sort(), ['avatar_url', 'created_at', 'display_name', 'email', 'id', 'language', 'presence_visibility', 'username']);
  assert.equal(res.json.display_name, 'Brand New Name');
  assert.equal(res.json.id, a.user.id);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal((await api('GET', '/api/users/me', a.token)).json.display_name, 'Brand New Name');
  assert.equal((await api('GET', `/api/users/${a.user.id}`, b.token)).json.display_name, 'Brand New Name');

  for (const taken of ['Taken Name', 'TAKEN NAME', 'taken name', 'tAkEn nAmE']) {
    const dup = await api('PATCH', '/api/users/me', a.token, { display_name: taken });
    assert.equal(dup.status, 409, `${taken}: ${dup.text}`);
    assert.equal(dup.json.error.code, 'conflict');
    assert.deepEqual(dup.json.error.fields, { display_name: 'taken' });
  }
  // one's own name in another case is not a conflict
  const own = await api('PATCH', '/api/users/me', a.token, { display_name: 'BRAND new NAME' });
  assert.equal(own.status, 200, own.text);
  assert.equal(own.json.display_name, 'BRAND new NAME');
  // the old name is free again
  assert.equal((await api('PATCH', '/api/users/me', b.token, { display_name: 'original name' })).status, 200);

  for (const [display_name, code] of [['   ', 'empty'], ['x'.repeat(33), 'too_long'], [' lead', 'invalid_chars'],
    ['tab\there', 'invalid_chars'], [42, 'invalid_type']]) {
    const bad = await api('PATCH', '/api/users/me', a.token, { display_name });
    assert.equal(bad.status, 400, `${JSON.stringify(display_name)}: ${bad.text}`);
    assert.equal(bad.json.error.fields.display_name, code, JSON.stringify(display_name));
  }
  const nothing = await api('PATCH', '/api/users/me', a.token, {});
  assert.equal(nothing.status, 400);
  assert.equal(nothing.json.error.fields.body, 'nothing_to_change');
  assert.equal((await api('GET', '/api/users/me', a.token)).json.display_name, 'BRAND new NAME', 'failed PATCHes changed nothing');
});

test('PATCH email needs current_password: missing → 400 required, wrong → 403 wrong_password, right → 200', async () => {
  const a = await reg('emA');
  const b = await reg('emB');
  const to = `new.${a.username.toLowerCase()}@example.net`;
  const missing = await api('PATCH', '/api/users/me', a.token, { email: to });
  assert.equal(missing.status, 400, missing.text);
  assert.equal(missing.json.error.fields.current_password, 'required');
  const wrong = await api('PATCH', '/api/users/me', a.token, { email: to, current_password: 'not my password at all' });
  assert.equal(wrong.status, 403, wrong.text);
  assert.equal(wrong.json.error.code, 'wrong_password');
  assert.equal(wrong.json.error.fields.current_password, 'wrong');
  assert.equal((await api('GET', '/api/users/me', a.token)).json.email, a.email, 'unchanged after the refusals');

  const ok = await api('PATCH', '/api/users/me', a.token, { email: to, current_password: TEST_PASSWORD });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.email, to);
  assert.equal((await login(to, TEST_PASSWORD)).status, 200, 'log in with the new email');
  assert.equal((await login(a.email, TEST_PASSWORD)).status, 401, 'the old email no longer logs in');

  // another account's email, in another case → 409
  const dup = await api('PATCH', '/api/users/me', a.token, { email: b.email.toUpperCase(), current_password: TEST_PASSWORD });
  assert.equal(dup.status, 409, dup.text);
  assert.deepEqual(dup.json.error.fields, { email: 'taken' });
  const bad = await api('PATCH', '/api/users/me', a.token, { email: 'not-an-email', current_password: TEST_PASSWORD });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.fields.email, 'invalid');
});

test('PATCH password: then the new one logs in and the old one does not', async () => {
  const a = await reg('pwA');
  const next = 'a brand new passphrase 42';
  const missing = await api('PATCH', '/api/users/me', a.token, { password: next });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.fields.current_password, 'required');
  const wrong = await api('PATCH', '/api/users/me', a.token, { password: next, current_password: `${TEST_PASSWORD}!` });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json.error.code, 'wrong_password');
  for (const [password, code] of [['short', 'too_short'], ['1234567890', 'too_common']]) {
    const weak = await api('PATCH', '/api/users/me', a.token, { password, current_password: TEST_PASSWORD });
    assert.equal(weak.status, 400, weak.text);
    assert.equal(weak.json.error.fields.password, code);
  }
  assert.equal((await login(a.username, TEST_PASSWORD)).status, 200, 'refusals did not change the password');

  const ok = await api('PATCH', '/api/users/me', a.token, { password: next, current_password: TEST_PASSWORD });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.password, undefined);
  assert.equal(ok.json.password_hash, undefined);
  assert.equal((await login(a.username, next)).status, 200, 'the new password works');
  assert.equal((await login(a.username, TEST_PASSWORD)).status, 401, 'the old password no longer works');
});

test('PATCH language: en, fr, ru only', async () => {
  const a = await reg('lgA');
  for (const language of ['fr', 'ru', 'en']) {
    const r = await api('PATCH', '/api/users/me', a.token, { language });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.language, language);
    assert.equal((await api('GET', '/api/users/me', a.token)).json.language, language);
  }
  for (const language of ['de', 'EN', 'en-US', '', 'english', 7]) {
    const r = await api('PATCH', '/api/users/me', a.token, { language });
    assert.equal(r.status, 400, `${JSON.stringify(language)}: ${r.text}`);
    assert.ok(['unsupported', 'invalid_type'].includes(r.json.error.fields.language), r.text);
  }
  assert.equal((await api('GET', '/api/users/me', a.token)).json.language, 'en');
});

// ---------------------------------------------------------------------------
// Profiles and lookup

test('GET /api/users/{id}: the public profile and the relation; 404 for an unknown id', async () => {
  const a = await reg('pfA', { display_name: 'Profile A' });
  const b = await reg('pfB');
  const r = await api('GET', `/api/users/${a.user.id}`, b.token);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    id: a.user.id, username: a.username, display_name: 'Profile A', avatar_url: a.user.avatar_url,
    online: false, last_seen_at: null, relation: 'none',
    rating: 1500, rating_deviation: 350, provisional: true, wins: 0, losses: 0, in_game: null,
  });
  assert.equal((await api('GET', `/api/users/${a.user.id}`, a.token)).json.relation, 'self');
  assert.equal((await api('GET', `/api/users/${a.user.id + 100000}`, b.token)).status, 404);
  assert.equal((await api('GET', '/api/users/0', b.token)).status, 404);
  assert.equal((await api('GET', `/api/users/${a.user.id}`)).status, 401, 'needs a token');
});

test('lookup by display name: exact, case-insensitive, percent-encoded UTF-8; 404 for unknown', async () => {
  const name = 'Zoë Lookup 🏓 ok';
  const a = await reg('lkA', { display_name: name });
  const b = await reg('lkB', { display_name: 'A&B=C+D%20#?' });
  const me = await reg('lkC');
  const look = (q) => api('GET', `/api/users/lookup?display_name=${q}`, me.token);
  for (const q of [encodeURIComponent(name), encodeURIComponent('zoë LOOKUP 🏓 OK'), encodeURIComponent('ZOë lookup 🏓 Ok'),
    'zo%C3%ABlookup'.replace('lookup', '+lookup+%F0%9F%8F%93+ok')]) {
    const r = await look(q);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.equal(r.json.id, a.user.id, q);
    assert.equal(r.json.display_name, name, 'answered with the stored spelling');
    assert.equal(r.json.relation, 'none');
    assert.equal(r.json.email, undefined);
  }
  assert.equal(b.user.display_name, 'A&B=C+D%20#?');
  // not a prefix or a pattern match
  for (const q of ['Zo%C3%AB', encodeURIComponent('Zoë Lookup 🏓 o'), encodeURIComponent('Zoë Lookup 🏓 ok '.trim() + 'k'),
    encodeURIComponent('_'), encodeURIComponent('*'), encodeURIComponent('nobody at all')]) {
    assert.equal((await look(q)).status, 404, q);
  }
  // not a display name
  for (const q of ['', encodeURIComponent(' '), encodeURIComponent('x'.repeat(33)), encodeURIComponent('tab\there')]) {
    const r = await look(q);
    assert.equal(r.status, 400, `${JSON.stringify(q)}: ${r.text}`);
    assert.equal(r.json.error.fields.display_name, 'invalid');
  }
  // broken percent-encoding: refused (libwebsockets answers some of these itself with 403)
  for (const q of ['%zz', '%', '%4']) {
    const r = await look(q);
    assert.ok([400, 403].includes(r.status), `${JSON.stringify(q)}: ${r.status} ${r.text.slice(0, 100)}`);
  }
  assert.equal((await api('GET', '/api/users/lookup', me.token)).status, 400, 'no parameter');
  assert.equal((await api('GET', '/api/users/lookup?name=x', me.token)).status, 400, 'another parameter');
  assert.equal((await api('GET', `/api/users/lookup?display_name=${encodeURIComponent(name)}`)).status, 401, 'needs a token');
});

test('text that looks like SQL is stored and returned verbatim (display name, password, email, lookup)', async () => {
  const other = await reg('sqlOther', { display_name: 'Bystander' });
  const seen = new Set();
  for (const nasty of NASTY) {
    const password = nasty.length >= 10 ? nasty : `${nasty} ${nasty} pad`;
    const a = await reg('sql', { display_name: nasty, password });
    assert.equal(a.user.display_name, nasty);
    assert.equal((await login(a.username, password)).status, 200, `log in with the password ${JSON.stringify(password)}`);
    const found = await api('GET', `/api/users/lookup?display_name=${encodeURIComponent(nasty.toUpperCase())}`, other.token);
    assert.equal(found.status, 200, `lookup ${nasty}: ${found.text}`);
    assert.equal(found.json.id, a.user.id);
    assert.equal(found.json.display_name, nasty);
    seen.add(a.user.id);

    // the same through PATCH: display name, password, email
    const renamed = `${nasty.slice(0, 28)} 2`;
    const newPw = `${password}'--`;
    const email = `o'hara--${a.user.id}@example.org`;
    const p = await api('PATCH', '/api/users/me', a.token, { display_name: renamed, password: newPw, email, current_password: password });
    assert.equal(p.status, 200, `${nasty}: ${p.text}`);
    assert.equal(p.json.display_name, renamed);
    assert.equal(p.json.email, email);
    assert.equal((await api('GET', `/api/users/${a.user.id}`, other.token)).json.display_name, renamed);
    assert.equal((await login(email, newPw)).status, 200);
    assert.equal((await login(a.username, password)).status, 401);
  }
  assert.equal(seen.size, NASTY.length, 'one distinct account each');
  // lookups that would match everything as SQL match nothing here
  for (const q of ["' OR '1'='1' --", "x' OR 1=1 --", "' OR display_key <> '", '_', '*']) {
    assert.equal((await api('GET', `/api/users/lookup?display_name=${encodeURIComponent(q)}`, other.token)).status, 404, q);
  }
  // and nothing else was touched
  assert.equal((await login(other.username, TEST_PASSWORD)).status, 200);
  assert.equal((await api('GET', '/api/users/me', other.token)).json.display_name, 'Bystander');
});

// ---------------------------------------------------------------------------
// Avatars

test('avatar upload: PNG, JPEG, WebP → a 256×256 WebP without metadata at a new immutable URL', async () => {
  const a = await reg('avA');
  const b = await reg('avB');
  const first = await fetchAvatar(a.user.avatar_url);
  assertIdenticon(first);
  let url = a.user.avatar_url;
  for (const [name, type] of [['ok.png', 'image/png'], ['ok.jpg', 'image/jpeg'], ['ok.webp', 'image/webp'],
    ['ok.png', 'image/gif']]) {   // the declared type does not matter: the bytes do
    const up = await upload(a.token, image(name), { 'content-type': type });
    assert.equal(up.status, 200, `${name}: ${up.body}`);
    const next = up.json.avatar_url;
    assert.match(next, new RegExp(`^/api/users/${a.user.id}/avatar\\?v=\\d+$`));
    assert.notEqual(next, url, `${name}: a new picture has a new URL`);
    assert.ok(Number(next.split('v=')[1]) > Number(url.split('v=')[1]), 'the version grows');
    url = next;
    assert.equal((await api('GET', '/api/users/me', a.token)).json.avatar_url, url, 'the profile points at it');
    assert.equal((await api('GET', `/api/users/${a.user.id}`, b.token)).json.avatar_url, url, 'for others too');
    const got = await fetchAvatar(url);
    assert.equal(got.headers['content-type'], 'image/webp', name);
    const info = webpInfo(got.body);
    assert.deepEqual([info.width, info.height], [256, 256], `${name} → ${info.width}×${info.height}`);
    for (const meta of ['EXIF', 'XMP ', 'ICCP']) assert.ok(!info.chunks.includes(meta), `${name}: no ${meta} chunk (${info.chunks})`);
    if (info.vp8x) assert.equal(info.vp8x.flags & 0x2c, 0, 'VP8X flags announce no ICC, EXIF or XMP');
    assert.ok(!got.body.includes('secret'), `${name}: nothing of the source's metadata is left`);
  }
  assert.equal((await fetchAvatar(a.user.avatar_url)).headers['content-type'], 'image/webp', 'any ?v= answers the current picture');
  // B's avatar is still B's identicon
  assertIdenticon(await fetchAvatar(b.user.avatar_url));
});

test('avatar refusals: undecodable, unsupported format, too many pixels, over 5 MB, empty; the avatar stays', async () => {
  const a = await reg('avBad');
  const up = await upload(a.token, image('ok.png'));
  assert.equal(up.status, 200);
  const cases = [
    ['truncated.png', image('truncated.png'), 400, 'undecodable'],
    ['text.png', image('text.png'), 400, 'unsupported_format'],
    ['bomb.png', image('bomb.png'), 400, 'too_many_pixels'],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 400, 'unsupported_format'],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 400, 'unsupported_format'],
    ['5 MiB + 1 byte', Buffer.concat([image('ok.png'), Buffer.alloc(5 * 1024 * 1024 + 1 - image('ok.png').length)]), 413, 'too_big'],
  ];
  for (const [label, body, status, code] of cases) {
    const r = await upload(a.token, body);
    assert.equal(r.status, status, `${label}: ${r.body.subarray(0, 200)}`);
    assert.equal(r.json?.error?.code, code, `${label}: ${r.body.subarray(0, 200)}`);
  }
  const empty = await bytes('PUT', '/api/users/me/avatar', { token: a.token, headers: { 'content-length': '0' } });
  assert.equal(empty.status, 400);
  const me = await api('GET', '/api/users/me', a.token);
  assert.equal(me.json.avatar_url, up.json.avatar_url, 'refused uploads leave the avatar as it was');
  assert.equal((await fetchAvatar(me.json.avatar_url)).headers['content-type'], 'image/webp');
  assert.equal((await upload(undefined, image('ok.png'))).status, 401, 'needs a token');
});

test('DELETE avatar: back to the same SVG identicon at a new URL; unknown user → 404', async () => {
  const a = await reg('avDel');
  const identicon = (await fetchAvatar(a.user.avatar_url)).body;
  const up = await upload(a.token, image('ok.webp'));
  assert.equal(up.status, 200);
  const del = await api('DELETE', '/api/users/me/avatar', a.token);
  assert.equal(del.status, 204);
  const url = (await api('GET', '/api/users/me', a.token)).json.avatar_url;
  assert.notEqual(url, up.json.avatar_url, 'a new URL after the deletion');
  const r = await fetchAvatar(url);
  assertIdenticon(r);
  assert.deepEqual(r.body, identicon, 'the identicon is deterministic');
  assert.equal((await bytes('GET', `/api/users/${a.user.id + 100000}/avatar?v=1`)).status, 404);
});

// ---------------------------------------------------------------------------
// Friends and blocks

test('friends: request, accept, decline, cancel, remove, and the lists with their status', async () => {
  const a = await reg('fA', { display_name: 'Friend One' });
  const b = await reg('fB', { display_name: 'Friend Two' });
  const c = await reg('fC');
  const d = await reg('fD');
  const lists = async (who) => {
    const r = await api('GET', '/api/friends', who.token);
    assert.equal(r.status, 200);
    const ids = (k) => r.json[k].map((f) => f.user.id);
    return { friends: ids('friends'), incoming: ids('incoming'), outgoing: ids('outgoing'), raw: r.json };
  };
  const rel = async (who, other) => (await api('GET', `/api/users/${other.user.id}`, who.token)).json.relation;

  // request
  const req = await api('POST', `/api/friends/${b.user.id}`, a.token);
  assert.equal(req.status, 201, req.text);
  assert.deepEqual(req.json, { relation: 'request_sent' });
  assert.deepEqual((await lists(a)).outgoing, [b.user.id]);
  assert.deepEqual((await lists(b)).incoming, [a.user.id]);
  assert.equal(await rel(a, b), 'request_sent');
  assert.equal(await rel(b, a), 'request_received');
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 409, 'asking twice');
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, a.token)).status, 400, 'oneself');
  assert.equal((await api('POST', `/api/friends/${a.user.id + 100000}`, a.token)).status, 404, 'nobody');
  assert.equal((await api('POST', `/api/friends/${b.user.id}/accept`, a.token)).status, 404, 'the sender cannot accept');

  // accept
  const acc = await api('POST', `/api/friends/${a.user.id}/accept`, b.token);
  assert.equal(acc.status, 200, acc.text);
  assert.deepEqual(acc.json, { relation: 'friends' });
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, b.token)).status, 404, 'nothing left to accept');
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 409, 'already friends');
  const la = await lists(a);
  assert.deepEqual([la.friends, la.incoming, la.outgoing], [[b.user.id], [], []]);
  const entry = la.raw.friends[0];
  assert.deepEqual(Object.keys(entry).sort(), ['since', 'user']);
  assert.ok(Number.isInteger(entry.since) && Math.abs(entry.since - Date.now()) < 600000, `since ${entry.since}`);
  assert.deepEqual(entry.user, {
    id: b.user.id, username: b.username, display_name: 'Friend Two', avatar_url: b.user.avatar_url, online: false, last_seen_at: null,
  });
  assert.deepEqual((await lists(b)).friends, [a.user.id]);
  assert.equal(await rel(a, b), 'friends');
  assert.equal(await rel(b, a), 'friends');

  // decline: C asks A, A declines
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, c.token)).status, 201);
  assert.deepEqual((await lists(a)).incoming, [c.user.id]);
  assert.equal((await api('DELETE', `/api/friends/${c.user.id}`, a.token)).status, 204);
  assert.deepEqual((await lists(a)).incoming, []);
  assert.deepEqual((await lists(c)).outgoing, []);
  assert.equal(await rel(c, a), 'none');

  // cancel: A asks D, then takes it back
  assert.equal((await api('POST', `/api/friends/${d.user.id}`, a.token)).status, 201);
  assert.equal((await api('DELETE', `/api/friends/${d.user.id}`, a.token)).status, 204);
  assert.deepEqual((await lists(d)).incoming, []);
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, d.token)).status, 404, 'a cancelled request cannot be accepted');

  // remove
  assert.equal((await api('DELETE', `/api/friends/${b.user.id}`, a.token)).status, 204);
  assert.deepEqual((await lists(a)).friends, []);
  assert.deepEqual((await lists(b)).friends, []);
  assert.equal((await api('DELETE', `/api/friends/${b.user.id}`, a.token)).status, 404, 'nothing left to remove');
  assert.equal(await rel(a, b), 'none');
});

test('blocks: a block ends the friendship, stops requests both ways, is listed; unblock works', async () => {
  const a = await reg('bA');
  const b = await reg('bB', { display_name: 'Blocked Bee' });
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 201);
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, b.token)).status, 200);

  assert.equal((await api('PUT', `/api/blocks/${b.user.id}`, a.token)).status, 204);
  assert.deepEqual((await api('GET', '/api/friends', a.token)).json.friends, [], 'the friendship ended for A');
  assert.deepEqual((await api('GET', '/api/friends', b.token)).json.friends, [], 'and for B');
  const list = await api('GET', '/api/blocks', a.token);
  assert.equal(list.status, 200);
  assert.equal(list.json.blocked.length, 1);
  assert.deepEqual(list.json.blocked[0].user, { id: b.user.id, username: b.username, display_name: 'Blocked Bee', avatar_url: b.user.avatar_url });
  assert.ok(Number.isInteger(list.json.blocked[0].since));
  assert.deepEqual((await api('GET', '/api/blocks', b.token)).json.blocked, [], 'B does not see A\'s blocks');
  assert.equal((await api('GET', `/api/users/${b.user.id}`, a.token)).json.relation, 'blocked');
  assert.equal((await api('GET', `/api/users/${a.user.id}`, b.token)).json.relation, 'blocked_by');

  const fromB = await api('POST', `/api/friends/${a.user.id}`, b.token);
  assert.equal(fromB.status, 403, fromB.text);
  assert.equal(fromB.json.error.code, 'blocked');
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 403, 'nor the other way while blocking');
  assert.deepEqual((await api('GET', '/api/friends', a.token)).json.incoming, [], 'no request was stored');

  assert.equal((await api('PUT', `/api/blocks/${b.user.id}`, a.token)).status, 204, 'blocking twice is harmless');
  assert.equal((await api('GET', '/api/blocks', a.token)).json.blocked.length, 1);
  assert.equal((await api('PUT', `/api/blocks/${a.user.id}`, a.token)).status, 400, 'oneself');
  assert.equal((await api('PUT', `/api/blocks/${a.user.id + 100000}`, a.token)).status, 404, 'nobody');

  assert.equal((await api('DELETE', `/api/blocks/${b.user.id}`, a.token)).status, 204);
  assert.deepEqual((await api('GET', '/api/blocks', a.token)).json.blocked, []);
  assert.equal((await api('GET', `/api/users/${a.user.id}`, b.token)).json.relation, 'none');
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, b.token)).status, 201, 'requests work again');
});

// ---------------------------------------------------------------------------
// Who may touch what

test('a token only ever reads or changes its own account', async () => {
  const a = await reg('ownA', { display_name: 'Owner A' });
  const b = await reg('ownB', { display_name: 'Owner B' });
  const c = await reg('ownC');
  const meA = (await api('GET', '/api/users/me', a.token)).json;

  // PATCH changes the caller only, whatever the body says
  const p = await api('PATCH', '/api/users/me', b.token, { id: a.user.id, user_id: a.user.id, username: a.username, display_name: 'Owner B2' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.id, b.user.id);
  assert.equal(p.json.username, b.username, 'the username is not changed by PATCH');
  assert.deepEqual((await api('GET', '/api/users/me', a.token)).json, meA, 'A is untouched');
  // B's password does not unlock A's email change: it changes B's
  const e = await api('PATCH', '/api/users/me', b.token, { email: `changed.${b.email}`, current_password: TEST_PASSWORD });
  assert.equal(e.status, 200);
  assert.equal(e.json.id, b.user.id);
  assert.equal((await api('GET', '/api/users/me', a.token)).json.email, a.email);
  // avatars
  assert.equal((await upload(b.token, image('ok.png'))).status, 200);
  assert.equal((await api('GET', '/api/users/me', a.token)).json.avatar_url, a.user.avatar_url, 'A\'s avatar is unchanged');
  assert.equal((await api('DELETE', '/api/users/me/avatar', c.token)).status, 204);
  assert.notEqual((await api('GET', '/api/users/me', b.token)).json.avatar_url, b.user.avatar_url, 'B\'s upload is still there');

  // friendships: only the caller's pairs
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 201);
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, c.token)).status, 404, 'C cannot accept a request meant for B');
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, b.token)).status, 200);
  assert.equal((await api('DELETE', `/api/friends/${a.user.id}`, c.token)).status, 404, 'C cannot end A and B\'s friendship');
  assert.equal((await api('DELETE', `/api/friends/${b.user.id}`, c.token)).status, 404);
  assert.deepEqual((await api('GET', '/api/friends', a.token)).json.friends.map((f) => f.user.id), [b.user.id]);
  // blocks: C unblocking B does not lift A's block
  assert.equal((await api('PUT', `/api/blocks/${c.user.id}`, a.token)).status, 204);
  assert.equal((await api('DELETE', `/api/blocks/${c.user.id}`, b.token)).status, 204);
  assert.deepEqual((await api('GET', '/api/blocks', a.token)).json.blocked.map((x) => x.user.id), [c.user.id]);

  // sessions: another user's session id is "not found"
  const sessions = await api('GET', '/api/auth/sessions', a.token);
  const sid = sessions.json.sessions[0].id;
  const r = await api('DELETE', `/api/auth/sessions/${sid}`, b.token);
  assert.equal(r.status, 404);
  assert.deepEqual((await api('GET', '/api/auth/sessions', a.token)).json.sessions.map((s) => s.id), sessions.json.sessions.map((s) => s.id));
  assert.equal((await call(ctx.server, 'POST', '/api/auth/refresh', { cookie: a.cookie, origin: ctx.server.origin })).status, 200, 'A\'s session still works');

  // export and deletion: the caller's own only
  const ex = await api('GET', '/api/users/me/export', b.token);
  assert.equal(ex.json.account.id, b.user.id);
  assert.ok(!ex.text.includes(a.email), 'no other user\'s email in B\'s export');
  const del = await api('DELETE', '/api/users/me', b.token, { password: TEST_PASSWORD });
  assert.equal(del.status, 204);
  assert.equal((await api('GET', '/api/users/me', a.token)).status, 200, 'A still exists');
  assert.equal((await login(a.username, TEST_PASSWORD)).status, 200);
});

// ---------------------------------------------------------------------------
// Deletion and export

test('GET /api/users/me/export: the account, sessions, friends and blocks, nothing secret', async () => {
  const a = await reg('exA', { display_name: 'Export Me', language: 'fr' });
  const f = await reg('exF', { display_name: 'Export Friend' });
  const i = await reg('exI', { display_name: 'Export Incoming' });
  const o = await reg('exO', { display_name: 'Export Outgoing' });
  const x = await reg('exX', { display_name: 'Export Blocked' });
  await login(a.username, TEST_PASSWORD);   // a second session
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, f.token)).status, 201);
  assert.equal((await api('POST', `/api/friends/${f.user.id}/accept`, a.token)).status, 200);
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, i.token)).status, 201);
  assert.equal((await api('POST', `/api/friends/${o.user.id}`, a.token)).status, 201);
  assert.equal((await api('PUT', `/api/blocks/${x.user.id}`, a.token)).status, 204);

  const r = await api('GET', '/api/users/me/export', a.token);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-disposition'] || '', /^attachment; filename="[^"]+\.json"$/);
  assert.equal(r.headers['cache-control'], 'no-store');
  const d = r.json;
  assert.equal(d.format, 'transcendence-export-1');
  assert.ok(Number.isInteger(d.exported_at));
  assert.deepEqual(d.account, {
    id: a.user.id, username: a.username, display_name: 'Export Me', email: a.email, language: 'fr',
    created_at: a.user.created_at, avatar_version: Number(a.user.avatar_url.split('v=')[1]),
  });
  assert.equal(d.sessions.length, 2);
  for (const s of d.sessions) assert.deepEqual(Object.keys(s).sort(), ['address', 'created_at', 'last_used_at', 'user_agent']);
  const byId = Object.fromEntries(d.friends.map((e) => [e.user_id, e]));
  assert.equal(d.friends.length, 3);
  assert.equal(byId[f.user.id].status, 'friend');
  assert.equal(byId[f.user.id].display_name, 'Export Friend');
  assert.equal(byId[i.user.id].status, 'request_received');
  assert.equal(byId[o.user.id].status, 'request_sent');
  for (const e of d.friends) assert.ok(Number.isInteger(e.since));
  assert.deepEqual(d.blocked.map((b) => [b.user_id, b.display_name]), [[x.user.id, 'Export Blocked']]);
  for (const secret of ['password', 'hash', 'argon2', 'token', a.cookie.slice('refresh='.length)]) {
    assert.ok(!r.text.toLowerCase().includes(secret.toLowerCase()), `the export contains ${secret}`);
  }
  for (const other of [f, i, o, x]) assert.ok(!r.text.includes(other.email), 'no other user\'s email');
});

test('DELETE /api/users/me: needs the password; then the account is gone and its names are free', async () => {
  const a = await reg('delA', { display_name: 'Soon Gone' });
  const b = await reg('delB');
  const c = await reg('delC');
  assert.equal((await upload(a.token, image('ok.png'))).status, 200);
  assert.equal((await api('POST', `/api/friends/${b.user.id}`, a.token)).status, 201);
  assert.equal((await api('POST', `/api/friends/${a.user.id}/accept`, b.token)).status, 200);
  assert.equal((await api('PUT', `/api/blocks/${a.user.id}`, c.token)).status, 204);

  const missing = await api('DELETE', '/api/users/me', a.token, {});
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.fields.password, 'required');
  const wrong = await api('DELETE', '/api/users/me', a.token, { password: 'definitely not it' });
  assert.equal(wrong.status, 403, wrong.text);
  assert.equal(wrong.json.error.code, 'wrong_password');
  assert.equal((await login(a.username, TEST_PASSWORD)).status, 200, 'still there after the refusals');

  const del = await api('DELETE', '/api/users/me', a.token, { password: TEST_PASSWORD });
  assert.equal(del.status, 204, del.text);
  assert.match([].concat(del.headers['set-cookie'] || []).join('\n'), /refresh=;.*Max-Age=0/, 'the refresh cookie is cleared');

  assert.equal((await login(a.username, TEST_PASSWORD)).status, 401, 'no login by username');
  assert.equal((await login(a.email, TEST_PASSWORD)).status, 401, 'nor by email');
  assert.equal((await call(ctx.server, 'POST', '/api/auth/refresh', { cookie: a.cookie, origin: ctx.server.origin })).status, 401, 'sessions ended');
  assert.equal((await api('GET', `/api/users/${a.user.id}`, b.token)).status, 404, 'the profile is gone');
  assert.equal((await api('GET', `/api/users/lookup?display_name=${encodeURIComponent('Soon Gone')}`, b.token)).status, 404);
  assert.equal((await bytes('GET', `/api/users/${a.user.id}/avatar?v=9`)).status, 404, 'the avatar is gone');
  assert.equal((await api('GET', '/api/users/me', a.token)).status, 401, 'the old access token finds no account');
  const fl = await api('GET', '/api/friends', b.token);
  assert.deepEqual([fl.json.friends, fl.json.incoming, fl.json.outgoing], [[], [], []], 'friends no longer list them');
  assert.equal((await api('POST', `/api/friends/${a.user.id}`, b.token)).status, 404, 'no requests to a deleted account');
  assert.deepEqual((await api('GET', '/api/blocks', c.token)).json.blocked, [], 'blocks of the account are gone too');
  assert.ok(!(await api('GET', '/api/users/me/export', b.token)).text.includes('Soon Gone'));

  // username, email and display name can be registered again
  const again = await registerUser(ctx.server, 'x', { username: a.username, email: a.email, display_name: 'Soon Gone' });
  assert.equal(again.user.username, a.username);
  assert.notEqual(again.user.id, a.user.id, 'a new account, not the old one');
  assert.equal((await login(a.username, TEST_PASSWORD)).json.user.id, again.user.id);
});

test('lookup: a display name with &, %, + or = is found by its percent-encoded form, whatever the other parameters', async () => {
  const me = await reg('lkRes');
  const names = ['Tom', 'Tom&Jerry', 'AA', 'A%41', '50% off', 'a b', 'a+b', 'x=y'];
  const ids = {};
  for (const n of names) ids[n] = (await reg('res', { display_name: n })).user.id;
  const got = {};
  for (const n of names) {
    const r = await api('GET', `/api/users/lookup?display_name=${encodeURIComponent(n)}`, me.token);
    got[n] = r.status === 200 ? r.json.display_name : r.status;
  }
  const r = await api('GET', `/api/users/lookup?lang=en&display_name=${encodeURIComponent('Tom&Jerry')}`, me.token);
  got['second parameter'] = r.status === 200 ? r.json.display_name : r.status;
  assert.deepEqual(got, { ...Object.fromEntries(names.map((n) => [n, n])), 'second parameter': 'Tom&Jerry' });
});

test('after deletion, the still-valid access token cannot write to the anonymised account', async () => {
  const a = await reg('ghost');
  const b = await reg('ghostB');
  assert.equal((await api('DELETE', '/api/users/me', a.token, { password: TEST_PASSWORD })).status, 204);
  const p = await api('PATCH', '/api/users/me', a.token, { display_name: 'Ghost Writer' });
  const free = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username: `gw${a.user.id}`, email: `gw${a.user.id}@example.org`, password: TEST_PASSWORD, display_name: 'ghost writer' },
  });
  const av = await upload(a.token, image('ok.png'));
  const bl = await api('PUT', `/api/blocks/${b.user.id}`, a.token);
  assert.deepEqual(
    { patch: p.status, nameStillFree: free.status, avatar: av.status, block: bl.status },
    { patch: 401, nameStillFree: 201, avatar: 401, block: 401 },
  );
});

test('account deletion works whatever names other users chose', async () => {
  const victim = await reg('victim');
  await registerUser(ctx.server, 'x', { username: `deleted-${victim.user.id}` });
  const del = await api('DELETE', '/api/users/me', victim.token, { password: TEST_PASSWORD });
  assert.equal(del.status, 204, del.text);
});
