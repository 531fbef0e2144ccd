// The replay of a stored game: its input log through the same simulation (replay.js) and
// the same drawing (renderer.js, loop.js), with play / pause, speed (0.5× to 4×), a
// position slider, and the check that the replay ends on the stored hash and tick count.
//
//   createReplayBoard({ module, i18n, replay, players }) → Promise<{ element, verified, destroy() }>
//
// `replay` is GET /api/games/{id}/replay; `players` [{ display_name } × 2]. The check runs
// the whole log at once on a second instance (milliseconds) before anything is drawn.
// For tests the root element carries data-playing, data-tick, data-ticks, data-score,
// data-done and data-verified ("ok" | "mismatch").
import { h } from '../app/dom.js';
import { EV, createGame } from './pong.js';
import { createReplay, verifyReplay } from './replay.js';
import { createRenderer, nextTrail } from './renderer.js';
import { STEP_MS, createStepClock, runFrames } from './loop.js';

export const SPEEDS = Object.freeze([0.5, 1, 2, 4]);

const hex = (n) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function clockText(ticks) {
  const s = Math.floor(ticks / 60);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export async function createReplayBoard({ module, i18n, replay, players }) {
  const { t } = i18n;
  const check = await createGame(module);
  const verified = verifyReplay(check, replay);
  const game = await createGame(module);
  const r = createReplay(game, replay);
  const geo = game.geometry;
  const names = [0, 1].map((s) => players?.[s]?.display_name ?? '');

  let cur = game.state();
  let prev = cur;
  let alpha = 1;
  let trail = [];
  let playing = false;
  let speed = 1;
  let destroyed = false;
  let clock = createStepClock({ stepMs: STEP_MS / speed, maxSteps: 4 * Math.max(1, speed) });

  // ---- DOM ----
  const scoreEls = [h('span', { class: 'pong-score', 'data-testid': 'pong-score-left' }, '0'),
    h('span', { class: 'pong-score', 'data-testid': 'pong-score-right' }, '0')];
  const scoreLabel = h('span', { class: 'visually-hidden' });
  const scoreboard = h('div', { class: 'pong-scoreboard' }, scoreLabel,
    h('span', { class: 'pong-name pong-name-left' }, names[0]), scoreEls[0],
    h('span', { class: 'pong-score-sep', 'aria-hidden': 'true' }, ':'), scoreEls[1],
    h('span', { class: 'pong-name pong-name-right' }, names[1]));
  const fallback = h('p', {});
  const canvas = h('canvas', { class: 'pong-canvas', width: String(geo.width), height: String(geo.height), role: 'img' }, fallback);
  const stage = h('div', { class: 'pong-stage' }, canvas);

  const playButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'replay-play', onclick: () => setPlaying(!playing) });
  const restartButton = h('button', { type: 'button', class: 'btn btn-outline-secondary', id: 'replay-restart', onclick: () => seek(0) });
  const speedLabel = h('label', { class: 'form-label mb-0 small', for: 'replay-speed' });
  const speedSelect = h('select', {
    class: 'form-select form-select-sm replay-speed',
    id: 'replay-speed',
    onchange: (e) => setSpeed(Number(e.target.value)),
  }, SPEEDS.map((s) => h('option', { value: String(s), selected: s === speed })));
  const progressLabel = h('label', { class: 'visually-hidden', for: 'replay-progress' });
  const progress = h('input', {
    class: 'form-range replay-progress',
    type: 'range',
    id: 'replay-progress',
    min: '0',
    max: String(r.ticks),
    step: '1',
    value: '0',
    oninput: (e) => seek(Number(e.target.value)),
  });
  const timeEl = h('span', { class: 'replay-time small text-body-secondary', 'aria-hidden': 'true' });
  const controls = h('div', { class: 'replay-controls' },
    h('div', { class: 'd-flex flex-wrap align-items-center gap-2' }, playButton, restartButton,
      h('span', { class: 'd-inline-flex align-items-center gap-2' }, speedLabel, speedSelect), timeEl),
    progressLabel, progress);
  const checkEl = h('p', {
    class: `replay-check small mb-0 ${verified.ok ? 'text-success' : 'text-danger'}`,
    id: 'replay-check',
    'data-ok': String(verified.ok),
  });
  const element = h('div', {
    class: 'pong-board replay-board',
    'data-testid': 'replay-board',
    'data-verified': verified.ok ? 'ok' : 'mismatch',
    'data-ticks': String(r.ticks),
  }, scoreboard, stage, controls, checkEl);
  const renderer = createRenderer(canvas, geo);

  function relabel() {
    scoreLabel.textContent = `${t('board.score')}: `;
    const alt = t('board.canvas', { left: names[0], right: names[1] });
    canvas.setAttribute('aria-label', alt);
    fallback.textContent = alt;
    restartButton.textContent = t('replay.restart');
    speedLabel.textContent = t('replay.speed');
    for (const o of speedSelect.options) o.textContent = t('replay.speed.value', { speed: o.value });
    progressLabel.textContent = t('replay.progress');
    checkEl.textContent = verified.ok
      ? `✓ ${t('replay.check.ok', { hash: hex(verified.hash), ticks: verified.ticks })}`
      : `✗ ${t('replay.check.bad', { hash: hex(verified.hash), ticks: verified.ticks, expectedHash: hex(verified.expectedHash), expectedTicks: verified.expectedTicks })}`;
    updateButtons();
  }

  function updateButtons() {
    playButton.textContent = t(playing ? 'replay.pause' : 'replay.play');
    playButton.setAttribute('aria-pressed', String(playing));
  }

  function sync() {
    element.dataset.playing = String(playing);
    element.dataset.tick = String(r.tick);
    element.dataset.score = `${cur.score[0]}-${cur.score[1]}`;
    element.dataset.done = String(r.done);
    for (const s of [0, 1]) {
      const text = String(cur.score[s]);
      if (scoreEls[s].textContent !== text) scoreEls[s].textContent = text;
    }
    if (Number(progress.value) !== r.tick) progress.value = String(r.tick);
    timeEl.textContent = `${clockText(r.tick)} / ${clockText(r.ticks)}`;
  }

  function setPlaying(on) {
    if (on && r.done) seek(0);
    playing = on;
    clock.hold();
    updateButtons();
    sync();
  }

  function setSpeed(s) {
    speed = SPEEDS.includes(s) ? s : 1;
    clock = createStepClock({ stepMs: STEP_MS / speed, maxSteps: 4 * Math.max(1, speed) });
  }

  function seek(tick) {
    const target = Math.max(0, Math.min(r.ticks, tick));
    if (target < r.tick) r.restart();
    r.stepTo(target);
    cur = game.state();
    prev = cur;
    alpha = 1;
    trail = [];
    clock.hold();
    sync();
  }

  function stepOnce() {
    const ev = r.step();
    prev = cur;
    cur = game.state();
    const jumped = (ev & (EV.SCORE_LEFT | EV.SCORE_RIGHT | EV.SERVE)) !== 0;
    if (jumped) prev = { ...prev, ball: cur.ball };
    trail = nextTrail(trail, cur, jumped);
    return r.done;
  }

  function frame(now) {
    renderer.fit();
    if (playing) {
      const run = clock.advance(now, stepOnce);
      alpha = run.alpha;
      if (run.steps > 0) sync();
      if (r.done) {
        playing = false;
        alpha = 1;
        updateButtons();
        sync();
      }
    }
    renderer.draw({ state: cur, prev, alpha, trail, serveRing: !r.done });
  }

  const offLanguage = typeof i18n.onChange === 'function' ? i18n.onChange(() => relabel()) : () => {};
  relabel();
  sync();
  const stopFrames = runFrames(frame);

  return {
    element,
    verified,
    play: () => setPlaying(true),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      stopFrames();
      offLanguage();
      element.remove();
    },
  };
}
