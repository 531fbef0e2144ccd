// Remote Pong in two browsers against the real server (issue 12): A invites B from B's
// profile (first to 1), B accepts in the notification area, both pages land on /game/<id>
// and play it over the game socket to the end (A's paddle runs up, B's down: someone misses
// within a few seconds whatever the seed), the round-trip indicator shows, both pages show
// the same result; the record (GET /api/games/<id>) is finished with that score, and the
// same page then plays the replay at 4× to its end with the stored hash verified.
//
// PONG_SHOTS=<dir> also saves screenshots of the live game and of the finished replay there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading, TIMEOUT } from './lib.mjs';
import { call } from '../integration/api-client.mjs';

const ctx = useServerAndBrowser({ AUTH_RATE: '10000' });

const PASSWORD = 'correct horse battery staple';
const BOARD = '[data-testid="remote-board"]';
const REPLAY = '[data-testid="replay-board"]';
const SHOTS = process.env.PONG_SHOTS || null;
let seq = 0;
function unique(prefix) {
  seq += 1;
  return `${prefix}${process.pid % 1000}${seq}${Math.random().toString(36).slice(2, 5)}`;
}

/** Registers a user through the API; returns { username, token, user }. */
async function register(display) {
  const username = unique('rg');
  const res = await call(ctx.server, 'POST', '/api/auth/register', {
    body: { username, email: `${username.toLowerCase()}@example.org`, password: PASSWORD, display_name: display },
  });
  assert.equal(res.status, 201, res.text);
  return { username, token: res.json.access_token, user: res.json.user };
}

/** A new browser context logged in as `who` through the login form. */
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

/** The element's data-* attributes, read in one go. */
function data(page, selector) {
  return page.evaluate((sel) => ({ ...document.querySelector(sel)?.dataset }), selector);
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

const hex = (n) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

test('remote game: invite from the profile, accept, play to 1 in two browsers, the record and its verified replay', { timeout: 90000 }, async (t) => {
  const a = await register('Alice Remote');
  const b = await register('Bob Remote');
  const A = await openLoggedIn(a);
  const B = await openLoggedIn(b);
  await withScreenshots(t, async (track) => {
    track(A.page);
    track(B.page);

    // A invites B from B's profile, first to 1.
    await A.page.goto(`${ctx.server.base}/users/${b.user.id}`);
    await A.page.waitForSelector('#profile-name');
    assert.equal(await A.page.textContent('#profile-name'), 'Bob Remote');
    await A.page.click('#profile-invite');
    await A.page.waitForSelector('#profile-invite-form');
    await A.page.selectOption('#invite-preset', 'classic');
    await A.page.fill('#invite-winning-score', '1');
    await A.page.click('#profile-invite-send');
    await A.page.waitForSelector('#profile-invite-box [data-invite-id]');
    assert.match(await A.page.textContent('#profile-invite-waiting'), /^Invite sent: waiting for Bob Remote to answer/);

    // B sees it in the notification area (on whatever page) with the options, and accepts.
    const card = B.page.locator('#invite-area [data-invite-id]');
    await card.waitFor();
    assert.equal(await card.getAttribute('role'), 'alert');
    assert.match(await card.textContent(), /Alice Remote invites you to play/);
    assert.match(await card.textContent(), /First to 1/);
    await card.getByRole('button', { name: 'Accept' }).click();

    // Both land on the same /game/<id>, B straight from Accept, A told through the app socket.
    await B.page.waitForURL(/\/game\/\d+$/);
    const gameId = Number(/\/game\/(\d+)$/.exec(B.page.url())[1]);
    await A.page.waitForURL(`${ctx.server.base}/game/${gameId}`);
    for (const { page } of [A, B]) {
      await waitHeading(page, 'Alice Remote vs Bob Remote');
      await page.waitForSelector(`${BOARD}[data-seat]`);
    }
    assert.equal((await data(A.page, BOARD)).seat, '0', 'the inviter sits on the left');
    assert.equal((await data(B.page, BOARD)).seat, '1', 'the invitee sits on the right');
    assert.equal(await A.page.textContent('[data-testid="remote-name-left"]'), 'Alice Remote (you)');
    assert.equal(await A.page.textContent('[data-testid="remote-name-right"]'), 'Bob Remote');
    assert.equal(await B.page.textContent('[data-testid="remote-name-right"]'), 'Bob Remote (you)');

    // The countdown, then play: A holds W (up), B holds ↓ (down); a serve is soon missed.
    for (const { page } of [A, B]) await page.waitForSelector(`${BOARD}[data-state="playing"]`, { timeout: TIMEOUT });
    await A.page.keyboard.down('w');
    await B.page.keyboard.down('ArrowDown');

    // The latency indicator: both players' round trips, as bars and in ms, while playing.
    for (const { page } of [A, B]) {
      const rtt = await eventually(async () => {
        const d = await data(page, BOARD);
        const [mine, theirs] = (d.rtt ?? '0-0').split('-').map(Number);
        return d.state === 'playing' && mine > 0 && theirs > 0 ? { mine, theirs } : null;
      }, { message: 'both round trips known while playing' });
      assert.ok(rtt.mine < 1000 && rtt.theirs < 1000, `round trips on loopback: ${JSON.stringify(rtt)}`);
      const levels = await page.locator(`${BOARD} .rtt-bars`).evaluateAll((els) => els.map((e) => Number(e.dataset.level)));
      assert.equal(levels.length, 2);
      for (const level of levels) assert.ok(level >= 1 && level <= 4, `bars ${levels}`);
      const texts = await page.locator(`${BOARD} .rtt-ms`).allTextContents();
      for (const text of texts) assert.match(text, /^\d+ ms$/);
      const labels = await page.locator(`${BOARD} .rtt .visually-hidden`).allTextContents();
      assert.deepEqual(labels, ['Round trip of Alice Remote: ', 'Round trip of Bob Remote: ']);
    }
    if (SHOTS) {
      // the ball in flight, the paddles on their way
      await eventually(async () => { const d = await data(A.page, BOARD); return d.state !== 'playing' || Number(d.tick) >= 75; });
      if ((await data(A.page, BOARD)).state === 'playing') await shot(A.page, 'remote-live.png');
    }

    // The end: the same result on both pages.
    for (const { page } of [A, B]) await page.waitForSelector(`${BOARD}[data-state="over"]`, { timeout: 30000 });
    await A.page.keyboard.up('w');
    await B.page.keyboard.up('ArrowDown');
    const endA = await data(A.page, BOARD);
    const endB = await data(B.page, BOARD);
    assert.equal(endA.reason, 'score');
    assert.equal(endB.reason, 'score');
    assert.ok(endA.winner === '0' || endA.winner === '1', `winner ${endA.winner}`);
    assert.equal(endB.winner, endA.winner);
    const score = endA.winner === '0' ? [1, 0] : [0, 1];
    assert.equal(endA.score, score.join('-'));
    assert.equal(endB.score, endA.score);
    const [winnerPage, loserPage] = endA.winner === '0' ? [A.page, B.page] : [B.page, A.page];
    const winnerName = endA.winner === '0' ? 'Alice Remote' : 'Bob Remote';
    const loserName = endA.winner === '0' ? 'Bob Remote' : 'Alice Remote';
    for (const page of [A.page, B.page]) {
      await page.waitForSelector('#game-result:not([hidden])');
      assert.equal(await page.textContent('#game-result-how'), `Final score ${score[0]} – ${score[1]}.`);
      assert.equal(await page.textContent('[data-testid="pong-score-left"]'), String(score[0]));
      assert.equal(await page.textContent('[data-testid="pong-score-right"]'), String(score[1]));
      assert.equal(await page.getAttribute('[data-testid="pong-overlay"]', 'data-kind'), 'over');
    }
    assert.equal(await winnerPage.textContent('#game-result-title'), 'You win!');
    assert.equal(await loserPage.textContent('#game-result-title'), `${winnerName} wins`);
    assert.equal(await loserPage.textContent('#game-profile'), `Profile of ${winnerName}`);
    assert.equal(await winnerPage.textContent('#game-profile'), `Profile of ${loserName}`);

    // The record: finished, with that score and winner.
    const record = await eventually(async () => {
      const r = await call(ctx.server, 'GET', `/api/games/${gameId}`, { token: a.token });
      assert.equal(r.status, 200, r.text);
      return r.json.status !== 'live' ? r.json : null;
    }, { message: 'the game is recorded' });
    assert.equal(record.status, 'finished');
    assert.equal(record.ended_how, 'score');
    assert.deepEqual(record.score, score);
    assert.equal(record.winner, Number(endA.winner));
    assert.deepEqual(record.players.map((p) => p.id), [a.user.id, b.user.id]);
    assert.equal(record.options.winning_score, 1);
    assert.ok(record.ticks > 0 && record.final_hash > 0, JSON.stringify(record));

    // The replay, on the same page: A through "Watch the replay", B by reloading.
    await A.page.click('#game-replay');
    await B.page.reload();
    for (const { page } of [A, B]) {
      await waitHeading(page, 'Replay: Alice Remote vs Bob Remote');
      await page.waitForSelector(REPLAY);
      const d = await data(page, REPLAY);
      assert.equal(d.verified, 'ok');
      assert.equal(d.ticks, String(record.ticks));
      assert.equal(d.tick, '0');
      assert.equal(d.score, '0-0');
      assert.equal(await page.getAttribute('#replay-check', 'data-ok'), 'true');
      assert.equal(await page.textContent('#replay-check'),
        `✓ Verified: the replay ends on the stored state (hash ${hex(record.final_hash)}, ${record.ticks} ticks).`);
    }
    // A plays it at 4× to the end.
    await A.page.selectOption('#replay-speed', '4');
    await A.page.click('#replay-play');
    await A.page.waitForSelector(`${REPLAY}[data-playing="true"]`);
    const started = Date.now();
    await A.page.waitForSelector(`${REPLAY}[data-done="true"][data-playing="false"]`, { timeout: 30000 });
    const took = Date.now() - started;
    const end = await data(A.page, REPLAY);
    assert.equal(end.tick, String(record.ticks));
    assert.equal(end.score, score.join('-'));
    assert.equal(end.verified, 'ok');
    assert.ok(took < (record.ticks / 60) * 1000, `4× is faster than real time: ${took} ms for ${record.ticks} ticks`);
    assert.equal(await A.page.textContent('[data-testid="pong-score-left"]'), String(score[0]));
    assert.equal(await A.page.textContent('[data-testid="pong-score-right"]'), String(score[1]));
    assert.equal(await A.page.textContent('#replay-play'), 'Play');
    assert.match(await A.page.textContent('#app'), new RegExp(`Final score ${score[0]} – ${score[1]}\\.`));
    await shot(A.page, 'remote-replay.png');

    for (const { problems } of [A, B]) assert.deepEqual(problems, []);
  });
  await A.context.close();
  await B.context.close();
});
