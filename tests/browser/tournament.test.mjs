// Local tournament page against the real server and the real board: a four-player
// tournament played through to its champion (with reloads on the way), alias validation,
// a three-player bracket with a bye, the inline "new tournament" confirmation, corrupt
// storage. Games are shortened only through the real settings panel (winning score 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, withScreenshots, waitHeading } from './lib.mjs';

const ctx = useServerAndBrowser();

// The alias limit is 20 code points: this one fits exactly and is HTML that would run
// script if it were ever parsed.
const HTML_ALIAS = '<svg/onload=alert()>';
// The classic payload is too long to be an alias: it is refused with the length error.
const XSS = '<img src=x onerror=alert(1)>';
const GAME_TIMEOUT = 30000;

async function openTournament(options = {}) {
  const opened = await openPage(ctx.browser, { locale: 'en-US', ...options });
  await opened.page.goto(`${ctx.server.base}/tournament`);
  return opened;
}

/** Makes the setup list exactly `aliases` long (Enter adds a row, ✕ removes one) and fills it. */
async function setAliases(page, aliases) {
  for (;;) {
    const rows = await page.locator('#alias-list input').count();
    if (rows < aliases.length) await page.press(`#alias-${rows - 1}`, 'Enter');
    else if (rows > aliases.length) await page.click('#alias-list li:last-child .alias-remove');
    else break;
  }
  for (const [i, alias] of aliases.entries()) await page.fill(`#alias-${i}`, alias);
}

/** The announced next match: { id, left, right, text }. */
async function announced(page) {
  const next = page.locator('#tournament-next');
  const [left, right] = await next.locator('.tournament-alias').allTextContents();
  return { id: await next.getAttribute('data-match'), left, right, text: await page.textContent('#tournament-next-text') };
}

function orderTexts(page) {
  return page.locator('#tournament-order .order-label').allTextContents();
}

function orderStates(page) {
  return page.locator('#tournament-order li').evaluateAll((els) => els.map((el) => el.dataset.state));
}

/**
 * Plays the announced match on the board: the left player holds W, so its paddle leaves
 * the middle and the point ends quickly. Returns the match with its winner and result text.
 */
async function playAnnounced(page) {
  const next = await announced(page);
  assert.equal(next.text, `Next: ${next.left} (left, W/S) vs ${next.right} (right, ↑/↓)`);
  await page.click('#tournament-play');
  const board = page.locator('[data-testid="pong-board"]');
  await board.waitFor();
  assert.equal(await page.textContent('#tournament-matchup'), `${next.left} (left, W/S) vs ${next.right} (right, ↑/↓)`);
  assert.deepEqual(await board.locator('[data-testid="pong-name-left"], [data-testid="pong-name-right"]').allTextContents(),
    [next.left, next.right], 'the board shows the aliases, left then right');
  await page.keyboard.down('w');
  await page.waitForSelector('[data-testid="pong-board"][data-status="over"]', { timeout: GAME_TIMEOUT });
  await page.keyboard.up('w');
  const side = Number(await board.getAttribute('data-winner'));
  const score = (await board.getAttribute('data-score')).split('-').map(Number);
  assert.ok(side === 0 || side === 1, `winner ${side}`);
  const winner = side === 0 ? next.left : next.right;
  const loser = side === 0 ? next.right : next.left;
  const result = `${winner} beat ${loser} ${Math.max(...score)}–${Math.min(...score)}`;
  await page.waitForSelector('#tournament-result:not([hidden])');
  assert.equal(await page.textContent('#tournament-result h2'), `${winner} wins!`);
  assert.equal(await page.textContent('#tournament-result p'), result);
  await page.click('#tournament-continue');
  await waitHeading(page, 'Tournament');
  return { ...next, winner, loser, result };
}

/** Checks the bracket and the order list after `played` matches. */
async function checkProgress(page, played) {
  assert.equal(await page.textContent('#tournament-progress'), `Matches played: ${played.length} of 3`);
  const states = await orderStates(page);
  assert.deepEqual(states.slice(0, played.length), played.map(() => 'done'));
  const items = page.locator('#tournament-order li');
  for (const [i, m] of played.entries()) {
    assert.equal(await items.nth(i).locator('.order-label').textContent(), `Match ${i + 1} of 3: ${m.left} vs ${m.right}`);
    assert.equal(await items.nth(i).locator('.order-status').textContent(), m.result);
    const match = page.locator(`#tournament-bracket [data-match="${m.id}"]`);
    assert.equal(await match.getAttribute('data-state'), 'done');
    assert.equal(await match.locator('.bracket-side.is-winner .bracket-name').textContent(), m.winner);
    assert.equal(await match.locator('.bracket-side.is-loser .bracket-name').textContent(), m.loser);
  }
  if (played.length < 3) {
    const next = await announced(page);
    assert.equal(states[played.length], 'next', 'the announced match is the next in the order list');
    assert.equal(await items.nth(played.length).getAttribute('data-match'), next.id);
    assert.equal(await page.getAttribute(`#tournament-bracket [data-match="${next.id}"]`, 'data-state'), 'next');
    assert.equal(await page.locator('#tournament-bracket .bracket-match.is-next').count(), 1);
  }
}

test('a four-player tournament is played through to its champion, surviving reloads', async (t) => {
  const { context, page, problems, dialogs } = await openTournament();
  await withScreenshots(t, async (track) => {
    track(page);
    await waitHeading(page, 'New tournament');
    assert.equal(await page.locator('#alias-list input').count(), 4, 'four rows to start with');
    const aliases = ['Ada', 'Bob', HTML_ALIAS, 'Dee'];
    await setAliases(page, aliases);
    await page.fill('#tournament-winning-score', '1');
    await page.click('#tournament-draw');
    await waitHeading(page, 'Tournament');

    // The whole bracket: two semifinals and a final waiting for their winners.
    assert.deepEqual(await page.locator('.bracket-round-title').allTextContents(), ['Semifinal', 'Final']);
    const names = await page.locator('.bracket-round[data-round="0"] .bracket-name').allTextContents();
    assert.deepEqual([...names].sort(), [...aliases].sort(), 'every alias is placed once, as text');
    assert.deepEqual(await page.locator('.bracket-round[data-round="1"] .bracket-name').allTextContents(),
      ['Winner of match 1', 'Winner of match 2']);
    const order = await orderTexts(page);
    assert.equal(order.length, 3);
    assert.equal(order[2], 'Match 3 of 3: Winner of match 1 vs Winner of match 2');
    assert.equal(await page.textContent('#tournament-options'), 'Points to win a match: 1');
    await checkProgress(page, []);

    const played = [];
    played.push(await playAnnounced(page));
    await checkProgress(page, played);
    assert.equal(await page.textContent('#tournament-last-result'), `Match 1: ${played[0].result}`);

    // A reload resumes at the bracket with the same next match and the first result kept.
    const before = await announced(page);
    const orderBefore = await orderTexts(page);
    await page.reload();
    await waitHeading(page, 'Tournament');
    assert.deepEqual(await announced(page), before);
    assert.deepEqual(await orderTexts(page), orderBefore);
    await checkProgress(page, played);

    // A match interrupted by a reload is simply replayed.
    await page.click('#tournament-play');
    await page.waitForSelector('[data-testid="pong-board"]');
    await page.reload();
    await waitHeading(page, 'Tournament');
    assert.deepEqual(await announced(page), before);
    await checkProgress(page, played);

    played.push(await playAnnounced(page));
    await checkProgress(page, played);
    const final = await announced(page);
    assert.deepEqual([final.left, final.right], [played[0].winner, played[1].winner], 'the winners meet in the final');
    assert.equal(await page.textContent('#tournament-next h2'), 'Match 3 of 3 · Final');

    played.push(await playAnnounced(page));
    await checkProgress(page, played);
    assert.equal(await page.textContent('#tournament-champion-name'), played[2].winner);
    assert.equal(await page.locator('#tournament-next').count(), 0, 'nothing left to play');
    assert.equal(await page.locator('#tournament-new-after').isVisible(), true);

    // The champion survives a reload too.
    await page.reload();
    await page.waitForSelector('#tournament-champion-name');
    assert.equal(await page.textContent('#tournament-champion-name'), played[2].winner);

    // The HTML alias stayed text everywhere: no element was made from it, nothing ran.
    assert.ok((await page.locator('.bracket-name').allTextContents()).includes(HTML_ALIAS));
    assert.equal(await page.locator('#app svg, #app img, #app script').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);

    // A finished tournament starts a new one without asking; the old aliases are gone.
    await page.click('#tournament-new-after');
    await waitHeading(page, 'New tournament');
    assert.deepEqual(await page.locator('#alias-list input').evaluateAll((els) => els.map((el) => el.value)), ['', '', '', '']);
    assert.equal(await page.evaluate(() => localStorage.getItem('tournament.v1')), null);
    assert.equal(await page.inputValue('#tournament-winning-score'), '1', 'the tournament options are kept');
  });
  await context.close();
});

test('alias errors are shown next to each field; list errors above the list', async (t) => {
  const { context, page, problems, dialogs } = await openTournament();
  await withScreenshots(t, async (track) => {
    track(page);
    await waitHeading(page, 'New tournament');
    await setAliases(page, ['Ada', 'bob', 'BOB', '']);
    await page.click('#tournament-draw');
    await waitHeading(page, 'New tournament');
    const invalid = await page.locator('#alias-list input').evaluateAll((els) => els.map((el) => el.classList.contains('is-invalid')));
    assert.deepEqual(invalid, [false, false, true, true]);
    assert.equal(await page.textContent('#alias-2-error'), 'This alias is already taken (upper and lower case count as the same).');
    assert.equal(await page.textContent('#alias-3-error'), 'Enter an alias.');
    assert.equal(await page.getAttribute('#alias-2', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'alias-2', 'focus on the first wrong field');

    // Errors follow the typing once shown.
    await page.fill('#alias-2', 'Cy');
    assert.equal(await page.textContent('#alias-2-error'), '');
    await page.fill('#alias-3', XSS);
    assert.equal(await page.textContent('#alias-3-error'), 'An alias has at most 20 characters.');
    assert.equal(await page.inputValue('#alias-3'), XSS);

    // Enter adds a row right after the current one and moves there.
    await page.press('#alias-0', 'Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'alias-1');
    assert.deepEqual(await page.locator('#alias-list input').evaluateAll((els) => els.map((el) => el.value)),
      ['Ada', '', 'bob', 'Cy', XSS]);
    assert.equal(await page.textContent('#alias-count'), 'Players: 5 (from 3 to 16)');

    // Too few players is a list-level error.
    await setAliases(page, ['Ada', 'Bob']);
    await page.click('#tournament-draw');
    await page.waitForSelector('#aliases-error:not([hidden])');
    assert.equal(await page.textContent('#aliases-error'), 'A tournament needs at least 3 players.');

    // At most 16 rows.
    while (await page.locator('#alias-list input').count() < 16) await page.click('#alias-add');
    assert.equal(await page.isDisabled('#alias-add'), true);
    assert.equal(await page.textContent('#alias-count'), 'Players: 16 (from 3 to 16)');

    assert.equal(await page.evaluate(() => localStorage.getItem('tournament.v1')), null, 'nothing was drawn');
    assert.equal(await page.locator('#app img').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('three players: a bye, translated rounds, and a confirmed fresh start', async (t) => {
  const { context, page, problems } = await openTournament();
  await withScreenshots(t, async (track) => {
    track(page);
    await waitHeading(page, 'New tournament');
    await setAliases(page, ['Ann', 'Ben', 'Cat']);
    await page.click('#tournament-draw');
    await waitHeading(page, 'Tournament');

    const bye = page.locator('.bracket-match.is-bye');
    assert.equal(await bye.count(), 1);
    assert.equal(await bye.locator('.bracket-caption').textContent(), 'Bye');
    assert.equal(await bye.locator('.bracket-side.is-empty .bracket-name').textContent(), 'no opponent');
    const lucky = await bye.locator('.bracket-side:not(.is-empty) .bracket-name').textContent();
    assert.equal(await bye.locator('.bracket-through').textContent(), 'goes through');
    const first = await announced(page);
    assert.deepEqual([first.left, first.right, lucky].sort(), ['Ann', 'Ben', 'Cat']);
    assert.deepEqual(await orderTexts(page), [
      `Match 1 of 2: ${first.left} vs ${first.right}`,
      `Match 2 of 2: ${lucky} vs Winner of match 1`,
    ]);

    // The page follows a language switch.
    await page.selectOption('#lang-select', 'fr');
    await waitHeading(page, 'Tournoi');
    assert.deepEqual(await page.locator('.bracket-round-title').allTextContents(), ['Demi-finale', 'Finale']);
    assert.equal(await bye.locator('.bracket-caption').textContent(), 'Exempt');
    assert.equal(await page.textContent('#tournament-next-text'),
      `À suivre : ${first.left} (à gauche, W/S) contre ${first.right} (à droite, ↑/↓)`);

    // A language switch during a match keeps the running board; "Stop" goes back to the
    // bracket with the same match still to play.
    await page.click('#tournament-play');
    await page.waitForSelector('[data-testid="pong-board"]');
    await page.evaluate(() => { document.querySelector('[data-testid="pong-board"]').__marker = 1; });
    await page.selectOption('#lang-select', 'en');
    await waitHeading(page, 'Match 1 of 2 · Semifinal');
    assert.equal(await page.evaluate(() => document.querySelector('#tournament-stage [data-testid="pong-board"]')?.__marker), 1,
      'the same board element is shown after the switch');
    const tick = Number(await page.getAttribute('[data-testid="pong-board"]', 'data-tick'));
    await page.waitForFunction((t0) => Number(document.querySelector('[data-testid="pong-board"]').dataset.tick) > t0, tick);
    await page.click('#tournament-abandon');
    await waitHeading(page, 'Tournament');
    assert.equal(await page.locator('[data-testid="pong-board"]').count(), 0);
    assert.equal((await announced(page)).id, first.id);
    assert.equal(await page.textContent('#tournament-progress'), 'Matches played: 0 of 2');

    // "New tournament" asks first (inline, not a browser dialog); "keep playing" keeps it.
    await page.selectOption('#lang-select', 'fr');
    await waitHeading(page, 'Tournoi');
    await page.click('#tournament-new');
    await page.waitForSelector('#tournament-confirm');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tournament-confirm-cancel');
    await page.click('#tournament-confirm-cancel');
    assert.equal(await page.locator('#tournament-confirm').count(), 0);
    assert.notEqual(await page.evaluate(() => localStorage.getItem('tournament.v1')), null);
    await page.click('#tournament-new');
    await page.click('#tournament-confirm-yes');
    await waitHeading(page, 'Nouveau tournoi');
    assert.deepEqual(await page.locator('#alias-list input').evaluateAll((els) => els.map((el) => el.value)), ['', '', '', '']);
    assert.equal(await page.evaluate(() => localStorage.getItem('tournament.v1')), null);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('a corrupt saved tournament starts fresh with a notice', async (t) => {
  const { context, page, problems } = await openTournament();
  await withScreenshots(t, async (track) => {
    track(page);
    await waitHeading(page, 'New tournament');
    await page.evaluate(() => localStorage.setItem('tournament.v1', '{"version":1,"players":["Ada","Bob"'));
    await page.reload();
    await waitHeading(page, 'New tournament');
    assert.equal(await page.textContent('[data-notice="tournament.notice.corrupt"] span'),
      'The saved tournament could not be read, so it was discarded: start a new one.');
    assert.equal(await page.evaluate(() => localStorage.getItem('tournament.v1')), null, 'the bad entry is removed');
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('a game that cannot load shows an error and a retry; the tournament is untouched', async (t) => {
  const { context, page, problems } = await openTournament();
  await withScreenshots(t, async (track) => {
    track(page);
    await waitHeading(page, 'New tournament');
    await setAliases(page, ['Ann', 'Ben', 'Cat', 'Dan']);
    await page.click('#tournament-draw');
    await waitHeading(page, 'Tournament');
    const next = await announced(page);

    await page.route('**/*.wasm', (route) => route.abort());
    await page.click('#tournament-play');
    await page.waitForSelector('#tournament-game-error');
    assert.match(await page.textContent('#tournament-game-error'), /^The game could not be started\./);
    await page.unroute('**/*.wasm');
    await page.click('#tournament-game-error button');
    await page.waitForSelector('#tournament-stage [data-testid="pong-board"]');
    await page.click('#tournament-abandon');
    await waitHeading(page, 'Tournament');
    assert.deepEqual(await announced(page), next);
    assert.equal(await page.textContent('#tournament-progress'), 'Matches played: 0 of 3');
    // Only the refused download itself may have been reported.
    assert.deepEqual(problems.filter((p) => !/Failed to load resource|ERR_FAILED/.test(p)), []);
  });
  await context.close();
});
