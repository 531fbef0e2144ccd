// Shared pieces of the account pages (login, register, settings, profile, friends):
// labelled inputs with Bootstrap validation feedback, server errors shown next to their
// field or in an alert, avatars, presence badges, the login gate for private pages.
// Every user-supplied string goes in as a text node (dom.js h()).
import { h } from '../dom.js';
import {
  fieldErrorText, problemText, splitFieldErrors, loginPath, relativeTime,
} from '../accountrules.js';

/** Runs `fn` after the current render finished (navigating from inside render() is not allowed). */
export function later(fn) {
  Promise.resolve().then(fn);
}

/**
 * A labelled input with its invalid-feedback and optional help text.
 * Returns { group, input, feedback, name }.
 */
export function inputField({ id, name, label, type = 'text', autocomplete = 'off', help = null, value = '', attrs = {}, onInput = null }) {
  const feedback = h('div', { class: 'invalid-feedback', id: `${id}-error` });
  const helpEl = help ? h('div', { class: 'form-text', id: `${id}-help` }, help) : null;
  const input = h('input', {
    class: 'form-control',
    id,
    name,
    type,
    autocomplete,
    spellcheck: type === 'text' || type === 'email' ? 'false' : null,
    'aria-describedby': helpEl ? `${id}-help ${id}-error` : `${id}-error`,
    oninput: onInput ? (e) => onInput(e.target.value) : null,
    ...attrs,
  });
  input.value = value;
  const group = h('div', { class: 'mb-3' },
    h('label', { class: 'form-label', for: id }, label),
    input,
    feedback,
    helpEl);
  return { group, input, feedback, name };
}

/** An alert box, hidden until used: `kind` is a Bootstrap contextual class (danger, success…). */
export function alertBox(id, kind = 'danger') {
  return h('div', { class: `alert alert-${kind} py-2`, id, role: kind === 'danger' ? 'alert' : 'status', hidden: true });
}

function showAlert(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

/**
 * Error display for one form: `fields` maps a field name to an inputField() result,
 * `alert` is an alertBox(); `aliases` maps server field names onto the form's
 * ({ current_password: 'password' }). Returns { clear(), show(err), setField(name, code) }.
 * show(err) puts each server field error next to its input (translated by code), the rest
 * in the alert, and focuses the first invalid input.
 */
export function formErrors(t, { fields, alert, aliases = {} }) {
  function setField(name, code) {
    const f = fields[name];
    if (!f) return false;
    f.input.classList.add('is-invalid');
    f.input.setAttribute('aria-invalid', 'true');
    f.input.dataset.error = code;
    f.feedback.textContent = fieldErrorText(t, name, code);
    return true;
  }

  function clear() {
    for (const f of Object.values(fields)) {
      f.input.classList.remove('is-invalid');
      f.input.removeAttribute('aria-invalid');
      delete f.input.dataset.error;
      f.feedback.textContent = '';
    }
    showAlert(alert, '');
  }

  function show(err, { focus = true } = {}) {
    clear();
    if (!err) return;
    let errFields = err.fields;
    if (!errFields && err.code === 'wrong_password') errFields = { current_password: 'wrong' };
    const { shown, other } = splitFieldErrors(errFields, Object.keys(fields), aliases);
    const names = Object.keys(shown);
    for (const name of names) setField(name, shown[name]);
    // Errors about fields this form does not show: "<field>: <error>" in the alert.
    const rest = Object.entries(other).map(([name, code]) => {
      const label = t(`account.field.${name}`);
      const text = fieldErrorText(t, name, code);
      return label === `account.field.${name}` ? text : `${label}: ${text}`;
    });
    if (rest.length > 0) showAlert(alert, rest.join(' '));
    else if (names.length === 0) showAlert(alert, problemText(t, err));
    if (focus) {
      const first = Object.values(fields).find((f) => f.input.classList.contains('is-invalid'));
      (first?.input ?? alert).focus?.({ preventScroll: false });
    }
  }

  return { clear, show, setField };
}

/** Disables a submit button while a request runs, with a spinner. */
export function setBusy(button, busy) {
  if (!button) return;
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
  const spinner = button.querySelector('.spinner-border');
  if (busy && !spinner) {
    button.prepend(h('span', { class: 'spinner-border spinner-border-sm me-2', 'aria-hidden': 'true' }));
  } else if (!busy && spinner) {
    spinner.remove();
  }
}

/** A user's avatar: decorative (the name is always next to it). */
export function avatarImg(user, size = 40, extra = '') {
  return h('img', {
    class: `avatar rounded-circle flex-shrink-0 ${extra}`.trim(),
    src: user?.avatar_url || '/static/icon.svg',
    alt: '',
    width: String(size),
    height: String(size),
    loading: 'lazy',
    decoding: 'async',
  });
}

/**
 * Online / last-seen badge: a coloured dot (data-online for tests and styles) and text.
 * `lang` formats the relative time.
 */
export function presenceBadge(t, { online, last_seen_at: lastSeen }, lang, nowMs = Date.now()) {
  const ago = online ? '' : relativeTime(lastSeen, nowMs, lang);
  const text = online ? t('account.presence.online') : ago ? t('account.presence.lastSeen', { ago }) : t('account.presence.offline');
  return h('span', { class: 'presence d-inline-flex align-items-center gap-1 small', 'data-online': String(Boolean(online)) },
    h('span', { class: `presence-dot ${online ? 'is-online' : 'is-offline'}`, 'aria-hidden': 'true' }),
    h('span', { class: 'presence-text text-body-secondary' }, text));
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
 * Re-renders relative "last seen" texts every 30 s while a page is open.
 * Returns stop().
 */
export function everyHalfMinute(fn, win = window) {
  const id = win.setInterval(fn, 30_000);
  return () => win.clearInterval(id);
}
