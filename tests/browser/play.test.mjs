// The play page against the real server: a local game driven by the keyboard, a game
// against the AI to the end, translations, touch controls, and clean teardown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, withScreenshots, eventually, waitHeading } from './lib.mjs';

const ctx = useServerAndBrowser();
const BOARD = '[data-testid="pong-board"]';

async function openPlay(options = {}, heading = 'Play Pong') {
  const opened = await openPage(ctx.browser, { locale: 'en-US', ...options });
  await opened.page.goto(`${ctx.server.base}/play`);
  await waitHeading(opened.page, heading);
  return opened;
}

/** The board's data-* attributes, read in one go. */
function board(page) {
  return page.evaluate((sel) => ({ ...document.querySelector(sel)?.dataset }), BOARD);
}

async function waitStatus(page, status, timeout) {
  await page.waitForSelector(`${BOARD}[data-status="${status}"]`, timeout ? { timeout } : {});
}

async function holdKey(page, key, ms) {
  await page.keyboard.down(key);
  await page.waitForTimeout(ms);
  await page.keyboard.up(key);
  await page.waitForTimeout(50); // the release reaches the next step
}

test('a local game: each player moves their own paddle, points are scored, Space pauses', async (t) => {
  const { context, page, problems } = await openPlay({ viewport: { width: 1280, height: 900 } });
  await withScreenshots(t, async (track) => {
    track(page);
    assert.equal(await page.title(), 'Play · Transcendence');
    assert.equal(await page.isChecked('#play-mode-local'), true);
    assert.equal(await page.inputValue('#pong-preset'), 'classic', 'classic is the default preset');
    await page.selectOption('#pong-preset', 'classic');
    await page.click('#play-start');
    await page.waitForSelector(BOARD);
    await waitHeading(page, 'Player 1 vs Player 2');
    assert.equal(await page.textContent('[data-testid="pong-name-left"]'), 'Player 1');
    assert.equal(await page.textContent('[data-testid="pong-name-right"]'), 'Player 2');
    assert.equal((await board(page)).status, 'serving');
    assert.match(await page.getAttribute(`${BOARD} canvas`, 'aria-label'), /Player 1 on the left, Player 2 on the right/);

    await waitStatus(page, 'playing');
    const before = await board(page);
    await holdKey(page, 'w', 400);
    const afterW = await board(page);
    assert.ok(Number(afterW.leftY) < Number(before.leftY) - 50, `W moves the left paddle up: ${before.leftY} → ${afterW.leftY}`);
    assert.equal(afterW.rightY, before.rightY, 'W leaves the right paddle alone');

    await holdKey(page, 'ArrowDown', 400);
    const afterDown = await board(page);
    assert.ok(Number(afterDown.rightY) > Number(afterW.rightY) + 50, `ArrowDown moves the right paddle down: ${afterW.rightY} → ${afterDown.rightY}`);
    assert.equal(afterDown.leftY, afterW.leftY, 'ArrowDown leaves the left paddle alone');
    const scrollY = await page.evaluate(() => window.scrollY);
    assert.equal(scrollY, 0, 'the game keys do not scroll the page');

    // Both players keep their paddle on the far side of the ball until someone scores.
    const holding = { left: null, right: null };
    const hold = async (side, key) => {
      if (holding[side] === key) return;
      if (holding[side]) await page.keyboard.up(holding[side]);
      holding[side] = key;
      await page.keyboard.down(key);
    };
    await eventually(async () => {
      const b = await board(page);
      if (b.score !== '0-0') return true;
      const ballHigh = Number(b.ballY) + 6 < 300;
      await hold('left', ballHigh ? 's' : 'w');
      await hold('right', ballHigh ? 'ArrowDown' : 'ArrowUp');
      return false;
    }, { timeout: 20000, interval: 30, message: 'a point is scored' });
    for (const key of Object.values(holding)) if (key) await page.keyboard.up(key);
    const scored = await board(page);
    assert.match(scored.score, /^(1-0|0-1)$/);
    const shown = [await page.textContent('[data-testid="pong-score-left"]'), await page.textContent('[data-testid="pong-score-right"]')];
    assert.equal(shown.join('-'), scored.score, 'the scoreboard shows the score');
    assert.equal(await page.getAttribute(`${BOARD} .pong-scoreboard`, 'aria-live'), 'polite');

    // Space pauses: nothing moves, not even a paddle whose key is held.
    await page.keyboard.press('Space');
    await waitStatus(page, 'paused');
    assert.equal(await page.textContent('[data-testid="pong-pause"]'), 'Resume');
    assert.equal(await page.textContent(`${BOARD} .pong-overlay-title`), 'Paused');
    const paused = await board(page);
    await holdKey(page, 's', 300);
    await page.waitForTimeout(200);
    assert.deepEqual(await board(page), paused, 'the state does not change while paused');

    await page.keyboard.press('Space');
    await eventually(async () => {
      const b = await board(page);
      return b.status !== 'paused' && Number(b.tick) > Number(paused.tick);
    }, { message: 'the game resumes' });
    assert.equal(await page.textContent('[data-testid="pong-pause"]'), 'Pause');

    // The Pause button works too.
    await page.click('[data-testid="pong-pause"]');
    await waitStatus(page, 'paused');
    await page.click('[data-testid="pong-pause"]');
    await eventually(async () => (await board(page)).status !== 'paused', { message: 'resumed by the button' });
    // Focus is on the button now: Space still toggles exactly once.
    await page.keyboard.press('Space');
    await waitStatus(page, 'paused');
    await page.waitForTimeout(100);
    assert.equal((await board(page)).status, 'paused');
    await page.keyboard.press('Space');
    await eventually(async () => (await board(page)).status !== 'paused', { message: 'resumed by Space' });
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('a game against the AI (first to 1) ends with the result, then a new game', async (t) => {
  const { context, page, problems } = await openPlay();
  await withScreenshots(t, async (track) => {
    track(page);
    await page.check('#play-mode-ai');
    assert.equal(await page.isVisible('#play-level'), true);
    assert.equal(await page.isVisible('#play-name-right'), false);
    await page.selectOption('#play-level', 'hard');
    await page.fill('#pong-winning-score', '1');
    assert.equal(await page.inputValue('#pong-preset'), 'custom', 'an edited preset becomes custom');
    await page.fill('#play-name-left', '<b>Ann</b>');
    await page.click('#play-start');
    await page.waitForSelector(BOARD);
    await waitHeading(page, '<b>Ann</b> vs AI (hard)');
    assert.equal(await page.textContent('[data-testid="pong-name-left"]'), '<b>Ann</b>', 'names are text');
    assert.equal(await page.locator(`${BOARD} b`).count(), 0);
    assert.equal(await page.textContent('[data-testid="pong-name-right"]'), 'AI (hard)');

    // The human keeps to the top; the game is over at the first point.
    await page.keyboard.down('ArrowUp');
    await waitStatus(page, 'over', 40000);
    await page.keyboard.up('ArrowUp');
    const over = await board(page);
    assert.match(over.score, /^(1-0|0-1)$/);
    assert.ok(['0', '1'].includes(over.winner));
    const winner = over.winner === '0' ? '<b>Ann</b>' : 'AI (hard)';
    assert.equal(await page.textContent(`${BOARD} .pong-overlay-title`), `${winner} wins`);
    assert.equal(await page.textContent(`${BOARD} .pong-overlay-text`), over.score.replace('-', ' – '));
    await page.waitForSelector('#play-result:not([hidden])');
    assert.equal(await page.textContent('#play-result .play-result-text'), `${winner} wins, ${over.score.replace('-', ' – ')}.`);
    assert.equal(await page.isDisabled('[data-testid="pong-pause"]'), true);

    // The state is frozen once over.
    await page.waitForTimeout(300);
    assert.deepEqual(await board(page), over);

    await page.click('#play-new-game');
    await eventually(async () => {
      const b = await board(page);
      return b.status === 'serving' && b.score === '0-0' && b.winner === undefined;
    }, { message: 'a new game starts' });
    assert.equal(await page.isHidden('#play-result'), true);

    // Back to the settings: the options were remembered.
    await page.click('#play-settings');
    await page.waitForSelector('#play-start');
    assert.equal(await page.locator(BOARD).count(), 0);
    assert.equal(await page.inputValue('#pong-winning-score'), '1');
    assert.equal(await page.isChecked('#play-mode-ai'), true);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('pong.options')));
    assert.equal(stored.winningScore, 1);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('the page in French, errors translated, a language switch relabels the running board', async (t) => {
  const { context, page, problems } = await openPlay({ locale: 'fr-FR' }, 'Jouer à Pong');
  await withScreenshots(t, async (track) => {
    track(page);
    assert.equal(await page.title(), 'Jouer · Transcendence');
    assert.equal(await page.textContent('label[for="pong-ball-speed"]'), 'Vitesse de la balle');
    assert.equal(await page.textContent('label[for="pong-winning-score"]'), 'Points pour gagner');
    assert.equal(await page.textContent('label[for="play-mode-ai"]'), 'Contre l’ordinateur');
    assert.equal(await page.textContent('#pong-preset option[value="classic"]'), 'Classique');
    assert.equal(await page.textContent('#play-start'), 'Lancer la partie');

    await page.fill('#pong-winning-score', '0');
    assert.equal(await page.textContent('#pong-winning-score-error'), 'Saisissez un nombre entier de 1 à 21.');
    assert.equal(await page.getAttribute('#pong-winning-score', 'aria-invalid'), 'true');
    assert.equal(await page.isDisabled('#play-start'), true);
    await page.fill('#pong-winning-score', '3');
    assert.equal(await page.textContent('#pong-winning-score-error'), '');
    assert.equal(await page.isDisabled('#play-start'), false);

    await page.selectOption('#pong-preset', 'arcade');
    assert.equal(await page.inputValue('#pong-winning-score'), '7');
    assert.equal(await page.isChecked('#pong-powerups'), true);
    await page.click('#play-start');
    await page.waitForSelector(BOARD);
    assert.equal(await page.textContent(`${BOARD} .pong-overlay-text`), 'Préparez-vous !');
    await waitHeading(page, 'Joueur 1 contre Joueur 2');
    assert.equal(await page.textContent('[data-testid="pong-restart"]'), 'Recommencer');
    assert.match(await page.textContent(`${BOARD} .pong-keys`), /Espace : pause/);
    assert.equal(await page.textContent(`${BOARD} .pong-legend h3`), 'Bonus');
    assert.match(await page.textContent(`${BOARD} .pong-legend`), /Agrandir.*Rétrécir.*Vitesse/);

    // Switching the language keeps the game and translates it.
    const tick = Number((await board(page)).tick);
    await page.selectOption('#lang-select', 'ru');
    // The names were chosen in French and stay; the rest follows the language.
    await waitHeading(page, 'Joueur 1 — Joueur 2');
    assert.equal(await page.textContent('[data-testid="pong-restart"]'), 'Заново');
    assert.equal(await page.textContent('#play-settings'), 'Изменить настройки');
    await eventually(async () => Number((await board(page)).tick) > tick || (await board(page)).status === 'serving',
      { message: 'the same game goes on' });
    assert.equal(await page.locator(BOARD).count(), 1);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('on a touch phone the field fits the screen, is sharp, and has paddle buttons', async (t) => {
  const { context, page, problems } = await openPlay({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true,
  });
  await withScreenshots(t, async (track) => {
    track(page);
    await page.click('#play-start');
    await page.waitForSelector(BOARD);
    const size = await page.evaluate((sel) => {
      const canvas = document.querySelector(`${sel} canvas`);
      return { css: canvas.clientWidth, cssH: canvas.clientHeight, w: canvas.width, h: canvas.height, page: document.documentElement.scrollWidth };
    }, BOARD);
    assert.ok(size.page <= 390, `no horizontal overflow (${size.page})`);
    assert.ok(size.css > 300, `the field uses the width (${size.css})`);
    assert.ok(Math.abs(size.cssH - (size.css * 3) / 4) <= 1, '4:3');
    assert.equal(size.w, Math.round(size.css * 2), 'backing store at the device pixel ratio');

    const buttons = page.locator(`${BOARD} .pong-touch-btn`);
    assert.equal(await buttons.count(), 4, 'up and down for each human');
    assert.equal(await buttons.first().isVisible(), true);
    const box = await buttons.first().boundingBox();
    assert.ok(box.width >= 44 && box.height >= 44, `big enough for a finger: ${box.width}x${box.height}`);
    assert.match(await buttons.first().getAttribute('aria-label'), /^Player 1: up$/);

    await waitStatus(page, 'playing');
    const down = page.locator(`${BOARD} .pong-touch-side-right .pong-touch-down`);
    const before = await board(page);
    await down.dispatchEvent('pointerdown', { pointerId: 7, pointerType: 'touch', isPrimary: true, button: 0 });
    await page.waitForTimeout(400);
    await down.dispatchEvent('pointerup', { pointerId: 7, pointerType: 'touch', isPrimary: true, button: 0 });
    await page.waitForTimeout(50);
    const after = await board(page);
    assert.ok(Number(after.rightY) > Number(before.rightY) + 50, `the down button moves the right paddle: ${before.rightY} → ${after.rightY}`);
    assert.equal(after.leftY, before.leftY);
    await page.waitForTimeout(200);
    assert.equal((await board(page)).rightY, after.rightY, 'released: the paddle stops');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('leaving the page releases the game; typing in a field is not game input', async (t) => {
  const { context, page, problems } = await openPlay();
  await withScreenshots(t, async (track) => {
    track(page);
    // Keys typed into a name field go to the field, even the game keys.
    await page.fill('#play-name-left', '');
    await page.focus('#play-name-left');
    await page.keyboard.type('ws w');
    assert.equal(await page.inputValue('#play-name-left'), 'ws w');
    await page.click('#play-start');
    await page.waitForSelector(BOARD);
    await waitHeading(page, 'ws w vs Player 2');

    const prevented = () => page.evaluate(() => {
      const e = new KeyboardEvent('keydown', { key: 'ArrowDown', code: 'ArrowDown', cancelable: true, bubbles: true });
      document.body.dispatchEvent(e);
      return e.defaultPrevented;
    });
    assert.equal(await prevented(), true, 'the running game takes the arrow keys');

    // A hidden tab pauses the game.
    await page.waitForSelector(`${BOARD}:not([data-status="paused"])`);
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitStatus(page, 'paused');
    await page.evaluate(() => { delete document.hidden; });

    await page.click('#nav-home');
    await waitHeading(page, 'Real-time Pong, in your browser');
    assert.equal(await prevented(), false, 'the listeners are gone with the view');
    assert.equal(await page.locator(BOARD).count(), 0);

    // From the home page's Play card back to the game.
    assert.equal(await page.getAttribute('#home-tournament', 'href'), '/tournament');
    await page.click('#home-play');
    await waitHeading(page, 'Play Pong');
    assert.equal(new URL(page.url()).pathname, '/play');
    assert.deepEqual(problems, []);
  });
  await context.close();
});
