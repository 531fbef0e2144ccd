// Router: link clicks without reload, Back/Forward, deep links, not-found, lobby form,
// phone-sized navigation, headers and CSP-clean pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServerAndBrowser, openPage, withScreenshots, clickNav, waitHeading, fetchText,
} from './lib.mjs';
import { call } from '../integration/api-client.mjs';

const ctx = useServerAndBrowser();

/** Chat rooms need an account: registers one and logs in through the form `page` shows. */
async function logInOnForm(page) {
  const username = `nav${process.pid % 1000}${Math.random().toString(36).slice(2, 8)}`;
  const password = 'correct horse battery staple';
  const res = await call(ctx.server, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.org`, password } });
  assert.equal(res.status, 201, res.text);
  await waitHeading(page, 'Log in');
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

async function englishPage() {
  return openPage(ctx.browser, { locale: 'en-US' });
}

test('link clicks change the view without reloading the page', async (t) => {
  const { context, page, problems } = await englishPage();
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/`);
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal(await page.title(), 'Home · Transcendence');
    await page.evaluate(() => { window.__marker = 1; });

    await clickNav(page, 'nav-chat');
    await waitHeading(page, 'Chat rooms');
    assert.equal(new URL(page.url()).pathname, '/chat');
    assert.equal(await page.title(), 'Chat · Transcendence');
    assert.equal(await page.getAttribute('#nav-chat', 'aria-current'), 'page');

    await clickNav(page, 'nav-about');
    await waitHeading(page, 'About Transcendence');
    assert.equal(new URL(page.url()).pathname, '/about');

    await page.click('.navbar-brand');
    await waitHeading(page, 'Real-time Pong, in your browser');
    await page.click('a[href="/chat"].btn');
    await waitHeading(page, 'Chat rooms');

    assert.equal(await page.evaluate(() => window.__marker), 1, 'the page was reloaded');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('Back and Forward move between visited views', async (t) => {
  const { context, page, problems } = await englishPage();
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/`);
    await waitHeading(page, 'Real-time Pong, in your browser');
    await page.evaluate(() => { window.__marker = 1; });
    await clickNav(page, 'nav-chat');
    await waitHeading(page, 'Chat rooms');
    await clickNav(page, 'nav-about');
    await waitHeading(page, 'About Transcendence');

    await page.goBack();
    await waitHeading(page, 'Chat rooms');
    assert.equal(new URL(page.url()).pathname, '/chat');
    assert.equal(await page.title(), 'Chat · Transcendence');
    await page.goBack();
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal(new URL(page.url()).pathname, '/');
    await page.goForward();
    await waitHeading(page, 'Chat rooms');
    await page.goForward();
    await waitHeading(page, 'About Transcendence');
    assert.equal(await page.evaluate(() => window.__marker), 1, 'history moves reloaded the page');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('a deep link to a chat room loads and survives a reload', async (t) => {
  const { context, page, problems } = await englishPage();
  await withScreenshots(t, async (track) => {
    track(page);
    const res = await page.goto(`${ctx.server.base}/chat/room1`);
    assert.equal(res.status(), 200);
    await logInOnForm(page);   // the room sends a logged-out visitor to the login form first
    await waitHeading(page, 'Room room1');
    await page.waitForSelector('#chat-status[data-state="connected"]');
    assert.equal(await page.title(), 'Room room1 · Transcendence');

    await page.reload();
    await waitHeading(page, 'Room room1');
    await page.waitForSelector('#chat-status[data-state="connected"]');
    assert.equal(await page.getAttribute('.chat-room', 'data-room'), 'room1');

    // Other app routes load directly too.
    for (const [path, title] of [['/about', 'About Transcendence'], ['/chat', 'Chat rooms'], ['/chat/room1/', 'Room room1']]) {
      await page.goto(`${ctx.server.base}${path}`);
      await waitHeading(page, title);
    }
    assert.equal(new URL(page.url()).pathname, '/chat/room1', 'trailing slash is dropped');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('unknown routes show the not-found view', async (t) => {
  const { context, page, problems } = await englishPage();
  await withScreenshots(t, async (track) => {
    track(page);
    for (const path of ['/no/such/page', '/chat/bad!room', `/chat/${'a'.repeat(65)}`, '/profile']) {
      await page.goto(`${ctx.server.base}${path}`);
      await waitHeading(page, 'Page not found');
      assert.equal(await page.title(), 'Page not found · Transcendence');
      assert.equal(await page.locator('[data-view="notfound"] code').textContent(), new URL(page.url()).pathname);
    }
    await page.click('[data-view="notfound"] a.btn');
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('the room form validates the name and opens the room', async (t) => {
  const { context, page, problems } = await englishPage();
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/chat`);
    await waitHeading(page, 'Chat rooms');
    await page.evaluate(() => { window.__marker = 1; });

    await page.fill('#room-name', 'no spaces!');
    await page.press('#room-name', 'Enter');
    await page.waitForSelector('#room-name.is-invalid');
    assert.equal(await page.textContent('#room-error'), 'Room names use 1 to 64 letters, digits, “_” or “-”.');
    assert.equal(await page.getAttribute('#room-name', 'aria-invalid'), 'true');
    assert.equal(new URL(page.url()).pathname, '/chat');

    await page.fill('#room-name', '');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#room-name.is-invalid');

    await page.fill('#room-name', 'My_room-2');
    await page.click('button[type="submit"]');
    await logInOnForm(page);   // the room sends a logged-out visitor to the login form first
    await waitHeading(page, 'Room My_room-2');
    assert.equal(new URL(page.url()).pathname, '/chat/My_room-2');
    await page.waitForSelector('#chat-status[data-state="connected"]');
    assert.equal(await page.evaluate(() => window.__marker), 1);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('on a phone-sized screen the menu collapses and works by keyboard', async (t) => {
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US', viewport: { width: 375, height: 740 } });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/`);
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal(await page.isVisible('#nav-chat'), false, 'menu should start collapsed');
    assert.equal(await page.getAttribute('.navbar-toggler', 'aria-label'), 'Toggle navigation');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'page is wider than the screen');

    // Keyboard only: the skip link comes first, then the brand and the menu toggle.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'visually-hidden-focusable skip-link');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('navbar-toggler')), true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#nav-chat', { state: 'visible' });
    assert.equal(await page.getAttribute('.navbar-toggler', 'aria-expanded'), 'true');
    await page.focus('#nav-chat');
    await page.keyboard.press('Enter');
    await waitHeading(page, 'Chat rooms');
    await page.waitForSelector('#nav-chat', { state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new view');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('the built page is served with its assets and the CSP', async () => {
  const res = await fetchText(`${ctx.server.base}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-security-policy'] ?? '', /script-src 'self'/);
  assert.match(res.body, /<script type="module" src="\/static\/app-[A-Z0-9]{8,}\.js"><\/script>/);
  assert.match(res.body, /<link rel="stylesheet" href="\/static\/styles-[A-Z0-9]{8,}\.css">/);
  assert.match(res.body, /<meta name="viewport"/);
  assert.match(res.body, /<main id="app"/);
  assert.doesNotMatch(res.body, /<script>|<style|style="/);
  assert.equal((await fetchText(`${ctx.server.base}/favicon.ico`)).status, 200);
});
