// The chat page against the real server (issue 13, docs/chat.md): the seed's hand check (two
// users in /chat/<room> see each other's messages, labelled with their names), rooms and DMs
// side by side with unread badges, blocking (the blocked user's messages vanish for the
// blocker), an invite to play from the chat answered on the invite card (both land on
// /game/<id>), HTML in names and messages shown as text, links made safely, history that
// scrolls back, resume after a dropped connection without loss or duplicates (a room, and a DM
// on a phone across a reload), the composer's limits and refusals, a declined invite and the
// server's notice. One socket per tab: the chat rides the app socket /ws/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading, openWebSockets, startProxy, TIMEOUT,
} from './lib.mjs';
import { call } from '../integration/api-client.mjs';
import { freePort } from '../lib/server.mjs';

// Every page logs in: lift the per-minute login limit.
// The reconnect tests reach pongd through a TCP proxy on its own port: that origin must be
// allowed too (the default allows only the certificate's names on HTTPS_PORT).
const PROXY_PORT = await freePort();
const ctx = useServerAndBrowser({
  AUTH_RATE: '10000',
  ALLOWED_ORIGINS: ({ httpsPort }) => `https://127.0.0.1:${httpsPort},https://127.0.0.1:${PROXY_PORT}`,
});

const PASSWORD = 'correct horse battery staple';
const EVIL = '<img src=x onerror=alert(1)>';
let n = 0;
function unique(prefix) {
  n += 1;
  return `${prefix}${process.pid % 1000}${n}${Math.random().toString(36).slice(2, 5)}`;
}

/** Registers a user through the API; returns { username, token, user }. */
async function register(fields = {}) {
  const username = fields.username ?? unique('chat');
  const res = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username, email: `${username.toLowerCase()}@example.org`, password: PASSWORD, display_name: unique('Player '), ...fields },
  });
  assert.equal(res.status, 201, res.text);
  return { username, token: res.json.access_token, user: res.json.user };
}

/** Logs in through the form the page shows. */
async function logIn(page, username) {
  await page.waitForSelector('#login-username');
  await page.fill('#login-username', username);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
}

/** A new context logged in as `who` (a new user when omitted), at `path` (default /chat). */
async function openAs(who = null, { base = ctx.server.base, path = '/chat', ...options } = {}) {
  const account = who ?? await register();
  const opened = await openPage(ctx.browser, { locale: 'en-US', viewport: { width: 1200, height: 900 }, ...options });
  await opened.page.goto(`${base}/login?next=${encodeURIComponent(path)}`);
  await logIn(opened.page, account.username);
  await opened.page.waitForSelector('#nav-me', { state: 'attached' });   // in the collapsed menu on a phone
  return { ...opened, who: account };
}

/** A new context in `room` as `who`: the room sends a logged-out visitor to the login form. */
async function openRoom(room, who = null, options = {}) {
  const opened = await openAs(who, { path: `/chat/${room}`, ...options });
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

/** The log as [display name, "own" flag, "you" badge text or null, text] per message. */
function authored(page) {
  return page.locator('#chat-log li').evaluateAll((items) => items.map((li) => [
    li.querySelector('.chat-author-name')?.textContent ?? null,
    li.dataset.own ?? null,
    li.querySelector('.chat-you')?.textContent ?? null,
    li.querySelector('.chat-text')?.textContent ?? null,
  ]));
}

/** Opens the actions menu of the first message by `userId` and clicks `action`. */
async function messageAction(page, userId, action) {
  const item = page.locator(`#chat-log li[data-user-id="${userId}"]`).first();
  await item.locator('summary').click();
  await item.locator(`[data-action="${action}"]`).click();
}

/**
 * Posts `text` to a room through the REST route (the user must have joined). The per-user rate
 * limit (CHAT_RATE, whatever its value) is waited out: 429 is retried after its Retry-After.
 */
async function post(who, room, text) {
  for (;;) {
    const res = await call(ctx.server, 'POST', `/api/chat/rooms/${room}/messages`, { token: who.token, body: { text } });
    if (res.status === 429) {
      const wait = Number(res.headers['retry-after']) || 1;
      await new Promise((r) => setTimeout(r, Math.min(wait, 5) * 1000));
      continue;
    }
    assert.equal(res.status, 201, res.text);
    return res.json;
  }
}

async function join(who, room) {
  const res = await call(ctx.server, 'POST', `/api/chat/rooms/${room}/join`, { token: who.token });
  assert.ok(res.status === 200 || res.status === 201, res.text);
}

const close = (...ps) => Promise.all(ps.map((p) => p.context.close()));

test('a logged-out visitor of a room is asked to log in, then comes back to the room', async (t) => {
  const who = await register();
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/chat`);
    await waitHeading(page, 'Chat rooms');
    await page.waitForSelector('#chat-login-note:not([hidden])');
    assert.equal(await page.textContent('#chat-login-note span'), 'Rooms are for players with an account.');

    await page.goto(`${ctx.server.base}/chat/room1`);
    await waitHeading(page, 'Log in');
    const url = new URL(page.url());
    assert.equal(url.pathname + url.search, '/login?next=%2Fchat%2Froom1');
    await logIn(page, who.username);
    await waitHeading(page, 'Room room1');
    assert.equal(new URL(page.url()).pathname, '/chat/room1');
    await page.waitForSelector('#chat-status[data-state="connected"]');
    await send(page, 'logged in now');
    await waitForText(page, 'logged in now');
    assert.deepEqual(await authored(page), [[who.user.display_name, 'true', 'you', 'logged in now']]);
    // the room is in the conversation list, the chat uses the tab's one app socket
    await page.waitForSelector('#chat-convs li[data-key="room:room1"]');
    assert.equal(await openWebSockets(ctx.server.base), 1, 'one socket: the app socket');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('two users in a room see each other, labelled with their names; another room sees nothing', async (t) => {
  const ann = await register({ display_name: unique('Ann ') });
  const ben = await register({ display_name: unique('Ben ') });
  const a = await openRoom('lobby1', ann);
  const b = await openRoom('lobby1', ben);
  const c = await openRoom('elsewhere');
  await withScreenshots(t, async (track) => {
    [a, b, c].forEach((p) => track(p.page));
    await send(a.page, 'hello from A');
    await waitForText(a.page, 'hello from A');
    await waitForText(b.page, 'hello from A');
    await send(b.page, 'reply from B');
    await waitForText(a.page, 'reply from B');
    assert.deepEqual(await texts(a.page), ['hello from A', 'reply from B']);
    assert.deepEqual(await texts(b.page), ['hello from A', 'reply from B']);
    assert.equal(await a.page.inputValue('#chat-input'), '', 'input is cleared after sending');

    const annName = ann.user.display_name;
    const benName = ben.user.display_name;
    assert.deepEqual(await authored(a.page), [[annName, 'true', 'you', 'hello from A'], [benName, 'false', null, 'reply from B']]);
    assert.deepEqual(await authored(b.page), [[annName, 'false', null, 'hello from A'], [benName, 'true', 'you', 'reply from B']]);
    assert.equal(await a.page.getAttribute('#chat-log li:nth-child(2) a.chat-author-name', 'href'), `/users/${ben.user.id}`);

    // the member list shows both, online, the creator as owner
    await eventually(async () => (await a.page.locator('#chat-members li').count()) === 2, { message: 'two members' });
    assert.equal(await a.page.getAttribute(`#chat-members li[data-user-id="${ben.user.id}"]`, 'data-online'), 'true');

    // the other room only ever shows its own traffic
    await send(c.page, 'only here');
    await waitForText(c.page, 'only here');
    assert.deepEqual(await texts(c.page), ['only here']);
    assert.deepEqual(await texts(a.page), ['hello from A', 'reply from B']);

    // history on open: a third visit to the room shows what was said
    const d = await openRoom('lobby1');
    track(d.page);
    await waitForText(d.page, 'reply from B');
    assert.deepEqual(await texts(d.page), ['hello from A', 'reply from B']);
    await d.context.close();
    for (const p of [a, b, c]) assert.deepEqual(p.problems, []);
  });
  await close(a, b, c);
});

test('a direct message: unread badges in the nav bar and the list, then read', async (t) => {
  const ann = await register({ display_name: unique('Ann ') });
  const ben = await register({ display_name: unique('Ben ') });
  const a = await openAs(ann, { path: `/chat/dm/${ben.user.id}` });
  const b = await openAs(ben, { path: '/about' });
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await waitHeading(a.page, ben.user.display_name);
    await a.page.waitForSelector('#chat-status[data-state="connected"]');
    await send(a.page, 'psst, Ben');
    await waitForText(a.page, 'psst, Ben');

    // Ben, elsewhere on the site: the nav bar counts it
    await b.page.waitForSelector('#nav-chat-unread:not([hidden])');
    assert.equal(await b.page.textContent('#nav-chat-unread'), '1');
    await b.page.click('#nav-chat');
    await waitHeading(b.page, 'Chat rooms');
    const item = b.page.locator(`#chat-convs li[data-key="dm:${ann.user.id}"]`);
    await item.waitFor();
    assert.equal(await item.locator('.chat-unread').textContent(), '1');
    assert.equal(await item.locator('.chat-conv-name').textContent(), ann.user.display_name);
    await item.locator('a').click();
    await waitHeading(b.page, ann.user.display_name);
    await waitForText(b.page, 'psst, Ben');
    await b.page.waitForSelector('#nav-chat-unread[hidden]', { state: 'attached' });
    await send(b.page, 'hi Ann');
    await waitForText(a.page, 'hi Ann');
    assert.deepEqual(await texts(a.page), ['psst, Ben', 'hi Ann']);

    // read markers are stored: a reload shows no unread
    await b.page.reload();
    await waitHeading(b.page, ann.user.display_name);
    await b.page.waitForSelector('#chat-status[data-state="connected"]');
    assert.equal(await b.page.isHidden('#nav-chat-unread'), true);
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  });
  await close(a, b);
});

test('blocking from a message: the blocked user\'s messages vanish for the blocker, DMs are refused', async (t) => {
  const ann = await register({ display_name: unique('Ann ') });
  const ben = await register({ display_name: unique('Ben ') });
  const room = unique('blk');
  const a = await openRoom(room, ann);
  const b = await openRoom(room, ben);
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await send(b.page, 'annoying 1');
    await send(a.page, 'from Ann');
    await waitForText(a.page, 'annoying 1');
    await waitForText(a.page, 'from Ann');

    await messageAction(a.page, ben.user.id, 'block');
    await a.page.click('#chat-dialog-ok');
    await a.page.waitForSelector('#chat-notice:not([hidden])');
    await eventually(async () => !(await texts(a.page)).includes('annoying 1'), { message: 'Ben\'s message gone for Ann' });
    assert.deepEqual(await texts(a.page), ['from Ann']);

    // new messages from Ben do not reach Ann, Ann's still reach Ben
    await send(b.page, 'annoying 2');
    await waitForText(b.page, 'annoying 2');
    await send(a.page, 'still here');
    await waitForText(b.page, 'still here');
    await waitForText(a.page, 'still here');   // (Ann's own copy may come after Ben's)
    assert.deepEqual(await texts(a.page), ['from Ann', 'still here']);
    // nor after a reload (the server filters history)
    await a.page.reload();
    await a.page.waitForSelector('#chat-status[data-state="connected"]');
    await waitForText(a.page, 'still here');
    assert.deepEqual(await texts(a.page), ['from Ann', 'still here']);

    // Ben cannot DM Ann
    await b.page.goto(`${ctx.server.base}/chat/dm/${ann.user.id}`);
    await waitHeading(b.page, ann.user.display_name);
    await b.page.waitForSelector('#chat-status[data-state="connected"]');
    await send(b.page, 'let me in');
    await b.page.waitForSelector('#chat-error:not([hidden])');
    assert.equal(await b.page.getAttribute('#chat-error', 'data-code'), 'blocked');
    assert.equal(await b.page.textContent('#chat-error span'), 'You cannot message this player: one of you blocked the other.');
    assert.deepEqual(a.problems, []);
  });
  await close(a, b);
});

test('an invite to play from the chat: the invite card in "Pong", accepted, both land on the game', { timeout: 60000 }, async (t) => {
  const ann = await register({ display_name: unique('Ann ') });
  const ben = await register({ display_name: unique('Ben ') });
  const room = unique('inv');
  const a = await openRoom(room, ann);
  const b = await openRoom(room, ben);
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await send(b.page, 'anyone for a game?');
    await waitForText(a.page, 'anyone for a game?');
    await messageAction(a.page, ben.user.id, 'invite');
    await a.page.waitForSelector('#chat-notice:not([hidden])');
    assert.match(await a.page.textContent('#chat-notice'), /^Invite sent to /);

    // Ben: "Pong" counts the invite; its card has Accept / Decline
    const pong = b.page.locator('#chat-convs li[data-key="system"]');
    await eventually(async () => (await pong.locator('.chat-unread').textContent()) === '1', { message: 'Pong unread' });
    await pong.locator('a').click();
    await waitHeading(b.page, 'Pong');
    const card = b.page.locator('#chat-log .chat-invite-card');
    await card.waitFor();
    assert.match(await card.textContent(), new RegExp(`${ann.user.display_name} invites you to play`));
    assert.equal(await b.page.locator('#chat-log li[data-kind="invite"].chat-msg-system').count(), 1, 'drawn as a system message');
    await card.locator('.chat-invite-accept').click();

    await b.page.waitForURL(/\/game\/\d+$/);
    const gameId = Number(/\/game\/(\d+)$/.exec(b.page.url())[1]);
    await a.page.waitForURL(`${ctx.server.base}/game/${gameId}`, { timeout: TIMEOUT });
    for (const { page } of [a, b]) await waitHeading(page, `${ann.user.display_name} vs ${ben.user.display_name}`);
  });
  await close(a, b);
});

test('HTML in a message or in a display name is shown as literal text; links are safe', async (t) => {
  const evil = await register({ display_name: EVIL });
  const room = unique('xss');
  const a = await openRoom(room, evil);
  const b = await openRoom(room);
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await send(a.page, EVIL);
    await send(a.page, '<b>bold?</b> & <script>alert(2)</script>');
    await send(a.page, 'see https://example.org/pong?x=1 or javascript:alert(3)');
    for (const p of [a, b]) {
      await waitForText(p.page, EVIL);
      await waitForText(p.page, '<b>bold?</b> & <script>alert(2)</script>');
      await waitForText(p.page, 'see https://example.org/pong?x=1 or javascript:alert(3)');
      assert.equal(await p.page.locator('#chat-log img:not(.avatar), #chat-log script, #chat-log b').count(), 0);
      assert.deepEqual(await p.page.locator('#chat-log .chat-author-name').allTextContents(), [EVIL, EVIL, EVIL]);
      assert.equal(await p.page.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror], script:not([src])').length), 0);
      const links = await p.page.locator('#chat-log .chat-text a').evaluateAll((as) => as.map((x) => [x.getAttribute('href'), x.rel, x.target, x.textContent]));
      assert.deepEqual(links, [['https://example.org/pong?x=1', 'noopener noreferrer nofollow', '_blank', 'https://example.org/pong?x=1']]);
      assert.equal(await p.page.locator('#chat-log a[href^="javascript:"]').count(), 0);
      assert.deepEqual(p.dialogs, []);
      assert.deepEqual(p.problems, []);
    }
    // the member list and the DM heading show the name as text too
    await b.page.goto(`${ctx.server.base}/chat/dm/${evil.user.id}`);
    await waitHeading(b.page, EVIL);
    assert.equal(await b.page.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length), 0);
    assert.deepEqual(b.dialogs, []);
  });
  await close(a, b);
});

test('the composer counts characters, refuses empty, over-long and flooding messages with clear errors', async (t) => {
  const a = await openRoom(unique('lim'));
  await withScreenshots(t, async (track) => {
    const { page } = a;
    track(page);
    assert.equal(await page.textContent('#chat-counter'), '0 / 2000');
    assert.equal(await page.isDisabled('#chat-send'), true, 'send is disabled while empty');
    await send(page, '   ');
    assert.equal(await page.inputValue('#chat-input'), '   ', 'blank input is kept, not sent');

    await page.fill('#chat-input', '😀'.repeat(2000));
    assert.equal(await page.textContent('#chat-counter'), '2000 / 2000');
    assert.equal(await page.isDisabled('#chat-send'), false);
    await page.fill('#chat-input', 'x'.repeat(2001));
    assert.equal(await page.textContent('#chat-counter'), '2001 / 2000');
    assert.equal(await page.isDisabled('#chat-send'), true);
    await page.press('#chat-input', 'Enter');
    await page.waitForSelector('#chat-error:not([hidden])');
    assert.equal(await page.textContent('#chat-error span'), 'The message is too long: at most 2000 characters.');

    await page.fill('#chat-input', 'line 1');
    await page.press('#chat-input', 'Shift+Enter');
    await page.type('#chat-input', 'line 2');
    await page.click('#chat-send');
    await waitForText(page, 'line 1\nline 2');

    // flooding: the server's per-user limit (CHAT_RATE, burst twice that, whatever the
    // value up to a burst of 40) answers rate_limited, the page says so and keeps the socket.
    // 60 messages typed and sent with Enter within one task: as fast as a script could.
    await page.evaluate(() => {
      const input = document.querySelector('#chat-input');
      for (let i = 0; i < 60; i += 1) {
        input.value = `flood ${i}`;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
      }
    });
    await page.waitForSelector('#chat-error[data-code="rate_limited"]:not([hidden])');
    assert.equal(await page.textContent('#chat-error span'), 'You are sending messages too fast. Wait a moment and try again.');
    assert.equal(await page.getAttribute('#chat-status', 'data-state'), 'connected');
    // the accepted ones are shown, the refused ones are not
    await waitForText(page, 'flood 0');
    const flood = (await texts(page)).filter((x) => x.startsWith('flood '));
    assert.ok(flood.length >= 1 && flood.length < 60, `${flood.length} of 60 shown`);
    assert.deepEqual(a.problems, []);
  });
  await a.context.close();
});

test('history scrolls back, and a dropped connection resumes without loss or duplicates', async (t) => {
  const room = unique('hist');
  const ben = await register();
  await join(ben, room);
  for (let i = 1; i <= 70; i += 1) await post(ben, room, `old ${i}`);
  const proxy = await startProxy(ctx.server.httpsPort, PROXY_PORT);
  try {
    const a = await openRoom(room, null, { base: proxy.base });
    await withScreenshots(t, async (track) => {
      track(a.page);
      await waitForText(a.page, 'old 70');
      const first = await texts(a.page);
      assert.equal(first.length, 50, 'the newest page on open');
      assert.equal(first[0], 'old 21');
      await a.page.locator('#chat-scroller').evaluate((el) => { el.scrollTop = 0; });
      await eventually(async () => (await texts(a.page)).length === 70, { message: 'older page loaded on scrolling up' });
      assert.equal((await texts(a.page))[0], 'old 1');

      proxy.dropAll();
      await a.page.waitForSelector('#chat-status:not([data-state="connected"])');
      for (let i = 1; i <= 5; i += 1) await post(ben, room, `missed ${i}`);
      await a.page.waitForSelector('#chat-status[data-state="connected"]', { timeout: TIMEOUT * 2 });
      await waitForText(a.page, 'missed 5');
      await post(ben, room, 'after');
      await waitForText(a.page, 'after');
      const all = await texts(a.page);
      const expected = [...Array.from({ length: 70 }, (_, i) => `old ${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `missed ${i + 1}`), 'after'];
      assert.deepEqual(all, expected, 'every message once, in order');
      const wsFailure = /WebSocket connection to .* failed/;
      assert.deepEqual(a.problems.filter((p) => !wsFailure.test(p)), []);
    });
    await a.context.close();
  } finally {
    await proxy.close();
  }
});

test('the chat fits a phone: the list, then the conversation with a way back', async (t) => {
  const room = unique('phone');
  const a = await openAs(null, { viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
  await withScreenshots(t, async (track) => {
    track(a.page);
    await waitHeading(a.page, 'Chat rooms');
    await a.page.fill('#room-name', room);
    await a.page.click('#room-join');
    await waitHeading(a.page, `Room ${room}`);
    await a.page.waitForSelector('#chat-status[data-state="connected"]');
    assert.equal(await a.page.isVisible('#chat-convs'), false, 'the list gives way to the conversation');
    assert.equal(await a.page.isVisible('#chat-back'), true);
    await send(a.page, 'from a phone');
    await waitForText(a.page, 'from a phone');
    const overflow = await a.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling (${overflow}px)`);
    await a.page.click('#chat-back');
    await waitHeading(a.page, 'Chat rooms');
    await a.page.waitForSelector(`#chat-convs li[data-key="room:${room.toLowerCase()}"]`);
    assert.deepEqual(a.problems, []);
  });
  await a.context.close();
});

test('on a phone a DM survives a reload and a dropped connection; what was missed comes back once, a room counts it', async (t) => {
  const ann = await register({ display_name: unique('Ann ') });
  const ben = await register({ display_name: unique('Ben ') });
  const room = unique('drop');
  await join(ann, room);
  await join(ben, room);
  const proxy = await startProxy(ctx.server.httpsPort, PROXY_PORT);
  try {
    const a = await openAs(ann, { base: proxy.base, viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
    const b = await openAs(ben, { path: `/chat/dm/${ann.user.id}` });
    await withScreenshots(t, async (track) => {
      track(a.page);
      track(b.page);
      await waitHeading(b.page, ann.user.display_name);
      await b.page.waitForSelector('#chat-status[data-state="connected"]');
      await send(b.page, 'on your phone?');
      const dm = a.page.locator(`#chat-convs li[data-key="dm:${ben.user.id}"]`);
      await dm.waitFor();
      await eventually(async () => (await dm.locator('.chat-unread').textContent().catch(() => '')) === '1', { message: 'DM unread' });
      await dm.locator('a').click();
      await waitHeading(a.page, ben.user.display_name);
      await a.page.waitForSelector('#chat-status[data-state="connected"]');
      await send(a.page, 'yes');
      await waitForText(b.page, 'yes');

      // a reload in the middle of the conversation: the same log, nothing unread
      await a.page.reload();
      await waitHeading(a.page, ben.user.display_name);
      await a.page.waitForSelector('#chat-status[data-state="connected"]');
      await waitForText(a.page, 'yes');
      assert.deepEqual(await authored(a.page), [[ben.user.display_name, 'false', null, 'on your phone?'], [ann.user.display_name, 'true', 'you', 'yes']]);
      assert.equal(await a.page.isHidden('#nav-chat-unread'), true);

      // the connection drops and stays down: a message typed meanwhile is refused and kept
      proxy.setTarget(1);   // nothing listens on port 1: reconnecting fails until it is back
      proxy.dropAll();
      await a.page.waitForSelector('#chat-status:not([data-state="connected"])');
      await send(a.page, 'typed offline');
      await a.page.waitForSelector('#chat-error[data-code="not_connected"]:not([hidden])');
      assert.equal(await a.page.inputValue('#chat-input'), 'typed offline');
      for (let i = 1; i <= 3; i += 1) await send(b.page, `missed dm ${i}`);
      await waitForText(b.page, 'missed dm 3');
      await post(ben, room, 'missed in the room 1');
      await post(ben, room, 'missed in the room 2');

      proxy.setTarget(ctx.server.httpsPort);
      await a.page.waitForSelector('#chat-status[data-state="connected"]', { timeout: TIMEOUT * 2 });
      await waitForText(a.page, 'missed dm 3');
      assert.deepEqual(await texts(a.page), ['on your phone?', 'yes', 'missed dm 1', 'missed dm 2', 'missed dm 3']);
      await a.page.click('#chat-send');   // the kept text goes now
      await waitForText(b.page, 'typed offline');
      await waitForText(a.page, 'typed offline');
      assert.equal((await texts(a.page)).filter((x) => x === 'typed offline').length, 1);

      // back to the list: the room counts the two it missed
      await a.page.click('#chat-back');
      await waitHeading(a.page, 'Chat rooms');
      const item = a.page.locator(`#chat-convs li[data-key="room:${room.toLowerCase()}"]`);
      await eventually(async () => (await item.locator('.chat-unread').textContent().catch(() => '')) === '2', { message: 'room unread 2' });
      await item.locator('a').click();
      await waitHeading(a.page, `Room ${room}`);
      await waitForText(a.page, 'missed in the room 2');
      assert.deepEqual(await texts(a.page), ['missed in the room 1', 'missed in the room 2']);
      const overflow = await a.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `no horizontal scrolling (${overflow}px)`);
      const wsFailure = /WebSocket connection to .* failed|Failed to load resource: net::ERR_CONNECTION_(CLOSED|REFUSED|RESET)/;
      assert.deepEqual(a.problems.filter((p) => !wsFailure.test(p)), []);
      assert.deepEqual(b.problems, []);
    });
    await close(a, b);
  } finally {
    await proxy.close();
  }
});

test('a declined invite: the card says so, and the inviter gets Pong\'s notice, drawn as the server\'s', async (t) => {
  const ann = await register({ display_name: unique('Ann ') });
  const ben = await register({ display_name: unique('Ben ') });
  const a = await openAs(ann, { path: '/chat/system/pong' });
  const b = await openAs(ben, { path: '/chat/system/pong' });
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await waitHeading(a.page, 'Pong');
    await waitHeading(b.page, 'Pong');
    const res = await call(ctx.server, 'POST', '/api/invites', { token: ben.token, body: { user_id: ann.user.id, options: { ball_speed: 1, paddle_size: 1, winning_score: 5, map: 0, powerups: 0 } } });
    assert.equal(res.status, 201, res.text);
    const card = a.page.locator('#chat-log .chat-invite-card');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), 'pending');
    await card.locator('.chat-invite-decline').click();
    await eventually(async () => (await card.getAttribute('data-status')) === 'declined', { message: 'the card says declined' });
    assert.equal(await card.locator('.chat-invite-accept').count(), 0);

    const notice = b.page.locator('#chat-log li[data-kind="system"]');
    await notice.waitFor();
    assert.ok(await notice.evaluate((li) => li.classList.contains('chat-msg-system')));
    assert.equal(await notice.locator('.chat-author-name').textContent(), 'Pong');
    assert.match(await notice.locator('.chat-text').textContent(), new RegExp(ann.user.display_name));
    assert.equal(await notice.locator('a.chat-author-name, summary').count(), 0, 'no profile link nor actions for the server');
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  });
  await close(a, b);
});
