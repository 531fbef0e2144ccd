// The game board: one local Pong game (two humans, human vs AI, or AI vs AI) drawn on a
// canvas, with its scoreboard, overlays, controls, touch buttons and power-up legend.
// Used by the play page and the tournament page.
//
//   createBoard({ module, i18n, options, seed, players, onFinish }) → Promise<board>
//   board = { element, start(), pause(), resume(), restart(), destroy(), get paused, get over }
//
// Timing: the simulation advances at a fixed 60 steps/s (an accumulator fed by
// requestAnimationFrame, at most MAX_STEPS_PER_FRAME steps per frame, a long frame is not
// caught up); each frame draws positions interpolated between the previous and the current
// step, at the display's own refresh rate.
//
// For tests, the root element carries data-status (serving|playing|over|paused),
// data-score ("3-1"), data-left-y / data-right-y (paddle tops, px), data-ball-x /
// data-ball-y (ball top-left, px), data-tick and, once over, data-winner ("0"/"1").
import { h } from '../app/dom.js';
import { AI_LEVELS, EV, KEY, STATUS, createGame, randomSeed } from './pong.js';

const STEP_MS = 1000 / 60;
const MAX_STEPS_PER_FRAME = 4;
const MAX_FRAME_MS = 100;          // a longer gap (GC, background) is dropped, not caught up
const INTRO_STEPS = 120;           // before the first serve: with the game's own 1 s serve, a 3-2-1
const TRAIL_LENGTH = 10;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const COLORS = Object.freeze({
  field: '#0f172a',
  border: 'rgba(255, 255, 255, 0.18)',
  net: 'rgba(255, 255, 255, 0.35)',
  faintScore: 'rgba(255, 255, 255, 0.10)',
  paddle: '#f8f9fa',
  ball: '#ffc107',
  obstacle: '#334a7d',
  obstacleEdge: '#8ea6e0',
  ring: 'rgba(255, 193, 7, 0.8)',
});

/** Power-up kinds: colour and symbol on the canvas (the legend uses the same, via CSS classes). */
export const POWERUP_LOOK = Object.freeze({
  grow: Object.freeze({ color: '#20c997', symbol: '+' }),
  shrink: Object.freeze({ color: '#fd7e14', symbol: '−' }),
  fast: Object.freeze({ color: '#f06595', symbol: '»' }),
});

// Physical key (KeyboardEvent.code) or, as a fallback, the character → [side, direction].
const KEY_CODES = { KeyW: [0, KEY.UP], KeyS: [0, KEY.DOWN], ArrowUp: [1, KEY.UP], ArrowDown: [1, KEY.DOWN] };
const KEY_CHARS = { w: [0, KEY.UP], s: [0, KEY.DOWN], ArrowUp: [1, KEY.UP], ArrowDown: [1, KEY.DOWN] };

function keyAction(e) {
  const key = e.key ?? '';
  return KEY_CODES[e.code] ?? KEY_CHARS[key.length === 1 ? key.toLowerCase() : key] ?? null;
}

function isSpace(e) {
  return e.code === 'Space' || e.key === ' ';
}

/** True when the key goes to a form control or editable text, not to the game. */
function isTyping(target) {
  if (!target || target.nodeType !== 1) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function lerp(a, b, t) {
  return a + (b - a) * t;
}

function roundRect(c, x, y, w, hgt, r) {
  c.beginPath();
  c.moveTo(x + r, y);
  c.arcTo(x + w, y, x + w, y + hgt, r);
  c.arcTo(x + w, y + hgt, x, y + hgt, r);
  c.arcTo(x, y + hgt, x, y, r);
  c.arcTo(x, y, x + w, y, r);
  c.closePath();
}

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
  const W = geo.width;
  const H = geo.height;
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
  let acc = 0;
  let lastTime = null;
  let raf = 0;
  let dirty = true;
  let finishPending = null;
  const held = new Map();                 // key code → [side, KEY], in press order
  const touch = [0, 1].map(() => ({ [KEY.UP]: new Set(), [KEY.DOWN]: new Set() }));

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
  const canvas = h('canvas', { class: 'pong-canvas', width: String(W), height: String(H), role: 'img' }, fallback);
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
      bindTouch(b, s, dir);
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

  const c2d = canvas.getContext('2d');
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

  // ---- input ----
  function sideOf(action) {
    if (humans.length === 2) return action[0];
    if (humans.length === 1) return humans[0];
    return -1;
  }

  function humanKey(side) {
    let key = KEY.NONE;
    for (const action of held.values()) if (sideOf(action) === side) key = action[1];
    if (key !== KEY.NONE) return key;
    const up = touch[side][KEY.UP].size > 0;
    const down = touch[side][KEY.DOWN].size > 0;
    if (up !== down) return up ? KEY.UP : KEY.DOWN;
    return KEY.NONE;
  }

  function releaseAll() {
    held.clear();
    for (const s of [0, 1]) { touch[s][KEY.UP].clear(); touch[s][KEY.DOWN].clear(); }
    for (const b of touchButtons) b.el.classList.remove('active');
  }

  function live() {
    return started && !over && !destroyed && element.isConnected;
  }

  function onKeyDown(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || !live()) return;
    if (isSpace(e)) {
      e.preventDefault();
      if (!e.repeat) (paused ? resume() : pause());
      return;
    }
    const action = keyAction(e);
    if (!action) return;
    e.preventDefault();
    if (e.repeat && held.has(e.code || e.key)) return;
    const id = e.code || e.key;
    held.delete(id);          // re-inserted last: the latest key wins
    held.set(id, action);
  }

  function onKeyUp(e) {
    const id = e.code || e.key;
    if (held.delete(id) && live()) e.preventDefault();
    if (isSpace(e) && live() && !isTyping(e.target)) e.preventDefault();
  }

  function onVisibility() {
    if (document.hidden) {
      releaseAll();
      pause();
    }
  }

  function bindTouch(button, side, dir) {
    const pointers = touch[side][dir];
    const release = (e) => {
      pointers.delete(e.pointerId);
      if (pointers.size === 0) button.classList.remove('active');
    };
    button.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      try { button.setPointerCapture(e.pointerId); } catch { /* pointer already gone */ }
      pointers.add(e.pointerId);
      button.classList.add('active');
    });
    button.addEventListener('pointerup', release);
    button.addEventListener('pointercancel', release);
    button.addEventListener('lostpointercapture', release);
    button.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', releaseAll);
  document.addEventListener('visibilitychange', onVisibility);
  const offLanguage = typeof i18n.onChange === 'function' ? i18n.onChange(() => relabel()) : () => {};

  // ---- simulation ----
  function stepOnce() {
    if (introSteps > 0) {
      introSteps -= 1;
      return;
    }
    const left = who[0].ai ? game.aiKey(0) : humanKey(0);
    const right = who[1].ai ? game.aiKey(1) : humanKey(1);
    const ev = game.step(left, right);
    prev = cur;
    cur = game.state();
    if (ev & (EV.SCORE_LEFT | EV.SCORE_RIGHT | EV.SERVE)) {
      prev = { ...prev, ball: cur.ball };   // the ball jumped: no interpolation across it
      trail = [];
    }
    if (cur.effects.fast > 0 && cur.status === STATUS.PLAYING) {
      trail.push({ x: cur.ball.x, y: cur.ball.y });
      if (trail.length > TRAIL_LENGTH) trail.shift();
    } else if (trail.length) {
      trail = [];
    }
    if (ev & EV.GAME_OVER) {
      over = true;
      releaseAll();
      finishPending = { winner: cur.winner, score: [cur.score[0], cur.score[1]] };
      announce(`${t('board.wins', { name: who[cur.winner].name })}, ${cur.score[0]} – ${cur.score[1]}`);
      updateControls();
    }
  }

  function fitCanvas() {
    const cssWidth = canvas.clientWidth;
    if (!cssWidth) return false;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(cssWidth * dpr));
    const height = Math.max(1, Math.round((cssWidth * dpr * H) / W));
    if (canvas.width === width && canvas.height === height) return false;
    canvas.width = width;
    canvas.height = height;
    return true;
  }

  function frame(now) {
    raf = window.requestAnimationFrame(frame);
    if (fitCanvas()) dirty = true;
    if (started && !paused && !over) {
      if (lastTime !== null) acc += Math.min(now - lastTime, MAX_FRAME_MS);
      lastTime = now;
      let n = 0;
      while (acc >= STEP_MS && n < MAX_STEPS_PER_FRAME && !over) {
        stepOnce();
        acc -= STEP_MS;
        n += 1;
      }
      if (acc >= STEP_MS || over) acc %= STEP_MS;   // what could not be caught up is dropped
      alpha = over ? 1 : acc / STEP_MS;
      if (n > 0) sync();
      dirty = true;
    } else {
      lastTime = null;
    }
    updateOverlay();
    if (dirty) {
      draw();
      dirty = false;
    }
    if (finishPending) {
      const result = finishPending;
      finishPending = null;
      onFinish(result);
    }
  }

  // ---- drawing ----
  function draw() {
    const c = c2d;
    if (!c) return;
    const scale = canvas.width / W;
    c.setTransform(scale, 0, 0, scale, 0, 0);
    c.shadowBlur = 0;
    c.globalAlpha = 1;

    // field, border, net
    c.fillStyle = COLORS.field;
    c.fillRect(0, 0, W, H);
    c.strokeStyle = COLORS.border;
    c.lineWidth = 4;
    c.strokeRect(2, 2, W - 4, H - 4);
    c.strokeStyle = COLORS.net;
    c.lineWidth = 4;
    c.setLineDash([16, 14]);
    c.beginPath();
    c.moveTo(W / 2, 10);
    c.lineTo(W / 2, H - 4);
    c.stroke();
    c.setLineDash([]);

    // big faint scores
    c.fillStyle = COLORS.faintScore;
    c.font = `700 110px ${FONT}`;
    c.textAlign = 'center';
    c.textBaseline = 'top';
    c.fillText(String(cur.score[0]), W / 4, 30);
    c.fillText(String(cur.score[1]), (3 * W) / 4, 30);

    // obstacles
    for (const o of cur.obstacles) {
      c.fillStyle = COLORS.obstacle;
      roundRect(c, o.x, o.y, o.w, o.h, 4);
      c.fill();
      c.strokeStyle = COLORS.obstacleEdge;
      c.lineWidth = 2;
      c.stroke();
    }

    // power-up item
    if (cur.item && POWERUP_LOOK[cur.item.kind]) {
      const blink = cur.item.timer < 2 * geo.stepsPerSecond && Math.floor(cur.tick / 8) % 2 === 0;
      if (!blink) {
        const look = POWERUP_LOOK[cur.item.kind];
        const size = geo.powerupSize;
        c.save();
        c.shadowColor = look.color;
        c.shadowBlur = 14 + 6 * Math.sin(cur.tick / 8);
        c.fillStyle = look.color;
        roundRect(c, cur.item.x, cur.item.y, size, size, 7);
        c.fill();
        c.restore();
        c.fillStyle = '#fff';
        c.font = `800 22px ${FONT}`;
        c.textAlign = 'center';
        c.textBaseline = 'middle';
        c.fillText(look.symbol, cur.item.x + size / 2, cur.item.y + size / 2 + 1);
      }
    }

    // paddles, tinted by their effects
    for (const s of [0, 1]) {
      const y = lerp(prev.paddles[s].y, cur.paddles[s].y, alpha);
      const ph = cur.paddles[s].h;
      const x = s === 0 ? geo.paddleInset : W - geo.paddleInset - geo.paddleWidth;
      const effect = cur.effects.grow[s] > 0 ? 'grow' : cur.effects.shrink[s] > 0 ? 'shrink' : null;
      c.save();
      if (effect) {
        c.shadowColor = POWERUP_LOOK[effect].color;
        c.shadowBlur = 18;
        c.fillStyle = POWERUP_LOOK[effect].color;
      } else {
        c.fillStyle = COLORS.paddle;
      }
      roundRect(c, x, y, geo.paddleWidth, ph, 3);
      c.fill();
      c.restore();
    }

    // ball trail (fast effect), ball
    const fast = cur.effects.fast > 0;
    for (let i = 0; i < trail.length; i += 1) {
      const p = trail[i];
      const k = (i + 1) / (trail.length + 1);
      c.globalAlpha = 0.6 * k;
      c.fillStyle = POWERUP_LOOK.fast.color;
      c.beginPath();
      c.arc(p.x + geo.ball / 2, p.y + geo.ball / 2, (geo.ball / 2) * (0.5 + 0.5 * k), 0, Math.PI * 2);
      c.fill();
    }
    c.globalAlpha = 1;
    const bx = lerp(prev.ball.x, cur.ball.x, alpha) + geo.ball / 2;
    const by = lerp(prev.ball.y, cur.ball.y, alpha) + geo.ball / 2;
    c.save();
    c.fillStyle = COLORS.ball;
    if (fast) {
      c.shadowColor = POWERUP_LOOK.fast.color;
      c.shadowBlur = 16;
    }
    c.beginPath();
    c.arc(bx, by, geo.ball / 2 + 0.5, 0, Math.PI * 2);
    c.fill();
    c.restore();

    // serve countdown ring around the ball
    if (!over && cur.status === STATUS.SERVING && introSteps === 0) {
      const f = cur.serveTimer / geo.serveSteps;
      c.strokeStyle = COLORS.ring;
      c.lineWidth = 3;
      c.beginPath();
      c.arc(bx, by, 20, -Math.PI / 2, -Math.PI / 2 + f * Math.PI * 2);
      c.stroke();
    }

    // effect timers: small badges at the top of each half (fast: in the middle)
    const badge = (kind, steps, x, align) => {
      const look = POWERUP_LOOK[kind];
      const label = `${look.symbol} ${Math.ceil(steps / geo.stepsPerSecond)}s`;
      c.font = `700 16px ${FONT}`;
      const w = c.measureText(label).width + 16;
      const left = align === 'left' ? x : align === 'right' ? x - w : x - w / 2;
      c.fillStyle = look.color;
      roundRect(c, left, H - 34, w, 24, 12);
      c.fill();
      c.fillStyle = '#0b1020';
      c.textAlign = 'center';
      c.textBaseline = 'middle';
      c.fillText(label, left + w / 2, H - 21);
      return w;
    };
    for (const s of [0, 1]) {
      let offset = 0;
      for (const kind of ['grow', 'shrink']) {
        const steps = cur.effects[kind][s];
        if (steps <= 0) continue;
        const gap = offset ? offset + 8 : 0;
        const w = s === 0 ? badge(kind, steps, 56 + gap, 'left') : badge(kind, steps, W - 56 - gap, 'right');
        offset += w + (offset ? 8 : 0);
      }
    }
    if (fast) badge('fast', cur.effects.fast, W / 2, 'center');
  }

  // ---- controls ----
  function start() {
    if (destroyed || started) return;
    started = true;
    lastTime = null;
    dirty = true;
    sync();
    updateControls();
    updateOverlay();
  }

  function pause() {
    if (destroyed || !started || over || paused) return;
    paused = true;
    releaseAll();
    sync();
    updateControls();
    updateOverlay();
    announce(t('board.paused'));
  }

  function resume() {
    if (destroyed || !paused) return;
    paused = false;
    lastTime = null;
    sync();
    updateControls();
    updateOverlay();
    announce(t('board.resumed'));
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
    acc = 0;
    lastTime = null;
    over = false;
    paused = false;
    started = true;
    finishPending = null;
    releaseAll();
    dirty = true;
    sync();
    updateControls();
    updateOverlay(true);
    announce(t('board.restarted'));
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    window.cancelAnimationFrame(raf);
    window.removeEventListener('keydown', onKeyDown);
    window.removeEventListener('keyup', onKeyUp);
    window.removeEventListener('blur', releaseAll);
    document.removeEventListener('visibilitychange', onVisibility);
    offLanguage();
    releaseAll();
    element.remove();
  }

  relabel();
  sync();
  raf = window.requestAnimationFrame(frame);

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
