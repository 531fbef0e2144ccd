// Placeholder: replaced by the play page.
import { h } from '../dom.js';

/** View factory (see router.js). */
export function playView({ ctx }) {
  const { t } = ctx.i18n;
  return {
    title: () => t('nav.play'),
    render(root) {
      root.replaceChildren(h('h1', {}, t('nav.play')));
    },
    destroy() {},
  };
}
