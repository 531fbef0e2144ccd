// The Admin page in the browser against a real server: the first administrator is made with
// `pongd admin grant` on the server's database; the Admin link shows for them only (a
// non-administrator opening /admin is told it is for administrators); the administrator finds
// a user, bans them after a confirmation — and the banned user's open tab is logged out at
// once (their sockets closed with 4001, the refresh refused); their login then says the
// account is banned; the ban is in the audit log on the page; an unban lets them in again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading, clickNav } from './lib.mjs';
import { call } from '../integration/api-client.mjs';
import { runPongd } from '../integration/helpers.mjs';

const ctx = useServerAndBrowser({ AUTH_RATE: '10000' });
const PASSWORD = 'correct horse battery staple';

// Failed requests the test provokes on purpose (the banned tab's refresh, the refused login).
const expectedHttpError = /Failed to load resource: the server responded with a status of (401|403)/;

async function apiRegister(prefix) {
  const username = `${prefix}${process.pid % 1000}${Math.random().toString(36).slice(2, 6)}`;
  const res = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username, email: `${username}@example.org`, password: PASSWORD },
  });
  assert.equal(res.status, 201, res.text);
  return { username, user: res.json.user };
}

async function login(page, username) {
  await page.goto(`${ctx.server.base}/login`);
  await waitHeading(page, 'Log in');
  await page.fill('#login-username', username);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
}

test('an administrator bans a user from the Admin page; the user\'s open tab is logged out', { timeout: 90000 }, async (t) => {
  const boss = await apiRegister('boss');
  const victim = await apiRegister('vic');
  const s = ctx.server;
  const granted = await runPongd(['admin', 'grant', boss.username], { VAR_DIR: s.varDir, ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}) });
  assert.equal(granted.code, 0, granted.out);

  await withScreenshots(t, async (track) => {
    // the user's tab: no Admin link, and /admin says it is for administrators
    const v = await openPage(ctx.browser, { locale: 'en-US' });
    track(v.page);
    await login(v.page, victim.username);
    await v.page.waitForSelector('#nav-me');
    await v.page.goto(`${s.base}/admin`);
    await v.page.waitForSelector('#admin-forbidden');
    assert.equal(await v.page.locator('#nav-admin').count(), 0, 'no Admin link for a plain user');
    await clickNav(v.page, 'nav-home');

    // the administrator's tab
    const a = await openPage(ctx.browser, { locale: 'en-US' });
    track(a.page);
    await login(a.page, boss.username);
    await a.page.waitForSelector('#nav-admin');
    await clickNav(a.page, 'nav-admin');
    await waitHeading(a.page, 'Administration');
    await a.page.waitForSelector('#admin-tournaments');
    await a.page.fill('#admin-search', victim.username);
    await a.page.click('#admin-search-go');
    const row = a.page.locator(`tr.admin-user[data-username="${victim.username}"]`);
    await eventually(async () => (await a.page.locator('tr.admin-user').count()) === 1 && (await row.count()) === 1,
      { message: 'the search shows the one user' });
    await row.locator('.admin-ban').click();
    await a.page.waitForSelector('#admin-confirm');
    assert.match(await a.page.locator('#admin-confirm-text').textContent(), new RegExp(`Ban ${victim.username}\\?`));
    await a.page.fill('#admin-ban-reason', 'spamming the lobby');
    await a.page.click('#admin-confirm-yes');
    await a.page.waitForSelector('#admin-notice');
    await eventually(async () => (await row.locator('.badge.text-bg-danger').count()) === 1, { message: 'the row shows banned' });
    await eventually(async () => (await a.page.locator('tr.admin-audit-entry[data-action="user.ban"]').count()) === 1,
      { message: 'the audit log shows the ban' });
    const entry = await a.page.locator('tr.admin-audit-entry[data-action="user.ban"]').textContent();
    assert.ok(entry.includes(`@${boss.username}`) && entry.includes(`@${victim.username}`) && entry.includes('spamming the lobby'), entry);

    // the banned user's tab is logged out by itself
    await v.page.waitForSelector('#nav-login', { timeout: 15000 });
    assert.equal(await v.page.locator('#nav-me').count(), 0);
    // and logging in again says why not
    await login(v.page, victim.username);
    await eventually(async () => /banned/i.test(await v.page.locator('#login-error').textContent().catch(() => '')),
      { message: 'the login form says the account is banned' });

    // unban from the page: the user may log in again
    await row.locator('.admin-unban').click();
    await a.page.click('#admin-confirm-yes');
    await eventually(async () => (await row.locator('.badge.text-bg-danger').count()) === 0, { message: 'the row no longer shows banned' });
    await login(v.page, victim.username);
    await v.page.waitForSelector('#nav-me');

    for (const p of [v, a]) {
      assert.deepEqual(p.problems.filter((x) => !expectedHttpError.test(x)), [], 'no unexpected console errors');
      assert.deepEqual(p.dialogs, []);
    }
    await v.context.close();
    await a.context.close();
  });
});
