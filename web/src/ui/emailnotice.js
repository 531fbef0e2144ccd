// Settings → Email: whether the address is confirmed (docs/security.md, "Email verification and
// password reset"). Where the server sends mail and the address is not confirmed yet: a notice
// and "Send the link again" (POST /api/auth/email/verify/resend); confirmed: a short line.
// Without mail on the server nothing is shown (addresses are simply not confirmed there).
//
// createEmailNotice({ t, status, resend }) → { element, load(), draw() }: `status()` resolves
// to GET /api/auth/2fa's checked answer ({ emailAvailable, emailVerified }, services/twofaapi.js),
// `resend()` to the resend answer ({ email }, services/emailapi.js).
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { setBusy } from './forms.js';

export function createEmailNotice({ t, status, resend }) {
  const st = { available: false, verified: false, busy: false, sentTo: null, error: null };
  const element = h('div', { id: 'email-verification', 'aria-live': 'polite' });

  async function load() {
    try {
      const s = await status();
      st.available = s.emailAvailable;
      st.verified = s.emailVerified;
    } catch {
      st.available = false;   // unknown: say nothing rather than something wrong
    }
    draw();
  }

  async function send() {
    if (st.busy) return;
    st.busy = true;
    st.error = null;
    st.sentTo = null;
    draw();
    try {
      st.sentTo = (await resend())?.email ?? '';
    } catch (err) {
      if (err?.code === 'email_verified') st.verified = true;
      else st.error = err;
    } finally {
      st.busy = false;
    }
    draw();
  }

  function draw() {
    if (!st.available) {
      element.replaceChildren();
      return;
    }
    if (st.verified) {
      element.replaceChildren(h('p', { class: 'small text-success-emphasis', id: 'email-verified' }, t('email.settings.verified')));
      return;
    }
    const button = h('button', { class: 'btn btn-sm btn-outline-primary', type: 'button', id: 'email-resend', onclick: send },
      t('email.settings.resend'));
    setBusy(button, st.busy);
    element.replaceChildren(
      h('div', { class: 'alert alert-warning py-2', id: 'email-unverified', role: 'status' },
        h('p', { class: 'mb-2' }, t('email.settings.unverified')),
        button,
        st.sentTo !== null ? h('p', { class: 'mb-0 mt-2', id: 'email-resent' }, t('email.settings.sent', { email: st.sentTo })) : null,
        st.error ? h('p', { class: 'mb-0 mt-2 text-danger-emphasis', id: 'email-resend-error' }, problemText(t, st.error)) : null));
  }

  return { element, load, draw };
}
