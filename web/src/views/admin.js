// /admin — the administrators' page (docs/security.md, "Admin role"): the users with a search
// and paging, ban (with a reason) and unban after a confirmation, clearing a user's chat
// mutes, the audit log (who, what, whom, when), the live games with a Watch link, the chat's
// reports, and a word on tournaments (local to a browser: nothing on the server to list).
// Anyone may open the URL: a non-administrator (GET /api/admin/status, or a 403 from any
// admin route, e.g. once the role was revoked) sees only "administrators only".
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { checkLiveGames } from '../domain/standing.js';
import { setBusy } from '../ui/forms.js';
import { loadingBlock, requireLogin } from '../ui/page.js';

const PAGE = 20;

function adminInner({ ctx }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const state = {
    admin: null,                 // null: asking; false: not an administrator
    users: { q: '', offset: 0, data: null, error: null },
    audit: { offset: 0, data: null, error: null },
    games: null, gamesError: null,
    reports: null, reportsError: null,
    confirm: null,               // { kind: 'ban' | 'unban', user }
    notice: null, actionError: null,
  };
  let root = null;
  let destroyed = false;

  const when = (ms) => (ms ? new Intl.DateTimeFormat(i18n.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms)) : t('admin.never'));

  /** A failed admin request: a 403 means the caller is no administrator (any more). */
  function failed(err, section, key = 'error') {
    if (err?.status === 403 && err.code === 'forbidden') state.admin = false;
    else section[key] = err;
  }

  /** GET `path` into section.data (a page of users or of the log). */
  async function loadPage(section, path) {
    try {
      section.data = await session.api(path);
      section.error = null;
    } catch (err) {
      failed(err, section);
    }
  }

  function loadUsers() {
    const u = state.users;
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(u.offset) });
    if (u.q) q.set('q', u.q);
    return loadPage(u, `/api/admin/users?${q}`);
  }

  const loadAudit = () => loadPage(state.audit, `/api/admin/audit?limit=${PAGE}&offset=${state.audit.offset}`);

  async function loadGames() {
    try {
      state.games = checkLiveGames(await session.api('/api/games?status=live&limit=50'));
      state.gamesError = null;
    } catch (err) {
      state.gamesError = err;
    }
  }

  async function loadReports() {
    try {
      const r = await session.api('/api/chat/reports?limit=50');
      state.reports = Array.isArray(r?.reports) ? r.reports : [];
      state.reportsError = null;
    } catch (err) {
      state.reportsError = err;
    }
  }

  async function loadAll() {
    try {
      const s = await session.api('/api/admin/status');
      state.admin = Boolean(s?.admin);
    } catch (err) {
      state.admin = false;
      state.actionError = err;
    }
    if (destroyed) return;
    if (state.admin) await Promise.all([loadUsers(), loadAudit(), loadGames(), loadReports()]);
    if (!destroyed) draw();
  }

  async function refresh(...loads) {
    await Promise.all(loads.map((f) => f()));
    if (!destroyed) draw();
  }

  async function act(button, request, notice) {
    setBusy(button, true);
    state.actionError = null;
    state.notice = null;
    try {
      const body = await request();
      state.notice = notice(body);
      state.confirm = null;
    } catch (err) {
      failed(err, state, 'actionError');
    }
    if (destroyed) return;
    await refresh(loadUsers, loadAudit);
  }

  const name = (u) => u.display_name || u.username;

  function confirmBox(user, kind) {
    const reason = h('input', { class: 'form-control form-control-sm', id: 'admin-ban-reason', maxlength: '500', autocomplete: 'off' });
    const yes = h('button', {
      class: `btn btn-sm ${kind === 'ban' ? 'btn-danger' : 'btn-primary'}`,
      type: 'button',
      id: 'admin-confirm-yes',
      onclick: () => act(yes,
        () => (kind === 'ban'
          ? session.api(`/api/admin/users/${user.id}/ban`, { method: 'POST', json: reason.value ? { reason: reason.value } : {} })
          : session.api(`/api/admin/users/${user.id}/ban`, { method: 'DELETE' })),
        () => t(kind === 'ban' ? 'admin.banned' : 'admin.unbanned', { name: name(user) })),
    }, t(kind === 'ban' ? 'admin.ban.yes' : 'admin.unban.yes'));
    return h('div', { class: 'alert alert-warning mt-2 mb-0 p-2', role: 'alertdialog', id: 'admin-confirm', 'aria-labelledby': 'admin-confirm-text' },
      h('p', { class: 'mb-2', id: 'admin-confirm-text' }, t(kind === 'ban' ? 'admin.ban.confirm' : 'admin.unban.confirm', { name: name(user) })),
      kind === 'ban' ? h('div', { class: 'mb-2' }, h('label', { class: 'form-label small mb-1', for: 'admin-ban-reason' }, t('admin.ban.reason')), reason) : null,
      h('div', { class: 'd-flex gap-2' }, yes,
        h('button', { class: 'btn btn-sm btn-outline-secondary', type: 'button', id: 'admin-confirm-no', onclick: () => { state.confirm = null; draw(); } }, t('admin.cancel'))));
  }

  function userRow(u) {
    const me = session.user?.id === u.id;
    const badges = [
      u.is_admin ? h('span', { class: 'badge text-bg-primary' }, t('admin.badge.admin')) : null,
      u.banned_at ? h('span', { class: 'badge text-bg-danger', title: when(u.banned_at) }, t('admin.badge.banned')) : null,
      u.two_factor ? h('span', { class: 'badge text-bg-secondary' }, t('admin.badge.twofa')) : null,
      u.online ? h('span', { class: 'badge text-bg-success' }, t('admin.badge.online')) : null,
    ];
    const actions = [];
    if (u.banned_at) {
      actions.push(h('button', { class: 'btn btn-sm btn-outline-primary admin-unban', type: 'button', onclick: () => { state.confirm = { kind: 'unban', user: u }; draw(); } }, t('admin.unban')));
    } else if (!u.is_admin && !me) {
      actions.push(h('button', { class: 'btn btn-sm btn-outline-danger admin-ban', type: 'button', onclick: () => { state.confirm = { kind: 'ban', user: u }; draw(); } }, t('admin.ban')));
    }
    const unmute = h('button', {
      class: 'btn btn-sm btn-outline-secondary admin-unmute',
      type: 'button',
      onclick: () => act(unmute, () => session.api(`/api/admin/users/${u.id}/unmute`, { method: 'POST' }),
        (b) => t('admin.unmuted', { name: name(u), count: b?.rooms ?? 0 })),
    }, t('admin.unmute'));
    actions.push(unmute);
    const open = state.confirm?.user.id === u.id;
    return h('tr', { class: 'admin-user', 'data-user-id': String(u.id), 'data-username': u.username },
      h('td', {}, h('a', { class: 'fw-semibold text-break d-block', href: `/users/${u.id}` }, u.display_name), h('div', { class: 'small text-body-secondary text-break' }, `@${u.username} · #${u.id}`)),
      h('td', { class: 'text-break' }, u.email),
      h('td', { class: 'small' }, when(u.created_at)),
      h('td', { class: 'small' }, when(u.last_seen_at)),
      h('td', {}, h('div', { class: 'd-flex flex-wrap gap-1' }, badges)),
      h('td', {}, h('div', { class: 'd-flex flex-wrap gap-1' }, actions), open ? confirmBox(u, state.confirm.kind) : null));
  }

  function pager(section, load, id) {
    const d = section.data;
    if (!d || (section.offset === 0 && !d.more)) return null;
    return h('div', { class: 'd-flex gap-2 mt-2', id },
      h('button', { class: 'btn btn-sm btn-outline-secondary', type: 'button', disabled: section.offset === 0, onclick: () => { section.offset = Math.max(0, section.offset - PAGE); refresh(load); } }, t('admin.prev')),
      h('button', { class: 'btn btn-sm btn-outline-secondary', type: 'button', disabled: !d.more, onclick: () => { section.offset += PAGE; refresh(load); } }, t('admin.next')));
  }

  function usersSection() {
    const u = state.users;
    const input = h('input', { class: 'form-control', id: 'admin-search', type: 'search', value: u.q, maxlength: '254', autocomplete: 'off' });
    const form = h('form', {
      class: 'd-flex gap-2 mb-3', role: 'search',
      onsubmit: (e) => { e.preventDefault(); u.q = input.value.trim(); u.offset = 0; refresh(loadUsers); },
    }, h('label', { class: 'visually-hidden', for: 'admin-search' }, t('admin.users.search')),
    input, h('button', { class: 'btn btn-primary', type: 'submit', id: 'admin-search-go' }, t('admin.users.searchButton')));
    input.setAttribute('placeholder', t('admin.users.search'));
    let body;
    if (u.error) body = h('div', { class: 'alert alert-danger', role: 'alert' }, problemText(t, u.error));
    else if (!u.data) body = loadingBlock(t);
    else if (!u.data.users.length) body = h('p', { class: 'text-body-secondary', id: 'admin-users-empty' }, t('admin.users.empty'));
    else {
      body = h('div', { class: 'table-responsive' }, h('table', { class: 'table table-sm align-middle', id: 'admin-users' },
        h('thead', {}, h('tr', {}, ['admin.col.user', 'admin.col.email', 'admin.col.created', 'admin.col.lastSeen', 'admin.col.status', 'admin.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, u.data.users.map(userRow))));
    }
    return h('section', { class: 'mb-5', 'aria-labelledby': 'admin-users-title' },
      h('h2', { class: 'h4', id: 'admin-users-title' }, t('admin.users.title')), form, body, pager(u, loadUsers, 'admin-users-pager'));
  }

  const whoText = (w) => (w ? `@${w.username}` : t('admin.audit.commandLine'));

  function auditSection() {
    const a = state.audit;
    let body;
    if (a.error) body = h('div', { class: 'alert alert-danger', role: 'alert' }, problemText(t, a.error));
    else if (!a.data) body = loadingBlock(t);
    else if (!a.data.entries.length) body = h('p', { class: 'text-body-secondary' }, t('admin.audit.empty'));
    else {
      body = h('div', { class: 'table-responsive' }, h('table', { class: 'table table-sm', id: 'admin-audit' },
        h('thead', {}, h('tr', {}, ['admin.col.when', 'admin.col.who', 'admin.col.what', 'admin.col.whom', 'admin.col.detail'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, a.data.entries.map((e) => h('tr', { class: 'admin-audit-entry', 'data-action': e.action },
          h('td', { class: 'small text-nowrap' }, when(e.at)),
          h('td', { class: 'text-break' }, whoText(e.actor)),
          h('td', {}, h('code', {}, e.action)),
          h('td', { class: 'text-break' }, e.target ? `@${e.target.username}` : ''),
          h('td', { class: 'small text-break' }, e.detail))))));
    }
    return h('section', { class: 'mb-5', 'aria-labelledby': 'admin-audit-title' },
      h('div', { class: 'd-flex align-items-center gap-2' }, h('h2', { class: 'h4 me-auto', id: 'admin-audit-title' }, t('admin.audit.title')),
        h('button', { class: 'btn btn-sm btn-outline-secondary', type: 'button', id: 'admin-audit-refresh', onclick: () => refresh(loadAudit) }, t('admin.refresh'))),
      body, pager(a, loadAudit, 'admin-audit-pager'));
  }

  function gamesSection() {
    let body;
    if (state.gamesError) body = h('div', { class: 'alert alert-danger', role: 'alert' }, problemText(t, state.gamesError));
    else if (!state.games) body = loadingBlock(t);
    else if (!state.games.length) body = h('p', { class: 'text-body-secondary', id: 'admin-games-empty' }, t('admin.games.empty'));
    else {
      body = h('ul', { class: 'list-group', id: 'admin-games' }, state.games.map((g) => h('li', { class: 'list-group-item d-flex flex-wrap align-items-center gap-2', 'data-game-id': String(g.id) },
        h('span', { class: 'text-break' }, g.players[0].display_name),
        h('span', { class: 'fw-bold font-monospace' }, `${g.score[0]} – ${g.score[1]}`),
        h('span', { class: 'text-break' }, g.players[1].display_name),
        h('span', { class: 'small text-body-secondary' }, t('mm.spectators', { count: g.spectators })),
        h('a', { class: 'btn btn-sm btn-outline-primary ms-auto', href: `/game/${g.id}` }, t('mm.watch')))));
    }
    return h('section', { class: 'mb-5', 'aria-labelledby': 'admin-games-title' },
      h('div', { class: 'd-flex align-items-center gap-2' }, h('h2', { class: 'h4 me-auto', id: 'admin-games-title' }, t('admin.games.title')),
        h('button', { class: 'btn btn-sm btn-outline-secondary', type: 'button', onclick: () => refresh(loadGames) }, t('admin.refresh'))),
      body,
      h('h2', { class: 'h5 mt-4' }, t('admin.tournaments.title')),
      h('p', { class: 'text-body-secondary', id: 'admin-tournaments' }, t('admin.tournaments.text')));
  }

  function reportsSection() {
    let body;
    if (state.reportsError) body = h('div', { class: 'alert alert-danger', role: 'alert' }, problemText(t, state.reportsError));
    else if (!state.reports) body = loadingBlock(t);
    else if (!state.reports.length) body = h('p', { class: 'text-body-secondary' }, t('admin.reports.empty'));
    else {
      body = h('ul', { class: 'list-group', id: 'admin-reports' }, state.reports.map((r) => h('li', { class: 'list-group-item' },
        h('div', { class: 'small text-body-secondary' }, `${when(r.at)} · ${t('admin.reports.reporter', { name: r.reporter?.display_name ?? '?' })}`,
          r.target ? ` → ${r.target.display_name}` : '', r.channel ? ` · ` : '',
          r.channel ? h('a', { href: `/chat/${r.channel.replace(/^room:/, '')}` }, r.channel) : null),
        r.message ? h('blockquote', { class: 'mb-1 text-break' }, r.message) : null,
        h('div', { class: 'text-break' }, r.reason))));
    }
    return h('section', { class: 'mb-5', 'aria-labelledby': 'admin-reports-title' },
      h('h2', { class: 'h4', id: 'admin-reports-title' }, t('admin.reports.title')),
      h('p', { class: 'text-body-secondary small' }, t('admin.rooms.text')), body);
  }

  function draw() {
    if (!root) return;
    const heading = h('h1', { class: 'h2 mb-4' }, t('admin.title'));
    if (state.admin === null) {
      root.replaceChildren(h('div', { 'data-view': 'admin' }, heading, loadingBlock(t)));
      return;
    }
    if (!state.admin) {
      root.replaceChildren(h('div', { 'data-view': 'admin' }, heading,
        h('div', { class: 'alert alert-warning', role: 'alert', id: 'admin-forbidden' }, t('admin.forbidden'))));
      return;
    }
    root.replaceChildren(h('div', { 'data-view': 'admin' }, heading,
      state.notice ? h('div', { class: 'alert alert-success py-2', role: 'status', id: 'admin-notice' }, state.notice) : null,
      state.actionError ? h('div', { class: 'alert alert-danger py-2', role: 'alert', id: 'admin-error' }, problemText(t, state.actionError)) : null,
      usersSection(), auditSection(), gamesSection(), reportsSection()));
  }

  return {
    title: () => t('admin.title'),
    render(r) {
      const first = root === null;
      root = r;
      draw();
      if (first) loadAll();
    },
    destroy() {
      destroyed = true;
      root = null;
    },
  };
}

export const adminView = requireLogin(adminInner);
