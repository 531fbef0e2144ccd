// Placeholder: replaced by the tournament page.
import { h } from '../dom.js';

/** View factory (see router.js). */
export function tournamentView({ ctx }) {
  const { t } = ctx.i18n;
  return {
    title: () => t('nav.tournament'),
    render(root) {
      root.replaceChildren(h('h1', {}, t('nav.tournament')));
    },
    destroy() {},
  };
}
