// Chat room view against the real server: rooms isolate, text stays text, limits,
// sockets are released when the view is left, reconnect after a drop or a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, startServer, stopServer, openPage, withScreenshots, eventually, waitHeading,
  openWebSockets, startProxy, TIMEOUT,
} from './lib.mjs';

const ctx = useServerAndBrowser();

async function openRoom(base, room, options = {}) {
  const opened = await openPage(ctx.browser, { locale: 'en-US', ...options });
  await opened.page.goto(`${base}/chat/${room}`);
  await waitHeading(opened.page, `Room ${room}`);
  await opened.page.waitForSelector('#chat-status[data-state="connected"]');
  return opened;
}

async function send(page, text) {
  await page.fill('#chat-input', text);
  await page.press('#chat-input', 'Enter');
}

function texts(page) {
  return page.locator('#chat-log .chat-text').allTextContents();
}

async function waitForText(page, text) {
  await eventually(async () => (await texts(page)).includes(text), { message: `message ${JSON.stringify(text)} shown` });
}

test('two pages in a room see each other; another room sees nothing', async (t) => {
  const a = await openRoom(ctx.server.base, 'lobby1');
  const b = await openRoom(ctx.server.base, 'lobby1');
  const c = await openRoom(ctx.server.base, 'elsewhere');
  await withScreenshots(t, async (track) => {
    [a, b, c].forEach((p) => track(p.page));
    await send(a.page, 'hello from A');
    await waitForText(a.page, 'hello from A');
    await waitForText(b.page, 'hello from A');
    await send(b.page, 'reply from B');
    await waitForText(a.page, 'reply from B');
    await waitForText(b.page, 'reply from B');
    assert.deepEqual(await texts(a.page), ['hello from A', 'reply from B']);
    assert.deepEqual(await texts(b.page), ['hello from A', 'reply from B']);
    assert.equal(await a.page.inputValue('#chat-input'), '', 'input is cleared after sending');

    // The other room only ever shows its own traffic.
    await send(c.page, 'only here');
    await waitForText(c.page, 'only here');
    assert.deepEqual(await texts(c.page), ['only here']);
    assert.deepEqual(await texts(a.page), ['hello from A', 'reply from B']);

    // Each message shows a time taken from the server's `at`.
    const datetime = await a.page.getAttribute('#chat-log li:first-child time', 'datetime');
    assert.ok(Math.abs(Date.parse(datetime) - Date.now()) < 24 * 3600 * 1000, `odd time ${datetime}`);
    assert.match(await a.page.textContent('#chat-log li:first-child time'), /\d{1,2}:\d{2}:\d{2}/);
    for (const p of [a, b, c]) assert.deepEqual(p.problems, []);
  });
  await Promise.all([a, b, c].map((p) => p.context.close()));
});

test('HTML in a message is shown as literal text', async (t) => {
  const a = await openRoom(ctx.server.base, 'xss');
  const b = await openRoom(ctx.server.base, 'xss');
  const payload = '<img src=x onerror=alert(1)>';
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await send(a.page, payload);
    await send(a.page, '<b>bold?</b> & <script>alert(2)</script>');
    for (const p of [a, b]) {
      await waitForText(p.page, payload);
      await waitForText(p.page, '<b>bold?</b> & <script>alert(2)</script>');
      assert.equal(await p.page.locator('#chat-log img, #chat-log script, #chat-log b').count(), 0);
      assert.deepEqual(p.dialogs, []);
      assert.deepEqual(p.problems, []);
    }
  });
  await Promise.all([a, b].map((p) => p.context.close()));
});

test('the form counts characters, refuses empty and over-long messages', async (t) => {
  const a = await openRoom(ctx.server.base, 'limits');
  await withScreenshots(t, async (track) => {
    const { page } = a;
    track(page);
    assert.equal(await page.textContent('#chat-counter'), '0 / 2000');
    assert.equal(await page.isDisabled('#chat-send'), true, 'send is disabled while empty');

    await send(page, '   ');
    assert.equal(await page.inputValue('#chat-input'), '   ', 'blank input is kept, not sent');

    // Code points, not UTF-16 units: 2000 emoji are allowed.
    await page.fill('#chat-input', '😀'.repeat(2000));
    assert.equal(await page.textContent('#chat-counter'), '2000 / 2000');
    assert.equal(await page.isDisabled('#chat-send'), false);

    await page.fill('#chat-input', 'x'.repeat(2001));
    assert.equal(await page.textContent('#chat-counter'), '2001 / 2000');
    assert.equal(await page.isDisabled('#chat-send'), true);
    await page.press('#chat-input', 'Enter');
    await page.waitForSelector('#chat-error:not([hidden])');
    assert.equal(await page.textContent('#chat-error span'), 'The message is too long: at most 2000 characters.');
    assert.equal((await page.inputValue('#chat-input')).length, 2001, 'over-long text is kept for editing');

    // Shift+Enter is a newline; the message keeps it.
    await page.fill('#chat-input', 'line 1');
    await page.press('#chat-input', 'Shift+Enter');
    await page.type('#chat-input', 'line 2');
    await page.click('#chat-send');
    await waitForText(page, 'line 1\nline 2');
    // Only the one valid message ever reached the server.
    assert.deepEqual(await texts(page), ['line 1\nline 2']);
    assert.equal(await page.textContent('#chat-counter'), '0 / 2000');
    assert.deepEqual(a.problems, []);
  });
  await a.context.close();
});

test('leaving the room closes its socket', async (t) => {
  const a = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    const { page } = a;
    track(page);
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 0, { message: 'no sockets before' });
    await page.goto(`${ctx.server.base}/chat/leaving`);
    await page.waitForSelector('#chat-status[data-state="connected"]');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 1, { message: 'one socket open' });

    await page.click('#nav-about');
    await waitHeading(page, 'About Transcendence');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 0, { message: 'socket closed on leaving' });

    // Back into the room and out again through history: still one socket at most.
    await page.goBack();
    await page.waitForSelector('#chat-status[data-state="connected"]');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 1, { message: 'one socket after Back' });
    await page.goForward();
    await waitHeading(page, 'About Transcendence');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 0, { message: 'closed after Forward' });
    assert.deepEqual(a.problems, []);
  });
  await a.context.close();
});

/**
 * Waits for the reconnecting state and returns the status text read in the same instant,
 * followed by " [button]" when the "Reconnect now" button shows.
 */
async function reconnectingText(page) {
  const handle = await page.waitForFunction(() => {
    const status = document.querySelector('#chat-status');
    const button = document.querySelector('#chat-reconnect');
    return status?.dataset.state === 'reconnecting' && `${status.textContent}${button.hidden ? '' : ' [button]'}`;
  });
  return handle.jsonValue();
}

// Chromium logs failed WebSocket attempts while the server is unreachable: expected here.
const wsFailure = /WebSocket connection to .* failed/;

test('a dropped connection shows the reconnecting state and comes back', async (t) => {
  const proxy = await startProxy(ctx.server.httpsPort);
  try {
    const a = await openRoom(proxy.base, 'reconnect');
    const b = await openRoom(ctx.server.base, 'reconnect');
    await withScreenshots(t, async (track) => {
      track(a.page);
      await send(a.page, 'before the drop');
      await waitForText(b.page, 'before the drop');

      proxy.dropAll();
      assert.match(await reconnectingText(a.page), /^Reconnecting in \d+ s \[button\]$/);
      await a.page.waitForSelector('#chat-status[data-state="connected"]', { timeout: TIMEOUT * 2 });

      // The log is kept across the reconnect and the new socket works both ways.
      assert.deepEqual(await texts(a.page), ['before the drop']);
      await send(a.page, 'after the drop');
      await waitForText(b.page, 'after the drop');
      await send(b.page, 'to A again');
      await waitForText(a.page, 'to A again');
      assert.deepEqual(a.problems.filter((p) => !wsFailure.test(p)), []);
    });
    await Promise.all([a.context.close(), b.context.close()]);
  } finally {
    await proxy.close();
  }
});

test('a server restart shows reconnecting, then connected to the new server', async (t) => {
  // Separate servers so the shared one keeps running for the other tests.
  const first = await startServer();
  const proxy = await startProxy(first.httpsPort);
  let second = null;
  try {
    const a = await openRoom(proxy.base, 'restart');
    await withScreenshots(t, async (track) => {
      track(a.page);
      await stopServer(first);
      assert.match(await reconnectingText(a.page), /^Reconnecting in \d+ s \[button\]$/);

      // Point the proxy at a new server: the page must find it by itself.
      second = await startServer();
      proxy.setTarget(second.httpsPort);
      await a.page.waitForSelector('#chat-status[data-state="connected"]', { timeout: TIMEOUT * 2 });
      await send(a.page, 'on the new server');
      await waitForText(a.page, 'on the new server');
      assert.deepEqual(a.problems.filter((p) => !wsFailure.test(p)), []);
    });
    await a.context.close();
  } finally {
    await proxy.close();
    await first.stop();
    if (second) await stopServer(second);
  }
});
