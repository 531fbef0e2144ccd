// Names and messages that hide or reorder text (issue 16): control and format characters
// (Unicode Cc and Cf: U+202E and the other bidirectional overrides and isolates, zero-width
// space and joiners, the byte-order mark, tags, ...) are refused in usernames and display
// names with a clear field error; a name of invisible characters alone is empty; a chat message
// of white space, zero-width and format characters alone is refused like an empty one, on the
// REST route and on the app socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call } from './api-client.mjs';
import { useServer, registerUser, openApp, nextMessage, sendJson, TEST_PASSWORD } from './helpers.mjs';

const ctx = useServer({ AUTH_RATE: '10000' });
const rnd = () => randomBytes(3).toString('hex');

const HIDDEN = {
  'U+202E RIGHT-TO-LEFT OVERRIDE': 'admin\u202Egnp.exe',
  'U+202D LEFT-TO-RIGHT OVERRIDE': 'a\u202Db',
  'U+2067 RIGHT-TO-LEFT ISOLATE': 'a\u2067b\u2069',
  'U+200F RIGHT-TO-LEFT MARK': 'a\u200Fb',
  'U+200B ZERO WIDTH SPACE': 'ad\u200Bmin',
  'U+200D ZERO WIDTH JOINER': 'a\u200Db',
  'U+2060 WORD JOINER': 'a\u2060b',
  'U+FEFF BYTE ORDER MARK': '\uFEFFname',
  'U+00AD SOFT HYPHEN': 'na\u00ADme',
  'U+E0041 TAG LATIN CAPITAL A': 'flag\u{E0041}',
  'U+0085 NEXT LINE': 'a\u0085b',
};
const INVISIBLE = ['\u200B', '\u200B\u200C\u200D', ' \u202E \u202C ', '\u3164', '\u2800\u2800', '\uFEFF\u00AD', '\u2060\uFE0F'];

function assertField(r, field, code, what) {
  assert.equal(r.status, 400, `${what}: ${r.text}`);
  assert.equal(r.json.error.code, 'invalid_fields', what);
  assert.equal(r.json.error.fields?.[field], code, `${what}: ${r.text}`);
}

test('registration refuses control and format characters in the username and the display name', async () => {
  for (const [what, name] of Object.entries(HIDDEN)) {
    const username = `n${rnd()}`;
    const r = await call(ctx.server, 'POST', '/api/auth/register', {
      body: { username, email: `${username}@example.org`, password: TEST_PASSWORD, display_name: name },
    });
    assertField(r, 'display_name', 'invalid_chars', `display name with ${what}`);
    const u = await call(ctx.server, 'POST', '/api/auth/register', {
      body: { username: `u${rnd()}\u200B`, email: `z${rnd()}@example.org`, password: TEST_PASSWORD },
    });
    assertField(u, 'username', 'invalid_chars', 'username with U+200B');
  }
  for (const name of ['\u3164', '\u2800 \u2800']) {   // Hangul filler, braille blanks: nothing shows
    const username = `e${rnd()}`;
    const r = await call(ctx.server, 'POST', '/api/auth/register', {
      body: { username, email: `${username}@example.org`, password: TEST_PASSWORD, display_name: name },
    });
    assertField(r, 'display_name', 'empty', `display name ${JSON.stringify(name)}`);
  }
  // right-to-left letters and emoji sequences without joiners are names like any other
  const ok = await registerUser(ctx.server, 'rtl', { display_name: `\u05E9\u05DC\u05D5\u05DD \u2764\uFE0F ${rnd()}` });
  assert.match(ok.user.display_name, /^\u05E9\u05DC\u05D5\u05DD \u2764\uFE0F /);
});

test('a display name change refuses them too, and the name stays as it was', async () => {
  const a = await registerUser(ctx.server, 'ren', { display_name: `Plain ${rnd()}` });
  for (const [what, name] of Object.entries(HIDDEN)) {
    const r = await call(ctx.server, 'PATCH', '/api/users/me', { token: a.token, body: { display_name: name } });
    assertField(r, 'display_name', 'invalid_chars', `PATCH display name with ${what}`);
  }
  const blank = await call(ctx.server, 'PATCH', '/api/users/me', { token: a.token, body: { display_name: '\u3164\u3164' } });
  assertField(blank, 'display_name', 'empty', 'PATCH display name of Hangul fillers');
  const me = await call(ctx.server, 'GET', '/api/users/me', { token: a.token });
  assert.equal(me.json.display_name, a.user.display_name);
});

test('a chat message of invisible characters alone is empty (REST); one visible character makes it a message', async () => {
  const a = await registerUser(ctx.server, 'inv');
  const room = `inv_${rnd()}`;
  const j = await call(ctx.server, 'POST', `/api/chat/rooms/${room}/join`, { token: a.token });
  assert.equal(j.status, 201, j.text);
  const path = `/api/chat/rooms/${room}/messages`;
  for (const text of INVISIBLE) {
    const r = await call(ctx.server, 'POST', path, { token: a.token, body: { text } });
    assertField(r, 'text', 'empty', `message ${JSON.stringify(text)}`);
  }
  const kept = '\u200Bhi\u200B \u2764\uFE0F';
  const r = await call(ctx.server, 'POST', path, { token: a.token, body: { text: kept } });
  assert.equal(r.status, 201, r.text);
  const h = await call(ctx.server, 'GET', path, { token: a.token });
  assert.deepEqual(h.json.messages.map((m) => m.message), [kept], 'only the visible message was stored, verbatim');
});

test('the same on the app socket: invisible-only text is an invalid_message error, nothing is published', async () => {
  const a = await registerUser(ctx.server, 'ws');
  const room = `wsinv_${rnd()}`;
  const j = await call(ctx.server, 'POST', `/api/chat/rooms/${room}/join`, { token: a.token });
  assert.equal(j.status, 201, j.text);
  const ws = await openApp(ctx.server, { token: a.token });
  try {
    const next = async (type) => {
      for (;;) {
        const m = await nextMessage(ws);
        if (m?.type === type) return m;
      }
    };
    sendJson(ws, { type: 'chat.subscribe', channel: `room:${room}` });
    await next('chat.subscribed');
    sendJson(ws, { type: 'chat.send', channel: `room:${room}`, text: '\u200B\u202E\u3164', ref: 'blank' });
    const e = await next('chat.error');
    assert.equal(e.ref, 'blank');
    assert.equal(e.error?.code, 'invalid_message', JSON.stringify(e));
    sendJson(ws, { type: 'chat.send', channel: `room:${room}`, text: 'visible', ref: 'ok' });
    const m = await next('chat.message');
    assert.equal(m.message, 'visible', 'the first message published is the visible one');
  } finally {
    ws.close();
  }
});
