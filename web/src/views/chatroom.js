// One chat room: live message log, connection status, message form.
import { h } from '../dom.js';
import { MAX_MESSAGE_CHARS, codePointLength, messageProblem } from '../chatrules.js';
import { chatUrl, createChatSocket } from '../services/chatsocket.js';

// The log keeps at most this many messages; older ones are dropped.
export const MAX_LOG_MESSAGES = 500;
const KNOWN_ERRORS = new Set(['invalid_json', 'invalid_message', 'message_too_long', 'rate_limited']);
const STATUS_BADGE = {
  connecting: 'text-bg-warning',
  connected: 'text-bg-success',
  reconnecting: 'text-bg-warning',
  disconnected: 'text-bg-danger',
};

/** View factory (see router.js); `params.room` was validated by the route pattern. */
export function chatRoomView({ params, ctx, deps = {} }) {
  const { i18n } = ctx;
  const { t } = i18n;
  const room = params.room;
  const win = deps.window ?? window;

  const state = {
    messages: [],            // { message, at }
    status: { state: 'connecting' },
    problem: null,           // { code, message } from the server, or { local: key }
    draft: '',
  };
  let ui = null;             // elements of the current render
  let tick = null;           // countdown interval while reconnecting

  const socket = createChatSocket(chatUrl(win.location.host, room), {
    onStatus(status) {
      state.status = status;
      syncTicker();
      if (ui) { updateStatus(true); updateForm(); }
    },
    onMessage(frame) {
      state.messages.push({ message: frame.message, at: frame.at });
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
  }, deps.socket);

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
    ui.reconnect.hidden = !(s === 'reconnecting' || s === 'disconnected');
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
    return h('li', { class: 'chat-msg' },
      h('time', { class: 'chat-time', datetime: date.toISOString() }, format.format(date)),
      h('div', { class: 'chat-text' }, entry.message));
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
    if (!socket.send(state.draft)) {
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
      const reconnect = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', id: 'chat-reconnect', hidden: true, onclick: () => socket.reconnectNow() }, t('room.reconnectNow'));

      ui = {
        format,
        input,
        log,
        scroller,
        problem,
        problemText,
        reconnect,
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
      socket.close();
      if (tick !== null) win.clearInterval(tick);
      tick = null;
      ui = null;
    },
  };
}
