// Log in with a username (or email) and password; back to ?next= afterwards. With a second
// factor on, the password step answers a challenge and a second step asks for the code (TOTP
// or mailed) or a recovery code (POST /api/auth/2fa/verify); a dead or expired challenge goes
// back to the password step. "Log in with 42" (when the server has it) is a link to the server's
// start route; the flow ends back here with ?oauth_error=<code> (shown in words), or with
// #oauth42_challenge=… when the account has a second factor on: then the code step at once.
import { h } from '../app/dom.js';
import { errorKey, readReturn } from '../domain/oauth42.js';
import { createOauth42Api } from '../services/oauth42api.js';
import { oauthLoginBlock } from '../ui/oauth42.js';
import { problemText, safeNext } from '../domain/accountrules.js';
import { challengeOver, parseCode, primaryMethod, refusalKey, restartsLogin, verifyBody } from '../domain/twofa.js';
import { alertBox, formErrors, inputField, setBusy, submitForm } from '../ui/forms.js';
import { leaveWhenLoggedIn } from '../ui/page.js';

/** View factory (see router.js). */
export function loginView({ ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const now = deps.now ?? (() => Date.now());
  const next = safeNext(new URLSearchParams(win.location.search).get('next'));

  // step: 'password' | 'code'; twoFactor: { challenge, methods, expiresAt } in the code step
  const state = { username: '', password: '', code: '', error: null, busy: false, step: 'password', twoFactor: null, notice: null };
  let ui = null;
  let expiry = null;
  // Logged in here, by the silent restore, or in another tab: go on to the next page.
  const leaving = leaveWhenLoggedIn(ctx, next);
  let view = null;
  const oauthApi = createOauth42Api(session.api);
  let providers = null;
  const oauth = { providers: () => (providers ??= oauthApi.providers()) };
  // back from the provider: an error to show, or the second step of a login with 42
  const returned = readReturn(win.location.search, win.location.hash, now());
  const oauthError = returned.error ? errorKey(returned.error) : null;
  if (returned.twoFactor) {
    state.twoFactor = returned.twoFactor;
    state.step = 'code';
    // the challenge leaves the address bar and the history at once
    win.history?.replaceState?.(win.history.state, '', `${win.location.pathname}${win.location.search}`);
    expiry = win.setTimeout(() => restart('twofa.login.expired'), Math.max(0, returned.twoFactor.expiresAt - now()));
  }

  function stopExpiry() {
    if (expiry !== null) win.clearTimeout(expiry);
    expiry = null;
  }

  /** Back to the password step, saying why (an i18n key) or not. */
  function restart(noticeKey = null) {
    stopExpiry();
    state.step = 'password';
    state.twoFactor = null;
    state.code = '';
    state.password = '';
    state.error = null;
    state.notice = noticeKey;
    if (ui) view.render(ui.root);
    ui?.fields?.password?.input.focus();
  }

  async function submit() {
    if (state.busy) return;
    state.error = null;
    state.notice = null;
    ui.errors.clear();
    // Logged in: leaveWhenLoggedIn navigates. A challenge: the second step.
    await submitForm(state, () => ui, async () => {
      const res = await session.login({ username: state.username.trim(), password: state.password });
      if (res?.twoFactor) {
        state.twoFactor = res.twoFactor;
        state.step = 'code';
        state.code = '';
        state.password = '';
        stopExpiry();
        expiry = win.setTimeout(() => restart('twofa.login.expired'), Math.max(0, res.twoFactor.expiresAt - now()));
        if (ui) view.render(ui.root);
        ui?.fields?.code?.input.focus();
      }
    });
  }

  async function submitCode() {
    if (state.busy) return;
    if (challengeOver(state.twoFactor, now())) {
      restart('twofa.login.expired');
      return;
    }
    state.error = null;
    ui.errors.clear();
    const parsed = parseCode(state.code);
    if (!parsed) {
      state.error = { local: 'twofa.error.code.invalid' };
      showCodeError();
      return;
    }
    state.busy = true;
    setBusy(ui.submit, true);
    try {
      await session.verifyTwoFactor(verifyBody(state.twoFactor.challenge, parsed));
      stopExpiry();
    } catch (err) {
      if (restartsLogin(err)) {
        state.busy = false;
        restart('twofa.error.challenge_invalid.login');
        return;
      }
      state.error = err;
      showCodeError();
    } finally {
      state.busy = false;
      if (ui) setBusy(ui.submit, false);
    }
  }

  function codeErrorText(err) {
    if (err.local) return t(err.local);
    const r = refusalKey(err, 'login');
    return r ? t(r.key, r.params) : problemText(t, err);
  }

  function showCodeError({ focus = true } = {}) {
    if (!ui || !state.error) return;
    const f = ui.fields.code;
    f.input.classList.add('is-invalid');
    f.input.setAttribute('aria-invalid', 'true');
    f.input.dataset.error = state.error.code ?? state.error.local ?? '';
    ui.alert.textContent = codeErrorText(state.error);
    ui.alert.hidden = false;
    if (focus) {
      f.input.focus();
      f.input.select?.();
    }
  }

  function card(...children) {
    return h('div', { class: 'row justify-content-center', 'data-view': 'login' },
      h('div', { class: 'col-sm-10 col-md-7 col-lg-5' },
        h('section', { class: 'card shadow-sm account-card' },
          h('div', { class: 'card-body p-4' }, ...children))));
  }

  function renderPassword(root) {
    const username = inputField({
      id: 'login-username', name: 'username', label: t('login.username'), autocomplete: 'username',
      value: state.username, attrs: { required: true, autocapitalize: 'none', maxlength: '254' },
      onInput: (v) => { state.username = v; },
    });
    const password = inputField({
      id: 'login-password', name: 'password', label: t('account.field.password'), type: 'password',
      autocomplete: 'current-password', value: state.password, attrs: { required: true },
      onInput: (v) => { state.password = v; },
    });
    const alert = alertBox('login-error');
    const notice = alertBox('login-notice', 'warning');
    if (state.notice) {
      notice.textContent = t(state.notice);
      notice.hidden = false;
    }
    const oauthAlert = alertBox('login-oauth-error');
    if (oauthError) {
      oauthAlert.textContent = t(oauthError);
      oauthAlert.hidden = false;
    }
    const submitButton = h('button', { class: 'btn btn-primary w-100', type: 'submit', id: 'login-submit' }, t('login.submit'));
    ui = {
      root,
      submit: submitButton,
      alert,
      fields: { username, password },
      errors: formErrors(t, { fields: { username, password }, alert }),
    };
    const registerHref = next === '/' ? '/register' : `/register?next=${encodeURIComponent(next)}`;
    root.replaceChildren(card(
      h('h1', { class: 'h3 mb-3' }, t('login.heading')),
      next !== '/' ? h('p', { class: 'text-body-secondary', id: 'login-reason' }, t('login.needed')) : null,
      notice,
      oauthAlert,
      alert,
      h('form', { id: 'login-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
        username.group,
        password.group,
        submitButton),
      h('p', { class: 'mt-2 mb-0 text-center small' }, h('a', { href: '/forgot-password', id: 'login-forgot' }, t('email.login.forgot'))),
      oauthLoginBlock({ t, api: oauth }),
      h('p', { class: 'mt-3 mb-0 text-center' },
        t('login.noAccount'), ' ',
        h('a', { href: registerHref, id: 'login-to-register' }, t('login.toRegister')))));
    if (state.error) ui.errors.show(state.error, { focus: false });
    setBusy(submitButton, state.busy);
  }

  function renderCode(root) {
    const method = primaryMethod(state.twoFactor.methods);
    const code = inputField({
      id: 'login-code', name: 'code', label: t('twofa.login.code'), autocomplete: 'one-time-code',
      help: t('twofa.login.code.help'), value: state.code,
      attrs: { required: true, autocapitalize: 'none', inputmode: 'text', maxlength: '24', spellcheck: 'false' },
      onInput: (v) => { state.code = v; },
    });
    const alert = alertBox('login-error');
    const submitButton = h('button', { class: 'btn btn-primary w-100', type: 'submit', id: 'login-code-submit' }, t('twofa.login.submit'));
    const back = h('button', { class: 'btn btn-link w-100 mt-2', type: 'button', id: 'login-back', onclick: () => restart() }, t('twofa.login.back'));
    ui = {
      root,
      submit: submitButton,
      alert,
      fields: { code },
      errors: formErrors(t, { fields: { code }, alert }),
    };
    root.replaceChildren(card(
      h('h1', { class: 'h3 mb-3' }, t('twofa.login.heading')),
      h('p', { class: 'text-body-secondary', id: 'login-code-intro', 'data-method': method }, t(`twofa.login.intro.${method}`)),
      alert,
      h('form', { id: 'login-code-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submitCode(); } },
        code.group,
        submitButton,
        back)));
    if (state.error) showCodeError({ focus: false });
    setBusy(submitButton, state.busy);
  }

  view = {
    title: () => (state.step === 'code' ? t('twofa.login.heading') : t('login.title')),
    render(root) {
      if (session.state === 'in') leaving.leave();
      if (state.step === 'code' && challengeOver(state.twoFactor, now())) {
        state.step = 'password';
        state.twoFactor = null;
        state.notice = 'twofa.login.expired';
      }
      if (state.step === 'code') renderCode(root);
      else renderPassword(root);
    },
    destroy() {
      stopExpiry();
      leaving.stop();
      ui = null;
    },
  };
  return view;
}
