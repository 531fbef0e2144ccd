// Not found: any path no route matches.
import { h } from '../app/dom.js';

/** View factory (see router.js); `path` is the unmatched path, shown as text. */
export function notFoundView({ ctx, path }) {
  const { t } = ctx.i18n;
  return {
    title: () => t('notfound.title'),
    render(root) {
      root.replaceChildren(
        h('section', { class: 'card shadow-sm text-center', 'data-view': 'notfound' },
          h('div', { class: 'card-body p-5' },
            h('p', { class: 'display-4 fw-bold text-body-secondary', 'aria-hidden': 'true' }, '404'),
            h('h1', { class: 'h3' }, t('notfound.heading')),
            h('p', {}, t('notfound.text'), ' ', h('code', { class: 'text-break' }, path)),
            h('a', { class: 'btn btn-primary', href: '/' }, t('notfound.home')))),
      );
    },
    destroy() {},
  };
}
