// Chat lobby: pick a room by name, then go to /chat/<room>. Rooms need an account: a
// logged-out visitor is told so, with links to log in or register (the room page itself
// sends them to the login form).
import { h } from '../app/dom.js';
import { isValidRoom, ROOM_PATTERN } from '../domain/chatrules.js';
import { loginPath } from '../domain/accountrules.js';

const SUGGESTED = ['general', 'random', 'pong'];

/** View factory (see router.js). */
export function chatView({ ctx }) {
  const { t } = ctx.i18n;
  const { session } = ctx;
  // Survives re-renders (language switch) so typing is not lost.
  const state = { room: '', invalid: false };
  let note = null;           // the "log in to chat" box of the current render

  function loggedOut() {
    return session?.state === 'out';
  }
  const off = session?.subscribe(() => { if (note) note.hidden = !loggedOut(); });

  return {
    title: () => t('chat.title'),
    render(root) {
      const input = h('input', {
        class: `form-control${state.invalid ? ' is-invalid' : ''}`,
        id: 'room-name',
        name: 'room',
        type: 'text',
        autocomplete: 'off',
        autocapitalize: 'off',
        spellcheck: 'false',
        required: true,
        pattern: ROOM_PATTERN,
        maxlength: '64',
        placeholder: t('chat.room.placeholder'),
        'aria-describedby': 'room-help room-error',
        'aria-invalid': state.invalid ? 'true' : 'false',
        value: state.room,
        oninput: (e) => {
          state.room = e.target.value;
          if (state.invalid && isValidRoom(state.room)) setInvalid(false);
        },
      });
      const error = h('div', { class: 'invalid-feedback', id: 'room-error', role: 'alert' },
        state.invalid ? t('chat.room.invalid') : '');

      function setInvalid(invalid) {
        state.invalid = invalid;
        input.classList.toggle('is-invalid', invalid);
        input.setAttribute('aria-invalid', String(invalid));
        error.textContent = invalid ? t('chat.room.invalid') : '';
      }

      const form = h('form', {
        class: 'row g-2 align-items-start',
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          const room = state.room.trim();
          if (!isValidRoom(room)) {
            setInvalid(true);
            input.focus();
            return;
          }
          ctx.navigate(`/chat/${room}`);
        },
      },
      h('div', { class: 'col-sm' },
        h('label', { class: 'form-label', for: 'room-name' }, t('chat.room.label')),
        input,
        error,
        h('div', { class: 'form-text', id: 'room-help' }, t('chat.room.help'))),
      h('div', { class: 'col-sm-auto chat-join' },
        h('button', { class: 'btn btn-primary w-100', type: 'submit' }, t('chat.join'))));

      note = h('div', { class: 'alert alert-info d-flex flex-wrap align-items-center gap-2 py-2', id: 'chat-login-note', hidden: !loggedOut() },
        h('span', { class: 'me-auto' }, t('chat.loginNeeded')),
        h('a', { class: 'btn btn-sm btn-primary', id: 'chat-login-link', href: loginPath('/chat') }, t('nav.login')),
        h('a', { class: 'btn btn-sm btn-outline-primary', href: '/register?next=%2Fchat' }, t('nav.register')));

      root.replaceChildren(
        h('section', { class: 'card shadow-sm' },
          h('div', { class: 'card-body p-4' },
            h('h1', { class: 'h3 card-title' }, t('chat.heading')),
            h('p', { class: 'text-body-secondary' }, t('chat.intro')),
            note,
            form,
            h('h2', { class: 'h6 mt-4' }, t('chat.suggested')),
            h('ul', { class: 'list-inline mb-0' },
              SUGGESTED.map((room) => h('li', { class: 'list-inline-item' },
                h('a', { class: 'btn btn-sm btn-outline-secondary', href: `/chat/${room}` }, `#${room}`)))))),
      );
    },
    destroy() {
      if (off) off();
      note = null;
    },
  };
}
