// Log in with 42 in the browser, through the stand-in provider (tests/lib/fake42.mjs, a real
// HTTPS server with a throw-away CA that pongd trusts): the button appears on the login page
// (the server has it configured), the provider's redirects end on the app, logged in, with the
// account made from the 42 login; the session survives clearing site storage and a new tab
// (the page restores it from the cookie alone); the provider's refusal ends on the login page
// in words; Settings: a first password without a current one, then unlinking. No console error anywhere, logged out pages included (the restore answers 204).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireDist, startServer, stopServer, launchBrowser, openPage, withScreenshots, waitHeading } from './lib.mjs';
import { startFake42, user42 } from '../lib/fake42.mjs';

const ctx = {};
before(async () => {
  requireDist();
  ctx.fake = await startFake42();
  ctx.server = await startServer({ AUTH_RATE: '10000', ...ctx.fake.env });
  ctx.browser = await launchBrowser();
  // the flow runs on PUBLIC_ORIGIN: by default https://localhost:<port>, the certificate's first name
  ctx.base = `https://localhost:${ctx.server.httpsPort}`;
});
after(async () => {
  await ctx.browser?.close();
  await stopServer(ctx.server);
  await ctx.fake?.stop();
});

test('Log in with 42: the button, the provider, back on the app logged in; the session outlives cleared storage', async (t) => {
  ctx.fake.knobs.user = user42(3001, 'brlogin');
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.base}/login`);
    await waitHeading(page, 'Log in');
    await page.waitForSelector('#oauth42-login:visible');
    assert.equal((await page.textContent('#oauth42-login')).trim(), '42 Log in with 42');
    assert.ok(await page.isVisible('#nav-login'), 'logged out before');
    await page.click('#oauth42-login');
    // provider → callback → the settings page of the new account
    await page.waitForSelector('#nav-me');
    await page.waitForSelector('#oauth42-status[data-linked="true"]');
    assert.equal(new URL(page.url()).pathname, '/settings');
    assert.equal(new URL(page.url()).search, '', 'the notice left the address bar');
    assert.equal(await page.textContent('#settings-username'), 'brlogin');
    assert.equal(await page.textContent('#oauth42-login-name'), 'brlogin');
    assert.match(await page.textContent('#oauth42-done'), /made from your 42 account/);
    assert.ok(await page.isVisible('#oauth42-no-password'), 'no password yet: unlinking waits for one');
    assert.equal(await page.isDisabled('#oauth42-unlink'), true);
    // the provider saw a PKCE challenge, and the token request the matching verifier
    assert.ok(ctx.fake.requests.some((q) => q.path === '/oauth/token' && q.body.includes('code_verifier=')));

    // nothing in site storage keeps the session: cleared, reloaded, still logged in
    await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
    await page.reload();
    await page.waitForSelector('#nav-me');
    assert.equal(await page.textContent('#settings-username'), 'brlogin');
    // a new tab of the same browser too
    const tab = await context.newPage();
    track(tab);
    tab.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console (tab): ${msg.text()}`); });
    await tab.goto(`${ctx.base}/`);
    await tab.waitForSelector('#nav-me');
    await tab.close();

    // log out: the next load asks and hears 204, no error
    await page.click('#nav-logout');
    await page.waitForSelector('#nav-login');
    await page.reload();
    await page.waitForSelector('#nav-login');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('the provider\'s refusal ends on the login page, in words; a second login finds the same account', async (t) => {
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'fr-FR' });
  await withScreenshots(t, async (track) => {
    track(page);
    ctx.fake.knobs.deny = true;
    try {
      await page.goto(`${ctx.base}/login`);
      await page.waitForSelector('#oauth42-login:visible');
      await page.click('#oauth42-login');
      await page.waitForSelector('#login-oauth-error:not([hidden])');
    } finally {
      ctx.fake.knobs.deny = false;
    }
    assert.match(await page.textContent('#login-oauth-error'), /refusé de partager votre compte 42/);
    assert.ok(await page.isVisible('#nav-login'), 'still logged out');
    // again, approved: the account of the first test (found by the provider's id)
    ctx.fake.knobs.user = user42(3001, 'brlogin');
    await page.click('#oauth42-login');
    await page.waitForSelector('#nav-me');
    assert.equal(new URL(page.url()).pathname, '/');
    await page.goto(`${ctx.base}/settings`);
    assert.equal(await page.textContent('#settings-username'), 'brlogin');
    // a first password, without a current one; then 42 can be unlinked
    await page.waitForSelector('#oauth42-status[data-linked="true"]');
    await page.fill('#password-new-password', 'a first password for brlogin');
    await page.fill('#password-confirm', 'a first password for brlogin');
    await page.click('#password-submit');
    await page.waitForSelector('#password-done:not([hidden])');
    await page.waitForSelector('#oauth42-unlink:enabled');
    await page.click('#oauth42-unlink');
    await page.waitForSelector('#oauth42-status[data-linked="false"]');
    assert.ok(await page.isVisible('#oauth42-link'));
    // a new password voids the access tokens issued before it, this page's too: its next call is
    // refused once (401, which Chromium logs) and the page refreshes silently (docs/security.md)
    assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), []);
  });
  await context.close();
});
