// Page plumbing shared by views: the login gate for private pages, the document title,
// a loading block, deferred navigation, leaving the login pages once logged in.
import { h } from '../app/dom.js';
import { loginPath } from '../domain/accountrules.js';

/** Runs `fn` after the current render finished (navigating from inside render() is not allowed). */
export function later(fn) {
  Promise.resolve().then(fn);
}

/**
 * For the login and register pages: goes on to `next` (replacing this history entry) once
 * the session is logged in, here, by the silent restore or in another tab. Returns
 * { leave(), stop() }: leave() goes at once (a render while logged in), stop() on destroy.
 */
export function leaveWhenLoggedIn(ctx, next) {
  let leaving = false;
  let stopped = false;
  function leave() {
    if (leaving) return;
    leaving = true;
    later(() => { if (!stopped) ctx.navigate(next, { replace: true }); });
  }
  const off = ctx.session.subscribe(({ state }) => { if (state === 'in') leave(); });
  return {
    leave,
    stop() {
      stopped = true;
      off();
    },
  };
}

/** Sets the document title the way the router does. */
export function setDocumentTitle(t, title) {
  const suffix = t('app.titleSuffix');
  document.title = suffix && title !== suffix ? `${title} · ${suffix}` : title;
}

/** A centred spinner with a label, for pages waiting on the server. */
export function loadingBlock(t, id = null) {
  return h('div', { class: 'd-flex align-items-center gap-2 text-body-secondary py-4', id, role: 'status' },
    h('span', { class: 'spinner-border spinner-border-sm', 'aria-hidden': 'true' }),
    h('span', {}, t('account.loading')));
}

/**
 * Wraps a view factory for a page that needs a logged-in user. While the session is still
 * being restored it shows a spinner; when logged out it goes to /login?next=<this page>
 * (replacing this history entry). The inner view is created at once but rendered only
 * when logged in.
 */
export function requireLogin(factory) {
  return (args) => {
    const { ctx } = args;
    const { session, i18n } = ctx;
    const win = args.deps?.window ?? window;
    const inner = factory(args);
    let root = null;
    let shown = false;
    let redirected = false;
    let destroyed = false;
    let off = null;

    function redirect() {
      if (redirected) return;
      redirected = true;
      const here = win.location.pathname + win.location.search + win.location.hash;
      later(() => { if (!destroyed) ctx.navigate(loginPath(here), { replace: true }); });
    }

    function sync() {
      if (destroyed || !root) return;
      if (session.state === 'in') {
        if (!shown) {
          shown = true;
          inner.render(root);
        }
      } else if (session.state === 'out') {
        redirect();
      }
    }

    return {
      title: () => inner.title(),
      render(r) {
        root = r;
        if (!off) off = session.subscribe(sync);
        if (session.state === 'in') {
          shown = true;
          inner.render(root);
        } else {
          root.replaceChildren(h('div', { 'data-view': 'auth-wait' },
            h('h1', { class: 'visually-hidden' }, inner.title()),
            loadingBlock(i18n.t)));
          sync();
        }
      },
      destroy() {
        destroyed = true;
        if (off) off();
        inner.destroy();
      },
    };
  };
}

/**
 * The access token for a socket (the game socket), from the session: null when logged out; with
 * `fresh` (the server refused the last one) a refreshed one, or undefined when the refresh
 * failed for a passing reason (the socket retries later).
 */
export async function sessionToken(session, fresh) {
  if (session.state === 'unknown') await session.restore();
  if (session.state !== 'in') return null;
  if (!fresh && session.token) return session.token;
  if (await session.refresh()) return session.token;
  return session.state === 'in' ? undefined : null;
}
