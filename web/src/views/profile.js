// A user's public profile (/users/:id, or /profile/<display name>): avatar, display name,
// online status ("in a game" with a Watch link), rating (with the provisional marker), wins
// and losses, the paged match history (date, opponent, score, duration, mode, how it ended,
// rating change, replay), the friend/block actions that fit the relation between the viewer
// and this user, and "Invite to play" with the game options (the invitee answers from the
// notification area, views/invites.js; when they accept, that module takes the inviter to
// the game).
import { h } from '../app/dom.js';
import { localStorageOrNull } from '../app/storage.js';
import { problemText } from '../domain/accountrules.js';
import { checkInvite, checkInviteLists, inviteProblemText, secondsLeft, toApiOptions } from '../domain/invites.js';
import { createSettings } from '../ui/gameoptionsform.js';
import { alertBox, setBusy } from '../ui/forms.js';
import { loadingBlock, requireLogin, setDocumentTitle } from '../ui/page.js';
import { applyPresence, avatarImg, presenceBadge, watchPresence } from '../ui/user.js';
import {
  checkHistory, clampPage, formatDuration, historyPath, pageItems, profilePath, ratingText, record,
} from '../domain/standing.js';

// Buttons per relation: [id suffix, label key, style, action].
const ACTIONS = {
  self: [],
  none: [['add', 'btn-primary', 'addFriend'], ['block', 'btn-outline-danger', 'block']],
  request_sent: [['cancel', 'btn-outline-secondary', 'cancelRequest'], ['block', 'btn-outline-danger', 'block']],
  request_received: [['accept', 'btn-success', 'accept'], ['decline', 'btn-outline-secondary', 'decline'], ['block', 'btn-outline-danger', 'block']],
  friends: [['remove', 'btn-outline-secondary', 'removeFriend'], ['block', 'btn-outline-danger', 'block']],
  blocked: [['unblock', 'btn-outline-primary', 'unblock']],
  blocked_by: [],
};

function profileInner({ params, ctx, deps = {} }) {
  const { i18n, session, live } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  let id = params.id ? Number(params.id) : null;
  // /profile/<display name>: the name as typed in the address (decoded), resolved on load.
  let name = null;
  if (id === null) {
    try {
      name = decodeURIComponent(params.name ?? '');
    } catch {
      name = params.name ?? '';
    }
  }
  // The match history: the page shown, its rows, loading / error.
  const history = { page: 1, data: null, loading: false, error: null, seq: 0 };

  const state = { user: null, loading: true, notFound: false, error: null, actionError: null, busy: null };
  // Invite to play: the form (open), the pending invite sent to this user, the last outcome.
  const invite = { open: false, busy: false, error: null, outgoing: null, notice: null };
  const storage = deps.storage !== undefined ? deps.storage : localStorageOrNull(win);
  let settings = null;
  let inviteTicker = null;
  let root = null;
  let ui = null;
  let destroyed = false;
  let loadToken = 0;

  async function load() {
    const token = ++loadToken;
    try {
      if (id === null) {
        const found = await session.api(`/api/users/lookup?display_name=${encodeURIComponent(name)}`);
        if (destroyed || token !== loadToken) return;
        if (!found || !Number.isSafeInteger(found.id)) throw Object.assign(new Error('not found'), { status: 404 });
        id = found.id;
      }
      const user = await session.api(`/api/users/${id}`);
      if (destroyed || token !== loadToken) return;
      state.user = user;
      state.notFound = false;
      state.error = null;
      // A presence event that came in after the request left is newer than the answer.
      const pushed = live?.presence(id);
      if (pushed) applyPresence(state.user, pushed);
    } catch (err) {
      if (destroyed || token !== loadToken) return;
      state.notFound = err.status === 404;
      state.error = state.notFound ? null : err;
    }
    state.loading = false;
    draw();
    if (state.user && canInvite(state.user.relation ?? 'none')) loadInvites(token);
    if (state.user && history.data === null) loadHistory(history.page);
  }

  async function loadHistory(page) {
    const my = ++history.seq;
    history.loading = true;
    history.error = null;
    drawHistory();
    try {
      const data = checkHistory(await session.api(historyPath(id, page)), page);
      if (destroyed || my !== history.seq) return;
      history.data = data;
      history.page = clampPage(data.page, data.pages);
    } catch (err) {
      if (destroyed || my !== history.seq) return;
      history.error = err;
    }
    history.loading = false;
    drawHistory();
  }

  function dateText(ms) {
    if (ms === null) return '';
    try {
      return new Intl.DateTimeFormat(i18n.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
    } catch {
      return new Date(ms).toISOString();
    }
  }

  function matchRow(m) {
    const change = m.change;
    const how = m.ended_how ? t(`mm.how.${m.ended_how}`) : t('mm.how.unknown');
    const mode = m.mode ? (t(`mm.mode.${m.mode}`) === `mm.mode.${m.mode}` ? m.mode : t(`mm.mode.${m.mode}`)) : '';
    return h('tr', { 'data-game-id': String(m.id), 'data-result': m.result },
      h('td', { class: 'text-nowrap' }, dateText(m.date)),
      h('td', { class: 'text-break' }, h('a', { href: profilePath(m.opponent.display_name), class: 'history-opponent' }, m.opponent.display_name)),
      h('td', { class: 'text-nowrap' },
        h('span', { class: `badge history-result history-${m.result} me-1` }, t(`mm.result.${m.result}`)),
        h('span', { class: 'font-monospace history-score' }, `${m.myScore} – ${m.theirScore}`)),
      h('td', { class: 'text-nowrap font-monospace' }, formatDuration(m.duration_ms)),
      h('td', {}, mode),
      h('td', {}, how),
      h('td', { class: `text-nowrap font-monospace history-change ${change ? `change-${change.sign > 0 ? 'up' : change.sign < 0 ? 'down' : 'none'}` : ''}`, 'data-delta': change ? String(change.delta) : '' },
        change ? t('mm.history.change', { change: change.text, rating: Math.round(m.rating_after) }) : '–'),
      h('td', {}, m.status === 'live'
        ? h('a', { href: `/game/${m.id}`, class: 'history-watch' }, t('mm.watch'))
        : h('a', { href: `/game/${m.id}`, class: 'history-replay' }, t('mm.history.replay'))));
  }

  function pager(data) {
    if (data.pages <= 1) return null;
    const items = pageItems(history.page, data.pages).map((p) => (p === null
      ? h('li', { class: 'page-item disabled' }, h('span', { class: 'page-link' }, '…'))
      : h('li', { class: `page-item${p === history.page ? ' active' : ''}` },
        h('button', {
          type: 'button', class: 'page-link', 'data-page': String(p), 'aria-current': p === history.page ? 'page' : null,
          'aria-label': t('mm.history.page', { page: p }), onclick: () => { history.page = p; loadHistory(p); },
        }, String(p)))));
    const step = (delta, key, cls) => h('li', { class: `page-item${(delta < 0 ? history.page <= 1 : history.page >= data.pages) ? ' disabled' : ''}` },
      h('button', {
        type: 'button', class: `page-link ${cls}`, disabled: delta < 0 ? history.page <= 1 : history.page >= data.pages,
        onclick: () => { history.page = clampPage(history.page + delta, data.pages); loadHistory(history.page); },
      }, t(key)));
    return h('nav', { 'aria-label': t('mm.history.pages') },
      h('ul', { class: 'pagination pagination-sm flex-wrap mb-0', id: 'history-pager' },
        step(-1, 'mm.history.prev', 'history-prev'), items, step(1, 'mm.history.next', 'history-next')));
  }

  function drawHistory() {
    const box = ui?.history;
    if (!box) return;
    const data = history.data;
    let body;
    if (history.error) {
      body = [h('div', { class: 'alert alert-danger py-2', role: 'alert', id: 'history-error' }, problemText(t, history.error)),
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: () => loadHistory(history.page) }, t('account.retry'))];
    } else if (!data) {
      body = [loadingBlock(t)];
    } else if (!data.matches.length) {
      body = [h('p', { class: 'text-body-secondary mb-0', id: 'history-empty' }, t('mm.history.empty'))];
    } else {
      const head = ['date', 'opponent', 'score', 'duration', 'mode', 'ended', 'rating', 'replay']
        .map((k) => h('th', { scope: 'col' }, t(`mm.history.col.${k}`)));
      body = [
        h('div', { class: 'table-responsive' },
          h('table', { class: 'table table-sm align-middle mb-2', id: 'history-table', 'aria-busy': String(history.loading) },
            h('caption', { class: 'visually-hidden' }, t('mm.history.title')),
            h('thead', {}, h('tr', {}, head)),
            h('tbody', {}, data.matches.map(matchRow)))),
        h('div', { class: 'd-flex flex-wrap align-items-center gap-2' },
          h('span', { class: 'small text-body-secondary', id: 'history-total' }, t('mm.history.total', { count: data.total, page: history.page, pages: data.pages })),
          h('div', { class: 'ms-auto' }, pager(data))),
      ];
    }
    box.dataset.page = String(history.page);
    box.dataset.loading = String(history.loading);
    box.replaceChildren(...body);
  }

  function standingSection(u) {
    const r = record(u);
    const rating = ratingText(u.rating, u.provisional === true);
    return h('div', { class: 'card-body border-top p-4 profile-standing', id: 'profile-standing' },
      h('dl', { class: 'row mb-0 profile-figures' },
        h('div', { class: 'col-4' },
          h('dt', { class: 'small text-body-secondary' }, t('mm.rating')),
          h('dd', { class: 'h4 mb-0', id: 'profile-rating', 'data-rating': u.rating ?? '', 'data-provisional': String(u.provisional === true),
            title: u.provisional ? t('mm.rating.provisional') : null }, rating || '–',
          u.provisional ? h('span', { class: 'visually-hidden' }, ` (${t('mm.rating.provisional')})`) : null)),
        h('div', { class: 'col-4' },
          h('dt', { class: 'small text-body-secondary' }, t('mm.wins')),
          h('dd', { class: 'h4 mb-0', id: 'profile-wins' }, String(r.wins))),
        h('div', { class: 'col-4' },
          h('dt', { class: 'small text-body-secondary' }, t('mm.losses')),
          h('dd', { class: 'h4 mb-0', id: 'profile-losses' }, String(r.losses)))));
  }

  function canInvite(relation) {
    return !['self', 'blocked', 'blocked_by'].includes(relation);
  }

  async function loadInvites(token) {
    try {
      const lists = checkInviteLists(await session.api('/api/invites'));
      if (destroyed || token !== loadToken) return;
      invite.outgoing = lists.outgoing.find((i) => i.to.id === id && i.status === 'pending') ?? null;
      draw();
    } catch {
      /* shown as no pending invite; the live events keep it right */
    }
  }

  async function sendInvite() {
    if (invite.busy || !settings) return;
    if (!settings.valid) {
      ui?.inviteForm?.querySelector('.is-invalid')?.focus();
      return;
    }
    invite.busy = true;
    invite.error = null;
    invite.notice = null;
    draw();
    try {
      const created = await session.api('/api/invites', { method: 'POST', json: { user_id: id, options: toApiOptions(settings.options) } });
      invite.outgoing = checkInvite(created);
      invite.open = false;
    } catch (err) {
      invite.error = err;
    }
    invite.busy = false;
    if (!destroyed) draw();
  }

  async function withdrawInvite() {
    if (invite.busy || !invite.outgoing) return;
    invite.busy = true;
    invite.error = null;
    draw();
    try {
      await session.api(`/api/invites/${invite.outgoing.id}`, { method: 'DELETE' });
      invite.outgoing = null;
      invite.notice = 'invite.cancelled';
    } catch (err) {
      invite.error = err;
      if (err.status === 404 || err.code === 'answered' || err.status === 410) invite.outgoing = null;
    }
    invite.busy = false;
    if (!destroyed) draw();
  }

  function syncInviteTicker() {
    const want = Boolean(invite.outgoing);
    if (want && inviteTicker === null) inviteTicker = win.setInterval(updateWaiting, 1000);
    if (!want && inviteTicker !== null) { win.clearInterval(inviteTicker); inviteTicker = null; }
  }

  function waitingText() {
    const left = invite.outgoing.expires_at === null ? null : secondsLeft(invite.outgoing, Date.now());
    return t('invite.waiting', { name: state.user?.display_name ?? '', seconds: left ?? '–' });
  }

  function updateWaiting() {
    if (ui?.waiting && invite.outgoing) ui.waiting.textContent = waitingText();
  }

  function inviteSection(u) {
    const relation = u.relation ?? 'none';
    syncInviteTicker();
    if (!canInvite(relation)) return null;
    const parts = [];
    if (invite.notice) {
      parts.push(h('div', { class: 'alert alert-secondary py-2', id: 'profile-invite-notice', role: 'status', 'data-notice': invite.notice },
        t(invite.notice, { name: u.display_name ?? '' })));
    }
    const errorBox = h('div', { class: 'alert alert-danger py-2', id: 'profile-invite-error', role: 'alert', hidden: !invite.error },
      invite.error ? inviteProblemText(t, invite.error) : '');
    if (invite.error) errorBox.dataset.code = invite.error.code ?? '';
    if (invite.outgoing) {
      const waiting = h('span', { id: 'profile-invite-waiting' }, waitingText());
      ui.waiting = waiting;
      parts.push(h('div', { class: 'alert alert-info d-flex flex-wrap align-items-center gap-2 py-2 mb-2', role: 'status', 'data-invite-id': String(invite.outgoing.id) },
        h('span', { class: 'spinner-grow spinner-grow-sm', 'aria-hidden': 'true' }), waiting,
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary ms-auto', id: 'profile-invite-withdraw', disabled: invite.busy, onclick: withdrawInvite }, t('invite.withdraw'))),
      errorBox);
    } else if (invite.open) {
      if (!settings) settings = createSettings({ i18n, storage, idPrefix: 'invite' });
      const send = h('button', { type: 'submit', class: 'btn btn-primary', id: 'profile-invite-send' }, t('invite.send'));
      if (invite.busy) setBusy(send, true);
      const form = h('form', {
        class: 'profile-invite-form d-flex flex-column gap-3',
        id: 'profile-invite-form',
        novalidate: true,
        onsubmit: (e) => { e.preventDefault(); sendInvite(); },
      },
      h('h2', { class: 'h6 mb-0' }, t('invite.heading', { name: u.display_name ?? '' })),
      settings.element,
      errorBox,
      h('div', { class: 'd-flex gap-2' }, send,
        h('button', { type: 'button', class: 'btn btn-outline-secondary', id: 'profile-invite-close', onclick: () => { invite.open = false; invite.error = null; draw(); } }, t('invite.close'))));
      ui.inviteForm = form;
      parts.push(form);
    } else {
      parts.push(errorBox, h('button', {
        type: 'button',
        class: 'btn btn-success',
        id: 'profile-invite',
        onclick: () => {
          invite.open = true;
          invite.error = null;
          invite.notice = null;
          draw();
          ui?.inviteForm?.querySelector('select')?.focus();
        },
      }, t('invite.button')));
    }
    return h('div', { class: 'card-footer bg-transparent p-3 profile-invite', id: 'profile-invite-box' }, parts);
  }

  async function act(name) {
    if (state.busy) return;
    const paths = {
      addFriend: ['POST', `/api/friends/${id}`],
      cancelRequest: ['DELETE', `/api/friends/${id}`],
      decline: ['DELETE', `/api/friends/${id}`],
      removeFriend: ['DELETE', `/api/friends/${id}`],
      accept: ['POST', `/api/friends/${id}/accept`],
      block: ['PUT', `/api/blocks/${id}`],
      unblock: ['DELETE', `/api/blocks/${id}`],
    };
    const [method, path] = paths[name];
    state.busy = name;
    state.actionError = null;
    draw();
    try {
      await session.api(path, { method });
    } catch (err) {
      state.actionError = err;
    }
    state.busy = null;
    if (destroyed) return;
    await load();
  }

  function relationText(relation, name) {
    const key = `profile.relation.${relation}`;
    const text = t(key, { name });
    return text === key ? '' : text;
  }

  function draw() {
    if (!root || destroyed) return;
    if (state.loading) {
      root.replaceChildren(h('div', { 'data-view': 'profile' }, h('h1', { class: 'visually-hidden' }, t('profile.title')), loadingBlock(t)));
      return;
    }
    if (state.notFound || state.error) {
      root.replaceChildren(h('section', { class: 'card shadow-sm', 'data-view': 'profile' },
        h('div', { class: 'card-body p-4' },
          h('h1', { class: 'h3' }, t(state.notFound ? 'profile.notFound' : 'profile.title')),
          h('p', { class: state.notFound ? 'text-body-secondary' : 'alert alert-danger', id: 'profile-error', role: state.notFound ? null : 'alert' },
            state.notFound ? t('profile.notFound.text') : problemText(t, state.error)),
          h('div', { class: 'd-flex gap-2' },
            state.notFound ? null : h('button', { class: 'btn btn-primary', type: 'button', onclick: () => { state.loading = true; draw(); load(); } }, t('account.retry')),
            h('a', { class: 'btn btn-outline-primary', href: '/friends' }, t('profile.toFriends'))))));
      setDocumentTitle(t, t(state.notFound ? 'profile.notFound' : 'profile.title'));
      return;
    }
    const u = state.user;
    const relation = u.relation ?? 'none';
    const buttons = (ACTIONS[relation] ?? []).map(([suffix, style, action]) => {
      const b = h('button', { class: `btn ${style}`, type: 'button', id: `profile-${suffix}`, onclick: () => act(action) }, t(`profile.action.${suffix}`));
      if (state.busy) b.disabled = true;
      if (state.busy === action) setBusy(b, true);
      return b;
    });
    if (relation === 'self') buttons.push(h('a', { class: 'btn btn-outline-primary', href: '/settings', id: 'profile-settings' }, t('profile.action.settings')));
    const alert = alertBox('profile-action-error');
    if (state.actionError) {
      alert.textContent = problemText(t, state.actionError);
      alert.hidden = false;
    }
    const presence = h('div', { id: 'profile-presence' }, presenceBadge(t, u, i18n.lang));
    const historyBox = h('div', { id: 'profile-history' });
    ui = { presence, waiting: null, inviteForm: null, history: historyBox };
    const inviteBox = inviteSection(u);
    root.replaceChildren(
      h('section', { class: 'card shadow-sm profile-card', 'data-view': 'profile', 'data-user-id': String(u.id), 'data-relation': relation },
        h('div', { class: 'card-body p-4 d-flex flex-column flex-sm-row gap-4 align-items-sm-center' },
          avatarImg(u, 128, 'profile-avatar'),
          h('div', { class: 'flex-grow-1 min-w-0' },
            h('h1', { class: 'h3 mb-1 text-break', id: 'profile-name' }, u.display_name ?? ''),
            h('p', { class: 'text-body-secondary mb-2 text-break', id: 'profile-username' }, u.username ? `@${u.username}` : ''),
            presence,
            h('p', { class: 'mt-2 mb-0', id: 'profile-relation' }, relationText(relation, u.display_name ?? '')))),
        standingSection(u),
        h('div', { class: 'card-footer bg-transparent p-3' },
          alert,
          h('div', { class: 'd-flex flex-wrap gap-2', id: 'profile-actions' }, buttons)),
        inviteBox),
      h('section', { class: 'card shadow-sm mt-4', 'aria-labelledby': 'history-title' },
        h('div', { class: 'card-body p-4' },
          h('h2', { class: 'h5', id: 'history-title' }, t('mm.history.title')),
          historyBox)),
    );
    drawHistory();
    setDocumentTitle(t, u.display_name || t('profile.title'));
  }

  function drawPresence() {
    if (!ui || !state.user) return;
    ui.presence.replaceChildren(presenceBadge(t, state.user, i18n.lang));
  }

  function onLive(event) {
    if (!state.user) return;
    if (event.type === 'presence' && event.user_id === id) {
      applyPresence(state.user, event);
      drawPresence();
    } else if ((event.type === 'friend_update' && event.user_id === id)
      || (event.type === 'friend_request' && event.from?.id === id)
      || event.type === 'hello') {
      load();
    } else if (event.type === 'invite_update' && event.invite.to.id === id && event.invite.from.id === session.user?.id) {
      const inv = event.invite;
      invite.outgoing = inv.status === 'pending' ? inv : null;
      if (inv.status !== 'pending') invite.notice = `invite.${inv.status}`;
      draw();
    }
  }

  const presenceFeed = watchPresence({ live, onEvent: onLive, onTick: drawPresence, win });

  return {
    title: () => state.user?.display_name || t('profile.title'),
    render(r) {
      root = r;
      if (settings) settings = createSettings({ i18n, storage, idPrefix: 'invite', initial: settings.options });   // a language switch
      presenceFeed.start();
      draw();
      if (state.loading && loadToken === 0) load();
    },
    destroy() {
      destroyed = true;
      presenceFeed.stop();
      if (inviteTicker !== null) win.clearInterval(inviteTicker);
      root = null;
      ui = null;
    },
  };
}

/** View factory (see router.js): /users/:id, for logged-in users. */
export const profileView = requireLogin(profileInner);

/** View factory: /profile/:name (a display name), for logged-in users. */
export const profileByNameView = requireLogin(profileInner);
