// Friends (/friends): friends with a live online dot (presence pushed over /ws/),
// incoming and outgoing requests, finding a player by display name, blocked users.
import { h } from '../app/dom.js';
import { cleanDisplayName, problemText, DISPLAY_MAX } from '../domain/accountrules.js';
import { alertBox, setBusy } from '../ui/forms.js';
import { loadingBlock, requireLogin } from '../ui/page.js';
import { applyPresence, avatarImg, presenceBadge, watchPresence } from '../ui/user.js';

function friendsInner({ ctx, deps = {} }) {
  const { i18n, session, live } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;

  const state = {
    data: null,                // { friends, incoming, outgoing, blocked }
    loading: false,
    error: null,
    actionError: null,
    find: { query: '', busy: false, result: null, notFound: false, error: null },
  };
  let root = null;
  let ui = null;
  let destroyed = false;
  let loadToken = 0;

  async function load() {
    const token = ++loadToken;
    const started = Date.now();
    state.loading = true;
    if (ui) ui.status.hidden = false;
    try {
      const [friends, blocks] = await Promise.all([
        session.api('/api/friends'),
        session.api('/api/blocks'),
      ]);
      if (destroyed || token !== loadToken) return;
      // Online status and last seen come on the entry or on its user, depending on the version.
      const list = (Array.isArray(friends?.friends) ? friends.friends : []).filter((f) => f?.user).map((f) => ({
        user: f.user,
        online: Boolean(f.online ?? f.user.online),
        last_seen_at: f.last_seen_at ?? f.user.last_seen_at ?? null,
      }));
      // Presence pushed while the lists were on their way is newer than they are.
      for (const f of list) {
        const pushed = live?.presence(f.user?.id);
        if (pushed && pushed.at >= started) {
          f.online = pushed.online;
          if (pushed.last_seen_at) f.last_seen_at = pushed.last_seen_at;
        }
      }
      state.data = {
        friends: list,
        incoming: Array.isArray(friends?.incoming) ? friends.incoming.filter((r) => r?.user) : [],
        outgoing: Array.isArray(friends?.outgoing) ? friends.outgoing.filter((r) => r?.user) : [],
        blocked: Array.isArray(blocks?.blocked) ? blocks.blocked.filter((r) => r?.user) : [],
      };
      state.error = null;
    } catch (err) {
      if (destroyed || token !== loadToken) return;
      state.error = err;
    }
    state.loading = false;
    drawLists();
    // The searched user's relation may have changed too.
    if (state.find.result) refreshFound();
  }

  async function act(method, path, button) {
    setBusy(button, true);
    state.actionError = null;
    try {
      await session.api(path, { method });
    } catch (err) {
      state.actionError = err;
    }
    if (destroyed) return;
    drawActionError();
    await load();
  }

  async function find() {
    const query = cleanDisplayName(state.find.query);
    const f = state.find;
    f.result = null;
    f.notFound = false;
    f.error = null;
    if (!query) {
      drawFind();
      ui?.findInput.focus();
      return;
    }
    f.busy = true;
    drawFind();
    try {
      f.result = await session.api(`/api/users/lookup?display_name=${encodeURIComponent(query)}`);
    } catch (err) {
      if (err.status === 404) f.notFound = true;
      else f.error = err;
    }
    f.busy = false;
    if (!destroyed) drawFind();
  }

  async function refreshFound() {
    const id = state.find.result?.id;
    if (!id) return;
    try {
      const user = await session.api(`/api/users/${id}`);
      if (!destroyed && state.find.result?.id === id) {
        state.find.result = user;
        drawFind();
      }
    } catch { /* keep what is shown */ }
  }

  // ---- rendering ----

  function nameLink(user, extra = '') {
    return h('a', { class: `user-link fw-semibold text-break ${extra}`.trim(), href: `/users/${user.id}` }, user.display_name ?? '');
  }

  function button(label, style, cls, onClick) {
    const b = h('button', { class: `btn btn-sm ${style} ${cls}`, type: 'button' }, label);
    b.addEventListener('click', () => onClick(b));
    return b;
  }

  function row(user, { extra = null, actions = [], id = null } = {}) {
    return h('li', { class: 'list-group-item d-flex align-items-center gap-3 flex-wrap', 'data-user-id': String(user.id), id },
      avatarImg(user, 40),
      h('div', { class: 'flex-grow-1 min-w-0 d-flex flex-column' }, nameLink(user), extra),
      actions.length ? h('div', { class: 'd-flex flex-wrap gap-2' }, actions) : null);
  }

  function emptyItem(key) {
    return h('li', { class: 'list-group-item text-body-secondary list-empty' }, t(key));
  }

  function sortedFriends() {
    const collator = new Intl.Collator(i18n.lang);
    return [...state.data.friends].sort((a, b) => (Number(Boolean(b.online)) - Number(Boolean(a.online)))
      || collator.compare(a.user?.display_name ?? '', b.user?.display_name ?? ''));
  }

  function friendItem(f) {
    const item = row(f.user, {
      extra: h('span', { class: 'friend-presence' }, presenceBadge(t, f, i18n.lang)),
      actions: [button(t('friends.remove'), 'btn-outline-secondary', 'friend-remove', (b) => act('DELETE', `/api/friends/${f.user.id}`, b))],
    });
    item.classList.add('friend-item');
    return item;
  }

  function drawLists() {
    if (!ui) return;
    ui.status.hidden = !state.loading;
    ui.error.textContent = state.error ? problemText(t, state.error) : '';
    ui.error.hidden = !state.error;
    const d = state.data;
    if (!d) {
      for (const list of [ui.friends, ui.incoming, ui.outgoing, ui.blocked]) {
        list.replaceChildren(state.error ? emptyItem('friends.unavailable') : h('li', { class: 'list-group-item' }, loadingBlock(t)));
      }
      return;
    }
    ui.friendsCount.textContent = String(d.friends.length);
    ui.requestsCount.textContent = String(d.incoming.length);
    ui.requestsCount.hidden = d.incoming.length === 0;
    ui.friends.replaceChildren(...(d.friends.length ? sortedFriends().map(friendItem) : [emptyItem('friends.none')]));
    ui.incoming.replaceChildren(...(d.incoming.length ? d.incoming.map((r) => row(r.user, {
      extra: h('span', { class: 'small text-body-secondary' }, t('friends.incoming.wants')),
      actions: [
        button(t('friends.accept'), 'btn-success', 'friend-accept', (b) => act('POST', `/api/friends/${r.user.id}/accept`, b)),
        button(t('friends.decline'), 'btn-outline-secondary', 'friend-decline', (b) => act('DELETE', `/api/friends/${r.user.id}`, b)),
      ],
    })) : [emptyItem('friends.incoming.none')]));
    ui.outgoing.replaceChildren(...(d.outgoing.length ? d.outgoing.map((r) => row(r.user, {
      extra: h('span', { class: 'small text-body-secondary' }, t('friends.outgoing.waiting')),
      actions: [button(t('friends.cancel'), 'btn-outline-secondary', 'friend-cancel', (b) => act('DELETE', `/api/friends/${r.user.id}`, b))],
    })) : [emptyItem('friends.outgoing.none')]));
    ui.blocked.replaceChildren(...(d.blocked.length ? d.blocked.map((r) => row(r.user, {
      actions: [button(t('friends.unblock'), 'btn-outline-primary', 'block-remove', (b) => act('DELETE', `/api/blocks/${r.user.id}`, b))],
    })) : [emptyItem('friends.blocked.none')]));
  }

  function drawActionError() {
    if (!ui) return;
    ui.actionError.textContent = state.actionError ? problemText(t, state.actionError) : '';
    ui.actionError.hidden = !state.actionError;
  }

  function drawFind() {
    if (!ui) return;
    const f = state.find;
    setBusy(ui.findSubmit, f.busy);
    const out = ui.findResult;
    if (f.notFound) {
      out.replaceChildren(h('p', { class: 'text-body-secondary mb-0', id: 'find-none' }, t('friends.find.none')));
      return;
    }
    if (f.error) {
      out.replaceChildren(h('div', { class: 'alert alert-danger py-2 mb-0', role: 'alert' }, problemText(t, f.error)));
      return;
    }
    const u = f.result;
    if (!u) {
      out.replaceChildren();
      return;
    }
    const relation = u.relation ?? 'none';
    let action = null;
    if (relation === 'none') {
      action = button(t('friends.find.add'), 'btn-primary', 'find-add', (b) => act('POST', `/api/friends/${u.id}`, b));
      action.id = 'find-add';
    } else if (relation === 'request_received') {
      action = button(t('friends.accept'), 'btn-success', 'find-accept', (b) => act('POST', `/api/friends/${u.id}/accept`, b));
    }
    const relationKey = `friends.find.relation.${relation}`;
    const relationText = t(relationKey);
    out.replaceChildren(h('ul', { class: 'list-group' },
      row(u, {
        id: 'find-user',
        extra: h('span', { class: 'small text-body-secondary' }, relationText === relationKey ? '' : relationText),
        actions: action ? [action] : [],
      })));
  }

  function tick() {
    if (!ui || !state.data) return;
    for (const f of state.data.friends) {
      const item = ui.friends.querySelector(`li[data-user-id="${f.user.id}"] .friend-presence`);
      if (item) item.replaceChildren(presenceBadge(t, f, i18n.lang));
    }
  }

  function onLive(event) {
    if (event.type === 'presence') {
      const f = state.data?.friends.find((x) => x.user?.id === event.user_id);
      if (!f) return;
      const wasOnline = Boolean(f.online);
      applyPresence(f, event);
      if (wasOnline !== Boolean(event.online)) drawLists();   // re-sort: online first
      else tick();
      if (ui) ui.announcer.textContent = t(event.online ? 'friends.announce.online' : 'friends.announce.offline', { name: f.user.display_name ?? '' });
    } else if (event.type === 'friend_request' || event.type === 'friend_update' || event.type === 'hello') {
      load();
    }
  }

  function section(id, titleKey, list, countBadge = null) {
    return h('section', { class: 'card shadow-sm mb-4', id, 'aria-labelledby': `${id}-title` },
      h('div', { class: 'card-header bg-transparent d-flex align-items-center gap-2' },
        h('h2', { class: 'h6 mb-0', id: `${id}-title` }, t(titleKey)),
        countBadge),
      list);
  }

  const presenceFeed = watchPresence({ live, onEvent: onLive, onTick: tick, win });

  return {
    title: () => t('friends.title'),
    render(r) {
      root = r;
      presenceFeed.start();
      const list = (id, label) => h('ul', { class: 'list-group list-group-flush', id, 'aria-label': label });
      const findInput = h('input', {
        class: 'form-control',
        id: 'find-name',
        name: 'display_name',
        type: 'search',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: String(DISPLAY_MAX * 2),
        placeholder: t('friends.find.placeholder'),
        oninput: (e) => { state.find.query = e.target.value; },
      });
      findInput.value = state.find.query;
      const findSubmit = h('button', { class: 'btn btn-primary', type: 'submit', id: 'find-submit' }, t('friends.find.submit'));
      ui = {
        status: h('span', { class: 'spinner-border spinner-border-sm text-body-secondary', role: 'status', hidden: !state.loading },
          h('span', { class: 'visually-hidden' }, t('account.loading'))),
        error: alertBox('friends-error'),
        actionError: alertBox('friends-action-error'),
        announcer: h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', id: 'friends-announcer' }),
        friends: list('friends-list', t('friends.list.heading')),
        incoming: list('incoming-list', t('friends.incoming.heading')),
        outgoing: list('outgoing-list', t('friends.outgoing.heading')),
        blocked: list('blocked-list', t('friends.blocked.heading')),
        friendsCount: h('span', { class: 'badge text-bg-secondary', id: 'friends-count' }),
        requestsCount: h('span', { class: 'badge text-bg-primary', id: 'requests-count', hidden: true }),
        findInput,
        findSubmit,
        findResult: h('div', { class: 'mt-3', id: 'find-result', 'aria-live': 'polite' }),
      };
      root.replaceChildren(
        h('div', { 'data-view': 'friends' },
          h('div', { class: 'd-flex align-items-center gap-2 mb-4' },
            h('h1', { class: 'h3 mb-0' }, t('friends.heading')),
            ui.status),
          ui.error,
          ui.actionError,
          ui.announcer,
          h('div', { class: 'row g-4' },
            h('div', { class: 'col-lg-7' },
              section('friends-section', 'friends.list.heading', ui.friends, ui.friendsCount),
              section('incoming-section', 'friends.incoming.heading', ui.incoming, ui.requestsCount),
              section('outgoing-section', 'friends.outgoing.heading', ui.outgoing)),
            h('div', { class: 'col-lg-5' },
              h('section', { class: 'card shadow-sm mb-4', id: 'find-section', 'aria-labelledby': 'find-section-title' },
                h('div', { class: 'card-body' },
                  h('h2', { class: 'h6', id: 'find-section-title' }, t('friends.find.heading')),
                  h('form', { id: 'find-form', role: 'search', novalidate: true, onsubmit: (e) => { e.preventDefault(); find(); } },
                    h('label', { class: 'form-label small text-body-secondary', for: 'find-name' }, t('friends.find.label')),
                    h('div', { class: 'input-group' }, findInput, findSubmit)),
                  ui.findResult)),
              section('blocked-section', 'friends.blocked.heading', ui.blocked)))),
      );
      drawLists();
      drawActionError();
      drawFind();
      if (!state.data && !state.loading && !state.error) load();
    },
    destroy() {
      destroyed = true;
      presenceFeed.stop();
      root = null;
      ui = null;
    },
  };
}

/** View factory (see router.js): /friends, for logged-in users. */
export const friendsView = requireLogin(friendsInner);
