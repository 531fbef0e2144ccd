// ALLOWED_ORIGINS: a custom list replaces the default "own origin" rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openWs, expectWsRefused, nextMessage, sendJson } from './helpers.mjs';

let url;
const ctx = useServer({ ALLOWED_ORIGINS: 'https://app.example,https://other.example:8443' }, () => {
  url = `wss://127.0.0.1:${ctx.server.httpsPort}/ws/chat/originRoom/`;
});

test('each listed origin is accepted', async () => {
  for (const origin of ['https://app.example', 'https://other.example:8443']) {
    const ws = await openWs(url, { origin });
    try {
      sendJson(ws, { message: `from ${origin}` });
      assert.equal((await nextMessage(ws)).message, `from ${origin}`);
    } finally {
      ws.terminate();
    }
  }
});

test('the default own origin is refused once ALLOWED_ORIGINS is set', async () => {
  const r = await expectWsRefused(url, { origin: ctx.server.origin });
  assert.equal(r.statusCode, 403);
});

test('origins not in the list are refused with 403', async () => {
  for (const origin of ['https://evil.example', 'https://app.example.evil', 'http://app.example',
    'https://other.example', 'https://sub.app.example', 'https://other.example:8443x']) {
    const r = await expectWsRefused(url, { origin });
    assert.equal(r.statusCode, 403, `Origin ${origin}`);
  }
});
