// The page of a password-reset link (<PUBLIC_ORIGIN>/reset-password?token=…): a new password,
// typed twice → POST /api/auth/password/reset/confirm. The server applies the rules of
// registration; on success every session of the account has ended and no one is logged in:
// the page says so and leads to the login (where the second factor still applies). A used,
// expired or unknown link says which, and leads to asking for another.
import { h } from '../app/dom.js';
import { PASSWORD_MIN, problemText } from '../domain/accountrules.js';
import { createEmailApi, tokenFromSearch } from '../services/emailapi.js';
import { alertBox, formErrors, inputField, setBusy, submitForm } from '../ui/forms.js';

const LINK_CODES = new Set(['link_invalid', 'link_used', 'link_expired', 'email_changed']);

/** View factory (see router.js): /reset-password. */
export function resetPasswordView({ ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const api = createEmailApi(session.api);
  const token = tokenFromSearch(win.location.search);
  const state = { password: '', confirm: '', error: null, busy: false, done: false, deadLink: null };
  let ui = null;
  let view = null;

  async function submit() {
    if (state.busy) return;
    state.error = null;
    ui.errors.clear();
    if (state.password !== state.confirm) {
      state.error = { fields: { confirm: 'mismatch' } };
      ui.errors.show(state.error);
      return;
    }
    await submitForm(state, () => ui, async () => {
      try {
        await api.confirmReset(token, state.password);
        state.done = true;
      } catch (err) {
        if (!LINK_CODES.has(err?.code)) throw err;
        state.deadLink = err.code;
      }
      state.password = state.confirm = '';
      if (ui) view.render(ui.root);
    });
  }

  function formPart() {
    const field = (name, label, help = null) => inputField({
      id: `reset-${name}`, name, label, type: 'password', autocomplete: 'new-password', help, value: state[name],
      attrs: { required: true }, onInput: (v) => { state[name] = v; },
    });
    const fields = {
      password: field('password', t('account.field.new_password'), t('register.password.help', { min: PASSWORD_MIN })),
      confirm: field('confirm', t('account.field.confirm')),
    };
    const alert = alertBox('reset-error');
    const submitButton = h('button', { class: 'btn btn-primary w-100', type: 'submit', id: 'reset-submit' }, t('email.reset.submit'));
    ui.submit = submitButton;
    ui.errors = formErrors(t, { fields, alert });
    return [
      h('p', { class: 'text-body-secondary' }, t('email.reset.intro')),
      alert,
      h('form', { id: 'reset-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
        fields.password.group, fields.confirm.group, submitButton),
    ];
  }

  view = {
    title: () => t('email.reset.title'),
    render(root) {
      ui = { root, submit: null, errors: null };
      let body;
      if (state.done) {
        body = [
          h('div', { class: 'alert alert-success', id: 'reset-done', role: 'status' }, t('email.reset.done')),
          h('a', { class: 'btn btn-primary w-100', href: '/login', id: 'reset-to-login' }, t('email.reset.toLogin')),
        ];
      } else if (!token || state.deadLink) {
        const code = state.deadLink ?? 'link_invalid';
        body = [
          h('div', { class: 'alert alert-warning', id: 'reset-dead', role: 'alert', 'data-code': code }, problemText(t, { code })),
          h('a', { class: 'btn btn-outline-primary w-100', href: '/forgot-password', id: 'reset-ask-again' }, t('email.reset.askAgain')),
        ];
      } else body = formPart();
      root.replaceChildren(
        h('div', { class: 'row justify-content-center', 'data-view': 'reset-password' },
          h('div', { class: 'col-sm-10 col-md-7 col-lg-5' },
            h('section', { class: 'card shadow-sm account-card' },
              h('div', { class: 'card-body p-4' },
                h('h1', { class: 'h3 mb-3' }, t('email.reset.heading')),
                ...body)))));
      if (state.error && ui.errors) ui.errors.show(state.error, { focus: false });
      setBusy(ui.submit, state.busy);
    },
    destroy() {
      ui = null;
    },
  };
  return view;
}
