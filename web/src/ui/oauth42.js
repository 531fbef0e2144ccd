// Log in with 42 in the pages: the button of the login and register pages (shown only when the
// server has it configured), and Settings → "42 account" (link, unlink, and why unlinking waits
// for a password). The login is a plain link to the server's start route: the redirects of the
// flow end on a page of the app, which restores the session from the cookie.
//
// oauthLoginBlock({ t, api, id }) → element (hidden until the server says the feature is on);
// createOauthCard({ t, api, win, returned, onChanged }) → { element, load(), draw(), destroy() }:
// `api` is services/oauth42api.js, `returned` what the page was sent with (domain/oauth42.js
// readReturn), `onChanged()` runs after an unlink.
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { errorKey } from '../domain/oauth42.js';
import { alertBox, setBusy } from './forms.js';
import { loadingBlock } from './page.js';

/** "or" and the "Log in with 42" button, under a login or register form. */
export function oauthLoginBlock({ t, api, id = 'oauth42-login' }) {
  const link = h('a', { class: 'btn btn-outline-secondary w-100 oauth42-button', id, href: '/api/auth/oauth/42' },
    h('span', { class: 'oauth42-logo', 'aria-hidden': 'true' }, '42'), ' ', t('oauth42.button'));
  const block = h('div', { class: 'mt-3', id: `${id}-block`, hidden: true },
    h('div', { class: 'd-flex align-items-center my-3 text-body-secondary small' },
      h('hr', { class: 'flex-grow-1 my-0' }), h('span', { class: 'px-2' }, t('oauth42.or')), h('hr', { class: 'flex-grow-1 my-0' })),
    link);
  api.providers().then((p) => {
    if (!p.enabled) return;
    link.setAttribute('href', p.startUrl);
    block.hidden = false;
  }).catch(() => { /* no button: the password login works as ever */ });
  return block;
}

export function createOauthCard({ t, api, win, returned = {}, onChanged = () => {} }) {
  const st = { status: null, loadError: null, busy: false, error: null, done: null };
  if (returned.notice === 'linked') st.done = 'oauth42.settings.linked';
  if (returned.notice === 'welcome') st.done = 'oauth42.settings.welcome';
  if (returned.error) st.error = { local: errorKey(returned.error) };
  let destroyed = false;

  const body = h('div', { id: 'oauth42-body', 'aria-live': 'polite' });
  const element = h('section', { class: 'card shadow-sm mb-4', id: 'settings-oauth42', 'aria-labelledby': 'settings-oauth42-title', hidden: true },
    h('div', { class: 'card-body p-4' },
      h('h2', { class: 'h5 card-title', id: 'settings-oauth42-title' }, t('oauth42.settings.heading')),
      h('p', { class: 'text-body-secondary small' }, t('oauth42.settings.intro')),
      body));

  async function load() {
    try {
      st.status = await api.status();
      st.loadError = null;
    } catch (err) {
      st.loadError = err;
    }
    draw();
  }

  async function act(fn) {
    if (st.busy) return;
    st.busy = true;
    st.error = null;
    st.done = null;
    draw();
    try {
      await fn();
    } catch (err) {
      st.error = err;
    } finally {
      st.busy = false;
      if (!destroyed) draw();
    }
  }

  const link = () => act(async () => {
    const url = await api.linkUrl();
    win.location.assign(url);   // on to the provider; back on /settings?oauth42=linked
  });
  const unlink = () => act(async () => {
    await api.unlink();
    st.status = await api.status();
    st.done = 'oauth42.settings.unlinked';
    onChanged();
  });

  function draw() {
    if (destroyed) return;
    const s = st.status;
    element.hidden = !!s && !s.enabled && !s.linked;   // nothing to show where the server has no 42 login
    const alert = alertBox('oauth42-error');
    if (st.error) {
      alert.textContent = st.error.local ? t(st.error.local) : problemText(t, st.error);
      alert.hidden = false;
    }
    const done = alertBox('oauth42-done', 'success');
    if (st.done) {
      done.textContent = t(st.done);
      done.hidden = false;
    }
    if (!s) {
      body.replaceChildren(alert, done, st.loadError ? h('p', { class: 'text-danger' }, problemText(t, st.loadError)) : loadingBlock(t));
      return;
    }
    const parts = [alert, done];
    if (s.linked) {
      parts.push(h('p', { id: 'oauth42-status', 'data-linked': 'true' }, t('oauth42.settings.linkedAs'), ' ',
        h('strong', { id: 'oauth42-login-name' }, s.login ?? '')));
      if (!s.hasPassword) parts.push(h('p', { class: 'small text-body-secondary', id: 'oauth42-no-password' }, t('oauth42.settings.noPassword')));
      const b = h('button', { class: 'btn btn-outline-danger', type: 'button', id: 'oauth42-unlink', onclick: unlink },
        t('oauth42.settings.unlink'));
      setBusy(b, st.busy);
      if (!s.hasPassword) b.disabled = true;   // the server would refuse: no way in would be left
      parts.push(b);
    } else {
      parts.push(h('p', { id: 'oauth42-status', 'data-linked': 'false' }, t('oauth42.settings.notLinked')));
      const b = h('button', { class: 'btn btn-outline-primary', type: 'button', id: 'oauth42-link', onclick: link }, t('oauth42.settings.link'));
      setBusy(b, st.busy);
      parts.push(b);
    }
    body.replaceChildren(...parts);
  }

  return {
    element,
    load,
    draw,
    /** Whether the account has a password (null: not known yet). */
    hasPassword: () => (st.status ? st.status.hasPassword : null),
    destroy() { destroyed = true; },
  };
}
