// The game board: one local Pong game (two humans, human vs AI, or AI vs AI) drawn on a
// canvas, with its scoreboard, overlays, controls, touch buttons and power-up legend.
// Used by the play page and the tournament page.
//
//   createBoard({ module, i18n, options, seed, players, onFinish }) → Promise<board>
//   board = { element, start(), pause(), resume(), restart(), destroy(), get paused, get over }
//
// A composition of three parts that a remote game can reuse with another source of state:
// renderer.js draws a state onto the canvas, input.js turns keyboard and touch into each
// side's key, loop.js runs the fixed 60 steps/s clock (an accumulator fed by
// requestAnimationFrame; each frame draws positions interpolated between the previous and
// the current step, at the display's own refresh rate). This module adds the local source
// (the simulation with its AI players and the intro countdown) and the page around the
// canvas: scoreboard, overlay, controls, touch buttons and power-up legend.
//
// For tests, the root element carries data-status (serving|playing|over|paused),
// data-score ("3-1"), data-left-y / data-right-y (paddle tops, px), data-ball-x /
// data-ball-y (ball top-left, px), data-tick and, once over, data-winner ("0"/"1").
import { h } from '../app/dom.js';
import { AI_LEVELS, EV, KEY, STATUS, createGame, randomSeed } from './pong.js';
import { POWERUP_LOOK, createRenderer, nextTrail } from './renderer.js';
import { createInput } from './input.js';
import { createStepClock, runFrames } from './loop.js';

const INTRO_STEPS = 120;           // before the first serve: with the game's own 1 s serve, a 3-2-1

function checkPlayers(players) {
  if (!Array.isArray(players) || players.length !== 2) throw new TypeError('players must be [left, right]');
  return players.map((p, i) => {
    const ai = p?.ai ?? null;
    if (ai !== null && !AI_LEVELS.includes(ai)) throw new TypeError(`players[${i}].ai must be null or one of ${AI_LEVELS.join(', ')}`);
    const name = typeof p?.name === 'string' && p.name.trim() !== '' ? p.name.trim() : `P${i + 1}`;
    return Object.freeze({ name, ai });
  });
}

/**
 * Creates a board (see the top of this file). The game waits for start(). `onFinish` is
 * called once per game, when it ends, with { winner, score }.
 */
export async function createBoard({ module, i18n, options, seed, players, onFinish = () => {} }) {
  const who = checkPlayers(players);
  const game = await createGame(module, options, seed ?? randomSeed());
  const { t } = i18n;
  const geo = game.geometry;
  const humans = [0, 1].filter((s) => who[s].ai === null);

  // ---- state ----
  let cur = game.state();
  let prev = cur;
  let alpha = 1;
  let trail = [];
  let started = false;
  let paused = false;
  let over = false;
  let destroyed = false;
  let introSteps = INTRO_STEPS;
  let dirty = true;
  let finishPending = null;
  const clock = createStepClock();
  const input = createInput({
    humans,
    live: () => started && !over && !destroyed && element.isConnected,
    onPauseKey: () => (paused ? resume() : pause()),
    onHidden: () => pause(),
  });

  function setupAI() {
    for (const s of [0, 1]) if (who[s].ai) game.setAI(s, AI_LEVELS.indexOf(who[s].ai));
  }
  setupAI();

  // ---- DOM ----
  const scoreEls = [h('span', { class: 'pong-score', 'data-testid': 'pong-score-left' }, '0'),
    h('span', { class: 'pong-score', 'data-testid': 'pong-score-right' }, '0')];
  const scoreboard = h('div', { class: 'pong-scoreboard', 'aria-live': 'polite', 'aria-atomic': 'true' },
    h('span', { class: 'pong-name pong-name-left', 'data-testid': 'pong-name-left' }, who[0].name),
    scoreEls[0],
    h('span', { class: 'pong-score-sep', 'aria-hidden': 'true' }, ':'),
    scoreEls[1],
    h('span', { class: 'pong-name pong-name-right', 'data-testid': 'pong-name-right' }, who[1].name));
  const scoreLabel = h('span', { class: 'visually-hidden' });
  scoreboard.prepend(scoreLabel);

  const fallback = h('p', {});
  const canvas = h('canvas', { class: 'pong-canvas', width: String(geo.width), height: String(geo.height), role: 'img' }, fallback);
  const overlayTitle = h('div', { class: 'pong-overlay-title' });
  const overlayText = h('div', { class: 'pong-overlay-text' });
  const overlay = h('div', { class: 'pong-overlay', 'data-testid': 'pong-overlay', hidden: true }, overlayTitle, overlayText);
  const stage = h('div', { class: 'pong-stage' }, canvas, overlay);

  const pauseButton = h('button', { type: 'button', class: 'btn btn-primary pong-pause', 'data-testid': 'pong-pause', onclick: () => (paused ? resume() : pause()) });
  const restartButton = h('button', { type: 'button', class: 'btn btn-outline-secondary pong-restart', 'data-testid': 'pong-restart', onclick: () => restart() });
  const keysHelp = h('span', { class: 'pong-keys small text-body-secondary' });
  const controls = h('div', { class: 'pong-controls' }, pauseButton, restartButton, keysHelp);

  const touchButtons = [];
  const touchSide = (s) => {
    const mk = (dir) => {
      const b = h('button', {
        type: 'button',
        class: `btn btn-dark pong-touch-btn pong-touch-${dir === KEY.UP ? 'up' : 'down'}`,
        tabindex: '-1',
        'data-side': String(s),
      }, h('span', { 'aria-hidden': 'true' }, dir === KEY.UP ? '▲' : '▼'));
      touchButtons.push({ el: b, side: s, dir });
      input.bindTouch(b, s, dir);
      return b;
    };
    return h('div', { class: `pong-touch-side pong-touch-side-${s ? 'right' : 'left'}` }, mk(KEY.UP), mk(KEY.DOWN));
  };
  const touchRow = humans.length
    ? h('div', { class: `pong-touch pong-touch-count-${humans.length}` }, humans.map(touchSide))
    : null;

  const legendTitle = h('h3', { class: 'h6 mb-2' });
  const legendNote = h('p', { class: 'small text-body-secondary mb-2' });
  const legendItems = Object.keys(POWERUP_LOOK).map((kind) => {
    const text = h('span', {});
    return { kind, text, el: h('li', { class: 'pong-legend-item' },
      h('span', { class: `pong-pu pong-pu-${kind}`, 'aria-hidden': 'true' }, POWERUP_LOOK[kind].symbol), text) };
  });
  const legend = game.options?.powerups
    ? h('div', { class: 'pong-legend', 'data-testid': 'pong-legend' }, legendTitle, legendNote,
      h('ul', { class: 'list-unstyled mb-0' }, legendItems.map((i) => i.el)))
    : null;

  const announcer = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });

  const hasTouch = (navigator.maxTouchPoints ?? 0) > 0 || window.matchMedia?.('(any-pointer: coarse)').matches;
  const element = h('div', {
    class: `pong-board${hasTouch ? ' pong-has-touch' : ''}`,
    'data-testid': 'pong-board',
    'data-humans': String(humans.length),
  }, scoreboard, stage, touchRow, controls, legend, announcer);

  const renderer = createRenderer(canvas, geo);
  // A touch on the field reveals the paddle buttons where the screen was not known as touch.
  stage.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'touch') element.classList.add('pong-has-touch');
  });

  // ---- texts ----
  function relabel() {
    scoreLabel.textContent = `${t('board.score')}: `;
    const alt = t('board.canvas', { left: who[0].name, right: who[1].name });
    canvas.setAttribute('aria-label', alt);
    fallback.textContent = alt;
    restartButton.textContent = t('board.restart');
    if (humans.length === 2) keysHelp.textContent = t('board.keys.two', { left: who[0].name, right: who[1].name });
    else if (humans.length === 1) keysHelp.textContent = t('board.keys.one', { name: who[humans[0]].name });
    else keysHelp.textContent = t('board.keys.none');
    for (const b of touchButtons) {
      b.el.setAttribute('aria-label', t(b.dir === KEY.UP ? 'board.touch.up' : 'board.touch.down', { name: who[b.side].name }));
    }
    legendTitle.textContent = t('board.legend');
    legendNote.textContent = t('board.legend.note');
    for (const item of legendItems) item.text.textContent = t(`board.pu.${item.kind}`);
    updateControls();
    updateOverlay(true);
  }

  function updateControls() {
    pauseButton.textContent = t(paused ? 'board.resume' : 'board.pause');
    pauseButton.disabled = !started || over;
    pauseButton.setAttribute('aria-pressed', String(paused));
  }

  let overlayKey = null;
  function updateOverlay(force = false) {
    let key;
    let title = '';
    let text = '';
    if (over) {
      key = `over:${cur.winner}`;
      title = t('board.wins', { name: who[cur.winner]?.name ?? '' });
      text = `${cur.score[0]} – ${cur.score[1]}`;
    } else if (paused) {
      key = 'paused';
      title = t('board.paused');
      text = t('board.paused.hint');
    } else if (!started) {
      key = 'ready';
      title = t('board.ready');
    } else if (introSteps > 0 || cur.status === STATUS.SERVING) {
      const seconds = Math.max(1, Math.ceil((introSteps + cur.serveTimer) / geo.stepsPerSecond));
      key = `count:${seconds}`;
      title = String(seconds);
      text = introSteps > 0 ? t('board.getReady') : '';
    } else {
      key = null;
    }
    if (key === overlayKey && !force) return;
    overlayKey = key;
    overlay.hidden = key === null;
    overlay.dataset.kind = key === null ? '' : key.split(':')[0];
    overlayTitle.textContent = title;
    overlayText.textContent = text;
  }

  function announce(text) {
    announcer.textContent = text;
  }

  // ---- attributes for tests and styles ----
  function setData(name, value) {
    if (value === null) {
      if (name in element.dataset) delete element.dataset[name];
    } else if (element.dataset[name] !== value) {
      element.dataset[name] = value;
    }
  }

  function statusName() {
    if (over) return 'over';
    if (paused) return 'paused';
    if (!started || introSteps > 0 || cur.status === STATUS.SERVING) return 'serving';
    return 'playing';
  }

  function sync() {
    setData('status', statusName());
    setData('score', `${cur.score[0]}-${cur.score[1]}`);
    setData('leftY', String(Math.round(cur.paddles[0].y)));
    setData('rightY', String(Math.round(cur.paddles[1].y)));
    setData('ballX', String(Math.round(cur.ball.x)));
    setData('ballY', String(Math.round(cur.ball.y)));
    setData('tick', String(cur.tick));
    setData('winner', over ? String(cur.winner) : null);
    for (const s of [0, 1]) {
      const text = String(cur.score[s]);
      if (scoreEls[s].textContent !== text) scoreEls[s].textContent = text;
    }
  }

  const offLanguage = typeof i18n.onChange === 'function' ? i18n.onChange(() => relabel()) : () => {};

  // ---- simulation (the local source of states) ----
  /** One fixed step; true once the game is over (the clock stops stepping). */
  function stepOnce() {
    if (introSteps > 0) {
      introSteps -= 1;
      return false;
    }
    const left = who[0].ai ? game.aiKey(0) : input.key(0);
    const right = who[1].ai ? game.aiKey(1) : input.key(1);
    const ev = game.step(left, right);
    prev = cur;
    cur = game.state();
    const jumped = (ev & (EV.SCORE_LEFT | EV.SCORE_RIGHT | EV.SERVE)) !== 0;
    if (jumped) prev = { ...prev, ball: cur.ball };   // the ball jumped: no interpolation across it
    trail = nextTrail(trail, cur, jumped);
    if (ev & EV.GAME_OVER) {
      over = true;
      input.release();
      finishPending = { winner: cur.winner, score: [cur.score[0], cur.score[1]] };
      announce(`${t('board.wins', { name: who[cur.winner].name })}, ${cur.score[0]} – ${cur.score[1]}`);
      updateControls();
    }
    return over;
  }

  // ---- loop ----
  function frame(now) {
    if (renderer.fit()) dirty = true;
    if (started && !paused && !over) {
      const run = clock.advance(now, stepOnce);
      alpha = run.alpha;
      if (run.steps > 0) sync();
      dirty = true;
    } else {
      clock.hold();
    }
    updateOverlay();
    if (dirty) {
      renderer.draw({ state: cur, prev, alpha, trail, serveRing: !over && introSteps === 0 });
      dirty = false;
    }
    if (finishPending) {
      const result = finishPending;
      finishPending = null;
      onFinish(result);
    }
  }

  // ---- controls ----
  function start() {
    if (destroyed || started) return;
    started = true;
    clock.hold();
    dirty = true;
    sync();
    updateControls();
    updateOverlay();
  }

  function setPaused(value) {
    paused = value;
    if (paused) input.release();
    else clock.hold();
    sync();
    updateControls();
    updateOverlay();
    announce(t(paused ? 'board.paused' : 'board.resumed'));
  }

  function pause() {
    if (destroyed || !started || over || paused) return;
    setPaused(true);
  }

  function resume() {
    if (destroyed || !paused) return;
    setPaused(false);
  }

  function restart() {
    if (destroyed) return;
    game.reset(game.options ?? options, randomSeed());
    setupAI();
    cur = game.state();
    prev = cur;
    alpha = 1;
    trail = [];
    introSteps = INTRO_STEPS;
    clock.reset();
    over = false;
    paused = false;
    started = true;
    finishPending = null;
    input.release();
    dirty = true;
    sync();
    updateControls();
    updateOverlay(true);
    announce(t('board.restarted'));
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    stopFrames();
    input.destroy();
    offLanguage();
    element.remove();
  }

  relabel();
  sync();
  const stopFrames = runFrames(frame);

  return {
    element,
    start,
    pause,
    resume,
    restart,
    destroy,
    get paused() { return paused; },
    get over() { return over; },
  };
}
