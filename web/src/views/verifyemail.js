// The page of an address confirmation link (<PUBLIC_ORIGIN>/verify-email?token=…): confirms at
// once (POST /api/auth/email/verify, no login needed: the link may be opened anywhere) and
// says whether it worked; a used, expired or stale link says which, and where to ask for
// another (Settings, "send the link again").
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { createEmailApi, tokenFromSearch } from '../services/emailapi.js';
import { loadingBlock } from '../ui/page.js';

/** View factory (see router.js): /verify-email. */
export function verifyEmailView({ ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const api = createEmailApi(session.api);
  const token = tokenFromSearch(win.location.search);
  // 'pending' | 'done' | an error (ApiError or { code })
  let outcome = token ? 'pending' : { code: 'link_invalid' };
  let root = null;
  let destroyed = false;
  let view = null;

  // the way on depends on the session, which may still be restoring on a fresh page
  const off = session.subscribe(() => { if (!destroyed && root) view.render(root); });
  if (token) {
    api.verify(token).then(() => { outcome = 'done'; }, (err) => { outcome = err; }).then(() => {
      if (!destroyed && root) view.render(root);
    });
  }

  view = {
    title: () => t('email.verify.title'),
    render(r) {
      root = r;
      let body;
      if (outcome === 'pending') body = [loadingBlock(t, 'verify-pending')];
      else if (outcome === 'done') body = [h('div', { class: 'alert alert-success', id: 'verify-done', role: 'status' }, t('email.verify.done'))];
      else {
        body = [
          h('div', { class: 'alert alert-warning', id: 'verify-error', role: 'alert', 'data-code': outcome?.code ?? '' }, problemText(t, outcome)),
          h('p', { class: 'text-body-secondary mb-0' }, t('email.verify.askAgain')),
        ];
      }
      r.replaceChildren(
        h('div', { class: 'row justify-content-center', 'data-view': 'verify-email' },
          h('div', { class: 'col-sm-10 col-md-7 col-lg-5' },
            h('section', { class: 'card shadow-sm account-card' },
              h('div', { class: 'card-body p-4' },
                h('h1', { class: 'h3 mb-3' }, t('email.verify.heading')),
                ...body,
                h('p', { class: 'mt-3 mb-0 text-center' },
                  h('a', { href: session.state === 'in' ? '/settings' : '/login', id: 'verify-continue' },
                    t(session.state === 'in' ? 'email.verify.toSettings' : 'email.backToLogin'))))))));
    },
    destroy() {
      destroyed = true;
      off();
      root = null;
    },
  };
  return view;
}
