// Two-factor authentication in the browser against a real server: Settings → Security sets up
// TOTP (QR code drawn in the page, the secret read from it and the codes computed here with
// node:crypto, RFC 6238, as an authenticator app would), the ten recovery codes shown once
// (copied), the login's second step (a setup code in the same 30 s step is a replay, refused;
// the test waits for the next step), a recovery code, wrong codes with the attempts left, a
// challenge killed by wrong codes sends back to the password, and switching 2FA off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading } from './lib.mjs';
import { call } from '../integration/api-client.mjs';
import { totp, stepOf, nextStep } from '../lib/totp.mjs';

const ctx = useServerAndBrowser({ AUTH_RATE: '10000', TWOFA_RATE: '10000' });

const PASSWORD = 'correct horse battery staple';
// Refusals the test provokes show as failed loads in Chromium's console.
const expectedHttpError = /Failed to load resource: the server responded with a status of (401|403)/;
const unexpected = (problems) => problems.filter((p) => !expectedHttpError.test(p));

async function loginForm(page, username) {
  await page.goto(`${ctx.server.base}/login`);
  await waitHeading(page, 'Log in');
  await page.fill('#login-username', username);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
}

async function codeStep(page, username) {
  await loginForm(page, username);
  await waitHeading(page, 'Two-factor authentication');
  assert.equal(await page.getAttribute('#login-code-intro', 'data-method'), 'totp');
}

async function enterCode(page, code) {
  await page.fill('#login-code', code);
  await page.click('#login-code-submit');
}

async function loginError(page) {
  await page.waitForSelector('#login-error:not([hidden])');
  return page.textContent('#login-error');
}

async function logout(page) {
  await page.click('#nav-logout');
  await page.waitForSelector('#nav-login');
}

test('TOTP on from the settings, log in with a code (a replay refused), a recovery code, wrong codes, off again', async (t) => {
  const username = `tfa${process.pid % 1000}${Math.random().toString(36).slice(2, 6)}`;
  const reg = await call(ctx.server, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.org`, password: PASSWORD } });
  assert.equal(reg.status, 201, reg.text);
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'en-US' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ctx.server.base });
  await withScreenshots(t, async (track) => {
    track(page);
    await loginForm(page, username);
    await page.waitForSelector('#nav-me');

    // ---- set up: QR code, secret, first code, recovery codes once ----
    await page.goto(`${ctx.server.base}/settings`);
    await page.waitForSelector('#twofa-status[data-method="none"]');
    await page.click('#twofa-totp-start');
    await page.waitForSelector('#twofa-qr path.qr-dark');
    const secret = await page.getAttribute('#twofa-secret', 'data-secret');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal((await page.textContent('#twofa-secret')).replace(/ /g, ''), secret, 'the secret shown as text');
    assert.ok((await page.getAttribute('#twofa-qr path', 'd')).length > 100, 'the QR code is drawn');
    // a wrong code first: refused in words, nothing on
    const setupStep = stepOf();
    const good = totp(secret, setupStep);
    await page.fill('#twofa-totp-code', String((Number(good) + 1) % 1e6).padStart(6, '0'));
    await page.click('#twofa-totp-submit');
    await page.waitForSelector('#twofa-totp-error:not([hidden])');
    assert.match(await page.textContent('#twofa-totp-error'), /not right/);
    assert.equal(await page.getAttribute('#twofa-totp-code', 'aria-invalid'), 'true');
    await page.fill('#twofa-totp-code', `${good.slice(0, 3)} ${good.slice(3)}`);   // as an app shows it
    await page.click('#twofa-totp-submit');
    await page.waitForSelector('#twofa-recovery-codes');
    const codes = await page.locator('#twofa-recovery-codes li').allTextContents();
    assert.equal(codes.length, 10);
    for (const c of codes) assert.match(c, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    await page.click('#twofa-copy');
    await page.waitForSelector('#twofa-copy-note:not([hidden])');
    assert.equal(await page.textContent('#twofa-copy-note'), 'Copied.');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    for (const c of codes) assert.ok(copied.includes(c), `copied ${c}`);
    await page.click('#twofa-codes-done');
    await page.waitForSelector('#twofa-status[data-method="totp"]');
    assert.equal(await page.textContent('#twofa-recovery-left'), 'Recovery codes left: 10.');
    assert.equal(await page.locator('#twofa-recovery-codes').count(), 0, 'shown once');
    // the page kept its session (its access token was voided, its cookie refreshed it)
    await page.reload();
    await page.waitForSelector('#twofa-status[data-method="totp"]');
    await logout(page);

    // ---- log in: the setup code is a replay in its step; the next step's code works ----
    await codeStep(page, username);
    // the setup code stays refused as a replay while the server's ±1 step window holds it
    if (Date.now() < (setupStep + 2) * 30000 - 3000) {
      await enterCode(page, good);
      assert.match(await loginError(page), /already used/);
      assert.equal(await page.getAttribute('#login-code', 'aria-invalid'), 'true');
    }
    if (stepOf() === setupStep) await nextStep();
    await enterCode(page, totp(secret, stepOf()));
    await page.waitForSelector('#nav-me');
    await logout(page);

    // ---- a recovery code (any case) logs in once ----
    await codeStep(page, username);
    await enterCode(page, codes[0].toUpperCase());
    await page.waitForSelector('#nav-me');
    await logout(page);

    // ---- wrong codes: attempts left; a used recovery code; the 5th kills the challenge ----
    await codeStep(page, username);
    await enterCode(page, 'not a code');
    assert.match(await loginError(page), /6-digit code, or a recovery code/);
    await enterCode(page, codes[0]);
    await eventually(async () => /Attempts left: 4\./.test(await page.textContent('#login-error')), { message: 'attempts left 4' });
    for (let left = 3; left >= 1; left -= 1) {
      await enterCode(page, '000000');
      await eventually(async () => (await page.textContent('#login-error')).includes(`Attempts left: ${left}.`), { message: `attempts left ${left}` });
    }
    await enterCode(page, '000000');
    // the fifth wrong code ends the challenge: now or at the next try, back to the password
    await eventually(async () => (await page.locator('#login-form').count()) === 1
      || (await page.textContent('#login-error')).includes('Attempts left: 0.'), { message: 'attempts left 0' });
    if (await page.locator('#login-code').count()) await enterCode(page, codes[1]);
    await waitHeading(page, 'Log in');
    await page.waitForSelector('#login-notice:not([hidden])');
    assert.match(await page.textContent('#login-notice'), /expired or saw too many wrong codes/);

    // ---- the Back button, then log in with a recovery code and switch 2FA off ----
    await codeStep(page, username);
    await page.click('#login-back');
    await waitHeading(page, 'Log in');
    await codeStep(page, username);
    await enterCode(page, codes[1]);
    await page.waitForSelector('#nav-me');
    await page.goto(`${ctx.server.base}/settings`);
    await page.waitForSelector('#twofa-status[data-method="totp"]');
    assert.equal(await page.textContent('#twofa-recovery-left'), 'Recovery codes left: 8.');
    await page.fill('#twofa-disable-password', 'not the password 1');
    await page.fill('#twofa-disable-code', codes[2]);
    await page.click('#twofa-disable-submit');
    await page.waitForSelector('#twofa-disable-error:not([hidden])');
    assert.equal(await page.getAttribute('#twofa-disable-password', 'aria-invalid'), 'true');
    await page.fill('#twofa-disable-password', PASSWORD);
    await page.fill('#twofa-disable-code', codes[2]);
    await page.click('#twofa-disable-submit');
    await page.waitForSelector('#twofa-status[data-method="none"]');
    assert.match(await page.textContent('#twofa-done'), /is off/);
    await logout(page);
    await loginForm(page, username);
    await page.waitForSelector('#nav-me');   // a plain login again
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});

test('the security card in French and Russian; no email codes without SMTP', async (t) => {
  const username = `tfb${process.pid % 1000}${Math.random().toString(36).slice(2, 6)}`;
  const reg = await call(ctx.server, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.org`, password: PASSWORD, language: 'fr' } });
  assert.equal(reg.status, 201, reg.text);
  const { context, page, problems } = await openPage(ctx.browser, { locale: 'fr-FR' });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/login`);
    await page.fill('#login-username', username);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#nav-me');
    await page.goto(`${ctx.server.base}/settings`);
    await page.waitForSelector('#twofa-status[data-method="none"]');
    assert.equal(await page.textContent('#settings-security-title'), 'Sécurité');
    assert.equal(await page.locator('#twofa-email-start').count(), 0, 'this server sends no mail');
    await page.click('#twofa-totp-start');
    await page.waitForSelector('#twofa-qr');
    // switching the language keeps the setup in progress, in the new language
    await page.selectOption('#lang-select', 'ru');
    await eventually(async () => (await page.textContent('#settings-security-title')) === 'Безопасность', { message: 'Russian' });
    await page.waitForSelector('#twofa-qr');
    assert.deepEqual(unexpected(problems), []);
  });
  await context.close();
});
