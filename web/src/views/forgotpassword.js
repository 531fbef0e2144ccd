// "Forgot password?": the account's email address → POST /api/auth/password/reset. The server
// answers the same whether or not an account has the address, so the page says the same too:
// a link is mailed if an account has this confirmed address (docs/security.md).
import { h } from '../app/dom.js';
import { EMAIL_MAX } from '../domain/accountrules.js';
import { createEmailApi } from '../services/emailapi.js';
import { alertBox, formErrors, inputField, setBusy, submitForm } from '../ui/forms.js';

/** View factory (see router.js): /forgot-password. */
export function forgotPasswordView({ ctx }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const api = createEmailApi(session.api);
  const state = { email: '', error: null, busy: false, sent: false };
  let ui = null;
  let view = null;

  async function submit() {
    if (state.busy) return;
    state.error = null;
    ui.errors.clear();
    await submitForm(state, () => ui, async () => {
      await api.requestReset(state.email.trim());
      state.sent = true;
      if (ui) view.render(ui.root);
    });
  }

  view = {
    title: () => t('email.forgot.title'),
    render(root) {
      const email = inputField({
        id: 'forgot-email', name: 'email', label: t('account.field.email'), type: 'email', autocomplete: 'email',
        value: state.email, attrs: { required: true, maxlength: String(EMAIL_MAX) },
        onInput: (v) => { state.email = v; },
      });
      const alert = alertBox('forgot-error');
      const submitButton = h('button', { class: 'btn btn-primary w-100', type: 'submit', id: 'forgot-submit' }, t('email.forgot.submit'));
      ui = { root, submit: submitButton, errors: formErrors(t, { fields: { email }, alert }) };
      const body = state.sent
        ? [h('div', { class: 'alert alert-success', id: 'forgot-done', role: 'status' }, t('email.forgot.sent', { email: state.email.trim() }))]
        : [
          h('p', { class: 'text-body-secondary' }, t('email.forgot.intro')),
          alert,
          h('form', { id: 'forgot-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
            email.group,
            submitButton),
        ];
      root.replaceChildren(
        h('div', { class: 'row justify-content-center', 'data-view': 'forgot-password' },
          h('div', { class: 'col-sm-10 col-md-7 col-lg-5' },
            h('section', { class: 'card shadow-sm account-card' },
              h('div', { class: 'card-body p-4' },
                h('h1', { class: 'h3 mb-3' }, t('email.forgot.heading')),
                ...body,
                h('p', { class: 'mt-3 mb-0 text-center' }, h('a', { href: '/login', id: 'forgot-to-login' }, t('email.backToLogin'))))))));
      if (state.error) ui.errors.show(state.error, { focus: false });
      setBusy(submitButton, state.busy);
    },
    destroy() {
      ui = null;
    },
  };
  return view;
}
