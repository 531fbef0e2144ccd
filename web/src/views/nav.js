// Top navigation bar: skip link, brand, route links, language switcher, account links
// (Log in / Register, or the user's display name, Friends and Log out).
// Collapsing on small screens is done here (no Bootstrap JS needed).
import { h } from '../app/dom.js';
import { SUPPORTED } from '../app/i18n.js';
import { badgeText } from '../domain/chatlog.js';

const LINKS = [
  { href: '/', key: 'nav.home', id: 'nav-home', match: (p) => p === '/' },
  { href: '/play', key: 'nav.play', id: 'nav-play', match: (p) => p === '/play' },
  { href: '/tournament', key: 'nav.tournament', id: 'nav-tournament', match: (p) => p === '/tournament' },
  { href: '/chat', key: 'nav.chat', id: 'nav-chat', match: (p) => p === '/chat' || p.startsWith('/chat/') },
  { href: '/about', key: 'nav.about', id: 'nav-about', match: (p) => p === '/about' },
];

// Shown only to administrators (the page checks again: GET /api/admin/status), last.
const ADMIN_LINK = { href: '/admin', key: 'nav.admin', id: 'nav-admin', match: (p) => p === '/admin' };

// Shown only to logged-in users, after the main links.
const MEMBER_LINKS = [
  { href: '/games', key: 'nav.games', id: 'nav-games', match: (p) => p === '/games' || p.startsWith('/game/') },
  { href: '/friends', key: 'nav.friends', id: 'nav-friends', match: (p) => p === '/friends' || p.startsWith('/users/') },
];

/**
 * Renders the header into `root` (replacing its content) for `i18n`. `account` (optional):
 * { session, onLogout(), admin } — the session decides which account links show; `admin`
 * (the user is an administrator) adds the Admin link.
 * Returns { setActive(path) } to mark the current link and { setUnread(n) } for the chat
 * link's badge (hidden at 0, "99+" past 99).
 */
export function renderNav(root, i18n, account = null) {
  const { t } = i18n;
  const session = account?.session ?? null;
  const loggedIn = session?.state === 'in' && Boolean(session.user);
  let open = false;

  const menu = h('div', { class: 'collapse navbar-collapse', id: 'nav-menu' });
  const toggler = h('button', {
    class: 'navbar-toggler',
    type: 'button',
    'aria-controls': 'nav-menu',
    'aria-expanded': 'false',
    'aria-label': t('nav.toggle'),
    onclick: () => setOpen(!open),
  }, h('span', { class: 'navbar-toggler-icon', 'aria-hidden': 'true' }));

  function setOpen(next) {
    open = next;
    menu.classList.toggle('show', open);
    toggler.setAttribute('aria-expanded', String(open));
  }

  // The chat link carries the total of unread messages (setUnread).
  const unread = h('span', { class: 'badge rounded-pill text-bg-danger ms-1 nav-unread', id: 'nav-chat-unread', hidden: true });
  const links = [...LINKS, ...(loggedIn ? MEMBER_LINKS : []), ...(loggedIn && account?.admin ? [ADMIN_LINK] : [])].map((link) => ({
    ...link,
    el: h('a', { class: 'nav-link', href: link.href, id: link.id, onclick: () => setOpen(false) }, t(link.key), link.id === 'nav-chat' ? unread : null),
  }));

  // Account links: not in .navbar-nav (that list is the site's sections).
  let accountLinks = [];
  let accountBox = null;
  if (session && session.state !== 'unknown') {
    if (loggedIn) {
      const me = h('a', {
        class: 'nav-account-name text-truncate',
        href: '/settings',
        id: 'nav-me',
        title: t('nav.settings'),
        onclick: () => setOpen(false),
      }, h('span', { class: 'visually-hidden' }, `${t('nav.settings')}: `), session.user.display_name ?? '');
      accountLinks = [{ el: me, match: (p) => p === '/settings' }];
      accountBox = h('div', { class: 'd-flex align-items-center gap-2 nav-account', id: 'nav-account' },
        me,
        h('button', {
          class: 'btn btn-sm btn-outline-light',
          type: 'button',
          id: 'nav-logout',
          onclick: () => { setOpen(false); account.onLogout?.(); },
        }, t('nav.logout')));
    } else {
      const login = h('a', { class: 'btn btn-sm btn-outline-light', href: '/login', id: 'nav-login', onclick: () => setOpen(false) }, t('nav.login'));
      const register = h('a', { class: 'btn btn-sm btn-primary', href: '/register', id: 'nav-register', onclick: () => setOpen(false) }, t('nav.register'));
      accountLinks = [{ el: login, match: (p) => p === '/login' }, { el: register, match: (p) => p === '/register' }];
      accountBox = h('div', { class: 'd-flex align-items-center gap-2 nav-account', id: 'nav-account' }, login, register);
    }
  }

  const select = h('select', {
    class: 'form-select form-select-sm lang-select',
    id: 'lang-select',
    onchange: (e) => i18n.setLanguage(e.target.value),
  }, SUPPORTED.map((code) => h('option', { value: code, lang: code, selected: code === i18n.lang }, t(`language.${code}`))));

  menu.append(
    h('ul', { class: 'navbar-nav me-auto mb-2 mb-md-0' },
      links.map((link) => h('li', { class: 'nav-item' }, link.el))),
    h('div', { class: 'd-flex flex-wrap align-items-center gap-2 pb-2 pb-md-0' },
      accountBox,
      h('label', { class: 'visually-hidden', for: 'lang-select' }, t('nav.language')),
      select),
  );

  root.replaceChildren(
    h('a', { class: 'visually-hidden-focusable skip-link', href: '#app' }, t('nav.skip')),
    h('nav', { class: 'navbar navbar-expand-md navbar-dark bg-dark', 'aria-label': t('nav.label') },
      h('div', { class: 'container' },
        h('a', { class: 'navbar-brand fw-bold', href: '/' },
          h('img', { src: '/static/icon.svg', alt: '', width: '28', height: '28', class: 'me-2 align-text-top' }),
          t('app.name')),
        toggler,
        menu)),
  );

  return {
    setUnread(n) {
      const text = badgeText(n);
      unread.hidden = !text || !loggedIn;
      unread.textContent = text;
      unread.dataset.unread = String(text ? n : 0);
      if (text) unread.setAttribute('aria-label', t('chat.unread', { count: text }));
      else unread.removeAttribute('aria-label');
    },
    setActive(path) {
      for (const link of [...links, ...accountLinks]) {
        const active = link.match(path);
        link.el.classList.toggle('active', active);
        if (active) link.el.setAttribute('aria-current', 'page');
        else link.el.removeAttribute('aria-current');
      }
    },
  };
}
