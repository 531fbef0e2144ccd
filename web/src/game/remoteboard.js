// The board of a remote match: the local board's renderer, input and frame loop fed by the
// netcode (netgame.js) instead of a local simulation, with the players' names and round
// trips, the score, the overlay (waiting, countdown, pause with the absent player's time
// left, result), touch buttons for the player's paddle, and resign with a confirmation.
// A spectator (docs/matchmaking.md "Watching") gets the same board without input, resign or
// touch buttons, with a "watching" badge; everyone sees how many watch.
//
//   createRemoteBoard({ module, i18n, send, onResign, onReplay, profileHref, resultExtra }) → Promise<board>
//   board = { element, receive(frame), setConnection(state), resignFailed(), destroy(), get net }
//
// The socket belongs to the page (views/game.js): it hands every frame to receive() and
// writes what `send(bytes)` gets. For tests the root element carries data-state (waiting|
// countdown|playing|paused|over), data-seat, data-score ("1-0"), data-tick (the predicted
// tick), data-server-tick, data-rtt ("<mine>-<opponent>") and, once over, data-winner and
// data-reason; data-spectator="true" when watching, data-spectators (the count).
import { h } from '../app/dom.js';
import { MATCH, MATCH_NAMES } from './netproto.js';
import { createNetGame } from './netgame.js';
import { KEY, STATUS, createGame } from './pong.js';
import { createRenderer } from './renderer.js';
import { createInput } from './input.js';
import { runFrames } from './loop.js';

/** How many of 4 bars a round trip earns (0: unknown or very slow). */
export function rttLevel(ms) {
  if (!ms) return 0;
  if (ms < 60) return 4;
  if (ms < 120) return 3;
  if (ms < 200) return 2;
  if (ms < 350) return 1;
  return 0;
}

function rttIndicator() {
  const bars = h('span', { class: 'rtt-bars', 'aria-hidden': 'true', 'data-level': '0' },
    [1, 2, 3, 4].map((i) => h('span', { class: `rtt-bar rtt-bar-${i}` })));
  const text = h('span', { class: 'rtt-ms small text-body-secondary' });
  const label = h('span', { class: 'visually-hidden' });
  return { el: h('span', { class: 'rtt' }, label, bars, text), bars, text, label };
}

/**
 * Creates the board (see the top of this file). `send(bytes)` writes to the game socket;
 * `onResign()` → promise (POST …/resign), `onReplay()` when the player asks for the replay
 * after the end, `profileHref(userId)` the link to a player's profile.
 */
export async function createRemoteBoard({
  module, i18n, send, onResign = async () => {}, onReplay = () => {}, profileHref = (id) => `/users/${id}`,
  resultExtra = null, now = () => performance.now(),
}) {
  const { t } = i18n;
  const game = await createGame(module);
  const geo = game.geometry;
  let destroyed = false;
  let connection = 'connecting';
  let confirming = false;
  let resigning = false;
  let resignError = false;

  const net = createNetGame({ game, send, now, onEvent: (ev) => onNetEvent(ev) });
  const input = createInput({
    humans: [0],                // re-pointed at our seat on joined (one human: both key pairs move it)
    live: () => !destroyed && net.info.seat !== null && net.info.state !== MATCH.OVER && element.isConnected,
  });

  // ---- DOM ----
  const names = [h('span', { class: 'pong-name text-break', 'data-testid': 'remote-name-left' }),
    h('span', { class: 'pong-name text-break', 'data-testid': 'remote-name-right' })];
  const rtts = [rttIndicator(), rttIndicator()];
  const scoreEls = [h('span', { class: 'pong-score', 'data-testid': 'pong-score-left' }, '0'),
    h('span', { class: 'pong-score', 'data-testid': 'pong-score-right' }, '0')];
  const scoreLabel = h('span', { class: 'visually-hidden' });
  const scoreboard = h('div', { class: 'remote-scoreboard', 'aria-live': 'polite', 'aria-atomic': 'true' },
    h('div', { class: 'remote-player remote-player-left' }, names[0], rtts[0].el),
    h('div', { class: 'remote-score' }, scoreLabel, scoreEls[0], h('span', { class: 'pong-score-sep', 'aria-hidden': 'true' }, ':'), scoreEls[1]),
    h('div', { class: 'remote-player remote-player-right' }, names[1], rtts[1].el));

  const fallback = h('p', {});
  const canvas = h('canvas', { class: 'pong-canvas', width: String(geo.width), height: String(geo.height), role: 'img' }, fallback);
  const overlayTitle = h('div', { class: 'pong-overlay-title' });
  const overlayText = h('div', { class: 'pong-overlay-text' });
  const overlay = h('div', { class: 'pong-overlay', 'data-testid': 'pong-overlay', hidden: true }, overlayTitle, overlayText);
  const stage = h('div', { class: 'pong-stage' }, canvas, overlay);

  const touchButtons = [KEY.UP, KEY.DOWN].map((dir) => {
    const b = h('button', { type: 'button', class: `btn btn-dark pong-touch-btn pong-touch-${dir === KEY.UP ? 'up' : 'down'}`, tabindex: '-1' },
      h('span', { 'aria-hidden': 'true' }, dir === KEY.UP ? '▲' : '▼'));
    return { el: b, dir, bound: false };
  });
  const touchRow = h('div', { class: 'pong-touch pong-touch-count-1' },
    h('div', { class: 'pong-touch-side' }, touchButtons.map((b) => b.el)));

  const resignButton = h('button', { type: 'button', class: 'btn btn-outline-danger', id: 'game-resign', onclick: () => setConfirming(true) });
  const confirmText = h('span', { class: 'fw-semibold' });
  const confirmYes = h('button', { type: 'button', class: 'btn btn-danger', id: 'game-resign-yes', onclick: () => resign() });
  const confirmNo = h('button', { type: 'button', class: 'btn btn-outline-secondary', id: 'game-resign-no', onclick: () => setConfirming(false) });
  const confirmBox = h('div', { class: 'remote-confirm d-flex flex-wrap align-items-center gap-2', role: 'group', hidden: true }, confirmText, confirmYes, confirmNo);
  const resignErrorEl = h('div', { class: 'text-danger small', role: 'alert', hidden: true });
  const keysHelp = h('span', { class: 'pong-keys small text-body-secondary' });
  const statusEl = h('span', { class: 'remote-status small', role: 'status', 'data-testid': 'game-connection' });
  const watchingBadge = h('span', { class: 'badge text-bg-info remote-watching', id: 'game-watching', hidden: true });
  const spectatorsEl = h('span', { class: 'remote-spectators small text-body-secondary', id: 'game-spectators', 'data-count': '0', hidden: true });
  const controls = h('div', { class: 'pong-controls' }, watchingBadge, resignButton, confirmBox, keysHelp, spectatorsEl, statusEl, resignErrorEl);

  const resultTitle = h('h2', { class: 'h4 mb-1', id: 'game-result-title' });
  const resultHow = h('p', { class: 'mb-3', id: 'game-result-how' });
  const replayButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'game-replay', onclick: () => onReplay() });
  const profileLink = h('a', { class: 'btn btn-outline-primary', id: 'game-profile' });
  const homeLink = h('a', { class: 'btn btn-outline-secondary', href: '/', id: 'game-home' });
  const result = h('section', { class: 'remote-result alert alert-info mt-3', id: 'game-result', hidden: true, 'aria-labelledby': 'game-result-title' },
    resultTitle, resultHow, resultExtra, h('div', { class: 'd-flex flex-wrap gap-2' }, replayButton, profileLink, homeLink));

  const announcer = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const hasTouch = (navigator.maxTouchPoints ?? 0) > 0 || window.matchMedia?.('(any-pointer: coarse)').matches;
  const element = h('div', { class: `pong-board remote-board${hasTouch ? ' pong-has-touch' : ''}`, 'data-testid': 'remote-board', 'data-state': 'waiting' },
    scoreboard, stage, touchRow, controls, result, announcer);
  stage.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'touch') element.classList.add('pong-has-touch');
  });
  const renderer = createRenderer(canvas, geo);

  // ---- texts ----
  function nameOf(seat) {
    return net.info.players?.[seat]?.display_name ?? '';
  }

  function relabel() {
    const info = net.info;
    scoreLabel.textContent = `${t('board.score')}: `;
    for (const s of [0, 1]) {
      const name = nameOf(s);
      names[s].textContent = info.seat === s ? t('game.you', { name }) : name;
      rtts[s].label.textContent = `${t('game.rtt.label', { name })}: `;
    }
    const alt = t('board.canvas', { left: nameOf(0), right: nameOf(1) });
    canvas.setAttribute('aria-label', alt);
    fallback.textContent = alt;
    resignButton.textContent = t('game.resign');
    confirmText.textContent = t('game.resign.confirm');
    confirmYes.textContent = t('game.resign.yes');
    confirmNo.textContent = t('game.resign.no');
    resignErrorEl.textContent = t('game.resign.error');
    keysHelp.textContent = t('game.keys');
    for (const b of touchButtons) b.el.setAttribute('aria-label', t(b.dir === KEY.UP ? 'game.touch.up' : 'game.touch.down'));
    replayButton.textContent = t('game.over.replay');
    homeLink.textContent = t('game.home');
    watchingBadge.textContent = t('mm.watching');
    updateSpectatorUi();
    updateRtt(true);
    updateStatus();
    updateResult();
    updateOverlay(true);
  }

  function updateSpectatorUi() {
    const info = net.info;
    const watching = info.spectator === true;
    watchingBadge.hidden = !watching;
    resignButton.hidden = watching || confirming;
    keysHelp.hidden = watching;
    touchRow.hidden = watching;
    for (const r of rtts) r.el.hidden = watching;   // a spectator measures no round trip
    setData('spectator', watching ? 'true' : null);
    const n = info.spectators ?? 0;
    setData('spectators', String(n));
    spectatorsEl.dataset.count = String(n);
    spectatorsEl.hidden = n === 0 && !watching;
    spectatorsEl.textContent = t('mm.spectators', { count: n });
  }

  function updateStatus() {
    const key = {
      connecting: 'game.status.connecting',
      authenticating: 'game.status.connecting',
      reconnecting: 'game.status.reconnecting',
      disconnected: connection === 'replaced' ? 'game.status.replaced' : 'game.status.closed',
      replaced: 'game.status.replaced',
      unauthorized: 'game.status.unauthorized',
    }[connection];
    statusEl.textContent = key && !net.info.over ? t(key) : '';
    element.dataset.connection = connection;
  }

  let lastRtt = '';
  function updateRtt(force = false) {
    const r = net.info.rtt;
    const text = `${r[0]}-${r[1]}`;
    if (text === lastRtt && !force) return;
    lastRtt = text;
    element.dataset.rtt = text;
    for (const s of [0, 1]) {
      rtts[s].bars.dataset.level = String(rttLevel(r[s]));
      rtts[s].text.textContent = r[s] ? t('game.rtt.value', { ms: r[s] }) : t('game.rtt.unknown');
    }
  }

  function resultTexts() {
    const over = net.info.over;
    if (!over) return null;
    const seat = net.info.seat;
    let title;
    if (over.winner === null) title = t('game.over.noResult');
    else if (seat !== null && over.winner === seat) title = t('game.over.win');
    else title = t('game.over.wins', { name: nameOf(over.winner) });
    const loser = over.winner === null ? null : 1 - over.winner;
    const how = over.reason === 'score'
      ? t('game.how.score', { left: over.score[0], right: over.score[1] })
      : t(`game.how.${over.reason}`, { name: loser === null ? '' : nameOf(loser) });
    return { title, how };
  }

  function updateResult() {
    const texts = resultTexts();
    result.hidden = !texts;
    if (!texts) return;
    resultTitle.textContent = texts.title;
    resultHow.textContent = texts.how;
    const info = net.info;
    const opponent = info.seat === null ? null : info.players?.[1 - info.seat];
    profileLink.hidden = !opponent;
    if (opponent) {
      profileLink.href = profileHref(opponent.id);
      profileLink.textContent = t('game.over.profile', { name: opponent.display_name });
    }
  }

  let overlayKey = null;
  function updateOverlay(force = false) {
    const info = net.info;
    let key = null;
    let title = '';
    let text = '';
    const texts = resultTexts();
    if (texts) {
      key = 'over';
      title = texts.title;
      text = texts.how;
    } else if (connection !== 'connected') {
      key = `away:${connection}`;
      title = info.seat === null ? t('game.status.connecting') : t('game.overlay.youAway');
    } else if (info.state === MATCH.WAITING) {
      key = 'waiting';
      title = info.spectator ? t('mm.overlay.waitingPlayers') : t('game.overlay.waiting', { name: info.seat === null ? '' : nameOf(1 - info.seat) });
    } else if (info.state === MATCH.COUNTDOWN) {
      const seconds = Math.max(1, Math.ceil(info.left / 60));
      key = `count:${seconds}`;
      title = String(seconds);
      text = t('game.overlay.getReady');
    } else if (info.state === MATCH.PAUSED) {
      const seconds = Math.ceil(info.left / 60);
      const away = info.pausedSeat ?? (info.seat === null ? 0 : 1 - info.seat);
      key = `paused:${seconds}`;
      title = t('game.overlay.paused', { name: nameOf(away) });
      text = t('game.overlay.resumesIn', { name: nameOf(away), seconds });
    }
    if (key === overlayKey && !force) return;
    overlayKey = key;
    overlay.hidden = key === null;
    overlay.dataset.kind = key === null ? '' : key.split(':')[0];
    overlayTitle.textContent = title;
    overlayText.textContent = text;
  }

  function setData(name, value) {
    if (value === null) delete element.dataset[name];
    else if (element.dataset[name] !== value) element.dataset[name] = value;
  }

  function sync(state) {
    const info = net.info;
    setData('state', MATCH_NAMES[info.state]);
    setData('seat', info.seat === null ? null : String(info.seat));
    const score = state ? state.score : info.score;
    setData('score', `${score[0]}-${score[1]}`);
    setData('tick', info.tick === null ? null : String(info.tick));
    setData('serverTick', info.serverTick === null ? null : String(info.serverTick));
    setData('winner', info.over && info.over.winner !== null ? String(info.over.winner) : null);
    setData('reason', info.over ? info.over.reason : null);
    for (const s of [0, 1]) {
      const text = String(score[s]);
      if (scoreEls[s].textContent !== text) scoreEls[s].textContent = text;
    }
  }

  // ---- resign ----
  function setConfirming(on) {
    confirming = on && !net.info.over;
    confirmBox.hidden = !confirming;
    resignButton.hidden = confirming;
    if (confirming) confirmNo.focus({ preventScroll: true });
  }

  async function resign() {
    if (resigning) return;
    resigning = true;
    confirmYes.disabled = true;
    resignError = false;
    resignErrorEl.hidden = true;
    try {
      await onResign();
    } catch {
      resignError = true;
    }
    resigning = false;
    if (destroyed) return;
    confirmYes.disabled = false;
    setConfirming(false);
    resignErrorEl.hidden = !resignError;
  }

  // ---- netcode events ----
  function onNetEvent(ev) {
    if (destroyed) return;
    if (ev.type === 'joined') {
      if (ev.seat !== null) bindTouch(ev.seat);
      relabel();
    } else if (ev.type === 'spectators') {
      updateSpectatorUi();
    } else if (ev.type === 'over') {
      input.release();
      setConfirming(false);
      resignButton.disabled = true;
      updateResult();
      updateStatus();
      const texts = resultTexts();
      if (texts) announcer.textContent = `${texts.title}. ${texts.how}`;
      queueMicrotask(() => { if (!destroyed) replayButton.focus({ preventScroll: false }); });
    } else if (ev.type === 'paused' || ev.type === 'resumed' || ev.type === 'state') {
      updateOverlay(true);
      if (ev.type === 'paused') announcer.textContent = t('game.overlay.paused', { name: nameOf(ev.seat) });
    }
  }

  let humansSeat = null;
  function bindTouch(seat) {
    humansSeat = seat;
    touchRow.firstChild.className = `pong-touch-side pong-touch-side-${seat ? 'right' : 'left'}`;
    for (const b of touchButtons) {
      if (b.bound) continue;
      b.bound = true;
      input.bindTouch(b.el, 0, b.dir);   // the input's single human sits on side 0
    }
  }

  // ---- loop ----
  let rttAt = 0;
  function frame(t0) {
    const t1 = now();
    const info = net.info;
    const key = humansSeat === null || info.over ? KEY.NONE : input.key(0);
    net.update(t1, key);
    const v = net.view(t1);
    renderer.fit();
    if (v) {
      const over = Boolean(info.over);
      renderer.draw({ ...v, serveRing: !over && info.state === MATCH.PLAYING && v.state.status === STATUS.SERVING });
    }
    sync(v?.state ?? null);
    updateOverlay();
    if (t0 - rttAt > 500) {
      rttAt = t0;
      updateRtt();
    }
  }

  const offLanguage = typeof i18n.onChange === 'function' ? i18n.onChange(() => relabel()) : () => {};
  relabel();
  const stopFrames = runFrames(frame);

  return {
    element,
    net,
    /** A frame of the game socket (parsed JSON or an ArrayBuffer). */
    receive(frameData) {
      if (!destroyed) net.receive(frameData);
    },
    /** The socket's state: connecting | authenticating | connected | reconnecting | disconnected | replaced | unauthorized. */
    setConnection(state) {
      connection = state;
      if (state !== 'connected') input.release();
      updateStatus();
      updateOverlay(true);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      stopFrames();
      input.destroy();
      offLanguage();
      element.remove();
    },
  };
}
