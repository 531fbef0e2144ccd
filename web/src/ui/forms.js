// Form pieces of the account pages (login, register, settings, profile, friends):
// labelled inputs with Bootstrap validation feedback, server errors shown next to their
// field or in an alert, busy submit buttons. Every user-supplied string goes in as a text
// node (app/dom.js h()).
import { h } from '../app/dom.js';
import { fieldErrorText, problemText, splitFieldErrors } from '../domain/accountrules.js';

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

/**
 * One submission of a form whose view keeps `state` ({ busy, error }) and `ui` ({ submit,
 * errors: formErrors() }, null once the view is gone: read through `currentUi()`): runs
 * `request()` with the button busy; a failure is kept in state.error and shown.
 */
export async function submitForm(state, currentUi, request) {
  state.busy = true;
  setBusy(currentUi()?.submit, true);
  try {
    await request();
  } catch (err) {
    state.error = err;
    currentUi()?.errors.show(err);
  } finally {
    state.busy = false;
    setBusy(currentUi()?.submit, false);
  }
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
