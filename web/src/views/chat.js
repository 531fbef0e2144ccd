// The chat page (docs/chat.md): /chat, /chat/<room> (the seed's room URLs: opening one joins
// the room, creating it when the name is unused), /chat/dm/<user id> and /chat/system/pong.
// Logged in: conversations (system channel "Pong", rooms joined, DMs, unread badges), a room
// browser with search and a "join or create" box, the open conversation (history that scrolls
// back, live messages, a composer with the server's refusals in words), the room's members
// with online dots and roles, and the actions of a message or member (profile, DM, invite to
// play, block, report; delete, mute, kick, ban when the reader's rank allows). On a phone the
// list and the conversation take the screen in turn. Logged out: /chat explains that rooms
// need an account; the other URLs go to the login form first.
//
// Data lives in the chat service (ctx.chat, services/chat.js), which outlives this view.
import { h } from '../app/dom.js';
import { loginPath, problemText } from '../domain/accountrules.js';
import { MAX_MESSAGE_CHARS, ROOM_PATTERN, codePointLength, isValidRoom, messageProblem } from '../domain/chatrules.js';
import { SYSTEM, actorRank, channelKey, dmChannel, mayModerate, roomChannel } from '../domain/chatlog.js';
import { DEFAULT_OPTIONS } from '../domain/gameoptions.js';
import { inviteProblemText, optionsSummary, secondsLeft, toApiOptions } from '../domain/invites.js';
import { actionsMenu, linkified, messageItem, unreadBadge } from '../ui/chatmessage.js';
import { requireLogin, setDocumentTitle } from '../ui/page.js';
import { avatarImg } from '../ui/user.js';

const SUGGESTED = ['general', 'random', 'pong'];
const ERROR_CODES = new Set(['invalid_json', 'invalid_message', 'message_too_long', 'rate_limited', 'not_member', 'no_such_channel',
  'muted', 'banned', 'blocked', 'not_connected', 'connection_lost', 'too_long', 'self', 'forbidden', 'kicked']);
const MUTE_CHOICES = [60, 600, 3600, 86400];
const STATUS_BADGE = { connected: 'text-bg-success', connecting: 'text-bg-warning', reconnecting: 'text-bg-warning', authenticating: 'text-bg-warning', disconnected: 'text-bg-danger' };
const SEARCH_DELAY_MS = 250;

/** The page for `channel` (null: no conversation open). */
function chatPage({ ctx, channel, deps = {} }) {
  const { i18n, session, chat, live } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const key = channel ? channelKey(channel) : null;
  const parsed = channel ? { room: channel.startsWith('room:') ? channel.slice(5) : null, peer: channel.startsWith('dm:') ? Number(channel.slice(3)) : null } : null;

  const state = {
    draft: '',
    problem: null,           // { code } or { local }
    notice: null,            // { text, kind }
    openError: null,         // the conversation could not be opened (banned, blocked…)
    opened: false,
    dialog: null,            // { kind: 'confirm'|'report'|'mute', … }
    rooms: null,             // the room browser's list
    roomsError: null,
    search: '',
    roomName: '',
    roomInvalid: false,
    membersOpen: false,
    peerName: '',
    busyInvites: new Set(),
    inviteErrors: new Map(),
  };
  let ui = null;
  let root = null;
  let destroyed = false;
  let searchTimer = null;
  let offChat = null;
  let offLive = null;
  let offSession = null;
  const items = new Map();   // seq → { el, sig } of the rendered log

  const loggedIn = () => session?.state === 'in' && Boolean(chat);
  const conv = () => (key ? chat.get(channel) : null);

  // ---- titles ----

  function heading() {
    if (!channel) return t('chat.heading');
    if (parsed.room) return t('room.heading', { room: conv()?.name || parsed.room });
    if (parsed.peer) return conv()?.peer?.display_name || state.peerName || t('chat.dm.unknown');
    return t('chat.system.name');
  }

  function title() {
    if (!channel) return t('chat.title');
    if (parsed.room) return t('room.title', { room: conv()?.name || parsed.room });
    if (parsed.peer) return t('chat.dm.title', { name: conv()?.peer?.display_name || state.peerName || t('chat.dm.unknown') });
    return t('chat.system.name');
  }

  // ---- opening ----

  async function openConversation() {
    if (!key) return;
    try {
      await chat.open(channel);
      if (destroyed) return;
      state.opened = true;
      state.openError = null;
      chat.setActive(channel);
      setDocumentTitle(t, title());
      if (conv()?.refused) state.problem = { code: conv().refused };
    } catch (err) {
      if (destroyed) return;
      state.openError = err;
    }
    if (parsed.peer && !conv()?.peer?.display_name) loadPeer();
    draw();
  }

  async function loadPeer() {
    try {
      const u = await session.api(`/api/users/${parsed.peer}`);
      if (destroyed) return;
      state.peerName = u?.display_name ?? '';
      if (ui?.heading) ui.heading.textContent = heading();
      setDocumentTitle(t, title());
    } catch { /* the id stays the heading */ }
  }

  async function loadRooms() {
    try {
      const answer = await chat.rooms(state.search.trim());
      if (destroyed) return;
      state.rooms = answer;
      state.roomsError = null;
    } catch (err) {
      state.roomsError = err;
    }
    if (ui) drawRooms();
  }

  // ---- sending ----

  function problemTextOf(problem) {
    if (!problem) return '';
    const code = problem.local ?? problem.code;
    if (code === 'too_long') return t('room.tooLong', { max: MAX_MESSAGE_CHARS });
    if (code === 'muted') {
      const until = conv()?.room?.mutedUntil;
      if (until && until > Date.now()) return t('chat.error.mutedUntil', { time: new Date(until).toLocaleTimeString(i18n.lang) });
    }
    if (ERROR_CODES.has(code)) return t(`chat.error.${code}`);
    return problem.message || problemText(t, problem);
  }

  function setProblem(problem) {
    state.problem = problem;
    if (!ui) return;
    ui.problemText.textContent = problemTextOf(problem);
    ui.problem.hidden = !problem;
    if (problem) ui.problem.dataset.code = problem.local ?? problem.code ?? '';
  }

  async function submit() {
    const text = state.draft;
    const why = messageProblem(text);
    if (why === 'empty') return;
    if (why === 'too_long') { setProblem({ local: 'too_long' }); return; }
    state.draft = '';
    ui.input.value = '';
    updateForm();
    ui.input.focus();
    if (state.problem) setProblem(null);
    try {
      await chat.send(conv()?.channel ?? channel, text);
    } catch (err) {
      if (destroyed) return;
      // Give the text back unless something new was typed meanwhile.
      if (state.draft === '' && ui) { state.draft = text; ui.input.value = text; updateForm(); }
      setProblem({ code: err.code, message: err.message });
    }
  }

  // ---- actions ----

  function note(text, kind = 'success') {
    state.notice = { text, kind };
    if (ui) drawNotice();
  }

  async function run(fn, success) {
    try {
      await fn();
      if (success) note(success);
    } catch (err) {
      note(inviteProblemText(t, err), 'danger');
    }
  }

  function inviteToPlay(user) {
    run(async () => {
      await chat.inviteToGame(user.id, toApiOptions(DEFAULT_OPTIONS));
    }, t('chat.invite.sent', { name: user.name }));
  }

  function ask(dialog) {
    state.dialog = dialog;
    drawDialog();
    ui?.dialog.querySelector('select, textarea, button.btn-danger, button.btn-primary')?.focus();
  }

  /** The menu items for a user (a message's sender or a member), `seq` for a message. */
  function userActions(user, seq = null) {
    const me = chat.me;
    if (user.id === me || user.id === null) return [];
    const c = conv();
    const roomName = c?.kind === 'room' ? c.name : null;
    const rank = c?.room ? actorRank(c.room.role, c.room.isAdmin) : 0;
    const member = c?.room?.members.find((m) => m.id === user.id);
    const targetRank = member ? actorRank(member.role, member.isAdmin) : 0;
    const mod = roomName && mayModerate(rank, targetRank);
    return [
      { id: 'profile', label: t('chat.action.profile'), href: `/users/${user.id}` },
      c?.kind === 'dm' ? null : { id: 'dm', label: t('chat.action.dm'), href: `/chat/dm/${user.id}` },
      { id: 'invite', label: t('chat.action.invite'), onclick: () => inviteToPlay(user) },
      { id: 'block', label: t('chat.action.block'), danger: true, onclick: () => ask({ kind: 'confirm', action: 'block', user }) },
      { id: 'report', label: t('chat.action.report'), onclick: () => ask({ kind: 'report', user, seq, reason: '' }) },
      mod && seq ? { id: 'delete', label: t('chat.action.delete'), danger: true, onclick: () => run(() => chat.moderate('delete', roomName, { seq }), t('chat.done.delete')) } : null,
      mod ? { id: 'mute', label: t('chat.action.mute'), onclick: () => ask({ kind: 'mute', user, seconds: MUTE_CHOICES[1] }) } : null,
      mod ? { id: 'kick', label: t('chat.action.kick'), danger: true, onclick: () => ask({ kind: 'confirm', action: 'kick', user }) } : null,
      mod ? { id: 'ban', label: t('chat.action.ban'), danger: true, onclick: () => ask({ kind: 'confirm', action: 'ban', user }) } : null,
    ];
  }

  function confirmAction(d) {
    const c = conv();
    const name = d.user.name;
    state.dialog = null;
    drawDialog();
    if (d.action === 'block') run(() => chat.block(d.user.id), t('chat.done.block', { name }));
    else if (d.action === 'kick') run(() => chat.moderate('kick', c.name, { userId: d.user.id }), t('chat.done.kick', { name }));
    else if (d.action === 'ban') run(() => chat.moderate('ban', c.name, { userId: d.user.id }), t('chat.done.ban', { name }));
    else if (d.action === 'mute') run(() => chat.moderate('mute', c.name, { userId: d.user.id, seconds: d.seconds }), t('chat.done.mute', { name }));
    else if (d.action === 'report') {
      run(() => chat.report({ userId: d.user.id, channel: c?.kind === 'room' ? c.channel : null, seq: c?.kind === 'room' ? d.seq : null, reason: d.reason }), t('chat.done.report'));
    } else if (d.action === 'leave') {
      run(async () => { await chat.leave(c.name); ctx.navigate('/chat'); });
    }
  }

  // ---- the invite card ----

  function inviteCard(m) {
    const inv = (m.inviteId && chat.invite(m.inviteId)) || m.invite;
    if (!inv) return h('div', { class: 'chat-text chat-system-text' }, linkified(m.text));
    const me = chat.me;
    const expired = inv.status === 'pending' && secondsLeft(inv, Date.now()) === 0;
    const status = expired ? 'expired' : inv.status;
    const busy = state.busyInvites.has(inv.id);
    const error = state.inviteErrors.get(inv.id);
    const mine = inv.to.id === me && status === 'pending';
    const answer = async (accept) => {
      state.busyInvites.add(inv.id);
      state.inviteErrors.delete(inv.id);
      redrawLog();
      try {
        await ctx.invites.answer(inv, accept);
      } catch (err) {
        state.inviteErrors.set(inv.id, err);
      }
      state.busyInvites.delete(inv.id);
      if (!destroyed) redrawLog();
    };
    return h('div', { class: 'card chat-invite-card border-success-subtle', 'data-invite-id': String(inv.id), 'data-status': status },
      h('div', { class: 'card-body p-2' },
        h('div', { class: 'fw-semibold text-break' }, inv.from.id === me ? t('chat.invite.outgoing', { name: inv.to.display_name }) : t('invite.incoming', { name: inv.from.display_name })),
        h('div', { class: 'small text-body-secondary' }, optionsSummary(t, inv.options)),
        status === 'pending' ? null : h('div', { class: 'small fw-semibold chat-invite-status' }, t(`chat.invite.status.${status}`)),
        error ? h('div', { class: 'small text-danger' }, inviteProblemText(t, error)) : null,
        mine ? h('div', { class: 'd-flex gap-2 mt-2' },
          h('button', { type: 'button', class: 'btn btn-sm btn-success chat-invite-accept', disabled: busy, onclick: () => answer(true) }, t('invite.accept')),
          h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary chat-invite-decline', disabled: busy, onclick: () => answer(false) }, t('invite.decline'))) : null,
        status === 'accepted' && inv.game_id ? h('a', { class: 'btn btn-sm btn-outline-success mt-2', href: `/game/${inv.game_id}` }, t('chat.invite.toGame')) : null));
  }

  // ---- drawing ----

  function statusState() {
    const s = live?.state ?? 'disconnected';
    if (s !== 'connected') return s === 'authenticating' ? 'connecting' : s;
    const c = conv();
    if (!state.opened || !c) return 'connecting';
    if (c.kind === 'room' && !c.subscribed) return 'connecting';
    return 'connected';
  }

  function drawStatus() {
    if (!ui?.status) return;
    const s = statusState();
    ui.status.className = `badge chat-status ${STATUS_BADGE[s] ?? 'text-bg-secondary'}`;
    ui.status.dataset.state = s;
    ui.status.textContent = s === 'reconnecting' ? t('chat.status.reconnecting') : t(`room.status.${s}`);
    if (ui.send) ui.send.disabled = s !== 'connected' || messageProblem(state.draft) !== null;
  }

  function updateForm() {
    if (!ui?.input) return;
    const count = codePointLength(state.draft);
    const over = count > MAX_MESSAGE_CHARS;
    ui.counter.textContent = t('room.counter', { count, max: MAX_MESSAGE_CHARS });
    ui.counter.classList.toggle('text-danger', over);
    ui.counter.classList.toggle('fw-bold', over);
    ui.input.classList.toggle('is-invalid', over);
    ui.input.setAttribute('aria-invalid', String(over));
    drawStatus();
  }

  function convLabel(c) {
    if (c.kind === 'system') return t('chat.system.name');
    if (c.kind === 'room') return `#${c.name}`;
    return c.peer?.display_name || t('chat.dm.unknown');
  }

  function convHref(c) {
    if (c.kind === 'system') return '/chat/system/pong';
    if (c.kind === 'room') return `/chat/${c.name}`;
    return `/chat/dm/${c.peer.id}`;
  }

  function lastLine(c) {
    const m = c.last;
    if (!m) return '';
    if (m.deleted) return t('chat.deleted');
    const text = m.kind === 'invite' ? t('chat.invite.short') : m.text;
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  }

  function drawConvs() {
    if (!ui?.convs) return;
    const list = chat.list();
    if (!list.some((c) => c.kind === 'system')) list.unshift(chat.get(SYSTEM));
    ui.convs.replaceChildren(...list.map((c) => {
      const current = c.key === key;
      return h('li', { class: 'list-group-item p-0', 'data-key': c.key, 'data-kind': c.kind },
        h('a', {
          class: `chat-conv d-flex align-items-center gap-2 px-3 py-2 text-decoration-none${current ? ' active' : ''}`,
          href: convHref(c),
          'aria-current': current ? 'page' : null,
        },
        h('span', { class: `chat-conv-icon chat-conv-${c.kind}`, 'aria-hidden': 'true' }, c.kind === 'room' ? '#' : c.kind === 'system' ? '★' : '@'),
        h('span', { class: 'flex-grow-1 min-w-0' },
          h('span', { class: 'd-block text-truncate fw-semibold chat-conv-name' }, convLabel(c)),
          h('span', { class: 'd-block text-truncate small chat-conv-last' }, lastLine(c))),
        unreadBadge(t, c.key === key ? 0 : c.unread)));
    }));
  }

  function drawRooms() {
    if (!ui?.rooms) return;
    if (state.roomsError) {
      ui.rooms.replaceChildren(h('li', { class: 'list-group-item text-danger small' }, problemText(t, state.roomsError)));
      return;
    }
    if (!state.rooms) {
      ui.rooms.replaceChildren(h('li', { class: 'list-group-item small text-body-secondary' }, t('account.loading')));
      return;
    }
    if (!state.rooms.length) {
      ui.rooms.replaceChildren(h('li', { class: 'list-group-item small text-body-secondary' }, t('chat.rooms.none')));
      return;
    }
    ui.rooms.replaceChildren(...state.rooms.map((r) => h('li', { class: 'list-group-item p-0', 'data-room': r.name },
      h('a', { class: 'chat-room-link d-flex align-items-center gap-2 px-3 py-2 text-decoration-none', href: `/chat/${r.name}` },
        h('span', { class: 'flex-grow-1 text-truncate' }, `#${r.name}`),
        h('span', { class: 'small text-body-secondary chat-room-count' }, t('chat.rooms.members', { count: r.members }))))));
  }

  function drawNotice() {
    if (!ui?.notice) return;
    ui.notice.hidden = !state.notice;
    ui.notice.className = `alert alert-${state.notice?.kind ?? 'success'} py-1 px-2 small mb-2 d-flex align-items-center gap-2`;
    ui.noticeText.textContent = state.notice?.text ?? '';
  }

  function drawDialog() {
    if (!ui?.dialog) return;
    const d = state.dialog;
    ui.dialog.hidden = !d;
    if (!d) { ui.dialog.replaceChildren(); return; }
    const cancel = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', id: 'chat-dialog-cancel', onclick: () => { state.dialog = null; drawDialog(); } }, t('chat.cancel'));
    const name = d.user?.name ?? '';
    if (d.kind === 'confirm') {
      ui.dialog.replaceChildren(
        h('p', { class: 'mb-2 text-break' }, t(`chat.confirm.${d.action}`, { name, room: conv()?.name ?? '' })),
        h('div', { class: 'd-flex gap-2' },
          h('button', { type: 'button', class: 'btn btn-sm btn-danger', id: 'chat-dialog-ok', onclick: () => confirmAction(d) }, t(`chat.action.${d.action}`)),
          cancel));
    } else if (d.kind === 'mute') {
      const select = h('select', { class: 'form-select form-select-sm w-auto', id: 'chat-mute-time', onchange: (e) => { d.seconds = Number(e.target.value); } },
        MUTE_CHOICES.map((s) => h('option', { value: String(s), selected: s === d.seconds }, t(`chat.mute.${s}`))));
      ui.dialog.replaceChildren(
        h('label', { class: 'form-label mb-1', for: 'chat-mute-time' }, t('chat.confirm.mute', { name })),
        h('div', { class: 'd-flex flex-wrap gap-2' }, select,
          h('button', { type: 'button', class: 'btn btn-sm btn-warning', id: 'chat-dialog-ok', onclick: () => confirmAction({ ...d, action: 'mute' }) }, t('chat.action.mute')),
          cancel));
    } else if (d.kind === 'report') {
      const reason = h('textarea', { class: 'form-control form-control-sm', id: 'chat-report-reason', rows: '2', maxlength: '500', oninput: (e) => { d.reason = e.target.value; ok.disabled = !d.reason.trim(); } });
      reason.value = d.reason;
      const ok = h('button', { type: 'button', class: 'btn btn-sm btn-primary', id: 'chat-dialog-ok', disabled: !d.reason.trim(), onclick: () => confirmAction({ ...d, action: 'report', reason: d.reason.trim() }) }, t('chat.report.send'));
      ui.dialog.replaceChildren(
        h('label', { class: 'form-label mb-1', for: 'chat-report-reason' }, t(d.seq ? 'chat.report.message' : 'chat.report.user', { name })),
        reason,
        h('div', { class: 'd-flex gap-2 mt-2' }, ok, cancel));
    }
  }

  function roleLabel(m) {
    if (m.isAdmin) return t('chat.role.admin');
    return m.role === 2 ? t('chat.role.owner') : m.role === 1 ? t('chat.role.moderator') : '';
  }

  function drawMembers() {
    if (!ui?.members) return;
    const c = conv();
    const members = c?.room?.members ?? [];
    ui.memberCount.textContent = c?.room ? String(members.length) : '';
    const sorted = [...members].sort((a, b) => (b.role - a.role) || (Number(b.online) - Number(a.online)) || a.name.localeCompare(b.name));
    ui.members.replaceChildren(...sorted.map((m) => {
      const role = roleLabel(m);
      const muted = m.mutedUntil > Date.now();
      return h('li', { class: 'list-group-item d-flex align-items-center gap-2 py-1 chat-member', 'data-user-id': String(m.id), 'data-online': String(m.online), 'data-role': String(m.role) },
        h('span', { class: `presence-dot ${m.online ? 'is-online' : 'is-offline'}`, title: t(m.online ? 'account.presence.online' : 'account.presence.offline') },
          h('span', { class: 'visually-hidden' }, t(m.online ? 'account.presence.online' : 'account.presence.offline'))),
        avatarImg({ avatar_url: m.avatar }, 24),
        h('a', { class: 'flex-grow-1 text-truncate link-body-emphasis text-decoration-none chat-member-name', href: `/users/${m.id}` }, m.name || t('room.unknownAuthor')),
        role ? h('span', { class: 'badge text-bg-secondary chat-role' }, role) : null,
        muted ? h('span', { class: 'badge text-bg-warning chat-muted' }, t('chat.muted')) : null,
        actionsMenu(t, t('chat.actions.label', { name: m.name }), userActions({ id: m.id, name: m.name })));
    }));
  }

  function messageCtx() {
    return {
      t,
      me: chat.me,
      format: ui.format,
      actions: (m) => userActions({ id: m.userId, name: m.name }, m.seq),
      inviteCard,
    };
  }

  function inviteSig(m) {
    const inv = (m.inviteId && chat.invite(m.inviteId)) || m.invite;
    if (!inv) return '';
    return `${inv.status}|${inv.game_id}|${state.busyInvites.has(inv.id)}|${state.inviteErrors.has(inv.id)}`;
  }

  /** Re-renders the log, reusing unchanged items; keeps the reader's place (or the bottom). */
  function redrawLog(force = false) {
    if (!ui?.log) return;
    const c = conv();
    const messages = c?.messages ?? [];
    const box = ui.scroller;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const firstBefore = ui.log.firstElementChild;
    const topBefore = firstBefore ? firstBefore.getBoundingClientRect().top : 0;
    const mctx = messageCtx();
    const keep = new Set();
    const els = messages.map((m) => {
      const sig = `${m.deleted}|${m.name}|${m.avatar}|${m.local === true}|${m.kind === 'invite' ? inviteSig(m) : ''}`;
      let item = items.get(m.seq);
      if (!item || item.sig !== sig || force) {
        item = { el: messageItem(m, mctx), sig };
        items.set(m.seq, item);
      }
      keep.add(m.seq);
      return item.el;
    });
    for (const seq of [...items.keys()]) if (!keep.has(seq)) items.delete(seq);
    ui.log.replaceChildren(...els);
    ui.empty.hidden = messages.length > 0 || !state.opened;
    ui.older.hidden = !(c?.hasOlder);
    if (atBottom) {
      box.scrollTop = box.scrollHeight;
    } else if (firstBefore && firstBefore.isConnected) {
      box.scrollTop += firstBefore.getBoundingClientRect().top - topBefore;   // older ones came in above
    }
  }

  async function older() {
    const c = conv();
    if (!c?.hasOlder || c.loading) return;
    try {
      await chat.loadOlder(channel);
    } catch (err) {
      note(problemText(t, err), 'danger');
    }
  }

  function draw() {
    if (!root || destroyed) return;
    items.clear();
    if (!loggedIn()) { drawLoggedOut(); return; }
    const format = new Intl.DateTimeFormat(i18n.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    ui = { format };

    // -- the list side --
    const roomInput = h('input', {
      class: `form-control form-control-sm${state.roomInvalid ? ' is-invalid' : ''}`,
      id: 'room-name', name: 'room', type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
      required: true, pattern: ROOM_PATTERN, maxlength: '64', placeholder: t('chat.room.placeholder'),
      'aria-describedby': 'room-error', 'aria-invalid': String(state.roomInvalid), value: state.roomName,
      oninput: (e) => { state.roomName = e.target.value; },
    });
    const joinForm = h('form', {
      class: 'chat-join-form', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        const name = state.roomName.trim();
        state.roomInvalid = !isValidRoom(name);
        roomInput.classList.toggle('is-invalid', state.roomInvalid);
        roomInput.setAttribute('aria-invalid', String(state.roomInvalid));
        joinError.textContent = state.roomInvalid ? t('chat.room.invalid') : '';
        if (state.roomInvalid) { roomInput.focus(); return; }
        state.roomName = '';
        ctx.navigate(`/chat/${name}`);
      },
    },
    h('label', { class: 'form-label small fw-semibold mb-1', for: 'room-name' }, t('chat.joinOrCreate')),
    h('div', { class: 'input-group input-group-sm has-validation' }, roomInput,
      h('button', { class: 'btn btn-primary', type: 'submit', id: 'room-join' }, t('chat.join'))));
    const joinError = h('div', { class: 'invalid-feedback d-block small', id: 'room-error', role: 'alert' }, state.roomInvalid ? t('chat.room.invalid') : '');
    joinForm.append(joinError);
    const search = h('input', {
      class: 'form-control form-control-sm', id: 'room-search', type: 'search', autocomplete: 'off',
      placeholder: t('chat.rooms.search'), 'aria-label': t('chat.rooms.search'), value: state.search,
      oninput: (e) => {
        state.search = e.target.value;
        if (searchTimer !== null) win.clearTimeout(searchTimer);
        searchTimer = win.setTimeout(() => { searchTimer = null; loadRooms(); }, SEARCH_DELAY_MS);
      },
    });
    ui.convs = h('ul', { class: 'list-group list-group-flush chat-convs', id: 'chat-convs', 'aria-label': t('chat.conversations') });
    ui.rooms = h('ul', { class: 'list-group list-group-flush chat-rooms', id: 'room-list', 'aria-label': t('chat.rooms.heading') });
    const side = h('aside', { class: `chat-side col-12 col-md-4 col-lg-3 border-end${channel ? ' d-none d-md-block' : ''}`, 'aria-label': t('chat.conversations') },
      h('h2', { class: 'h6 px-3 pt-3 mb-2' }, t('chat.conversations')),
      ui.convs,
      h('div', { class: 'px-3 pt-3' }, joinForm),
      h('h2', { class: 'h6 px-3 pt-3 mb-2' }, t('chat.rooms.heading')),
      h('div', { class: 'px-3 pb-2' }, search),
      ui.rooms);

    // -- the conversation --
    ui.heading = h('h1', { class: 'h5 mb-0 me-auto text-break', id: 'room-heading' }, heading());
    ui.status = h('span', { class: 'badge chat-status', id: 'chat-status', title: t('room.status.label') });
    ui.notice = h('div', { class: 'alert py-1 mb-2', id: 'chat-notice', role: 'status', hidden: true },
      ui.noticeText = h('span', { class: 'flex-grow-1 text-break' }),
      h('button', { type: 'button', class: 'btn-close btn-sm', 'aria-label': t('room.error.dismiss'), onclick: () => { state.notice = null; drawNotice(); } }));
    ui.dialog = h('div', { class: 'chat-dialog border rounded p-2 mb-2', id: 'chat-dialog', role: 'group', hidden: true });

    let main;
    if (!channel) {
      main = h('section', { class: 'chat-main col-12 col-md-8 col-lg-9 d-none d-md-flex flex-column justify-content-center p-4' },
        h('p', { class: 'text-body-secondary text-center mb-0' }, t('chat.pick')));
      // the list is the page (on a phone all of it): its heading is the page's
      side.prepend(h('h1', { class: 'h4 px-3 pt-3 mb-0' }, heading()));
    } else if (state.openError) {
      const code = state.openError.code;
      main = h('section', { class: 'chat-main col p-4' },
        h('div', { class: 'd-flex align-items-center gap-2 mb-3' },
          h('a', { class: 'btn btn-sm btn-outline-secondary d-md-none', href: '/chat' }, t('chat.back')),
          ui.heading),
        h('div', { class: 'alert alert-danger', id: 'chat-open-error', role: 'alert', 'data-code': code ?? '' },
          ERROR_CODES.has(code) ? t(`chat.error.${code}`) : problemText(t, state.openError)));
      ui.status = null;
    } else {
      const c = conv();
      ui.input = h('textarea', {
        class: 'form-control chat-input', id: 'chat-input', name: 'message', rows: '2',
        placeholder: t('room.input.placeholder'), 'aria-describedby': 'chat-counter chat-hint',
        disabled: c?.kind === 'system',
        oninput: (e) => { state.draft = e.target.value; updateForm(); },
        onkeydown: (e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
        },
      });
      ui.input.value = state.draft;
      ui.send = h('button', { class: 'btn btn-primary', type: 'submit', id: 'chat-send' }, t('room.send'));
      ui.counter = h('span', { class: 'small text-body-secondary chat-counter', id: 'chat-counter', 'aria-label': t('room.counter.label') });
      ui.problemText = h('span', { class: 'flex-grow-1' });
      ui.problem = h('div', { class: 'alert alert-warning d-flex align-items-start gap-2 py-2 mb-2', id: 'chat-error', role: 'alert', hidden: true },
        ui.problemText,
        h('button', { type: 'button', class: 'btn-close', 'aria-label': t('room.error.dismiss'), onclick: () => setProblem(null) }));
      ui.log = h('ol', { class: 'list-unstyled mb-0 chat-log', id: 'chat-log', role: 'log', 'aria-label': t('room.log.label') });
      ui.empty = h('p', { class: 'text-body-secondary mb-0 chat-empty', id: 'chat-empty', hidden: true }, t(c?.kind === 'system' ? 'chat.system.empty' : 'room.empty'));
      ui.older = h('button', { type: 'button', class: 'btn btn-sm btn-link d-block mx-auto', id: 'chat-older', hidden: true, onclick: older }, t('chat.older'));
      ui.scroller = h('div', { class: 'chat-scroller flex-grow-1 px-3 py-2', id: 'chat-scroller', onscroll: () => { if (ui.scroller.scrollTop < 60) older(); } },
        ui.older, ui.empty, ui.log);
      const isRoom = c?.kind === 'room';
      const composer = c?.kind === 'system'
        ? h('p', { class: 'small text-body-secondary mb-0', id: 'chat-hint' }, t('chat.system.readonly'))
        : h('form', { class: 'chat-form', id: 'chat-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
          h('label', { class: 'visually-hidden', for: 'chat-input' }, t('room.input.label')),
          h('div', { class: 'd-flex gap-2 align-items-end' }, ui.input, ui.send),
          h('div', { class: 'd-flex justify-content-between mt-1 gap-2' },
            h('span', { class: 'small text-body-secondary d-none d-sm-inline', id: 'chat-hint' }, t('room.input.hint')),
            ui.counter));
      const peerActions = parsed.peer ? actionsMenu(t, t('chat.actions.label', { name: heading() }), userActions({ id: parsed.peer, name: heading() })) : null;
      main = h('section', { class: `chat-main col d-flex flex-column${isRoom ? ' chat-room' : ''}`, 'data-room': isRoom ? (c.name || parsed.room) : null, 'data-channel': c?.channel ?? channel },
        h('div', { class: 'chat-head d-flex flex-wrap align-items-center gap-2 px-3 py-2 border-bottom' },
          h('a', { class: 'btn btn-sm btn-outline-secondary d-md-none', href: '/chat', id: 'chat-back' }, t('chat.back')),
          ui.heading,
          ui.status,
          peerActions,
          isRoom ? h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary d-lg-none', id: 'chat-members-toggle', 'aria-expanded': String(state.membersOpen), 'aria-controls': 'chat-members-panel', onclick: () => { state.membersOpen = !state.membersOpen; draw(); } }, t('chat.members')) : null,
          isRoom ? h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', id: 'chat-leave', onclick: () => ask({ kind: 'confirm', action: 'leave' }) }, t('chat.leave')) : null),
        ui.scroller,
        h('div', { class: 'chat-foot border-top px-3 py-2' }, ui.notice, ui.dialog, ui.problem, composer));
    }

    let membersPanel = null;
    if (channel && !state.openError && conv()?.kind === 'room') {
      ui.members = h('ul', { class: 'list-group list-group-flush chat-members', id: 'chat-members' });
      ui.memberCount = h('span', { class: 'badge text-bg-light ms-1' });
      membersPanel = h('aside', { class: `chat-members-panel col-12 col-lg-3 border-start${state.membersOpen ? '' : ' d-none d-lg-block'}`, id: 'chat-members-panel', 'aria-label': t('chat.members') },
        h('h2', { class: 'h6 px-3 pt-3 mb-2' }, t('chat.members'), ui.memberCount),
        ui.members);
    }

    root.replaceChildren(h('div', { class: 'card shadow-sm chat-page', 'data-view': 'chat' },
      h('div', { class: 'row g-0 chat-grid' }, side, main, membersPanel)));
    drawConvs();
    drawRooms();
    drawMembers();
    drawNotice();
    drawDialog();
    if (ui.log) {
      redrawLog();
      ui.scroller.scrollTop = ui.scroller.scrollHeight;
      updateForm();
      setProblem(state.problem);
    }
    drawStatus();
  }

  function drawLoggedOut() {
    ui = null;
    root.replaceChildren(
      h('section', { class: 'card shadow-sm', 'data-view': 'chat' },
        h('div', { class: 'card-body p-4' },
          h('h1', { class: 'h3 card-title' }, t('chat.heading')),
          h('p', { class: 'text-body-secondary' }, t('chat.intro')),
          h('div', { class: 'alert alert-info d-flex flex-wrap align-items-center gap-2 py-2', id: 'chat-login-note', hidden: session?.state !== 'out' },
            h('span', { class: 'me-auto' }, t('chat.loginNeeded')),
            h('a', { class: 'btn btn-sm btn-primary', id: 'chat-login-link', href: loginPath('/chat') }, t('nav.login')),
            h('a', { class: 'btn btn-sm btn-outline-primary', href: '/register?next=%2Fchat' }, t('nav.register'))),
          loggedOutForm(),
          h('h2', { class: 'h6 mt-4' }, t('chat.suggested')),
          h('ul', { class: 'list-inline mb-0' },
            SUGGESTED.map((room) => h('li', { class: 'list-inline-item' },
              h('a', { class: 'btn btn-sm btn-outline-secondary', href: `/chat/${room}` }, `#${room}`)))))));
  }

  function loggedOutForm() {
    const input = h('input', {
      class: `form-control${state.roomInvalid ? ' is-invalid' : ''}`, id: 'room-name', name: 'room', type: 'text',
      autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', required: true, pattern: ROOM_PATTERN, maxlength: '64',
      placeholder: t('chat.room.placeholder'), 'aria-describedby': 'room-help room-error', 'aria-invalid': String(state.roomInvalid),
      value: state.roomName, oninput: (e) => { state.roomName = e.target.value; },
    });
    const error = h('div', { class: 'invalid-feedback', id: 'room-error', role: 'alert' }, state.roomInvalid ? t('chat.room.invalid') : '');
    return h('form', {
      class: 'row g-2 align-items-start', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        const room = state.roomName.trim();
        state.roomInvalid = !isValidRoom(room);
        input.classList.toggle('is-invalid', state.roomInvalid);
        input.setAttribute('aria-invalid', String(state.roomInvalid));
        error.textContent = state.roomInvalid ? t('chat.room.invalid') : '';
        if (state.roomInvalid) { input.focus(); return; }
        ctx.navigate(`/chat/${room}`);
      },
    },
    h('div', { class: 'col-sm' }, h('label', { class: 'form-label', for: 'room-name' }, t('chat.room.label')), input, error,
      h('div', { class: 'form-text', id: 'room-help' }, t('chat.room.help'))),
    h('div', { class: 'col-sm-auto chat-join' }, h('button', { class: 'btn btn-primary w-100', type: 'submit' }, t('chat.join'))));
  }

  // ---- live updates ----

  function onChat(ev) {
    if (destroyed || !ui) return;
    if (ev.type === 'removed' && ev.key === key) {
      state.openError = { code: ev.reason === 'ban' ? 'banned' : 'kicked' };
      draw();
      return;
    }
    if (ev.type === 'error' && ev.key === key) { setProblem({ code: ev.code, message: ev.message }); return; }
    if (ev.type === 'status') { drawStatus(); return; }
    if (ev.type !== 'change') return;
    drawConvs();
    if (ev.key === null || ev.key === key || ev.key === SYSTEM) {
      if (ev.key === key) {
        if (ui.heading) ui.heading.textContent = heading();
        drawMembers();
      }
      if (ev.key === key) redrawLog();
      drawStatus();
    }
  }

  function onLive(ev) {
    if (ev.type === 'status' || ev.type === 'hello') drawStatus();
  }

  const view = {
    title,
    render(r) {
      root = r;
      if (loggedIn()) {
        if (!offChat) offChat = chat.subscribe(onChat);
        if (!offLive && live) offLive = live.subscribe(onLive);
        if (state.rooms === null && !state.roomsError) loadRooms();
        if (key && !state.opened && !state.openError) openConversation();
      }
      draw();
      // The logged-out page turns into the chat when the session comes (back).
      if (!loggedIn() && session && !offSession) {
        offSession = session.subscribe(({ state: s }) => {
          if (destroyed || !root) return;
          if (s === 'in') { offSession(); offSession = null; view.render(root); } else draw();
        });
      }
    },
    destroy() {
      destroyed = true;
      if (key && chat) chat.setActive(null);
      offChat?.();
      offLive?.();
      offSession?.();
      if (searchTimer !== null) win.clearTimeout(searchTimer);
      root = null;
      ui = null;
    },
  };
  return view;
}

/** /chat: the list, the room browser; logged out, the lobby that asks to log in. */
export function chatView({ ctx, deps }) {
  return chatPage({ ctx, channel: null, deps });
}

/** /chat/:room (the route checked the name): opens (joins) the room. */
export const chatRoomView = requireLogin(({ params, ctx, deps }) => chatPage({ ctx, channel: roomChannel(params.room), deps }));

/** /chat/dm/:id: the direct conversation with user `id`. */
export const chatDmView = requireLogin(({ params, ctx, deps }) => chatPage({ ctx, channel: dmChannel(Number(params.id)), deps }));

/** /chat/system/pong: the server's notices and game invites. */
export const chatSystemView = requireLogin(({ ctx, deps }) => chatPage({ ctx, channel: SYSTEM, deps }));
