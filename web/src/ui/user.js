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
 * `lang` formats the relative time. A user in a live game (`in_game`: its id) shows
 * "In a game" with a Watch link to /game/<id> (data-in-game).
 */
export function presenceBadge(t, { online, last_seen_at: lastSeen, in_game: inGame }, lang, nowMs = Date.now()) {
  const playing = online && Number.isSafeInteger(inGame) && inGame > 0;
  const ago = online ? '' : relativeTime(lastSeen, nowMs, lang);
  const text = playing ? t('mm.presence.inGame') : online ? t('account.presence.online') : ago ? t('account.presence.lastSeen', { ago }) : t('account.presence.offline');
  return h('span', { class: 'presence d-inline-flex align-items-center gap-1 small', 'data-online': String(Boolean(online)), 'data-in-game': playing ? String(inGame) : null },
    h('span', { class: `presence-dot ${playing ? 'is-in-game' : online ? 'is-online' : 'is-offline'}`, 'aria-hidden': 'true' }),
    h('span', { class: 'presence-text text-body-secondary' }, text),
    playing ? h('a', { class: 'presence-watch ms-1', href: `/game/${inGame}` }, t('mm.watch')) : null);
}

/** Copies a presence push onto a user object ({ online, last_seen_at, in_game }). */
export function applyPresence(user, event) {
  user.online = event.online;
  if (event.last_seen_at) user.last_seen_at = event.last_seen_at;
  if ('in_game' in event) user.in_game = event.in_game;
  else if (!event.online) user.in_game = null;
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
