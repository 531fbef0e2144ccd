// Home: what the site offers, with links into the app (and quick play when logged in).
import { h } from '../app/dom.js';
import { quickPlayBox } from '../ui/quickplay.js';

/** View factory (see router.js). */
export function homeView({ ctx }) {
  const { t } = ctx.i18n;
  let box = null;
  return {
    title: () => t('home.title'),
    render(root) {
      box?.destroy();
      box = ctx.quickplay && ctx.session?.state === 'in' ? quickPlayBox({ t, qp: ctx.quickplay, id: 'home-quickplay' }) : null;
      const card = (titleKey, textKey, ...footer) => h('div', { class: 'col-md-4' },
        h('section', { class: 'card h-100 shadow-sm' },
          h('div', { class: 'card-body d-flex flex-column' },
            h('h2', { class: 'h5 card-title' }, t(titleKey)),
            h('p', { class: 'card-text flex-grow-1' }, t(textKey)),
            footer)));
      root.replaceChildren(
        h('div', { class: 'hero p-4 p-md-5 mb-4 rounded-3' },
          h('h1', { class: 'display-6 fw-bold' }, t('home.heading')),
          h('p', { class: 'lead mb-0' }, t('home.lead'))),
        h('div', { class: 'row g-4' },
          card('home.play.title', 'home.play.summary',
            h('div', { class: 'd-flex flex-wrap gap-2' },
              h('a', { class: 'btn btn-primary', href: '/play', id: 'home-play' }, t('home.play.cta')),
              h('a', { class: 'btn btn-outline-primary', href: '/tournament', id: 'home-tournament' }, t('home.play.tournament')),
              h('a', { class: 'btn btn-success', href: '/games', id: 'home-online' }, t('mm.home.online'))),
            box ? h('div', { class: 'mt-3' }, box.element) : null),
          card('home.chat.title', 'home.chat.text',
            h('div', {}, h('a', { class: 'btn btn-primary', href: '/chat' }, t('home.chat.cta')))),
          card('home.about.title', 'home.about.text',
            h('div', {}, h('a', { class: 'btn btn-outline-primary', href: '/about' }, t('home.about.cta'))))),
      );
    },
    destroy() {
      box?.destroy();
      box = null;
    },
  };
}
