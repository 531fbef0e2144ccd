// Chat room view against the real server: logged-in users only, rooms isolate, messages
// carry their sender's display name, text (and display names) stay text, limits, sockets
// are released when the view is left, reconnect after a drop or a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  useServerAndBrowser, startServer, stopServer, openPage, withScreenshots, eventually, waitHeading,
  openWebSockets, startProxy, TIMEOUT,
} from './lib.mjs';
import { call } from '../integration/api-client.mjs';

// Every page logs in: lift the per-minute login limit.
const ctx = useServerAndBrowser({ AUTH_RATE: '10000' });

const PASSWORD = 'correct horse battery staple';
const EVIL = '<img src=x onerror=alert(1)>';
let seq = 0;
function unique(prefix) {
  seq += 1;
  return `${prefix}${process.pid % 1000}${seq}${Math.random().toString(36).slice(2, 5)}`;
}

/** Registers a user through the API of `server`; returns { username, user }. */
async function register(server = ctx.server, fields = {}) {
  const username = fields.username ?? unique('chat');
  const res = await call(server, 'POST', '/api/auth/register', {
    body: { username, email: `${username.toLowerCase()}@example.org`, password: PASSWORD, display_name: unique('Player '), ...fields },
  });
  assert.equal(res.status, 201, res.text);
  return { username, user: res.json.user };
}

/** Logs in through the form the page shows (the login page or the chat room's redirect). */
async function logIn(page, username) {
  await page.waitForSelector('#login-username');
  await page.fill('#login-username', username);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
}

/**
 * A new browser context in `room` as `who` (a new user when omitted): the room sends the
 * logged-out visitor to the login form, which comes back to the room.
 * Returns openPage()'s result plus { who }.
 */
async function openRoom(base, room, { who = null, server = ctx.server, ...options } = {}) {
  const account = who ?? await register(server);
  const opened = await openPage(ctx.browser, { locale: 'en-US', ...options });
  await opened.page.goto(`${base}/chat/${room}`);
  await logIn(opened.page, account.username);
  await waitHeading(opened.page, `Room ${room}`);
  await opened.page.waitForSelector('#chat-status[data-state="connected"]');
  return { ...opened, who: account };
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

/** The log as [display name, "own" flag, "you" badge text or null, text] per message. */
function authored(page) {
  return page.locator('#chat-log li').evaluateAll((items) => items.map((li) => [
    li.querySelector('.chat-author-name')?.textContent ?? null,
    li.dataset.own,
    li.querySelector('.chat-you')?.textContent ?? null,
    li.querySelector('.chat-text')?.textContent ?? null,
  ]));
}

test('a logged-out visitor of a room is asked to log in, then comes back to the room', async (t) => {
  const who = await register();
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    // The lobby says rooms need an account.
    await page.goto(`${ctx.server.base}/chat`);
    await waitHeading(page, 'Chat rooms');
    await page.waitForSelector('#chat-login-note:not([hidden])');
    assert.equal(await page.textContent('#chat-login-note span'), 'Rooms are for players with an account.');

    await eventually(async () => (await openWebSockets(ctx.server.base)) === 0, { message: 'no sockets before' });
    await page.goto(`${ctx.server.base}/chat/room1`);
    await waitHeading(page, 'Log in');
    const url = new URL(page.url());
    assert.equal(url.pathname + url.search, '/login?next=%2Fchat%2Froom1');
    assert.equal(await page.textContent('#login-reason'), 'Log in to see that page.');
    assert.equal(await openWebSockets(ctx.server.base), 0, 'no socket was opened for the logged-out visitor');

    await logIn(page, who.username);
    await waitHeading(page, 'Room room1');
    assert.equal(new URL(page.url()).pathname, '/chat/room1');
    await page.waitForSelector('#chat-status[data-state="connected"]');
    await page.fill('#chat-input', 'logged in now');
    await page.press('#chat-input', 'Enter');
    await waitForText(page, 'logged in now');
    assert.deepEqual(await authored(page), [[who.user.display_name, 'true', 'you', 'logged in now']]);

    // The lobby no longer asks.
    await page.click('#app a[href="/chat"]');
    await waitHeading(page, 'Chat rooms');
    assert.equal(await page.isHidden('#chat-login-note'), true);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('two users in a room see each other, labelled with their names; another room sees nothing', async (t) => {
  const ann = await register(ctx.server, { display_name: unique('Ann ') });
  const ben = await register(ctx.server, { display_name: unique('Ben ') });
  const a = await openRoom(ctx.server.base, 'lobby1', { who: ann });
  const b = await openRoom(ctx.server.base, 'lobby1', { who: ben });
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

    // Each message shows its sender's display name; one's own are marked.
    const annName = ann.user.display_name;
    const benName = ben.user.display_name;
    assert.deepEqual(await authored(a.page), [[annName, 'true', 'you', 'hello from A'], [benName, 'false', null, 'reply from B']]);
    assert.deepEqual(await authored(b.page), [[annName, 'false', null, 'hello from A'], [benName, 'true', 'you', 'reply from B']]);
    assert.equal(await a.page.getAttribute('#chat-log li:nth-child(2)', 'data-user-id'), String(ben.user.id));
    assert.equal(await a.page.getAttribute('#chat-log li:nth-child(2) a.chat-author-name', 'href'), `/users/${ben.user.id}`);
    // The name comes before the text.
    assert.deepEqual(await a.page.locator('#chat-log li:first-child').evaluate((li) => {
      const name = li.querySelector('.chat-author-name');
      const text = li.querySelector('.chat-text');
      return Boolean(name.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING);
    }), true);

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

test('HTML in a message or in a display name is shown as literal text', async (t) => {
  const evil = await register(ctx.server, { display_name: EVIL });
  const a = await openRoom(ctx.server.base, 'xss', { who: evil });
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
      assert.deepEqual(await p.page.locator('#chat-log .chat-author-name').allTextContents(), [EVIL, EVIL]);
      assert.equal(await p.page.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror], script:not([src])').length), 0);
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
  const who = await register();
  const a = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    const { page } = a;
    track(page);
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 0, { message: 'no sockets before' });
    // Logged in, the tab keeps its app socket (wss://host/ws/) open: that one stays.
    await page.goto(`${ctx.server.base}/login`);
    await logIn(page, who.username);
    await page.waitForSelector('#nav-me');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 1, { message: 'the app socket only' });
    await page.goto(`${ctx.server.base}/chat/leaving`);
    await page.waitForSelector('#chat-status[data-state="connected"]');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 2, { message: 'one chat socket open' });

    await page.click('#nav-about');
    await waitHeading(page, 'About Transcendence');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 1, { message: 'socket closed on leaving' });

    // Back into the room and out again through history: still one chat socket at most.
    await page.goBack();
    await page.waitForSelector('#chat-status[data-state="connected"]');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 2, { message: 'one chat socket after Back' });
    await page.goForward();
    await waitHeading(page, 'About Transcendence');
    await eventually(async () => (await openWebSockets(ctx.server.base)) === 1, { message: 'closed after Forward' });
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
  // Separate servers so the shared one keeps running for the other tests. They share one
  // data directory (accounts, signing key), as a restarted server would.
  const varDir = mkdtempSync(join(tmpdir(), 'pongd-chat-restart-'));
  const first = await startServer({ VAR_DIR: varDir });
  const proxy = await startProxy(first.httpsPort);
  let second = null;
  try {
    const a = await openRoom(proxy.base, 'restart', { server: first });
    await withScreenshots(t, async (track) => {
      track(a.page);
      await stopServer(first);
      assert.match(await reconnectingText(a.page), /^Reconnecting in \d+ s \[button\]$/);

      // Point the proxy at a new server: the page must find it by itself, and its access
      // token is still good there.
      second = await startServer({ VAR_DIR: varDir, ...(first.databaseUrl ? { DATABASE_URL: first.databaseUrl } : {}) });
      proxy.setTarget(second.httpsPort);
      await a.page.waitForSelector('#chat-status[data-state="connected"]', { timeout: TIMEOUT * 2 });
      await send(a.page, 'on the new server');
      await waitForText(a.page, 'on the new server');
      assert.deepEqual((await authored(a.page)).at(-1), [a.who.user.display_name, 'true', 'you', 'on the new server']);
      assert.deepEqual(a.problems.filter((p) => !wsFailure.test(p)), []);
    });
    await a.context.close();
  } finally {
    await proxy.close();
    await first.stop();
    if (second) await stopServer(second);
    rmSync(varDir, { recursive: true, force: true });
  }
});

test('a token the server refuses (4001) is refreshed once; when that fails the page asks to log in', async (t) => {
  // The page moves to a server that knows neither the account nor the signing key: the
  // chat socket is closed with 4001, the refresh is refused, the session ends.
  const first = await startServer({ AUTH_RATE: '10000' });
  const proxy = await startProxy(first.httpsPort);
  let second = null;
  try {
    const a = await openRoom(proxy.base, 'refused', { server: first });
    await withScreenshots(t, async (track) => {
      track(a.page);
      await send(a.page, 'first server');
      await waitForText(a.page, 'first server');
      second = await startServer({ AUTH_RATE: '10000' });
      proxy.setTarget(second.httpsPort);
      proxy.dropAll();
      await waitHeading(a.page, 'Log in');
      const url = new URL(a.page.url());
      assert.equal(url.pathname + url.search, '/login?next=%2Fchat%2Frefused');

      // An account on the new server: back in the room.
      const who = await register(second);
      await logIn(a.page, who.username);
      await waitHeading(a.page, 'Room refused');
      await a.page.waitForSelector('#chat-status[data-state="connected"]');
      await send(a.page, 'second server');
      await waitForText(a.page, 'second server');
      assert.deepEqual(await authored(a.page), [[who.user.display_name, 'true', 'you', 'second server']]);
      const expected = /WebSocket connection to .* failed|Failed to load resource: the server responded with a status of 401/;
      assert.deepEqual(a.problems.filter((p) => !expected.test(p)), []);
    });
    await a.context.close();
  } finally {
    await proxy.close();
    await stopServer(first);
    if (second) await stopServer(second);
  }
});
