// /game/:id — a remote match (logged-in users). A live game the viewer plays in: the board
// of game/remoteboard.js on the game socket (services/gamesocket.js), resign included, and
// on the end screen the rematch (offer / accept / decline, the app socket's rematch_*
// pushes; both go to the new game). A live game of others: the same board as a spectator
// (no input, a "watching" badge; everyone sees the spectator count) — or, if the server
// refuses spectators (4003), its score and a note that the replay comes when it ends. A game
// that is over: its replay (game/replayboard.js) with the check of the stored hash, and the
// record's figures.
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { createRemoteBoard } from '../game/remoteboard.js';
import { createReplayBoard } from '../game/replayboard.js';
import { loadPongModule } from '../game/loadwasm.js';
import { createGameSocket, gameUrl } from '../services/gamesocket.js';
import { loadingBlock, requireLogin, sessionToken, setDocumentTitle } from '../ui/page.js';
import { INITIAL_REMATCH, rematchReducer } from '../domain/rematch.js';
import { mmProblemText } from '../domain/standing.js';

const END_KEYS = { score: 'game.how.score', resign: 'game.how.resign', forfeit: 'game.how.forfeit', void: 'game.how.void', interrupted: 'game.how.interrupted' };

function gameInner({ params, ctx, deps = {} }) {
  const { i18n, session, live } = ctx;
  const { t } = i18n;
  const id = Number(params.id);
  const win = deps.window ?? window;
  const loadModule = deps.loadModule ?? loadPongModule;

  const state = { phase: 'loading', game: null, error: null, replayError: false };
  let root = null;
  let board = null;          // remote or replay board
  let socket = null;
  let destroyed = false;
  let token = 0;
  // The rematch on the end screen (players only).
  let rematch = INITIAL_REMATCH;
  let rematchTimer = null;
  let rematchBox = null;
  let endedAt = null;

  function players() {
    return state.game?.players ?? [{ display_name: '' }, { display_name: '' }];
  }

  function heading() {
    const [l, r] = players();
    return state.phase === 'replay'
      ? t('replay.heading', { left: l.display_name, right: r.display_name })
      : t('game.versus', { left: l.display_name, right: r.display_name });
  }

  function stopBoard() {
    if (socket) socket.close();
    socket = null;
    if (board) board.destroy();
    board = null;
  }

  async function load() {
    const my = ++token;
    stopBoard();
    state.phase = 'loading';
    draw();
    try {
      const game = await session.api(`/api/games/${id}`);
      if (destroyed || my !== token) return;
      state.game = game;
      const me = session.user?.id;
      const seat = (game.players ?? []).findIndex((p) => p.id === me);
      if (game.status === 'live') {
        await startLive(my, seat < 0);
      } else {
        await startReplay(my);
      }
    } catch (err) {
      if (destroyed || my !== token) return;
      state.error = err;
      state.phase = err.status === 404 ? 'notFound' : 'error';
      draw();
    }
  }

  async function startLive(my, watching) {
    const module = await loadModule();
    rematch = INITIAL_REMATCH;
    rematchBox = watching ? null : h('div', { class: 'remote-rematch mb-3', id: 'game-rematch', hidden: true });
    const created = await createRemoteBoard({
      module,
      i18n,
      send: (bytes) => (watching ? false : socket?.send(bytes)),
      onResign: () => session.api(`/api/games/${id}/resign`, { method: 'POST' }),
      onReplay: () => load(),
      resultExtra: rematchBox,
    });
    if (destroyed || my !== token) {
      created.destroy();
      return;
    }
    board = created;
    state.phase = 'live';
    state.watching = watching;
    draw();
    socket = createGameSocket(gameUrl(win.location.host, id), {
      onStatus(s) {
        let name = s.state;
        if (s.state === 'disconnected' && s.code === 4409) name = 'replaced';
        if (watching && s.state === 'disconnected' && s.code === 4003) {
          // This server does not let others watch: show the score instead.
          stopBoard();
          state.phase = 'watching';
          draw();
          return;
        }
        if (watching && s.state === 'disconnected' && s.code === 4004) {
          load();                     // over meanwhile: the replay
          return;
        }
        board?.setConnection(name);
      },
      onFrame(frame) {
        board?.receive(frame);
        if (frame && frame.type === 'over' && !watching) {
          endedAt = Date.now();
          rematchOpen(['score', 'resign', 'forfeit', 'void'].includes(frame.reason));
        }
        // The game is over (the last snapshot came before `over`): the server closes the
        // socket with 1000; do not reconnect. The replay is a click away.
        if (frame && frame.type === 'over' && socket) {
          socket.close();
          socket = null;
        }
      },
    }, { getToken: (fresh) => sessionToken(session, fresh), ...deps.socket });
  }

  async function startReplay(my) {
    let replay;
    try {
      replay = await session.api(`/api/games/${id}/replay`);
    } catch (err) {
      if (err.status !== 404 && err.status !== 409) throw err;
      replay = null;
    }
    if (destroyed || my !== token) return;
    if (replay) {
      const module = await loadModule();
      try {
        const created = await createReplayBoard({ module, i18n, replay, players: players() });
        if (destroyed || my !== token) {
          created.destroy();
          return;
        }
        board = created;
      } catch (err) {
        console.warn('game: the replay could not be played', err);
        board = null;
      }
    }
    state.replayError = !board;
    state.phase = 'replay';
    draw();
  }

  // ---- rematch ----
  function opponentName() {
    const me = session.user?.id;
    return (state.game?.players ?? []).find((p) => p.id !== me)?.display_name ?? '';
  }

  function rematchDispatch(event) {
    const next = rematchReducer(rematch, event);
    if (next === rematch) return;
    rematch = next;
    if (rematch.phase === 'started' && rematch.newGameId) {
      ctx.navigate(`/game/${rematch.newGameId}`);
      return;
    }
    drawRematch();
  }

  function rematchOpen(possible) {
    if (!rematchBox) return;
    rematchBox.hidden = !possible;
    if (!possible) return;
    if (rematchTimer !== null) win.clearTimeout(rematchTimer);
    const deadline = (typeof rematch.expiresAt === 'number' ? rematch.expiresAt : endedAt + 60_000);
    rematchTimer = win.setTimeout(() => { rematchTimer = null; rematchDispatch({ type: 'expire' }); }, Math.max(0, deadline - Date.now()));
    drawRematch();
  }

  async function rematchCall(method, before, onOk) {
    rematchDispatch(before);
    try {
      const res = await session.api(`/api/games/${id}/rematch`, { method });
      if (destroyed) return;
      onOk(res);
    } catch (err) {
      if (!destroyed) rematchDispatch({ type: 'failed', error: err });
    }
  }

  function offerOrAccept(kind) {
    rematchCall('POST', { type: kind }, (res) => {
      if (res && res.status === 'started' && Number.isSafeInteger(res.game_id)) rematchDispatch({ type: 'started', new_game_id: res.game_id });
      else rematchDispatch({ type: 'offered', expires_at: typeof res?.expires_at === 'number' ? res.expires_at : null });
    });
  }

  function drawRematch() {
    if (!rematchBox) return;
    const name = opponentName();
    const r = rematch;
    rematchBox.dataset.phase = r.phase;
    const btn = (idName, cls, key, onclick, busy = false) => h('button', { type: 'button', class: `btn ${cls}`, id: idName, disabled: busy, onclick }, t(key));
    const parts = [];
    switch (r.phase) {
      case 'none':
      case 'offering':
      case 'declined':
        if (r.phase === 'declined') parts.push(h('span', { id: 'rematch-text' }, t('mm.rematch.declined', { name })));
        parts.push(btn('rematch-offer', 'btn-success', 'mm.rematch.offer', () => offerOrAccept('offer'), r.phase === 'offering'));
        break;
      case 'waiting':
        parts.push(h('span', { id: 'rematch-text' }, t('mm.rematch.waiting', { name })),
          btn('rematch-withdraw', 'btn-sm btn-outline-secondary', 'mm.rematch.withdraw', () => rematchCall('DELETE', { type: 'withdraw' }, () => {})));
        break;
      case 'incoming':
      case 'accepting':
        parts.push(h('span', { id: 'rematch-text', class: 'fw-semibold' }, t('mm.rematch.incoming', { name: r.from?.display_name ?? name })),
          btn('rematch-accept', 'btn-success', 'mm.rematch.accept', () => offerOrAccept('accept'), r.phase === 'accepting'),
          btn('rematch-decline', 'btn-outline-secondary', 'mm.rematch.decline', () => rematchCall('DELETE', { type: 'decline' }, () => {}), r.phase === 'accepting'));
        break;
      case 'expired':
        parts.push(h('span', { id: 'rematch-text', class: 'text-body-secondary' }, t('mm.rematch.expired')));
        break;
      case 'started':
        parts.push(h('span', { id: 'rematch-text' }, t('mm.rematch.starting')));
        break;
      default:
    }
    if (r.error && r.phase !== 'expired') {
      parts.push(h('div', { class: 'text-danger small w-100', role: 'alert', id: 'rematch-error' }, mmProblemText(t, r.error, problemText)));
    }
    rematchBox.replaceChildren(h('div', { class: 'd-flex flex-wrap align-items-center gap-2', role: 'group', 'aria-label': t('mm.rematch.label') }, parts));
  }

  function onLive(ev) {
    if (destroyed || !rematchBox) return;
    if (ev.type === 'rematch_offer' && ev.game_id === id) {
      rematchDispatch({ type: 'incoming', from: ev.from, expires_at: ev.expires_at });
      if (rematchBox.hidden && board?.net?.info?.over) rematchOpen(true);
    } else if (ev.type === 'rematch_start' && ev.game_id === id) {
      rematchDispatch({ type: 'started', new_game_id: ev.new_game_id });
    } else if (ev.type === 'rematch_declined' && ev.game_id === id) {
      rematchDispatch({ type: 'declined' });
    }
  }
  const offLive = live ? live.subscribe(onLive) : () => {};

  // ---- drawing ----
  function facts() {
    const g = state.game;
    if (!g) return null;
    const [l, r] = players();
    const rows = [];
    const add = (key, value) => rows.push(h('dt', { class: 'col-sm-5' }, t(key)), h('dd', { class: 'col-sm-7' }, value));
    if (g.ended_how && END_KEYS[g.ended_how]) {
      const loser = g.winner === 0 ? r : g.winner === 1 ? l : null;
      const score = Array.isArray(g.score) ? g.score : [0, 0];
      add('replay.facts.ended', t(END_KEYS[g.ended_how], { left: score[0], right: score[1], name: loser?.display_name ?? '' }));
    }
    if (Number.isFinite(g.duration_ms)) {
      const s = Math.round(g.duration_ms / 1000);
      add('replay.facts.duration', t('replay.facts.minutes', { minutes: Math.floor(s / 60), seconds: s % 60 }));
    }
    const st = g.stats;
    if (st && typeof st === 'object') {
      const pair = (v) => (Array.isArray(v) ? t('replay.facts.pair', { left: v[0], right: v[1] }) : '');
      add('replay.facts.rallies', String(st.rallies ?? 0));
      add('replay.facts.longest', String(st.longest_rally ?? 0));
      add('replay.facts.hits', pair(st.hits));
      // top_speed is in 1/256 px per tick (60 ticks a second)
      add('replay.facts.topSpeed', t('replay.facts.speedValue', { speed: Math.round(((st.top_speed ?? 0) * 60) / 256) }));
      add('replay.facts.powerups', pair(st.powerups));
    }
    return h('section', { class: 'card shadow-sm mt-3', 'aria-labelledby': 'game-facts' },
      h('div', { class: 'card-body' },
        h('h2', { class: 'h6', id: 'game-facts' }, t('replay.facts')),
        h('dl', { class: 'row mb-0 small' }, rows)));
  }

  function draw() {
    if (!root || destroyed) return;
    let content;
    switch (state.phase) {
      case 'loading':
        content = [h('h1', { class: 'visually-hidden' }, t('game.title')), h('p', { class: 'visually-hidden' }, t('game.loading')), loadingBlock(t)];
        break;
      case 'notFound':
        content = [
          h('h1', { class: 'h3' }, t('game.notFound')),
          h('p', { class: 'text-body-secondary' }, t('game.notFound.text')),
          h('a', { class: 'btn btn-outline-primary', href: '/' }, t('game.home')),
        ];
        break;
      case 'error':
        content = [
          h('h1', { class: 'h3' }, t('game.title')),
          h('div', { class: 'alert alert-danger', role: 'alert', id: 'game-error' }, `${t('game.loadError')} ${problemText(t, state.error)}`),
          h('button', { type: 'button', class: 'btn btn-primary', onclick: () => load() }, t('game.retry')),
        ];
        break;
      case 'watching': {
        const score = state.game?.score ?? [0, 0];
        content = [
          h('h1', { class: 'h3 text-break' }, heading()),
          h('p', { class: 'lead', id: 'game-live-score' }, t('game.live.score', { left: score[0], right: score[1] })),
          h('p', { class: 'text-body-secondary' }, t('game.live.notPlayer')),
          h('button', { type: 'button', class: 'btn btn-outline-primary', onclick: () => load() }, t('game.retry')),
        ];
        break;
      }
      case 'live':
        content = [h('h1', { class: 'h4 text-break' }, heading()), board?.element];
        break;
      case 'replay':
        content = [
          h('h1', { class: 'h4 text-break' }, heading()),
          board ? board.element : h('div', { class: 'alert alert-warning', id: 'replay-unavailable' }, t('replay.unavailable')),
          facts(),
        ];
        break;
      default:
        content = [];
    }
    root.replaceChildren(h('section', {
      class: 'game-page', 'data-view': 'game', 'data-phase': state.phase, 'data-game-id': String(id), 'data-watching': state.phase === 'live' && state.watching ? 'true' : null,
    }, content));
    setDocumentTitle(t, state.game ? heading() : t('game.title'));
  }

  return {
    title: () => (state.game ? heading() : t('game.title')),
    render(r) {
      root = r;
      if (state.phase === 'loading' && token === 0) load();
      else draw();
    },
    destroy() {
      destroyed = true;
      token += 1;
      offLive();
      if (rematchTimer !== null) win.clearTimeout(rematchTimer);
      stopBoard();
      root = null;
    },
  };
}

/** View factory (see router.js): /game/:id, for logged-in users. */
export const gameView = requireLogin(gameInner);
