// About: what the project is.
import { h } from '../app/dom.js';

/** View factory (see router.js). */
export function aboutView({ ctx }) {
  const { t } = ctx.i18n;
  return {
    title: () => t('about.title'),
    render(root) {
      root.replaceChildren(
        h('section', { class: 'card shadow-sm' },
          h('div', { class: 'card-body p-4' },
            h('h1', { class: 'h3 card-title mb-3' }, t('about.heading')),
            h('p', {}, t('about.p1')),
            h('p', {}, t('about.p2')),
            h('p', { class: 'mb-0' }, t('about.p3')))),
      );
    },
    destroy() {},
  };
}
