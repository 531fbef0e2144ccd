// Page chrome: the invitations to play, in a notification area below the navigation bar.
// Incoming invites (pushed on the app socket, and the pending ones listed again whenever
// the socket (re)connects) show who invites, with which options and until when, with
// Accept (→ /game/<id>) and Decline. For the inviter: when an invite is accepted, this tab
// goes to the game, wherever it is in the app; a declined or expired one leaves a notice.
import { h } from '../app/dom.js';
import { checkInviteLists, inviteProblemText, mergeInvite, optionsSummary, secondsLeft } from '../domain/invites.js';

const NOTICE_MS = 8000;

/**
 * Keeps the notification area `root` (an empty element outside the router's outlet) for
 * the session. Returns { render() (after a language switch), answer(invite, accept) (the
 * chat's invite card answers through here: the same flow, Accept → the game), dispose() }.
 * answer() resolves to 'accepted' / 'declined' (null when already being answered) and
 * rejects with the ApiError of a refusal.
 */
export function createInviteCenter({ root, i18n, session, live, navigate, win = window, now = () => Date.now() }) {
  const { t } = i18n;
  let incoming = [];
  let notices = [];            // { id, key, params }
  const errors = new Map();    // invite id → error
  const busy = new Set();
  let ticker = null;
  let noticeId = 0;
  let disposed = false;

  const me = () => (session.state === 'in' ? session.user?.id ?? null : null);

  async function refresh() {
    try {
      const lists = checkInviteLists(await session.api('/api/invites'));
      if (disposed) return;
      incoming = lists.incoming.filter((i) => i.to.id === me() && i.status === 'pending');
      render();
    } catch {
      /* the next hello tries again */
    }
  }

  function notice(key, params) {
    const id = ++noticeId;
    notices = [...notices, { id, key, params }];
    win.setTimeout(() => dismiss(id), NOTICE_MS);
    render();
  }

  function dismiss(id) {
    if (disposed) return;
    notices = notices.filter((n) => n.id !== id);
    render();
  }

  function onEvent(ev) {
    if (disposed) return;
    if (ev.type === 'hello') {
      refresh();
    } else if (ev.type === 'status' && ev.state === 'disconnected' && me() === null) {
      incoming = [];
      notices = [];
      render();
    } else if (ev.type === 'invite' && ev.invite.to.id === me()) {
      incoming = mergeInvite(incoming, ev.invite);
      render();
    } else if (ev.type === 'invite_update') {
      const inv = ev.invite;
      if (inv.to.id === me()) {
        incoming = mergeInvite(incoming, inv);
        render();
      }
      if (inv.from.id === me()) {
        if (inv.status === 'accepted' && inv.game_id) {
          notice('invite.accepted', { name: inv.to.display_name });
          navigate(`/game/${inv.game_id}`);
        } else if (inv.status === 'declined' || inv.status === 'expired') {
          notice(`invite.${inv.status}`, { name: inv.to.display_name });
        }
      }
    }
  }

  async function answer(invite, accept) {
    if (busy.has(invite.id)) return null;
    busy.add(invite.id);
    errors.delete(invite.id);
    render();
    let error = null;
    try {
      const res = await session.api(`/api/invites/${invite.id}/${accept ? 'accept' : 'decline'}`, { method: 'POST' });
      incoming = incoming.filter((i) => i.id !== invite.id);
      if (accept && res && Number.isSafeInteger(res.game_id)) navigate(`/game/${res.game_id}`);
    } catch (err) {
      error = err;
      errors.set(invite.id, err);
      if (err.status === 404 || err.status === 410 || err.code === 'answered') {
        // gone meanwhile: keep the message a moment, then drop the invite
        win.setTimeout(() => { incoming = incoming.filter((i) => i.id !== invite.id); render(); }, NOTICE_MS);
      }
    }
    busy.delete(invite.id);
    render();
    if (error) throw error;
    return accept ? 'accepted' : 'declined';
  }

  function syncTicker() {
    const want = incoming.length > 0;
    if (want && ticker === null) ticker = win.setInterval(tick, 1000);
    if (!want && ticker !== null) { win.clearInterval(ticker); ticker = null; }
  }

  function tick() {
    const before = incoming.length;
    incoming = incoming.filter((i) => secondsLeft(i, now()) !== 0);
    if (incoming.length !== before) { render(); return; }
    for (const el of root.querySelectorAll('[data-expires-at]')) {
      const left = Math.max(0, Math.ceil((Number(el.dataset.expiresAt) - now()) / 1000));
      el.textContent = t('invite.expiresIn', { seconds: left });
    }
  }

  function inviteCard(inv) {
    const left = secondsLeft(inv, now());
    const error = errors.get(inv.id);
    const isBusy = busy.has(inv.id);
    return h('div', { class: 'toast show invite-toast', role: 'alert', 'aria-live': 'assertive', 'data-invite-id': String(inv.id) },
      h('div', { class: 'toast-body' },
        h('div', { class: 'fw-semibold text-break' }, t('invite.incoming', { name: inv.from.display_name })),
        h('div', { class: 'small text-body-secondary' }, optionsSummary(t, inv.options)),
        left === null ? null : h('div', { class: 'small text-body-secondary', 'data-expires-at': String(inv.expires_at) }, t('invite.expiresIn', { seconds: left })),
        error ? h('div', { class: 'small text-danger mt-1', 'data-error': error.code ?? '' }, inviteProblemText(t, error)) : null,
        h('div', { class: 'd-flex gap-2 mt-2' },
          h('button', { type: 'button', class: 'btn btn-sm btn-success invite-accept', disabled: isBusy, onclick: () => answer(inv, true).catch(() => {}) }, t('invite.accept')),
          h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary invite-decline', disabled: isBusy, onclick: () => answer(inv, false).catch(() => {}) }, t('invite.decline')))));
  }

  function noticeCard(n) {
    return h('div', { class: 'toast show invite-notice', role: 'status', 'data-notice': n.key },
      h('div', { class: 'd-flex align-items-start' },
        h('div', { class: 'toast-body text-break' }, t(n.key, n.params)),
        h('button', { type: 'button', class: 'btn-close me-2 mt-2', 'aria-label': t('invite.dismiss'), onclick: () => dismiss(n.id) })));
  }

  function render() {
    if (disposed) return;
    syncTicker();
    root.setAttribute('aria-label', t('invite.area'));
    root.replaceChildren(...incoming.map(inviteCard), ...notices.map(noticeCard));
    root.hidden = incoming.length === 0 && notices.length === 0;
  }

  const off = live ? live.subscribe(onEvent) : () => {};
  if (me() !== null && live?.state === 'connected') refresh();
  render();

  return {
    render,
    answer,
    dispose() {
      disposed = true;
      off();
      if (ticker !== null) win.clearInterval(ticker);
    },
  };
}
