// One chat room: live message log, connection status, message form. Logged-in users only
// (the socket authenticates with the session's access token); each message shows its
// sender's display name, and the reader's own messages are marked.
import { h } from '../app/dom.js';
import { MAX_MESSAGE_CHARS, codePointLength, messageProblem } from '../domain/chatrules.js';
import { loginPath } from '../domain/accountrules.js';
import { chatUrl, createChatSocket } from '../services/chatsocket.js';
import { requireLogin } from '../ui/page.js';

// The log keeps at most this many messages; older ones are dropped.
export const MAX_LOG_MESSAGES = 500;
const KNOWN_ERRORS = new Set(['invalid_json', 'invalid_message', 'message_too_long', 'rate_limited']);
const STATUS_BADGE = {
  connecting: 'text-bg-warning',
  connected: 'text-bg-success',
  reconnecting: 'text-bg-warning',
  disconnected: 'text-bg-danger',
  unauthorized: 'text-bg-danger',
};

/**
 * The access token for the chat socket, from the session: null when logged out; with
 * `fresh` (the server refused the last one) a refreshed one, or undefined when the refresh
 * failed for a passing reason (the socket retries later).
 */
export async function sessionToken(session, fresh) {
  if (session.state === 'unknown') await session.restore();
  if (session.state !== 'in') return null;
  if (!fresh && session.token) return session.token;
  if (await session.refresh()) return session.token;
  return session.state === 'in' ? undefined : null;
}

/** The room view itself; rendered only for a logged-in user (see chatRoomView). */
export function chatRoomInner({ params, ctx, deps = {} }) {
  const { i18n, session } = ctx;
  const { t } = i18n;
  const room = params.room;
  const win = deps.window ?? window;

  const state = {
    messages: [],            // { message, at, userId, name }
    status: { state: 'connecting' },
    problem: null,           // { code, message } from the server, or { local: key }
    draft: '',
    me: session?.user?.id ?? null,   // replaced by the id the server confirmed (auth_ok)
  };
  let ui = null;             // elements of the current render
  let tick = null;           // countdown interval while reconnecting
  let socket = null;         // opened on the first render (only logged-in users get one)
  let destroyed = false;

  const handlers = {
    onStatus(status) {
      state.status = status;
      syncTicker();
      if (ui) { updateStatus(true); updateForm(); }
    },
    onAuth({ user }) {
      if (user.id === state.me) return;
      state.me = user.id;
      if (ui) redrawLog();
    },
    onMessage(frame) {
      state.messages.push({ message: frame.message, at: frame.at, userId: frame.user_id, name: frame.display_name });
      if (state.messages.length > MAX_LOG_MESSAGES) {
        state.messages.splice(0, state.messages.length - MAX_LOG_MESSAGES);
        if (ui && ui.log.firstElementChild) ui.log.firstElementChild.remove();
      }
      if (ui) appendMessage(state.messages[state.messages.length - 1]);
    },
    onError(frame) {
      state.problem = { code: frame.code, message: frame.message };
      if (ui) updateProblem();
    },
  };

  function openSocket() {
    if (socket || destroyed) return;
    if (state.me === null) state.me = session?.user?.id ?? null;
    socket = createChatSocket(chatUrl(win.location.host, room), handlers, {
      getToken: (fresh) => sessionToken(session, fresh),
      ...deps.socket,
    });
  }

  function syncTicker() {
    const want = state.status.state === 'reconnecting';
    if (want && tick === null) tick = win.setInterval(() => ui && updateStatus(false), 250);
    if (!want && tick !== null) { win.clearInterval(tick); tick = null; }
  }

  function statusText() {
    const s = state.status;
    if (s.state === 'reconnecting') {
      const seconds = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
      return t('room.status.reconnecting', { seconds });
    }
    return t(`room.status.${s.state}`);
  }

  function updateStatus(announce) {
    const s = state.status.state;
    ui.status.className = `badge chat-status ${STATUS_BADGE[s] ?? 'text-bg-secondary'}`;
    ui.status.dataset.state = s;
    const text = statusText();
    if (ui.status.textContent !== text) ui.status.textContent = text;
    if (announce) ui.announcer.textContent = text;
    ui.reconnect.hidden = !(s === 'reconnecting' || s === 'disconnected' || s === 'unauthorized');
    ui.login.hidden = s !== 'unauthorized';
  }

  function problemText(problem) {
    if (problem.local) return t(problem.local, { max: MAX_MESSAGE_CHARS });
    if (KNOWN_ERRORS.has(problem.code)) return t(`room.error.${problem.code}`);
    return problem.message || problem.code;
  }

  function updateProblem() {
    ui.problemText.textContent = state.problem ? problemText(state.problem) : '';
    ui.problem.hidden = !state.problem;
    if (state.problem) ui.problem.dataset.code = state.problem.code ?? state.problem.local;
  }

  function updateForm() {
    const count = codePointLength(state.draft);
    const over = count > MAX_MESSAGE_CHARS;
    ui.counter.textContent = t('room.counter', { count, max: MAX_MESSAGE_CHARS });
    ui.counter.classList.toggle('text-danger', over);
    ui.counter.classList.toggle('fw-bold', over);
    ui.input.classList.toggle('is-invalid', over);
    ui.input.setAttribute('aria-invalid', String(over));
    ui.send.disabled = state.status.state !== 'connected' || messageProblem(state.draft) !== null;
  }

  function messageItem(entry, format) {
    const date = new Date(entry.at);
    const own = entry.userId !== null && entry.userId === state.me;
    const name = entry.name || t('room.unknownAuthor');
    return h('li', { class: `chat-msg${own ? ' chat-msg-own border-start border-3 border-primary ps-2' : ''}`, 'data-user-id': entry.userId ?? null, 'data-own': String(own) },
      h('time', { class: 'chat-time', datetime: date.toISOString() }, format.format(date)),
      h('div', { class: 'chat-body flex-grow-1' },
        h('div', { class: 'chat-author small' },
          entry.userId !== null
            ? h('a', { class: 'chat-author-name fw-semibold link-body-emphasis text-decoration-none text-break', href: `/users/${entry.userId}` }, name)
            : h('span', { class: 'chat-author-name fw-semibold text-break' }, name),
          own ? h('span', { class: 'chat-you badge rounded-pill text-bg-primary ms-2' }, t('room.you')) : null),
        h('div', { class: 'chat-text' }, entry.message)));
  }

  function redrawLog() {
    ui.log.replaceChildren(...state.messages.map((m) => messageItem(m, ui.format)));
  }

  function timeFormat() {
    return new Intl.DateTimeFormat(i18n.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function appendMessage(entry) {
    const box = ui.scroller;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    ui.log.append(messageItem(entry, ui.format));
    ui.empty.hidden = true;
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function submit() {
    const problem = messageProblem(state.draft);
    if (problem === 'empty') return;
    if (problem === 'too_long') {
      state.problem = { local: 'room.tooLong' };
      updateProblem();
      return;
    }
    if (!socket?.send(state.draft)) {
      state.problem = { local: 'room.notConnected' };
      updateProblem();
      return;
    }
    state.draft = '';
    ui.input.value = '';
    ui.input.focus(); // the Send button just got disabled: keep focus in the form
    if (state.problem?.local) { state.problem = null; updateProblem(); }
    updateForm();
  }

  return {
    title: () => t('room.title', { room }),
    render(root) {
      openSocket();
      const format = timeFormat();
      const input = h('textarea', {
        class: 'form-control chat-input',
        id: 'chat-input',
        name: 'message',
        rows: '2',
        placeholder: t('room.input.placeholder'),
        'aria-describedby': 'chat-counter chat-hint',
        oninput: (e) => { state.draft = e.target.value; updateForm(); },
        onkeydown: (e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        },
      });
      input.value = state.draft;
      const log = h('ol', { class: 'list-unstyled mb-0 chat-log', id: 'chat-log', role: 'log', 'aria-label': t('room.log.label') },
        state.messages.map((m) => messageItem(m, format)));
      const scroller = h('div', { class: 'card-body chat-scroller' },
        h('p', { class: 'text-body-secondary mb-0 chat-empty', id: 'chat-empty', hidden: state.messages.length > 0 }, t('room.empty')),
        log);
      const problemText = h('span', { class: 'flex-grow-1' });
      const problem = h('div', { class: 'alert alert-warning d-flex align-items-start gap-2 py-2 mb-2', id: 'chat-error', role: 'alert', hidden: true },
        problemText,
        h('button', { type: 'button', class: 'btn-close', 'aria-label': t('room.error.dismiss'), onclick: () => { state.problem = null; updateProblem(); } }));
      const reconnect = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', id: 'chat-reconnect', hidden: true, onclick: () => socket?.reconnectNow() }, t('room.reconnectNow'));
      const login = h('a', { class: 'btn btn-sm btn-primary', id: 'chat-login', hidden: true, href: loginPath(`/chat/${room}`) }, t('room.login'));

      ui = {
        format,
        input,
        log,
        scroller,
        problem,
        problemText,
        reconnect,
        login,
        empty: scroller.firstElementChild,
        status: h('span', { class: 'badge chat-status', id: 'chat-status', title: t('room.status.label') }),
        announcer: h('span', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }),
        counter: h('span', { class: 'small text-body-secondary chat-counter', id: 'chat-counter', 'aria-label': t('room.counter.label') }),
        send: h('button', { class: 'btn btn-primary', type: 'submit', id: 'chat-send' }, t('room.send')),
      };

      root.replaceChildren(
        h('section', { class: 'card shadow-sm chat-room', 'data-room': room },
          h('div', { class: 'card-header d-flex flex-wrap align-items-center gap-2' },
            h('h1', { class: 'h5 mb-0 me-auto text-break', id: 'room-heading' }, t('room.heading', { room })),
            h('span', { class: 'visually-hidden' }, t('room.status.label')),
            ui.status,
            reconnect,
            login,
            ui.announcer,
            h('a', { class: 'btn btn-sm btn-outline-primary', href: '/chat' }, t('room.back'))),
          scroller,
          h('div', { class: 'card-footer' },
            problem,
            h('form', {
              class: 'chat-form',
              id: 'chat-form',
              novalidate: true,
              onsubmit: (e) => { e.preventDefault(); submit(); },
            },
            h('label', { class: 'visually-hidden', for: 'chat-input' }, t('room.input.label')),
            h('div', { class: 'd-flex gap-2 align-items-end' }, input, ui.send),
            h('div', { class: 'd-flex justify-content-between mt-1 gap-2' },
              h('span', { class: 'small text-body-secondary', id: 'chat-hint' }, t('room.input.hint')),
              ui.counter)))),
      );
      updateStatus(false);
      updateProblem();
      updateForm();
      scroller.scrollTop = scroller.scrollHeight;
    },
    destroy() {
      destroyed = true;
      socket?.close();
      if (tick !== null) win.clearInterval(tick);
      tick = null;
      ui = null;
    },
  };
}

/** View factory (see router.js); `params.room` was validated by the route pattern. */
export const chatRoomView = requireLogin(chatRoomInner);
