// Matchmaking and standing in three browsers against the real server (issue 14,
// docs/matchmaking.md): A and B press Quick play on /games (A's wait shows in a second tab) and
// land on the same /game/<id>; C finds it in the live list, watches it through the same
// board as a spectator (no resign, a "watching" badge) while the players see one spectator,
// and sees A "in a game" on A's profile; A resigns (all three see the end), offers a rematch
// that B accepts from the end screen, and both land on the new game, which B resigns. Both
// profiles — opened by display name — then show the two matches with their rating changes
// and the new ratings, wins and losses; the player search finds B; C's quick play is
// cancelled and the server agrees.
//
// PONG_SHOTS=<dir> also saves screenshots of the spectator's view, the end screen with the
// rematch offer, and a profile with its history there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading } from './lib.mjs';
import { call } from '../integration/api-client.mjs';

const ctx = useServerAndBrowser({ AUTH_RATE: '10000' });

const PASSWORD = 'correct horse battery staple';
const BOARD = '[data-testid="remote-board"]';
const SHOTS = process.env.PONG_SHOTS || null;

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}
let seq = 0;
function unique(prefix) {
  seq += 1;
  return `${prefix}${process.pid % 1000}${seq}${Math.random().toString(36).slice(2, 5)}`;
}

async function register(display) {
  const username = unique('mm');
  const res = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username, email: `${username.toLowerCase()}@example.org`, password: PASSWORD, display_name: display },
  });
  assert.equal(res.status, 201, res.text);
  return { username, token: res.json.access_token, user: res.json.user, display };
}

async function openLoggedIn(who) {
  const opened = await openPage(ctx.browser, { locale: 'en-US', viewport: { width: 1100, height: 900 } });
  await opened.page.goto(`${ctx.server.base}/login`);
  await waitHeading(opened.page, 'Log in');
  await opened.page.fill('#login-username', who.username);
  await opened.page.fill('#login-password', PASSWORD);
  await opened.page.click('#login-submit');
  await opened.page.waitForSelector('#nav-me');
  return opened;
}

function data(page, selector) {
  return page.evaluate((sel) => ({ ...document.querySelector(sel)?.dataset }), selector);
}

const gameIdOf = (page) => Number(/\/game\/(\d+)$/.exec(page.url())?.[1]);

async function resign(page) {
  await page.click('#game-resign');
  await page.click('#game-resign-yes');
}

async function apiUser(who, id) {
  const r = await call(ctx.server, 'GET', `/api/users/${id}`, { token: who.token });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('quick play pairs two browsers, a third watches from the live list, rematch, profiles with the match and the new ratings', { timeout: 150000 }, async (t) => {
  const tag = Math.random().toString(36).slice(2, 6);
  const a = await register(`Ann ${tag}`);
  const b = await register(`Ben ${tag}`);
  const c = await register(`Cy ${tag}`);
  const A = await openLoggedIn(a);
  const B = await openLoggedIn(b);
  const C = await openLoggedIn(c);
  await withScreenshots(t, async (track) => {
    track(A.page);
    track(B.page);
    track(C.page);

    // A presses Quick play on the nav bar's "Online" page (/games) and waits…
    await A.page.click('#nav-games');
    await waitHeading(A.page, 'Play online');
    await A.page.click('#quickplay-join');
    await A.page.waitForSelector('#quickplay[data-phase="queued"]');
    assert.match(await A.page.textContent('#quickplay'), /Looking for an opponent…\s*\d+:\d\d\s*Cancel/);
    // …a second tab finds the wait in progress (GET /api/queue when its app socket says hello);
    // (a reload of the only tab would leave the queue: the server lets a user go when the last
    // /ws/ tab closes), and the wait shows as a bar on the other pages.
    const second = await A.context.newPage();
    await second.goto(`${ctx.server.base}/games`);
    await second.waitForSelector('#quickplay[data-phase="queued"] #quickplay-elapsed');
    await second.close();
    const q = await call(ctx.server, 'GET', '/api/queue', { token: a.token });
    assert.equal(q.status, 200, q.text);
    assert.equal(q.json.queued, true);
    await A.page.click('#nav-home');
    await A.page.waitForSelector('#home-quickplay[data-phase="queued"] #home-quickplay-cancel');
    await A.page.click('#nav-friends');
    await A.page.waitForSelector('#queuebar[data-phase="queued"]:not([hidden])');
    assert.match(await A.page.textContent('#queuebar'), /Looking for an opponent…\s*\d+:\d\d\s*Cancel/);

    // B presses Quick play: both land on the same game (the match_found push).
    await B.page.goto(`${ctx.server.base}/games`);
    await B.page.click('#quickplay-join');
    await B.page.waitForURL(/\/game\/\d+$/);
    await A.page.waitForURL(/\/game\/\d+$/);
    const gameId = gameIdOf(B.page);
    assert.equal(gameIdOf(A.page), gameId, 'the same game');
    for (const { page } of [A, B]) await page.waitForSelector(`${BOARD}[data-seat]`);
    const seatA = Number((await data(A.page, BOARD)).seat);
    const seatB = Number((await data(B.page, BOARD)).seat);
    assert.deepEqual([seatA, seatB].sort(), [0, 1]);
    assert.equal((await A.page.$('#queuebar:not([hidden])')), null, 'the waiting bar is gone');

    // C finds it in the live list and watches: the same board, no resign, the badge.
    await C.page.click('#nav-games');
    await waitHeading(C.page, 'Play online');
    const item = C.page.locator(`#live-list [data-game-id="${gameId}"]`);
    await eventually(async () => {
      if (await item.count()) return true;
      await C.page.click('#live-refresh');
      return false;
    }, { interval: 500, message: 'the game in the live list' });
    const itemText = await item.textContent();
    assert.ok(itemText.includes(a.display) && itemText.includes(b.display), itemText);
    assert.match(itemText, /1500/, 'new players: 1500');
    assert.match(itemText, /Spectators: 0/);
    await item.locator('.live-watch').click();
    await C.page.waitForURL(`${ctx.server.base}/game/${gameId}`);
    await C.page.waitForSelector(`[data-view="game"][data-watching="true"] ${BOARD}[data-spectator="true"]`);
    assert.equal(await C.page.textContent('#game-watching'), 'Watching');
    assert.ok(await C.page.isHidden('#game-resign'), 'a spectator cannot resign');
    assert.equal((await data(C.page, BOARD)).seat, undefined, 'no seat');
    const names = [await C.page.textContent('[data-testid="remote-name-left"]'), await C.page.textContent('[data-testid="remote-name-right"]')];
    assert.deepEqual([...names].sort(), [a.display, b.display].sort(), 'no "(you)" for a spectator');
    // the players see one spectator
    for (const { page } of [A, B]) {
      await page.waitForSelector('#game-spectators[data-count="1"]:not([hidden])');
      assert.equal(await page.textContent('#game-spectators'), 'Spectators: 1');
    }
    // the spectator's board follows the game
    await C.page.waitForSelector(`${BOARD}[data-state="playing"]`, { timeout: 20000 });
    const t0 = Number((await data(C.page, BOARD)).tick);
    await eventually(async () => Number((await data(C.page, BOARD)).tick) > t0 + 30, { message: 'the spectator\'s ticks move' });
    await shot(C.page, 'mm-spectator.png');

    // Presence: C sees A "in a game" with a Watch link on A's profile (opened by name).
    const side = await C.context.newPage();
    await side.goto(`${ctx.server.base}/profile/${encodeURIComponent(a.display)}`);
    await side.waitForSelector(`#profile-presence [data-in-game="${gameId}"]`);
    assert.match(await side.textContent('#profile-presence'), /In a game\s*Watch/);
    assert.equal(await side.getAttribute('#profile-presence a', 'href'), `/game/${gameId}`);
    await side.close();

    // A resigns: everyone sees B win.
    await A.page.waitForSelector(`${BOARD}[data-state="playing"]`);
    await resign(A.page);
    for (const { page } of [A, B, C]) {
      await page.waitForSelector(`${BOARD}[data-state="over"]`, { timeout: 15000 });
      const d = await data(page, BOARD);
      assert.equal(d.reason, 'resign');
      assert.equal(d.winner, String(seatB));
    }
    assert.equal(await B.page.textContent('#game-result-title'), 'You win!');
    assert.equal(await C.page.textContent('#game-result-title'), `${b.display} wins`);
    assert.ok(await C.page.isHidden('#game-rematch').catch(() => true), 'no rematch for a spectator');

    // Rematch: A offers, B accepts on the end screen, both go to the new game.
    await A.page.click('#rematch-offer');
    await A.page.waitForSelector('#game-rematch[data-phase="waiting"]');
    assert.equal(await A.page.textContent('#rematch-text'), `Rematch offered: waiting for ${b.display}…`);
    await B.page.waitForSelector('#game-rematch[data-phase="incoming"]');
    await shot(B.page, 'mm-rematch.png');
    assert.equal(await B.page.textContent('#rematch-text'), `${a.display} wants a rematch.`);
    await B.page.click('#rematch-accept');
    await B.page.waitForURL((u) => /^\/game\/\d+$/.test(u.pathname) && u.pathname !== `/game/${gameId}`);
    const gameId2 = gameIdOf(B.page);
    await A.page.waitForURL(`${ctx.server.base}/game/${gameId2}`);
    assert.notEqual(gameId2, gameId);
    for (const { page } of [A, B]) await page.waitForSelector(`${BOARD}[data-seat]`);
    assert.equal(Number((await data(A.page, BOARD)).seat), 1 - seatA, 'seats swapped');
    await B.page.waitForSelector(`${BOARD}[data-state="playing"]`, { timeout: 20000 });
    await resign(B.page);
    for (const { page } of [A, B]) await page.waitForSelector(`${BOARD}[data-state="over"]`, { timeout: 15000 });
    assert.equal(await A.page.textContent('#game-result-title'), 'You win!');

    // The ratings: one win and one loss each, moved by Glicko-2 (both provisional still).
    const ua = await eventually(async () => { const u = await apiUser(a, a.user.id); return u.wins === 1 && u.losses === 1 ? u : null; }, { message: 'A\'s record' });
    const ub = await eventually(async () => { const u = await apiUser(b, b.user.id); return u.wins === 1 && u.losses === 1 ? u : null; }, { message: 'B\'s record' });
    assert.notEqual(ua.rating, 1500);
    assert.notEqual(ub.rating, 1500);

    // Both profiles, opened by name, show the two matches and the new ratings.
    for (const [viewer, who, u, won] of [[A.page, b, ub, gameId], [B.page, a, ua, gameId2]]) {
      await viewer.goto(`${ctx.server.base}/profile/${encodeURIComponent(who.display)}`);
      await viewer.waitForSelector('#profile-name');
      assert.equal(await viewer.textContent('#profile-name'), who.display);
      assert.equal(await viewer.getAttribute('#profile-rating', 'data-rating'), String(u.rating));
      assert.equal((await viewer.textContent('#profile-rating')).startsWith(`${u.rating}`), true);
      assert.equal(await viewer.textContent('#profile-wins'), '1');
      assert.equal(await viewer.textContent('#profile-losses'), '1');
      await viewer.waitForSelector('#history-table');
      const rows = await viewer.$$eval('#history-table tbody tr', (trs) => trs.map((tr) => ({
        id: Number(tr.dataset.gameId), result: tr.dataset.result, text: tr.textContent,
        delta: tr.querySelector('.history-change')?.dataset.delta, replay: tr.querySelector('.history-replay')?.getAttribute('href'),
      })));
      assert.deepEqual(rows.map((r) => r.id), [gameId2, gameId], 'newest first');
      for (const r of rows) {
        assert.equal(r.result, r.id === won ? 'win' : 'loss');
        assert.ok(Number(r.delta) !== 0 && (r.id === won ? Number(r.delta) > 0 : Number(r.delta) < 0), JSON.stringify(r));
        assert.match(r.text, /Resignation/);
        assert.equal(r.replay, `/game/${r.id}`);
      }
      assert.match(rows[0].text, new RegExp(`→ ${u.rating}`), 'the last change ends on the current rating');
      assert.match(await viewer.textContent('#history-total'), /^2 games · page 1 of 1$/);
      await shot(viewer, `mm-profile-${who === a ? 'a' : 'b'}.png`);
    }

    // The player search finds B by part of the name and links to the profile by name.
    await A.page.goto(`${ctx.server.base}/games`);
    await A.page.fill('#user-search-input', `en ${tag}`);
    const link = A.page.locator(`#user-search-results [data-user-id="${b.user.id}"] a`);
    await link.waitFor();
    await link.click();
    await A.page.waitForURL(`${ctx.server.base}/profile/${encodeURIComponent(b.display)}`);
    await A.page.waitForSelector('#profile-name');

    // C queues and cancels: the server agrees.
    await C.page.goto(`${ctx.server.base}/games`);
    await C.page.click('#quickplay-join');
    await C.page.waitForSelector('#quickplay[data-phase="queued"]');
    await C.page.click('#quickplay-cancel');
    await C.page.waitForSelector('#quickplay[data-phase="idle"]');
    const q2 = await call(ctx.server, 'GET', '/api/queue', { token: c.token });
    assert.equal(q2.json.queued, false);

    for (const { problems } of [A, B, C]) assert.deepEqual(problems, []);
  });
  await A.context.close();
  await B.context.close();
  await C.context.close();
});
