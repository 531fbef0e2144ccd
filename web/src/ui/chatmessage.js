// DOM pieces of the chat page: a message's text with its links, one message of the log
// (sender with avatar and profile link, time, text; system notices and invite cards drawn
// apart), the actions menu of a message or a member, and unread badges. User text only ever
// goes in as text nodes; links are <a> elements built here from domain/chatlinks.js
// segments (http/https only), never HTML.
import { h } from '../app/dom.js';
import { splitLinks } from '../domain/chatlinks.js';
import { badgeText } from '../domain/chatlog.js';
import { avatarImg } from './user.js';

export const LINK_REL = 'noopener noreferrer nofollow';

/** `text` as text nodes and safe links, in a DocumentFragment. */
export function linkified(text) {
  const frag = document.createDocumentFragment();
  for (const seg of splitLinks(text)) {
    if (seg.type === 'link') {
      const a = document.createElement('a');
      a.href = seg.href;
      a.rel = LINK_REL;
      a.target = '_blank';
      a.className = 'chat-link';
      a.textContent = seg.text;
      frag.append(a);
    } else {
      frag.append(document.createTextNode(seg.text));
    }
  }
  return frag;
}

/** An unread badge (hidden when 0; "99+" past 99). */
export function unreadBadge(t, n, extra = '') {
  const text = badgeText(n);
  return h('span', {
    class: `badge rounded-pill text-bg-danger chat-unread ${extra}`.trim(),
    hidden: !text,
    'data-unread': String(n > 0 ? n : 0),
    'aria-label': text ? t('chat.unread', { count: text }) : null,
  }, text);
}

/**
 * An actions menu (a <details> disclosure: no script needed to open it) with `items`:
 * [{ id, label, onclick, href, danger }]; null when there are none.
 */
export function actionsMenu(t, label, items) {
  const list = items.filter(Boolean);
  if (!list.length) return null;
  const menu = h('details', { class: 'chat-actions' },
    h('summary', { class: 'btn btn-sm btn-link text-body-secondary chat-actions-toggle', 'aria-label': label, title: label }, '⋯'),
    h('div', { class: 'chat-actions-menu dropdown-menu show shadow-sm', role: 'menu' },
      list.map((item) => (item.href
        ? h('a', { class: 'dropdown-item', role: 'menuitem', href: item.href, 'data-action': item.id }, item.label)
        : h('button', {
          type: 'button',
          class: `dropdown-item${item.danger ? ' text-danger' : ''}`,
          role: 'menuitem',
          'data-action': item.id,
          onclick: (e) => { e.currentTarget.closest('details').open = false; item.onclick(); },
        }, item.label)))));
  return menu;
}

/**
 * One message of the log. `ctx`: { t, me, format (Intl.DateTimeFormat), actions(message) →
 * menu items, inviteCard(message) → element or null }.
 */
export function messageItem(m, { t, me, format, actions, inviteCard }) {
  const date = new Date(m.at);
  const time = h('time', { class: 'chat-time', datetime: Number.isFinite(date.getTime()) ? date.toISOString() : null }, format.format(date));
  if (m.kind === 'system' || m.kind === 'invite' || m.userId === null) {
    return h('li', { class: `chat-msg chat-msg-system chat-kind-${m.kind}`, 'data-seq': String(m.seq), 'data-kind': m.kind },
      time,
      h('div', { class: 'chat-body flex-grow-1' },
        h('div', { class: 'chat-author small' }, h('span', { class: 'chat-author-name chat-system-name fw-semibold' }, t('chat.system.name'))),
        m.kind === 'invite' && inviteCard ? inviteCard(m) : h('div', { class: 'chat-text chat-system-text' }, linkified(m.text))));
  }
  const own = m.userId === me;
  const name = m.name || t('room.unknownAuthor');
  const body = m.deleted
    ? h('div', { class: 'chat-text chat-deleted fst-italic text-body-secondary' }, t('chat.deleted'))
    : h('div', { class: 'chat-text' }, linkified(m.text));
  return h('li', {
    class: `chat-msg${own ? ' chat-msg-own border-start border-3 border-primary ps-2' : ''}`,
    'data-seq': String(m.seq),
    'data-user-id': String(m.userId),
    'data-own': String(own),
    'data-kind': m.kind,
  },
  time,
  avatarImg({ avatar_url: m.avatar }, 28, 'chat-avatar d-none d-sm-block'),
  h('div', { class: 'chat-body flex-grow-1 min-w-0' },
    h('div', { class: 'chat-author small' },
      h('a', { class: 'chat-author-name fw-semibold link-body-emphasis text-decoration-none text-break', href: `/users/${m.userId}` }, name),
      own ? h('span', { class: 'chat-you badge rounded-pill text-bg-primary ms-2' }, t('room.you')) : null),
    body),
  m.deleted ? null : actionsMenu(t, t('chat.actions.label', { name }), actions(m)));
}
