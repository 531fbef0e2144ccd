// A user's public profile (/users/:id): avatar, display name, online status, and the
// friend/block actions that fit the relation between the viewer and this user.
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { alertBox, setBusy } from '../ui/forms.js';
import { loadingBlock, requireLogin, setDocumentTitle } from '../ui/page.js';
import { avatarImg, presenceBadge, watchPresence } from '../ui/user.js';

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
  const id = Number(params.id);

  const state = { user: null, loading: true, notFound: false, error: null, actionError: null, busy: null };
  let root = null;
  let ui = null;
  let destroyed = false;
  let loadToken = 0;

  async function load() {
    const token = ++loadToken;
    try {
      const user = await session.api(`/api/users/${id}`);
      if (destroyed || token !== loadToken) return;
      state.user = user;
      state.notFound = false;
      state.error = null;
      // A presence event that came in after the request left is newer than the answer.
      const pushed = live?.presence(id);
      if (pushed) Object.assign(state.user, { online: pushed.online, last_seen_at: pushed.last_seen_at ?? state.user.last_seen_at });
    } catch (err) {
      if (destroyed || token !== loadToken) return;
      state.notFound = err.status === 404;
      state.error = state.notFound ? null : err;
    }
    state.loading = false;
    draw();
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
    ui = { presence };
    root.replaceChildren(
      h('section', { class: 'card shadow-sm profile-card', 'data-view': 'profile', 'data-user-id': String(u.id), 'data-relation': relation },
        h('div', { class: 'card-body p-4 d-flex flex-column flex-sm-row gap-4 align-items-sm-center' },
          avatarImg(u, 128, 'profile-avatar'),
          h('div', { class: 'flex-grow-1 min-w-0' },
            h('h1', { class: 'h3 mb-1 text-break', id: 'profile-name' }, u.display_name ?? ''),
            h('p', { class: 'text-body-secondary mb-2 text-break', id: 'profile-username' }, u.username ? `@${u.username}` : ''),
            presence,
            h('p', { class: 'mt-2 mb-0', id: 'profile-relation' }, relationText(relation, u.display_name ?? '')))),
        h('div', { class: 'card-footer bg-transparent p-3' },
          alert,
          h('div', { class: 'd-flex flex-wrap gap-2', id: 'profile-actions' }, buttons))),
    );
    setDocumentTitle(t, u.display_name || t('profile.title'));
  }

  function drawPresence() {
    if (!ui || !state.user) return;
    ui.presence.replaceChildren(presenceBadge(t, state.user, i18n.lang));
  }

  function onLive(event) {
    if (!state.user) return;
    if (event.type === 'presence' && event.user_id === id) {
      state.user.online = event.online;
      if (event.last_seen_at) state.user.last_seen_at = event.last_seen_at;
      drawPresence();
    } else if ((event.type === 'friend_update' && event.user_id === id)
      || (event.type === 'friend_request' && event.from?.id === id)
      || event.type === 'hello') {
      load();
    }
  }

  const presenceFeed = watchPresence({ live, onEvent: onLive, onTick: drawPresence, win });

  return {
    title: () => state.user?.display_name || t('profile.title'),
    render(r) {
      root = r;
      presenceFeed.start();
      draw();
      if (state.loading && loadToken === 0) load();
    },
    destroy() {
      destroyed = true;
      presenceFeed.stop();
      root = null;
      ui = null;
    },
  };
}

/** View factory (see router.js): /users/:id, for logged-in users. */
export const profileView = requireLogin(profileInner);
