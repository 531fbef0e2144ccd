// A user as the account pages show one: avatar and online / last-seen badge.
import { h } from '../app/dom.js';
import { relativeTime } from '../domain/accountrules.js';

/** A user's avatar: decorative (the name is always next to it). */
export function avatarImg(user, size = 40, extra = '') {
  return h('img', {
    class: `avatar rounded-circle flex-shrink-0 ${extra}`.trim(),
    src: user?.avatar_url || '/static/icon.svg',
    alt: '',
    width: String(size),
    height: String(size),
    loading: 'lazy',
    decoding: 'async',
  });
}

/**
 * Online / last-seen badge: a coloured dot (data-online for tests and styles) and text.
 * `lang` formats the relative time.
 */
export function presenceBadge(t, { online, last_seen_at: lastSeen }, lang, nowMs = Date.now()) {
  const ago = online ? '' : relativeTime(lastSeen, nowMs, lang);
  const text = online ? t('account.presence.online') : ago ? t('account.presence.lastSeen', { ago }) : t('account.presence.offline');
  return h('span', { class: 'presence d-inline-flex align-items-center gap-1 small', 'data-online': String(Boolean(online)) },
    h('span', { class: `presence-dot ${online ? 'is-online' : 'is-offline'}`, 'aria-hidden': 'true' }),
    h('span', { class: 'presence-text text-body-secondary' }, text));
}

/**
 * Keeps a page's presence current: app-socket events (ctx.live) go to `onEvent`, and
 * `onTick` re-renders relative "last seen" texts every 30 s. start() on every render (only
 * the first one subscribes), stop() on destroy.
 */
export function watchPresence({ live, onEvent, onTick, win = window }) {
  let off = null;
  let interval = null;
  return {
    start() {
      if (!off && live) off = live.subscribe(onEvent);
      if (interval === null) interval = win.setInterval(onTick, 30_000);
    },
    stop() {
      if (off) off();
      if (interval !== null) win.clearInterval(interval);
      off = null;
      interval = null;
    },
  };
}
