// ALLOWED_ORIGINS: a custom list replaces the default "own origin" rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openChat, openApp, expectWsRefused, nextMessage, sendJson, registerUser } from './helpers.mjs';

let url;
let user;
const ctx = useServer({ ALLOWED_ORIGINS: 'https://app.example,https://other.example:8443', AUTH_RATE: '10000' }, async () => {
  url = `wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/originRoom/`;
  user = await registerUser(ctx.server, 'origin');
});

test('each listed origin is accepted', async () => {
  for (const origin of ['https://app.example', 'https://other.example:8443']) {
    const ws = await openChat(ctx.server, 'originRoom', { token: user.token, origin });
    try {
      sendJson(ws, { message: `from ${origin}` });
      const m = await nextMessage(ws);
      assert.equal(m.message, `from ${origin}`);
      assert.equal(m.user_id, user.user.id);
      assert.equal(m.display_name, user.user.display_name);
    } finally {
      ws.terminate();
    }
  }
});

test('the default own origin is refused once ALLOWED_ORIGINS is set', async () => {
  const r = await expectWsRefused(url, { origin: ctx.server.origin });
  assert.equal(r.statusCode, 403);
});

test('the app socket /ws/ follows the same list', async () => {
  const ws = await openApp(ctx.server, { token: user.token, origin: 'https://app.example' });
  ws.terminate();
  const appUrl = `wss://127.0.0.1:${ctx.server.httpsPort}/ws/`;
  for (const origin of [ctx.server.origin, 'https://evil.example']) {
    assert.equal((await expectWsRefused(appUrl, { origin })).statusCode, 403, `Origin ${origin}`);
  }
});

test('origins not in the list are refused with 403', async () => {
  for (const origin of ['https://evil.example', 'https://app.example.evil', 'http://app.example',
    'https://other.example', 'https://sub.app.example', 'https://other.example:8443x']) {
    const r = await expectWsRefused(url, { origin });
    assert.equal(r.statusCode, 403, `Origin ${origin}`);
  }
});
