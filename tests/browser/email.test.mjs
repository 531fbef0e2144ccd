// Mailed links in the browser against a real server and a local SMTP sink (python3-aiosmtpd),
// whose mails the test reads: "Forgot your password?" on the login page → the request page →
// the reset link from the mail → a new password → the link refused the second time → log in
// with the new password. And Settings → Email address: an unconfirmed address says so, "Send
// the link again" mails a link whose page confirms the address, and the notice says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireDist, startServer, stopServer, launchBrowser, openPage, withScreenshots, waitHeading } from './lib.mjs';
import { call } from '../integration/api-client.mjs';
import { startSmtpSink, linkIn } from '../lib/smtp-sink.mjs';

const ctx = {};
before(async () => {
  requireDist();
  ctx.sink = await startSmtpSink();
  ctx.server = await startServer({
    AUTH_RATE: '10000', MAIL_RATE: '100', SMTP_URL: ctx.sink.url, SMTP_FROM: 'pong@example.org',
  });
  ctx.browser = await launchBrowser();
});
after(async () => {
  ctx.sink?.stop();
  await ctx.browser?.close();
  await stopServer(ctx.server);
});

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase 42';
// The refused second use of a link shows as a failed load in Chromium's console.
const unexpected = (problems) => problems.filter((p) => !/Failed to load resource: the server responded with a status of 410/.test(p));

async function register(prefix, language = 'en') {
  const username = `${prefix}${process.pid % 1000}${Math.random().toString(36).slice(2, 6)}`;
  const email = `${username}@example.org`;
  const r = await call(ctx.server, 'POST', '/api/auth/register', { body: { username, email, password: PASSWORD, language } });
  assert.equal(r.status, 201, r.text);
  return { username, email };
}

/** The page of a mailed link, on the server the browser uses (the link names PUBLIC_ORIGIN). */
const pageOf = (m) => {
  const link = linkIn(m);
  return `${ctx.server.base}${link.pathname}${link.search}`;
};

test('forgot password: ask from the login page, follow the mailed link, set a new password, log in with it', async (t) => {
  const u = await register('fp');
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    // the registration's link confirms the address (reset mails go only to a confirmed one)
    await page.goto(pageOf(await ctx.sink.waitFor(u.email)));
    await page.waitForSelector('#verify-done');
    assert.equal(await page.textContent('#verify-done'), 'Thank you: your address is confirmed.');

    await page.goto(`${ctx.server.base}/login`);
    await waitHeading(page, 'Log in');
    await page.click('#login-forgot');
    await waitHeading(page, 'Reset your password');
    const before = ctx.sink.messages.length;
    await page.fill('#forgot-email', u.email);
    await page.click('#forgot-submit');
    await page.waitForSelector('#forgot-done');
    assert.match(await page.textContent('#forgot-done'), /a link is on its way/);

    const mail = await ctx.sink.waitFor(u.email, { after: before });
    assert.match(mail.data, /^Subject: Transcendence: reset your password$/m);
    const resetPage = pageOf(mail);
    await page.goto(resetPage);
    await waitHeading(page, 'Choose a new password');
    // the two fields must agree; then the server's rules (the username is refused)
    await page.fill('#reset-password', NEW_PASSWORD);
    await page.fill('#reset-confirm', `${NEW_PASSWORD}x`);
    await page.click('#reset-submit');
    await page.waitForSelector('#reset-confirm.is-invalid');
    await page.fill('#reset-password', NEW_PASSWORD);
    await page.fill('#reset-confirm', NEW_PASSWORD);
    await page.click('#reset-submit');
    await page.waitForSelector('#reset-done');
    assert.match(await page.textContent('#reset-done'), /every session of your account has ended/);

    // the link works once
    await page.goto(resetPage);
    await page.fill('#reset-password', `${NEW_PASSWORD}!`);
    await page.fill('#reset-confirm', `${NEW_PASSWORD}!`);
    await page.click('#reset-submit');
    await page.waitForSelector('#reset-dead[data-code="link_used"]');
    assert.equal(await page.getAttribute('#reset-ask-again', 'href'), '/forgot-password');

    // the old password is refused, the new one logs in
    await page.goto(`${ctx.server.base}/login`);
    await page.fill('#login-username', u.username);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:not([hidden])');
    await page.fill('#login-password', NEW_PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#nav-me');
    assert.deepEqual(unexpected(problems).filter((p) => !/status of 401/.test(p)), []);
  });
  await context.close();
});

test('settings: an unconfirmed address says so; "send the link again" mails a link that confirms it', async (t) => {
  const u = await register('ev', 'fr');
  await ctx.sink.waitFor(u.email);   // the registration's link, not used
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'fr-FR' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/login`);
    await page.fill('#login-username', u.username);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#nav-me');
    await page.goto(`${ctx.server.base}/settings`);
    await page.waitForSelector('#email-unverified');
    assert.match(await page.textContent('#email-unverified'), /pas encore confirmée/);
    await page.waitForSelector('#twofa-email-unverified');
    assert.equal(await page.locator('#twofa-email-start').count(), 0, 'no email codes before the address is confirmed');
    const before = ctx.sink.messages.length;
    await page.click('#email-resend');
    await page.waitForSelector('#email-resent');
    assert.equal(await page.textContent('#email-resent'), `Un nouveau lien est envoyé à ${u.email}.`);
    const mail = await ctx.sink.waitFor(u.email, { after: before });
    await page.goto(pageOf(mail));
    await page.waitForSelector('#verify-done');
    await page.click('#verify-continue');
    await page.waitForSelector('#email-verified');
    await page.waitForSelector('#twofa-email-start');
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});
