// Create an account: username, email, optional display name, password (typed twice).
// The server is the judge of every rule; its field errors show next to the fields.
import { h } from '../app/dom.js';
import {
  safeNext, cleanDisplayName, USERNAME_MIN, USERNAME_MAX, PASSWORD_MIN, DISPLAY_MAX, EMAIL_MAX,
} from '../domain/accountrules.js';
import { alertBox, formErrors, inputField, setBusy, submitForm } from '../ui/forms.js';
import { leaveWhenLoggedIn } from '../ui/page.js';
import { createOauth42Api } from '../services/oauth42api.js';
import { oauthLoginBlock } from '../ui/oauth42.js';

const FIELDS = ['username', 'email', 'display_name', 'password', 'confirm'];

/** View factory (see router.js). */
export function registerView({ ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const next = safeNext(new URLSearchParams(win.location.search).get('next'));

  const state = { values: Object.fromEntries(FIELDS.map((f) => [f, ''])), error: null, busy: false };
  let ui = null;
  const leaving = leaveWhenLoggedIn(ctx, next);
  const oauthApi = createOauth42Api(session.api);
  let providers = null;
  const oauth = { providers: () => (providers ??= oauthApi.providers()) };

  async function submit() {
    if (state.busy) return;
    const v = state.values;
    state.error = null;
    ui.errors.clear();
    if (v.password !== v.confirm) {
      state.error = { fields: { confirm: 'mismatch' } };
      ui.errors.show(state.error);
      return;
    }
    const body = { username: v.username.trim(), email: v.email.trim(), password: v.password, language: i18n.lang };
    const display = cleanDisplayName(v.display_name);
    if (display) body.display_name = display;
    await submitForm(state, () => ui, () => session.register(body));
  }

  return {
    title: () => t('register.title'),
    render(root) {
      if (session.state === 'in') leaving.leave();
      const field = (name, opts) => inputField({
        id: `register-${name.replace('_', '-')}`,
        name,
        value: state.values[name],
        onInput: (value) => { state.values[name] = value; },
        ...opts,
      });
      const fields = {
        username: field('username', {
          label: t('account.field.username'), autocomplete: 'username',
          help: t('register.username.help', { min: USERNAME_MIN, max: USERNAME_MAX }),
          attrs: { required: true, autocapitalize: 'none', maxlength: String(USERNAME_MAX * 2) },
        }),
        email: field('email', {
          label: t('account.field.email'), type: 'email', autocomplete: 'email',
          attrs: { required: true, maxlength: String(EMAIL_MAX) },
        }),
        display_name: field('display_name', {
          label: t('register.displayName'), autocomplete: 'nickname',
          help: t('register.displayName.help', { max: DISPLAY_MAX }),
          attrs: { maxlength: String(DISPLAY_MAX * 2) },
        }),
        password: field('password', {
          label: t('account.field.password'), type: 'password', autocomplete: 'new-password',
          help: t('register.password.help', { min: PASSWORD_MIN }), attrs: { required: true },
        }),
        confirm: field('confirm', {
          label: t('account.field.confirm'), type: 'password', autocomplete: 'new-password', attrs: { required: true },
        }),
      };
      const alert = alertBox('register-error');
      const submitButton = h('button', { class: 'btn btn-primary w-100', type: 'submit', id: 'register-submit' }, t('register.submit'));
      ui = { submit: submitButton, errors: formErrors(t, { fields, alert }) };
      const loginHref = next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
      root.replaceChildren(
        h('div', { class: 'row justify-content-center', 'data-view': 'register' },
          h('div', { class: 'col-sm-11 col-md-8 col-lg-6' },
            h('section', { class: 'card shadow-sm account-card' },
              h('div', { class: 'card-body p-4' },
                h('h1', { class: 'h3' }, t('register.heading')),
                h('p', { class: 'text-body-secondary' }, t('register.intro')),
                alert,
                h('form', { id: 'register-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
                  h('div', { class: 'row' },
                    h('div', { class: 'col-md-6' }, fields.username.group),
                    h('div', { class: 'col-md-6' }, fields.display_name.group)),
                  fields.email.group,
                  h('div', { class: 'row' },
                    h('div', { class: 'col-md-6' }, fields.password.group),
                    h('div', { class: 'col-md-6' }, fields.confirm.group)),
                  submitButton),
                oauthLoginBlock({ t, api: oauth, id: 'oauth42-register' }),
                h('p', { class: 'mt-3 mb-0 text-center' },
                  t('register.haveAccount'), ' ',
                  h('a', { href: loginHref, id: 'register-to-login' }, t('register.toLogin'))))))),
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
