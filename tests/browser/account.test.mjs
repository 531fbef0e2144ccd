// Accounts in the browser against a real server: register and log in through the forms,
// the silent refresh on reload, log out, server field errors next to the fields (English and
// French), hostile display names rendered as text, avatar upload, friends with live presence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading, clickNav, fetchText } from './lib.mjs';
import { ROOT } from '../lib/server.mjs';
import { call } from '../integration/api-client.mjs';

// Many registrations and logins from one address: lift the per-minute limit.
const ctx = useServerAndBrowser({ AUTH_RATE: '10000' });

const PASSWORD = 'correct horse battery staple';
let seq = 0;
function unique(prefix) {
  seq += 1;
  return `${prefix}${process.pid % 1000}${seq}${Math.random().toString(36).slice(2, 5)}`;
}

/** Registers a user through the API (not the browser). */
async function apiRegister(fields = {}) {
  const username = fields.username ?? unique('u');
  const res = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username, email: `${username.toLowerCase()}@example.org`, password: PASSWORD, ...fields },
  });
  assert.equal(res.status, 201, res.text);
  return { username, token: res.json.access_token, user: res.json.user };
}

// Failed requests the test provoked on purpose show as console errors in Chromium.
const expectedHttpError = /Failed to load resource: the server responded with a status of (400|401|403|404|409|413)/;
function unexpected(problems) {
  return problems.filter((p) => !expectedHttpError.test(p));
}

async function navName(page) {
  return page.locator('#nav-me').evaluate((el) => el.lastChild?.textContent ?? '');
}

async function waitNavName(page, name) {
  await eventually(async () => (await page.locator('#nav-me').count()) === 1 && (await navName(page)) === name,
    { message: `nav shows ${JSON.stringify(name)}` });
}

async function loginThroughForm(page, username, password = PASSWORD) {
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

async function openLoggedIn(username, options = {}) {
  const opened = await openPage(ctx.browser, { locale: 'en-US', ...options });
  await opened.page.goto(`${ctx.server.base}/login`);
  await waitHeading(opened.page, 'Log in');
  await loginThroughForm(opened.page, username);
  await opened.page.waitForSelector('#nav-me');
  return opened;
}

test('register and log in through the forms; a reload keeps the session; log out', async (t) => {
  const { context, page, problems, dialogs } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    const username = unique('Reg');
    const display = `Player ${username}`;
    await page.goto(`${ctx.server.base}/`);
    await page.waitForSelector('#nav-login');
    assert.equal(await page.textContent('#nav-login'), 'Log in');
    assert.equal(await page.textContent('#nav-register'), 'Register');
    await clickNav(page, 'nav-register');
    await waitHeading(page, 'Create your account');
    assert.equal(await page.title(), 'Register · Transcendence');
    await page.fill('#register-username', username);
    await page.fill('#register-email', `${username}@example.org`);
    await page.fill('#register-display-name', `  ${display} `);
    await page.fill('#register-password', PASSWORD);
    await page.fill('#register-confirm', PASSWORD);
    await page.click('#register-submit');
    await waitNavName(page, display);
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal(await page.textContent('#nav-friends'), 'Friends');
    assert.equal(await page.textContent('#nav-logout'), 'Log out');

    // The token lives in memory only: nothing in storage or script-visible cookies.
    const stored = await page.evaluate(() => ({
      local: Object.fromEntries(Object.entries(localStorage)),
      session: Object.keys(sessionStorage),
      cookie: document.cookie,
    }));
    assert.deepEqual(stored.session, []);
    assert.equal(stored.cookie, '');
    for (const value of Object.values(stored.local)) assert.ok(value.length < 8, `suspicious stored value ${value}`);

    // A reload keeps the session (silent refresh with the HttpOnly cookie).
    await page.reload();
    await waitNavName(page, display);
    await page.goto(`${ctx.server.base}/settings`);
    await waitHeading(page, 'Account settings');
    assert.equal(await page.textContent('#settings-username'), username);
    assert.equal(await page.inputValue('#profile-display-name'), display);
    await page.waitForSelector('#sessions-list li[data-session-id]');

    // Log out: back home, nav offers Log in again, private pages send to the login form.
    await page.click('#nav-logout');
    await page.waitForSelector('#nav-login');
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal(await page.locator('#nav-me').count(), 0);
    await page.reload();
    await page.waitForSelector('#nav-login');
    await page.goto(`${ctx.server.base}/settings`);
    await waitHeading(page, 'Log in');
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/login?next=%2Fsettings');
    assert.equal(await page.textContent('#login-reason'), 'Log in to see that page.');

    // A wrong password is refused without saying which part was wrong.
    await loginThroughForm(page, username, 'not the password at all');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.equal(await page.textContent('#login-error'), 'Wrong username, email or password.');

    // Log in with the email in capitals: back to the page asked for.
    await loginThroughForm(page, `${username.toUpperCase()}@EXAMPLE.ORG`);
    await waitHeading(page, 'Account settings');
    assert.equal(new URL(page.url()).pathname, '/settings');
    await waitNavName(page, display);
    assert.deepEqual(unexpected(problems), []);
    assert.deepEqual(dialogs, []);
  });
  await context.close();
});

test('server field errors are shown next to the fields, in English and in French', async (t) => {
  const taken = unique('Taken');
  await apiRegister({ username: taken });
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/register`);
    await waitHeading(page, 'Create your account');
    const other = taken.toLowerCase();
    await page.fill('#register-username', other);
    await page.fill('#register-email', `${unique('e')}@example.org`);
    await page.fill('#register-password', 'short');
    await page.fill('#register-confirm', 'short');
    await page.click('#register-submit');
    await page.waitForSelector('#register-password.is-invalid');
    assert.equal(await page.textContent('#register-password-error'), 'Use at least 10 characters.');
    assert.equal(await page.getAttribute('#register-password', 'aria-invalid'), 'true');
    assert.equal(await page.isVisible('#register-password-error'), true);
    assert.equal(await page.locator('#register-username.is-invalid').count(), 0);
    assert.equal(await page.isHidden('#register-error'), true, 'no general alert for a field error');

    // The same error, translated when the language changes.
    await page.selectOption('#lang-select', 'fr');
    await waitHeading(page, 'Créer votre compte');
    assert.equal(await page.textContent('#register-password-error'), 'Au moins 10 caractères.');
    assert.equal(await page.inputValue('#register-username'), other, 'typed values survive the switch');

    // Mismatched confirmation is caught before sending.
    await page.fill('#register-password', PASSWORD);
    await page.fill('#register-confirm', `${PASSWORD}!`);
    await page.click('#register-submit');
    await page.waitForSelector('#register-confirm.is-invalid');
    assert.equal(await page.textContent('#register-confirm-error'), 'Les deux mots de passe sont différents.');

    // The username taken in another case: 409 next to the username.
    await page.fill('#register-confirm', PASSWORD);
    await page.click('#register-submit');
    await page.waitForSelector('#register-username.is-invalid');
    assert.equal(await page.textContent('#register-username-error'), 'Ce nom d’utilisateur est déjà pris.');
    assert.equal(await page.locator('#register-password.is-invalid').count(), 0, 'fixed fields are cleared');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'register-username', 'focus on the field to fix');
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();

  // A browser in French from the start; several errors at once.
  const fr = await openPage(ctx.browser, { locale: 'fr-FR' });
  await withScreenshots(t, async (track) => {
    const { page } = fr;
    track(page);
    await page.goto(`${ctx.server.base}/register`);
    await waitHeading(page, 'Créer votre compte');
    await page.fill('#register-username', 'a b');
    await page.fill('#register-email', 'not-an-email');
    await page.fill('#register-display-name', 'x'.repeat(33));
    await page.fill('#register-password', 'short');
    await page.fill('#register-confirm', 'short');
    await page.click('#register-submit');
    await page.waitForSelector('#register-password.is-invalid');
    assert.equal(await page.textContent('#register-username-error'), 'Uniquement des lettres, des chiffres, « _ » et « - ».');
    assert.equal(await page.textContent('#register-email-error'), 'Saisissez une adresse e-mail valide.');
    assert.equal(await page.textContent('#register-display-name-error'), 'Au plus 32 caractères.');
    assert.equal(await page.textContent('#register-password-error'), 'Au moins 10 caractères.');
    assert.deepEqual(unexpected(fr.problems), []);
  });
  await fr.context.close();
});

const EVIL = '<img src=x onerror=alert(1)>';
const EVIL2 = '<img src=y onerror=alert(2)>';

async function noInjectedElements(page) {
  return page.evaluate(() => document.querySelectorAll('img[src="x"], img[src="y"], img[onerror], script:not([src])').length === 0);
}

test('a display name made of HTML is shown as text on the nav, settings, profile and friends pages', async (t) => {
  const friend = await apiRegister({ display_name: EVIL2 });
  const me = unique('Evil');
  const { context, page, problems, dialogs } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    // Registered through the form, with the hostile display name.
    await page.goto(`${ctx.server.base}/register`);
    await waitHeading(page, 'Create your account');
    await page.fill('#register-username', me);
    await page.fill('#register-email', `${me}@example.org`);
    await page.fill('#register-display-name', EVIL);
    await page.fill('#register-password', PASSWORD);
    await page.fill('#register-confirm', PASSWORD);
    await page.click('#register-submit');
    await waitNavName(page, EVIL);
    assert.ok(await noInjectedElements(page), 'nav');

    await page.goto(`${ctx.server.base}/settings`);
    await waitHeading(page, 'Account settings');
    assert.equal(await page.inputValue('#profile-display-name'), EVIL);
    const profileHref = await page.getAttribute('#settings-profile-link', 'href');
    assert.match(profileHref, /^\/users\/\d+$/);
    assert.ok(await noInjectedElements(page), 'settings');

    // The other user asks to be friends: their name shows on the friends page.
    const myUserId = Number(profileHref.split('/').pop());
    assert.equal((await call(ctx.server, 'POST', `/api/friends/${myUserId}`, { token: friend.token })).status, 201);

    await page.click('#settings-profile-link');
    await page.waitForSelector('#profile-name');
    assert.equal(await page.textContent('#profile-name'), EVIL);
    assert.equal(await page.title(), `${EVIL} · Transcendence`);
    assert.ok(await noInjectedElements(page), 'own profile');

    await page.goto(`${ctx.server.base}/users/${friend.user.id}`);
    await page.waitForSelector('#profile-name');
    assert.equal(await page.textContent('#profile-name'), EVIL2);
    assert.equal(await page.textContent('#profile-relation'), `${EVIL2} wants to be your friend.`);
    assert.ok(await noInjectedElements(page), 'their profile');

    await clickNav(page, 'nav-friends');
    await waitHeading(page, 'Friends');
    await page.waitForSelector(`#incoming-list li[data-user-id="${friend.user.id}"]`);
    assert.equal(await page.textContent(`#incoming-list li[data-user-id="${friend.user.id}"] .user-link`), EVIL2);
    await page.fill('#find-name', EVIL2);
    await page.click('#find-submit');
    await page.waitForSelector('#find-user');
    assert.equal(await page.textContent('#find-user .user-link'), EVIL2);
    assert.ok(await noInjectedElements(page), 'friends');
    await waitNavName(page, EVIL);

    assert.deepEqual(dialogs, []);
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});

/** A small valid PNG (solid colour), made here when the fixture is missing. */
function makePng(width = 40, height = 30) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) raw.set([200, 40 + y, 90 + x], y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function imageLoaded(page, selector) {
  return page.locator(selector).evaluate((img) => img.complete && img.naturalWidth > 0);
}

test('an avatar is checked, previewed, uploaded and shown; removing it restores the default', async (t) => {
  const { username } = await apiRegister();
  const { context, page, problems } = await openLoggedIn(username);
  const fixture = join(ROOT, 'tests/fixtures/images/ok.png');
  const png = existsSync(fixture) ? readFileSync(fixture) : makePng();
  await withScreenshots(t, async (track) => {
    track(page);
    await clickNav(page, 'nav-me');
    await waitHeading(page, 'Account settings');
    const before = await page.getAttribute('#settings-avatar', 'src');
    await eventually(() => imageLoaded(page, '#settings-avatar'), { message: 'default avatar loaded' });

    // Refused in the browser, before any upload: wrong type, too big.
    await page.setInputFiles('#avatar-file', { name: 'anim.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
    await page.waitForSelector('#avatar-file.is-invalid');
    assert.equal(await page.textContent('#avatar-file-error'), 'Choose a PNG, JPEG or WebP image.');
    assert.equal(await page.isDisabled('#avatar-upload'), true);
    await page.setInputFiles('#avatar-file', { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
    await eventually(async () => (await page.textContent('#avatar-file-error')) === 'This image is too big: at most 5 MB.');
    assert.equal(await page.isDisabled('#avatar-upload'), true);
    // Named .png but not an image: the preview cannot decode it.
    await page.setInputFiles('#avatar-file', { name: 'text.png', mimeType: 'image/png', buffer: Buffer.from('this is not an image') });
    await eventually(async () => (await page.textContent('#avatar-file-error')) === 'This file could not be read as an image.');
    assert.equal(await page.isDisabled('#avatar-upload'), true);

    // A real image: preview first, then upload.
    await page.setInputFiles('#avatar-file', { name: 'me.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#avatar-preview:not([hidden])');
    await eventually(() => imageLoaded(page, '#avatar-preview'), { message: 'preview decoded' });
    assert.match(await page.getAttribute('#avatar-preview', 'src'), /^blob:/);
    assert.equal(await page.locator('#avatar-file.is-invalid').count(), 0);
    await page.click('#avatar-upload');
    await page.waitForSelector('#avatar-done:not([hidden])');
    assert.equal(await page.textContent('#avatar-done'), 'Your new avatar is saved.');
    const after = await page.getAttribute('#settings-avatar', 'src');
    assert.notEqual(after, before);
    await eventually(() => imageLoaded(page, '#settings-avatar'), { message: 'new avatar loaded' });
    assert.equal(await page.isHidden('#avatar-preview'), true);
    const served = await fetchText(`${ctx.server.base}${after}`);
    assert.equal(served.status, 200);
    assert.equal(served.headers['content-type'], 'image/webp');

    // The profile page shows it too.
    await page.click('#settings-profile-link');
    await page.waitForSelector('.profile-avatar');
    assert.equal(await page.getAttribute('.profile-avatar', 'src'), after);
    await eventually(() => imageLoaded(page, '.profile-avatar'), { message: 'avatar on the profile' });

    // Back to the default.
    await page.goBack();
    await waitHeading(page, 'Account settings');
    await page.click('#avatar-remove');
    await page.waitForSelector('#avatar-done:not([hidden])');
    assert.equal(await page.textContent('#avatar-done'), 'You now have the default avatar.');
    const reset = await page.getAttribute('#settings-avatar', 'src');
    assert.notEqual(reset, after);
    await eventually(() => imageLoaded(page, '#settings-avatar'), { message: 'default avatar again' });
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});

function dot(page, list, id) {
  return page.locator(`#${list} li[data-user-id="${id}"] .presence`).getAttribute('data-online');
}

async function waitDot(page, id, online, who) {
  await eventually(async () => (await dot(page, 'friends-list', id)) === String(online),
    { message: `${who} sees ${id} ${online ? 'online' : 'offline'}`, timeout: 20000 });
}

async function logOutThroughNav(page) {
  await page.click('#nav-logout');
  await page.waitForSelector('#nav-login');
}

async function logInAgainToFriends(page, username) {
  await clickNav(page, 'nav-login');
  await waitHeading(page, 'Log in');
  await loginThroughForm(page, username);
  await page.waitForSelector('#nav-friends');
  await clickNav(page, 'nav-friends');
  await waitHeading(page, 'Friends');
}

test('two users become friends and see each other come online and go offline', async (t) => {
  const a = await apiRegister({ display_name: unique('Ann ') });
  const b = await apiRegister({ display_name: unique('Ben ') });
  const pa = await openLoggedIn(a.username);
  const pb = await openLoggedIn(b.username);
  await withScreenshots(t, async (track) => {
    track(pa.page);
    track(pb.page);
    for (const p of [pa.page, pb.page]) {
      await clickNav(p, 'nav-friends');
      await waitHeading(p, 'Friends');
      await p.waitForSelector('#friends-list .list-empty');
    }

    // A finds B by display name (any case) and asks.
    await pa.page.fill('#find-name', b.user.display_name.toUpperCase());
    await pa.page.click('#find-submit');
    await pa.page.waitForSelector('#find-add');
    await pa.page.click('#find-add');
    await pa.page.waitForSelector(`#outgoing-list li[data-user-id="${b.user.id}"]`);

    // B sees the request arrive without reloading, and accepts.
    await pb.page.waitForSelector(`#incoming-list li[data-user-id="${a.user.id}"]`);
    assert.equal(await pb.page.textContent('#requests-count'), '1');
    await pb.page.click(`#incoming-list li[data-user-id="${a.user.id}"] .friend-accept`);

    // Both lists update; both are online.
    await pb.page.waitForSelector(`#friends-list li[data-user-id="${a.user.id}"]`);
    await pa.page.waitForSelector(`#friends-list li[data-user-id="${b.user.id}"]`);
    await waitDot(pa.page, b.user.id, true, 'A');
    await waitDot(pb.page, a.user.id, true, 'B');
    assert.equal(await pa.page.locator('#outgoing-list li[data-user-id]').count(), 0);

    // A logs out and back in: B sees it.
    await logOutThroughNav(pa.page);
    await waitDot(pb.page, a.user.id, false, 'B');
    assert.match(await pb.page.textContent(`#friends-list li[data-user-id="${a.user.id}"] .presence-text`), /^(Offline|Last seen .+)$/);
    await logInAgainToFriends(pa.page, a.username);
    await waitDot(pb.page, a.user.id, true, 'B');
    await waitDot(pa.page, b.user.id, true, 'A');

    // B logs out and in: A sees it. Then B closes the tab.
    await logOutThroughNav(pb.page);
    await waitDot(pa.page, b.user.id, false, 'A');
    await logInAgainToFriends(pb.page, b.username);
    await waitDot(pa.page, b.user.id, true, 'A');
    await pb.page.close();
    await waitDot(pa.page, b.user.id, false, 'A');

    // The profile shows the relation and the presence as well.
    await pa.page.click(`#friends-list li[data-user-id="${b.user.id}"] .user-link`);
    await pa.page.waitForSelector('#profile-name');
    assert.equal(await pa.page.textContent('#profile-relation'), `You and ${b.user.display_name} are friends.`);
    assert.equal(await pa.page.getAttribute('#profile-presence .presence', 'data-online'), 'false');
    assert.equal(await pa.page.isVisible('#profile-remove'), true);
    assert.deepEqual(unexpected(pa.problems), []);
    assert.deepEqual(unexpected(pb.problems), []);
  });
  await Promise.all([pa.context.close(), pb.context.close()]);
});

test('profile actions follow the relation: request, cancel, block, unblock', async (t) => {
  const other = await apiRegister({ display_name: unique('Otto ') });
  const me = await apiRegister();
  const { context, page, problems } = await openLoggedIn(me.username);
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/users/${other.user.id}`);
    await page.waitForSelector('#profile-add');
    assert.equal(await page.textContent('#profile-name'), other.user.display_name);
    await page.click('#profile-add');
    await page.waitForSelector('#profile-cancel');
    assert.equal(await page.textContent('#profile-relation'), `You sent ${other.user.display_name} a friend request.`);
    await page.click('#profile-cancel');
    await page.waitForSelector('#profile-add');
    await page.click('#profile-block');
    await page.waitForSelector('#profile-unblock');
    assert.equal(await page.locator('#profile-add').count(), 0);

    await clickNav(page, 'nav-friends');
    await page.waitForSelector(`#blocked-list li[data-user-id="${other.user.id}"]`);
    await page.click(`#blocked-list li[data-user-id="${other.user.id}"] .block-remove`);
    await page.waitForSelector('#blocked-list .list-empty');

    // The blocked side cannot send a request; unknown users show "not found".
    await page.goto(`${ctx.server.base}/users/999999`);
    await waitHeading(page, 'Player not found');
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});

test('settings: display name, email, password, language, sessions, export, delete', async (t) => {
  const me = await apiRegister({ display_name: unique('Sam ') });
  const other = await apiRegister();
  const { context, page, problems, dialogs } = await openLoggedIn(me.username);
  await withScreenshots(t, async (track) => {
    track(page);
    await clickNav(page, 'nav-me');
    await waitHeading(page, 'Account settings');

    // Display name: the navigation bar follows; a taken one is refused next to the field.
    const renamed = unique('Samuel ');
    await page.fill('#profile-display-name', ` ${renamed} `);
    await page.click('#profile-submit');
    await page.waitForSelector('#profile-done:not([hidden])');
    await waitNavName(page, renamed);
    await page.fill('#profile-display-name', other.user.display_name.toUpperCase());
    await page.click('#profile-submit');
    await page.waitForSelector('#profile-display-name.is-invalid');
    assert.equal(await page.textContent('#profile-display-name-error'), 'Another player already uses this display name.');
    await waitNavName(page, renamed);

    // Email: the current password is checked.
    const email = `${unique('new')}@example.org`;
    await page.fill('#email-email', email);
    await page.fill('#email-current-password', 'not my password');
    await page.click('#email-submit');
    await page.waitForSelector('#email-current-password.is-invalid');
    assert.equal(await page.textContent('#email-current-password-error'), 'Wrong password.');
    await page.fill('#email-current-password', PASSWORD);
    await page.click('#email-submit');
    await page.waitForSelector('#email-done:not([hidden])');
    assert.equal(await page.locator('#email-current-password.is-invalid').count(), 0);
    assert.equal(await page.inputValue('#email-current-password'), '', 'the password is not kept');

    // Password: a short one is refused by the server, next to the new password.
    await page.fill('#password-new-password', 'short');
    await page.fill('#password-confirm', 'short');
    await page.fill('#password-current-password', PASSWORD);
    await page.click('#password-submit');
    await page.waitForSelector('#password-new-password.is-invalid');
    assert.equal(await page.textContent('#password-new-password-error'), 'Use at least 10 characters.');
    const newPassword = 'a much better passphrase';
    await page.fill('#password-new-password', newPassword);
    await page.fill('#password-confirm', newPassword);
    await page.fill('#password-current-password', PASSWORD);
    await page.click('#password-submit');
    await page.waitForSelector('#password-done:not([hidden])');
    const relogin = await call(ctx.server, 'POST', '/api/auth/login', { body: { username: email, password: newPassword } });
    assert.equal(relogin.status, 200);
    // the new password ended every other session (the API's registration among them): its
    // access token is refused now; this page's session goes on
    assert.equal((await call(ctx.server, 'GET', '/api/users/me', { token: me.token })).status, 401);
    me.token = relogin.json.access_token;

    // Language: saved on the account, switches the interface, and follows the account on login.
    await page.selectOption('#language-language', 'fr');
    await page.click('#language-submit');
    await waitHeading(page, 'Paramètres du compte');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.textContent('#language-done'), 'Enregistré.');
    assert.equal((await call(ctx.server, 'GET', '/api/users/me', { token: me.token })).json.language, 'fr');
    await page.selectOption('#lang-select', 'en');
    await waitHeading(page, 'Account settings');
    assert.equal(await page.inputValue('#language-language'), 'en');
    await eventually(async () => (await call(ctx.server, 'GET', '/api/users/me', { token: me.token })).json.language === 'en',
      { message: 'the nav switcher saves the language on the account' });

    // Sessions: this one plus the API logins; revoke one.
    await page.click('#sessions-reload');
    await page.waitForSelector('#sessions-list:not([aria-busy])');
    const sessionsBefore = await page.locator('#sessions-list li[data-session-id]').count();
    assert.ok(sessionsBefore >= 2, `${sessionsBefore} sessions`);
    // this browser's own session has no revoke button (ending it would log this page out)
    assert.equal(await page.locator('#sessions-list li[data-current]').count(), 1);
    assert.equal(await page.locator('#sessions-list li[data-current] .session-revoke').count(), 0);
    await page.locator('#sessions-list li[data-session-id]:not([data-current])').last().locator('.session-revoke').click();
    await page.waitForSelector('#sessions-done:not([hidden])');
    await eventually(async () => (await page.locator('#sessions-list li[data-session-id]').count()) === sessionsBefore - 1);

    // Export: a JSON download.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-data')]);
    assert.equal(download.suggestedFilename(), 'transcendence-export.json');
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(exported.account.username, me.username);
    assert.equal(exported.account.email, email);

    // Delete: a wrong password is refused next to the field; the right one ends everything.
    await page.fill('#delete-password', 'not my password');
    await page.click('#delete-submit');
    await page.waitForSelector('#delete-password.is-invalid');
    assert.equal(await page.textContent('#delete-password-error'), 'Wrong password.');
    await page.fill('#delete-password', newPassword);
    await page.click('#delete-submit');
    await page.waitForSelector('#nav-login');
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal((await call(ctx.server, 'POST', '/api/auth/login', { body: { username: me.username, password: newPassword } })).status, 401);
    await page.reload();
    await page.waitForSelector('#nav-login');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});

test('settings: privacy — presence for friends only is saved, and a non-friend stops seeing it', async (t) => {
  const me = await apiRegister();
  const other = await apiRegister();
  const { context, page, problems } = await openLoggedIn(me.username);
  await withScreenshots(t, async (track) => {
    track(page);
    await clickNav(page, 'nav-me');
    await waitHeading(page, 'Account settings');
    assert.equal(await page.inputValue('#privacy-presence-visibility'), 'everyone', 'the default');
    const seen = async () => (await call(ctx.server, 'GET', `/api/users/${me.user.id}`, { token: other.token })).json.online;
    assert.equal(await seen(), true, 'the page is open: online for everyone');
    await page.selectOption('#privacy-presence-visibility', 'friends');
    await page.click('#privacy-submit');
    await page.waitForSelector('#privacy-done:not([hidden])');
    const mine = await call(ctx.server, 'GET', '/api/users/me', { token: me.token });
    assert.equal(mine.json.presence_visibility, 'friends');
    assert.equal(await seen(), false, 'a non-friend no longer sees it');
    await page.reload();
    await waitHeading(page, 'Account settings');
    assert.equal(await page.inputValue('#privacy-presence-visibility'), 'friends', 'kept with the account');
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});

test('logging out everywhere ends the other browsers too', async (t) => {
  const me = await apiRegister();
  const a = await openLoggedIn(me.username);
  const b = await openLoggedIn(me.username);
  await withScreenshots(t, async (track) => {
    track(a.page);
    track(b.page);
    await clickNav(b.page, 'nav-friends');
    await waitHeading(b.page, 'Friends');
    await clickNav(a.page, 'nav-me');
    await waitHeading(a.page, 'Account settings');
    await a.page.click('#logout-all');
    await waitHeading(a.page, 'Log in');
    // The other browser keeps its access token until it needs a new one; a reload finds the
    // session gone.
    await b.page.reload();
    await waitHeading(b.page, 'Log in');
    assert.equal(new URL(b.page.url()).search, '?next=%2Ffriends');
    assert.deepEqual(unexpected(a.problems), []);
    assert.deepEqual(unexpected(b.problems), []);
  });
  await Promise.all([a.context.close(), b.context.close()]);
});

test('logging in switches to the account language', async (t) => {
  const me = await apiRegister({ language: 'ru' });
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/login?next=%2Ffriends`);
    await waitHeading(page, 'Log in');
    await loginThroughForm(page, me.username);
    await waitHeading(page, 'Друзья');
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    assert.equal(await page.textContent('#nav-logout'), 'Выйти');
    assert.equal(await page.inputValue('#lang-select'), 'ru');
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});
