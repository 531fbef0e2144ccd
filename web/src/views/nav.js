// Top navigation bar: skip link, brand, route links, language switcher.
// Collapsing on small screens is done here (no Bootstrap JS needed).
import { h } from '../dom.js';
import { SUPPORTED } from '../i18n.js';

const LINKS = [
  { href: '/', key: 'nav.home', id: 'nav-home', match: (p) => p === '/' },
  { href: '/play', key: 'nav.play', id: 'nav-play', match: (p) => p === '/play' },
  { href: '/tournament', key: 'nav.tournament', id: 'nav-tournament', match: (p) => p === '/tournament' },
  { href: '/chat', key: 'nav.chat', id: 'nav-chat', match: (p) => p === '/chat' || p.startsWith('/chat/') },
  { href: '/about', key: 'nav.about', id: 'nav-about', match: (p) => p === '/about' },
];

/**
 * Renders the header into `root` (replacing its content) for `i18n`.
 * Returns { setActive(path) } to mark the current link.
 */
export function renderNav(root, i18n) {
  const { t } = i18n;
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

  const links = LINKS.map((link) => ({
    ...link,
    el: h('a', { class: 'nav-link', href: link.href, id: link.id, onclick: () => setOpen(false) }, t(link.key)),
  }));

  const select = h('select', {
    class: 'form-select form-select-sm lang-select',
    id: 'lang-select',
    onchange: (e) => i18n.setLanguage(e.target.value),
  }, SUPPORTED.map((code) => h('option', { value: code, lang: code, selected: code === i18n.lang }, t(`language.${code}`))));

  menu.append(
    h('ul', { class: 'navbar-nav me-auto mb-2 mb-md-0' },
      links.map((link) => h('li', { class: 'nav-item' }, link.el))),
    h('div', { class: 'd-flex align-items-center gap-2 pb-2 pb-md-0' },
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
    setActive(path) {
      for (const link of links) {
        const active = link.match(path);
        link.el.classList.toggle('active', active);
        if (active) link.el.setAttribute('aria-current', 'page');
        else link.el.removeAttribute('aria-current');
      }
    },
  };
}
