// Invitations to a remote match (POST/GET /api/invites, the app socket's `invite` and
// `invite_update` pushes): checking an Invite from the server, the options between the
// form's words and the API's C values, which invites are still open. Pure: no DOM, no
// network; Node tests import it (tests/web/invites.test.mjs).
import { MAPS, PADDLES, SPEEDS, validateOptions } from './gameoptions.js';
import { problemText } from './accountrules.js';

export const INVITE_STATUSES = Object.freeze(['pending', 'accepted', 'declined', 'cancelled', 'expired']);

const isId = (v) => Number.isSafeInteger(v) && v > 0;
const isObj = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

function checkUser(u) {
  if (!isObj(u) || !isId(u.id)) return null;
  return {
    id: u.id,
    username: typeof u.username === 'string' ? u.username : '',
    display_name: typeof u.display_name === 'string' ? u.display_name : '',
    avatar_url: typeof u.avatar_url === 'string' ? u.avatar_url : null,
  };
}

/** Form options { ballSpeed, … } → the API's { ball_speed 0..2, …, powerups 0|1 } (null if invalid). */
export function toApiOptions(options) {
  const v = validateOptions(options);
  if (!v.ok) return null;
  const o = v.options;
  return {
    ball_speed: SPEEDS.indexOf(o.ballSpeed),
    paddle_size: PADDLES.indexOf(o.paddleSize),
    winning_score: o.winningScore,
    map: MAPS.indexOf(o.map),
    powerups: o.powerups ? 1 : 0,
  };
}

/** The API's options → the form's words (null when a value is out of range). */
export function fromApiOptions(api) {
  if (!isObj(api)) return null;
  const o = {
    ballSpeed: SPEEDS[api.ball_speed],
    paddleSize: PADDLES[api.paddle_size],
    winningScore: api.winning_score,
    map: MAPS[api.map],
    powerups: api.powerups === 1 || api.powerups === true,
  };
  return validateOptions(o).ok ? o : null;
}

/** An Invite from the server, checked: a clean copy with `options` in the form's words, or null. */
export function checkInvite(v) {
  if (!isObj(v) || !isId(v.id)) return null;
  const from = checkUser(v.from);
  const to = checkUser(v.to);
  const options = fromApiOptions(v.options);
  if (!from || !to || !options || !INVITE_STATUSES.includes(v.status)) return null;
  const time = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return {
    id: v.id,
    from,
    to,
    options,
    status: v.status,
    created_at: time(v.created_at),
    expires_at: time(v.expires_at),
    game_id: isId(v.game_id) ? v.game_id : null,
  };
}

/** GET /api/invites → { incoming, outgoing } of checked invites (bad entries dropped). */
export function checkInviteLists(v) {
  const list = (a) => (Array.isArray(a) ? a.map(checkInvite).filter(Boolean) : []);
  return { incoming: list(v?.incoming), outgoing: list(v?.outgoing) };
}

/** Seconds until `invite` expires at `now` (ms), at least 0; null when unknown. */
export function secondsLeft(invite, now) {
  if (invite.expires_at === null) return null;
  return Math.max(0, Math.ceil((invite.expires_at - now) / 1000));
}

/**
 * Keeps a list of invites up to date with `invite` (a newer state of one of them or a new
 * one): pending ones are kept (replaced in place), any other status removes it.
 */
export function mergeInvite(list, invite) {
  const rest = list.filter((i) => i.id !== invite.id);
  if (invite.status !== 'pending') return rest;
  const at = list.findIndex((i) => i.id === invite.id);
  if (at < 0) return [...rest, invite];
  const out = [...list];
  out[at] = invite;
  return out;
}

/** The text for an error of the invites API (`invite.error.<code>`, else the generic ones). */
export function inviteProblemText(t, err) {
  const code = err && typeof err === 'object' ? err.code : '';
  if (code) {
    const key = `invite.error.${code}`;
    const text = t(key);
    if (text !== key) return text;
  }
  return problemText(t, err);
}

/** A one-line summary of an invite's options in the reader's language. */
export function optionsSummary(t, options) {
  const text = t('invite.summary', {
    score: options.winningScore,
    speed: t(`settings.speed.${options.ballSpeed}`).toLocaleLowerCase(),
    paddle: t(`settings.paddle.${options.paddleSize}`).toLocaleLowerCase(),
    map: t(`settings.map.${options.map}`),
  });
  return options.powerups ? `${text} · ${t('invite.summary.powerups')}` : text;
}
