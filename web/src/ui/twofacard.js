// Settings → Security: the second factor of the account (docs/security.md "The second factor").
// Its state from GET /api/auth/2fa; set up TOTP (QR code drawn in the page, the secret as text,
// on with a first code); codes by email where the server sends mail (a mailed code turns them
// on); the ten recovery codes shown once, with a copy button; off with the password and a code.
// Every refusal of the routes in words (domain/twofa.js refusalKey()).
//
// createTwofaCard({ t, api, user, clipboard, onChanged }) → { element, load(), draw(), destroy() }:
// `api` is services/twofaapi.js, `user()` the account ({ username, email }), `clipboard` the
// page's navigator.clipboard (or null), `onChanged()` runs after a factor went on or off
// (the other sessions ended: the settings page lists its sessions again).
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { formatSecret, parseCode, recoveryCodesText, refusalKey } from '../domain/twofa.js';
import { alertBox, inputField, setBusy } from './forms.js';
import { loadingBlock } from './page.js';
import { qrSvg } from './qrcode.js';

const LOW_RECOVERY = 3;

export function createTwofaCard({ t, api, user, clipboard = null, onChanged = () => {} }) {
  // mode: 'status' | 'totp' (setting up) | 'email' (code mailed) | 'codes' (shown once)
  const st = { status: null, loadError: null, mode: 'status', setup: null, mailed: null, codes: null, done: null, busy: false, error: null, where: 'setup', field: null };
  const drafts = { code: '', password: '' };
  let destroyed = false;

  const title = h('h2', { class: 'h5 card-title', id: 'settings-security-title' });
  const intro = h('p', { class: 'text-body-secondary small' });
  const body = h('div', { id: 'twofa-body', 'aria-live': 'polite' });
  const element = h('section', { class: 'card shadow-sm mb-4', id: 'settings-security', 'aria-labelledby': 'settings-security-title' },
    h('div', { class: 'card-body p-4' }, title, intro, body));

  function errorText(err) {
    const r = refusalKey(err, st.where);
    return r ? t(r.key, r.params) : problemText(t, err);
  }

  async function load() {
    try {
      st.status = await api.status();
      st.loadError = null;
    } catch (err) {
      st.loadError = err;
    }
    draw();
  }

  /** Runs an action for the step `where` with a busy button; an error stays on the form. */
  async function act(where, fn) {
    if (st.busy) return;
    st.busy = true;
    st.where = where;
    st.error = null;
    st.field = null;
    st.done = null;
    draw();
    try {
      await fn();
    } catch (err) {
      st.error = err;
      if (err?.code === 'wrong_password') st.field = 'password';
      else if (['invalid_code', 'code_reused'].includes(err?.code) || err?.fields?.code) st.field = 'code';
      // The state moved elsewhere (another tab): show what it is now.
      if (['two_factor_on', 'two_factor_off'].includes(err?.code)) {
        st.mode = 'status';
        await load().catch(() => {});
      }
    } finally {
      st.busy = false;
    }
    if (!destroyed) draw();
  }

  function localError(where, key) {
    st.where = where;
    st.error = { localKey: key };
    st.field = 'code';
    draw();
  }

  function startTotp() {
    return act('setup', async () => {
      st.setup = await api.setupTotp();
      drafts.code = '';
      st.mode = 'totp';
    });
  }

  function enabled(codes) {
    st.codes = codes;
    st.mode = 'codes';
    st.setup = null;
    st.mailed = null;
    drafts.code = '';
    onChanged();
  }

  function enableTotp() {
    const parsed = parseCode(drafts.code, ['code']);
    if (!parsed) return localError('enable', 'twofa.error.code.digits');
    return act('enable', async () => enabled(await api.enableTotp(parsed.value)));
  }

  function startEmail() {
    return act('email', async () => {
      st.mailed = await api.setupEmail();
      drafts.code = '';
      st.mode = 'email';
    });
  }

  function enableEmail() {
    const parsed = parseCode(drafts.code, ['code']);
    if (!parsed) return localError('email', 'twofa.error.code.digits');
    return act('email', async () => enabled(await api.enableEmail(st.mailed.challenge, parsed.value)));
  }

  function disable() {
    const parsed = parseCode(drafts.code);
    if (!parsed) return localError('disable', 'twofa.error.code.invalid');
    return act('disable', async () => {
      await api.disable(drafts.password, parsed.value);
      drafts.code = drafts.password = '';
      st.done = 'twofa.disabled';
      onChanged();
      st.status = await api.status();
    });
  }

  async function codesSaved() {
    st.codes = null;
    st.mode = 'status';
    st.done = 'twofa.enabled';
    st.error = null;
    await load();
  }

  function cancel() {
    st.mode = 'status';
    st.setup = null;
    st.mailed = null;
    st.error = null;
    drafts.code = '';
    draw();
  }

  async function copyCodes(button, note) {
    const text = recoveryCodesText(st.codes, t('twofa.codes.fileHeading', { username: user()?.username ?? '' }));
    let ok = false;
    try {
      if (clipboard?.writeText) {
        await clipboard.writeText(text);
        ok = true;
      }
    } catch { /* refused: say so */ }
    note.textContent = ok ? t('twofa.codes.copied') : t('twofa.codes.copyFailed');
    note.hidden = false;
    button.focus();
  }

  // ---- drawing ----

  function codeField(id, label, { help = null, recovery = false } = {}) {
    const f = inputField({
      id, name: 'code', label, help, value: drafts.code, autocomplete: 'one-time-code',
      attrs: { inputmode: recovery ? 'text' : 'numeric', maxlength: recovery ? '24' : '9', autocapitalize: 'none', required: true },
      onInput: (v) => { drafts.code = v; },
    });
    return f;
  }

  /** The form's alert and the invalid field for the current error. */
  function showError(alert, fields) {
    if (!st.error) return;
    alert.textContent = st.error.localKey ? t(st.error.localKey) : errorText(st.error);
    alert.hidden = false;
    const f = fields[st.field];
    if (f) {
      f.input.classList.add('is-invalid');
      f.input.setAttribute('aria-invalid', 'true');
      f.feedback.textContent = st.field === 'password' ? t('account.error.wrong') : '';
      f.input.dataset.error = st.error.code ?? st.error.localKey ?? '';
    }
  }

  function form(id, fields, submitLabel, submitClass, onSubmit, extra = []) {
    const alert = alertBox(`${id}-error`);
    const submit = h('button', { class: `btn ${submitClass}`, type: 'submit', id: `${id}-submit` }, submitLabel);
    const el = h('form', { id, novalidate: true, onsubmit: (e) => { e.preventDefault(); onSubmit(); } },
      alert, Object.values(fields).map((f) => f.group), h('div', { class: 'd-flex flex-wrap gap-2' }, submit, ...extra));
    showError(alert, fields);
    setBusy(submit, st.busy);
    return el;
  }

  function statusPart() {
    const s = st.status;
    const parts = [];
    const errorBox = alertBox('twofa-error');
    if (st.error && st.where !== 'disable') {
      errorBox.textContent = errorText(st.error);
      errorBox.hidden = false;
    }
    const done = alertBox('twofa-done', 'success');
    if (st.done) {
      done.textContent = t(st.done);
      done.hidden = false;
    }
    parts.push(errorBox, done);
    parts.push(h('p', { class: 'fw-semibold', id: 'twofa-status', 'data-method': s.method }, t(`twofa.status.${s.method}`)));
    if (s.method === 'none') {
      const totp = h('button', { class: 'btn btn-primary', type: 'button', id: 'twofa-totp-start', onclick: startTotp }, t('twofa.totp.start'));
      setBusy(totp, st.busy);
      const buttons = [totp];
      if (s.emailAvailable && s.emailVerified) {
        const email = h('button', { class: 'btn btn-outline-primary', type: 'button', id: 'twofa-email-start', onclick: startEmail }, t('twofa.email.start'));
        setBusy(email, st.busy);
        buttons.push(email);
      }
      parts.push(h('div', { class: 'd-flex flex-wrap gap-2' }, buttons));
      if (!s.emailAvailable) parts.push(h('p', { class: 'small text-body-secondary mt-2 mb-0' }, t('twofa.status.emailUnavailable')));
      else if (!s.emailVerified) parts.push(h('p', { class: 'small text-body-secondary mt-2 mb-0', id: 'twofa-email-unverified' }, t('email.twofa.unverified')));
      return parts;
    }
    parts.push(h('p', { class: 'small', id: 'twofa-recovery-left' }, t('twofa.status.recoveryLeft', { count: s.recoveryLeft })));
    if (s.recoveryLeft <= LOW_RECOVERY) parts.push(h('p', { class: 'small text-warning-emphasis' }, t('twofa.status.recoveryLow')));
    const password = inputField({
      id: 'twofa-disable-password', name: 'password', type: 'password', label: t('twofa.disable.password'),
      autocomplete: 'current-password', value: drafts.password, attrs: { required: true },
      onInput: (v) => { drafts.password = v; },
    });
    const code = codeField('twofa-disable-code', t('twofa.disable.code'), { recovery: true });
    parts.push(h('hr'), h('h3', { class: 'h6' }, t('twofa.disable.heading')),
      form('twofa-disable', { password, code }, t('twofa.disable.submit'), 'btn-outline-danger', disable));
    return parts;
  }

  function cancelButton() {
    return h('button', { class: 'btn btn-outline-secondary', type: 'button', id: 'twofa-cancel', onclick: cancel }, t('twofa.cancel'));
  }

  function totpPart() {
    const { uri, secret } = st.setup;
    const code = codeField('twofa-totp-code', t('twofa.totp.code'), { help: t('twofa.totp.code.help') });
    return [
      h('p', {}, t('twofa.totp.scan')),
      h('div', { class: 'mb-3' }, qrSvg(uri, t('twofa.totp.qrAlt'), 'twofa-qr')),
      h('p', { class: 'mb-1' }, t('twofa.totp.secret')),
      h('p', { class: 'twofa-secret text-break', id: 'twofa-secret', 'data-secret': secret }, formatSecret(secret)),
      form('twofa-totp', { code }, t('twofa.totp.submit'), 'btn-primary', enableTotp, [cancelButton()]),
    ];
  }

  function emailPart() {
    const code = codeField('twofa-email-code', t('twofa.email.code'));
    const resend = h('button', { class: 'btn btn-outline-secondary', type: 'button', id: 'twofa-email-resend', onclick: startEmail }, t('twofa.email.resend'));
    return [
      h('p', { id: 'twofa-email-sent' }, t('twofa.email.sent', { email: user()?.email ?? '' })),
      form('twofa-email', { code }, t('twofa.email.submit'), 'btn-primary', enableEmail, [resend, cancelButton()]),
    ];
  }

  function codesPart() {
    const note = h('p', { class: 'small mt-2 mb-0', id: 'twofa-copy-note', role: 'status', hidden: true });
    const copy = h('button', { class: 'btn btn-outline-primary', type: 'button', id: 'twofa-copy' }, t('twofa.codes.copy'));
    copy.addEventListener('click', () => copyCodes(copy, note));
    const done = h('button', { class: 'btn btn-primary', type: 'button', id: 'twofa-codes-done', onclick: codesSaved }, t('twofa.codes.done'));
    return [
      h('div', { class: 'alert alert-success py-2', role: 'status' }, t('twofa.enabled')),
      h('h3', { class: 'h6' }, t('twofa.codes.heading')),
      h('p', { class: 'small' }, t('twofa.codes.intro')),
      h('ol', { class: 'twofa-codes', id: 'twofa-recovery-codes' }, st.codes.map((c) => h('li', {}, c))),
      h('div', { class: 'd-flex flex-wrap gap-2' }, copy, done),
      note,
    ];
  }

  /** Draws the card again (in the language now in use); its state stays. */
  function draw() {
    if (destroyed) return;
    title.textContent = t('twofa.heading');
    intro.textContent = t('twofa.intro');
    const focused = document.activeElement?.id;
    let parts;
    if (st.mode === 'codes') parts = codesPart();
    else if (st.mode === 'totp') parts = totpPart();
    else if (st.mode === 'email') parts = emailPart();
    else if (st.status) parts = statusPart();
    else if (st.loadError) {
      const retry = h('button', { class: 'btn btn-outline-secondary btn-sm', type: 'button', id: 'twofa-retry', onclick: load }, t('account.retry'));
      parts = [h('div', { class: 'alert alert-danger py-2', role: 'alert', id: 'twofa-load-error' }, problemText(t, st.loadError)), retry];
    } else parts = [loadingBlock(t)];
    body.replaceChildren(...parts);
    // Keep the focus where it was (the code field after a refusal), or on the new step's field.
    const invalid = body.querySelector('.is-invalid');
    const target = (invalid && !st.busy ? invalid : null) ?? (focused ? body.querySelector(`#${focused}`) : null);
    if (target) target.focus({ preventScroll: true });
  }

  draw();
  return {
    element,
    load,
    draw,
    destroy() { destroyed = true; },
  };
}
