// Find people by part of their display name (GET /api/users?search=, 2–32 characters):
// a search box whose results link to /profile/<display name>, with avatar and rating.
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { SEARCH_MAX, checkSearch, profilePath, ratingText, searchQuery } from '../domain/standing.js';
import { avatarImg } from './user.js';

/**
 * `api(path)` → promise (session.api). `id`: prefix of the ids (#<id>-input, #<id>-results).
 * Typing searches after a short pause; Enter at once. Returns { element, destroy() }.
 */
export function userSearch({ t, api, id = 'user-search', win = window, delayMs = 250 }) {
  let timer = null;
  let seq = 0;
  let destroyed = false;
  const input = h('input', {
    type: 'search', class: 'form-control', id: `${id}-input`, maxlength: String(SEARCH_MAX), autocomplete: 'off',
    placeholder: t('mm.search.placeholder'), 'aria-describedby': `${id}-help`,
  });
  const results = h('ul', { class: 'list-group user-search-results mt-2', id: `${id}-results`, 'aria-live': 'polite' });
  const help = h('div', { class: 'form-text', id: `${id}-help` }, t('mm.search.help'));

  function show(items) {
    results.replaceChildren(...items);
    results.hidden = items.length === 0;
  }

  async function run() {
    const q = searchQuery(input.value);
    const my = ++seq;
    if (!q) { show([]); results.dataset.state = 'idle'; return; }
    results.dataset.state = 'loading';
    try {
      const users = checkSearch(await api(`/api/users?search=${encodeURIComponent(q)}&limit=20`));
      if (destroyed || my !== seq) return;
      results.dataset.state = 'done';
      if (!users.length) {
        show([h('li', { class: 'list-group-item text-body-secondary', id: `${id}-none` }, t('mm.search.none', { query: q }))]);
        return;
      }
      show(users.map((u) => h('li', { class: 'list-group-item d-flex align-items-center gap-2', 'data-user-id': String(u.id) },
        avatarImg(u, 28),
        h('a', { class: 'text-break flex-grow-1', href: profilePath(u.display_name) }, u.display_name),
        u.rating === null ? null : h('span', { class: 'badge text-bg-light', title: t('mm.rating') }, ratingText(u.rating, u.provisional)))));
    } catch (err) {
      if (destroyed || my !== seq) return;
      results.dataset.state = 'error';
      show([h('li', { class: 'list-group-item text-danger', role: 'alert' }, problemText(t, err))]);
    }
  }

  input.addEventListener('input', () => {
    if (timer !== null) win.clearTimeout(timer);
    timer = win.setTimeout(() => { timer = null; run(); }, delayMs);
  });
  const form = h('form', { role: 'search', class: 'user-search', id, novalidate: true, onsubmit: (e) => { e.preventDefault(); if (timer !== null) win.clearTimeout(timer); run(); } },
    h('label', { class: 'form-label', for: `${id}-input` }, t('mm.search.label')),
    input, help, results);
  show([]);
  return {
    element: form,
    destroy() {
      destroyed = true;
      if (timer !== null) win.clearTimeout(timer);
    },
  };
}
