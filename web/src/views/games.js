// /games — play online (logged-in users): quick play (the button, or the waiting state with
// the time waited and Cancel), the live games (players with their ratings, score, options,
// spectators, "Watch" → /game/<id>), refreshed every few seconds, and the search for
// players by part of their display name.
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { optionsSummary } from '../domain/invites.js';
import { checkLiveGames, profilePath, ratingText } from '../domain/standing.js';
import { quickPlayBox } from '../ui/quickplay.js';
import { userSearch } from '../ui/usersearch.js';
import { avatarImg } from '../ui/user.js';
import { requireLogin, setDocumentTitle } from '../ui/page.js';

const REFRESH_MS = 5000;

function gamesInner({ ctx, deps = {} }) {
  const { i18n, session, quickplay } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const state = { games: null, error: null };
  let root = null;
  let listEl = null;
  let box = null;
  let search = null;
  let timer = null;
  let destroyed = false;
  let seq = 0;

  async function load() {
    const my = ++seq;
    try {
      const games = checkLiveGames(await session.api('/api/games?status=live&limit=50'));
      if (destroyed || my !== seq) return;
      state.games = games;
      state.error = null;
    } catch (err) {
      if (destroyed || my !== seq) return;
      state.error = err;
    }
    drawList();
  }

  function player(p) {
    return h('span', { class: 'd-inline-flex align-items-center gap-1 live-player' },
      avatarImg(p, 24),
      h('a', { class: 'text-break', href: profilePath(p.display_name) }, p.display_name),
      p.rating === null ? null : h('span', { class: 'badge text-bg-light', title: t('mm.rating') }, ratingText(p.rating, p.provisional)));
  }

  function gameItem(g) {
    const me = session.user?.id;
    const mine = g.players.some((p) => p.id === me);
    return h('li', { class: 'list-group-item live-game', 'data-game-id': String(g.id) },
      h('div', { class: 'd-flex flex-wrap align-items-center gap-2' },
        player(g.players[0]),
        h('span', { class: 'live-score fw-bold font-monospace', 'data-score': `${g.score[0]}-${g.score[1]}` },
          h('span', { class: 'visually-hidden' }, `${t('board.score')}: `), `${g.score[0]} – ${g.score[1]}`),
        player(g.players[1]),
        h('a', { class: `btn btn-sm ${mine ? 'btn-primary' : 'btn-outline-primary'} ms-auto live-watch`, href: `/game/${g.id}` },
          t(mine ? 'mm.live.rejoin' : 'mm.watch'))),
      h('div', { class: 'small text-body-secondary mt-1 d-flex flex-wrap gap-3' },
        g.options ? h('span', { class: 'live-options' }, optionsSummary(t, g.options)) : null,
        g.mode ? h('span', { class: 'live-mode' }, t(`mm.mode.${g.mode}`) === `mm.mode.${g.mode}` ? g.mode : t(`mm.mode.${g.mode}`)) : null,
        h('span', { class: 'live-spectators', 'data-count': String(g.spectators) }, t('mm.spectators', { count: g.spectators }))));
  }

  function drawList() {
    if (!listEl) return;
    let content;
    if (state.games === null && !state.error) {
      content = h('p', { class: 'text-body-secondary', role: 'status' }, t('account.loading'));
    } else if (state.error && state.games === null) {
      content = h('div', { class: 'alert alert-danger', role: 'alert', id: 'live-error' }, problemText(t, state.error));
    } else if (!state.games.length) {
      content = h('p', { class: 'text-body-secondary mb-0', id: 'live-empty' }, t('mm.live.empty'));
    } else {
      content = h('ul', { class: 'list-group', id: 'live-list' }, state.games.map(gameItem));
    }
    listEl.replaceChildren(content);
    listEl.dataset.count = String(state.games?.length ?? 0);
  }

  function draw() {
    if (!root || destroyed) return;
    box?.destroy();
    search?.destroy();
    box = quickplay ? quickPlayBox({ t, qp: quickplay, id: 'quickplay', win }) : null;
    search = userSearch({ t, api: (p) => session.api(p), id: 'user-search', win });
    listEl = h('div', { id: 'live-games' });
    root.replaceChildren(h('div', { 'data-view': 'games', class: 'games-page' },
      h('h1', { class: 'h3 mb-3' }, t('mm.games.title')),
      h('div', { class: 'row g-4' },
        h('div', { class: 'col-lg-5 d-flex flex-column gap-4' },
          h('section', { class: 'card shadow-sm', 'aria-labelledby': 'quickplay-title' },
            h('div', { class: 'card-body' },
              h('h2', { class: 'h5', id: 'quickplay-title' }, t('mm.queue.title')),
              h('p', { class: 'text-body-secondary' }, t('mm.queue.text')),
              box?.element)),
          h('section', { class: 'card shadow-sm', 'aria-labelledby': 'search-title' },
            h('div', { class: 'card-body' },
              h('h2', { class: 'h5', id: 'search-title' }, t('mm.search.title')),
              search.element))),
        h('div', { class: 'col-lg-7' },
          h('section', { class: 'card shadow-sm', 'aria-labelledby': 'live-title' },
            h('div', { class: 'card-body' },
              h('div', { class: 'd-flex align-items-center gap-2 mb-2' },
                h('h2', { class: 'h5 mb-0', id: 'live-title' }, t('mm.live.title')),
                h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary ms-auto', id: 'live-refresh', onclick: () => load() }, t('mm.live.refresh'))),
              listEl))))));
    drawList();
    setDocumentTitle(t, t('mm.games.title'));
  }

  return {
    title: () => t('mm.games.title'),
    render(r) {
      root = r;
      draw();
      if (timer === null) {
        load();
        timer = win.setInterval(() => { if (!win.document || !win.document.hidden) load(); }, REFRESH_MS);
      }
    },
    destroy() {
      destroyed = true;
      if (timer !== null) win.clearInterval(timer);
      box?.destroy();
      search?.destroy();
      root = null;
    },
  };
}

/** View factory (see router.js): /games, for logged-in users. */
export const gamesView = requireLogin(gamesInner);
