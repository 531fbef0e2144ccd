// Log in with a username (or email) and password; back to ?next= afterwards.
import { h } from '../app/dom.js';
import { safeNext } from '../domain/accountrules.js';
import { alertBox, formErrors, inputField, setBusy, submitForm } from '../ui/forms.js';
import { leaveWhenLoggedIn } from '../ui/page.js';

/** View factory (see router.js). */
export function loginView({ ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const next = safeNext(new URLSearchParams(win.location.search).get('next'));

  const state = { username: '', password: '', error: null, busy: false };
  let ui = null;
  // Logged in here, by the silent restore, or in another tab: go on to the next page.
  const leaving = leaveWhenLoggedIn(ctx, next);

  async function submit() {
    if (state.busy) return;
    state.error = null;
    ui.errors.clear();
    // Logged in: leaveWhenLoggedIn navigates.
    await submitForm(state, () => ui, () => session.login({ username: state.username.trim(), password: state.password }));
  }

  return {
    title: () => t('login.title'),
    render(root) {
      if (session.state === 'in') leaving.leave();
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
      const submitButton = h('button', { class: 'btn btn-primary w-100', type: 'submit', id: 'login-submit' }, t('login.submit'));
      ui = {
        submit: submitButton,
        errors: formErrors(t, { fields: { username, password }, alert }),
      };
      const registerHref = next === '/' ? '/register' : `/register?next=${encodeURIComponent(next)}`;
      root.replaceChildren(
        h('div', { class: 'row justify-content-center', 'data-view': 'login' },
          h('div', { class: 'col-sm-10 col-md-7 col-lg-5' },
            h('section', { class: 'card shadow-sm account-card' },
              h('div', { class: 'card-body p-4' },
                h('h1', { class: 'h3 mb-3' }, t('login.heading')),
                next !== '/' ? h('p', { class: 'text-body-secondary', id: 'login-reason' }, t('login.needed')) : null,
                alert,
                h('form', {
                  id: 'login-form',
                  novalidate: true,
                  onsubmit: (e) => { e.preventDefault(); submit(); },
                },
                username.group,
                password.group,
                submitButton),
                h('p', { class: 'mt-3 mb-0 text-center' },
                  t('login.noAccount'), ' ',
                  h('a', { href: registerHref, id: 'login-to-register' }, t('login.toRegister'))))))),
      );
      if (state.error) ui.errors.show(state.error, { focus: false });
      setBusy(submitButton, state.busy);
    },
    destroy() {
      leaving.stop();
      ui = null;
    },
  };
}
