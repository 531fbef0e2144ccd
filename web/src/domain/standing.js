// Where players stand (docs/matchmaking.md): ratings with their provisional marker, wins and
// losses, the match history (GET /api/users/{id}/matches, paged), the live games list
// (GET /api/games?status=live), user search results, and the formatting of durations and
// rating changes. Pure: no DOM, no network; Node tests import it (tests/web/standing.test.mjs).
import { fromApiOptions } from './invites.js';

export const END_HOWS = Object.freeze(['score', 'resign', 'forfeit', 'void', 'interrupted']);
export const PER_PAGE = 10;          // history rows a page (the API allows 1–50)
export const SEARCH_MIN = 2;         // GET /api/users?search=: 2–32 characters
export const SEARCH_MAX = 32;

const isId = (v) => Number.isSafeInteger(v) && v > 0;
const isObj = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const isNat = (v) => Number.isSafeInteger(v) && v >= 0;
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v) => (typeof v === 'string' ? v : '');

/** A user brief from the server (id, display name, avatar, rating when given), or null. */
export function checkBrief(u) {
  if (!isObj(u) || !isId(u.id)) return null;
  const rating = num(u.rating);
  return {
    id: u.id,
    display_name: str(u.display_name),
    avatar_url: typeof u.avatar_url === 'string' ? u.avatar_url : null,
    rating: rating === null ? null : Math.round(rating),
    provisional: u.provisional === true,
  };
}

/** The list inside an answer that is either an array or { <key>: array } (else []). */
export function listOf(v, key) {
  if (Array.isArray(v)) return v;
  if (isObj(v) && Array.isArray(v[key])) return v[key];
  return [];
}

/** A score pair [left, right] of natural numbers, or [0, 0]. */
function scorePair(v) {
  return Array.isArray(v) && v.length === 2 && v.every(isNat) ? [v[0], v[1]] : [0, 0];
}

// ---- ratings ----

/** "1523" or "1500?" (provisional: the deviation is still high); '' when unknown. */
export function ratingText(rating, provisional = false) {
  const r = num(rating);
  if (r === null) return '';
  return `${Math.round(r)}${provisional ? '?' : ''}`;
}

/**
 * The change between two ratings: { delta, text, sign } with text "+12", "−8" (a real minus
 * sign) or "±0", sign 1 | -1 | 0; null when either is unknown.
 */
export function ratingChange(before, after) {
  const b = num(before);
  const a = num(after);
  if (b === null || a === null) return null;
  const delta = Math.round(a) - Math.round(b);
  if (delta > 0) return { delta, sign: 1, text: `+${delta}` };
  if (delta < 0) return { delta, sign: -1, text: `\u2212${-delta}` };
  return { delta: 0, sign: 0, text: '\u00b10' };
}

/** Wins and losses of a profile: { wins, losses, played, ratio (0..1 or null) }. */
export function record(user) {
  const wins = isNat(user?.wins) ? user.wins : 0;
  const losses = isNat(user?.losses) ? user.losses : 0;
  const played = wins + losses;
  return { wins, losses, played, ratio: played ? wins / played : null };
}

// ---- durations ----

/** A duration in ms → "m:ss", or "h:mm:ss" from an hour on; '' when unknown or negative. */
export function formatDuration(ms) {
  const v = num(ms);
  if (v === null || v < 0) return '';
  const total = Math.floor(v / 1000);
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  const pad = (n) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** The time waited since `since` (ms) at `now`, as formatDuration ("0:00" before since). */
export function elapsedText(since, now) {
  if (num(since) === null || num(now) === null) return '0:00';
  return formatDuration(Math.max(0, now - since));
}

// ---- the match history ----

/**
 * One row of GET /api/users/{id}/matches, checked and seen from that user's side:
 * { id, date, opponent, side, myScore, theirScore, score, duration_ms, mode, status,
 *   ended_how, result ('win'|'loss'|'none'), rating_before, rating_after, change }, or null.
 */
export function checkMatch(v) {
  if (!isObj(v) || !isId(v.id)) return null;
  const opponent = checkBrief(v.opponent);
  if (!opponent) return null;
  const side = v.side === 1 || v.my_side === 1 ? 1 : 0;
  const score = scorePair(v.score);
  const winner = v.winner === 0 || v.winner === 1 ? v.winner : null;
  const before = num(v.rating_before ?? v.my_rating_before);
  const after = num(v.rating_after ?? v.my_rating_after);
  const endedHow = END_HOWS.includes(v.ended_how) ? v.ended_how : null;
  return {
    id: v.id,
    date: num(v.date ?? v.ended_at ?? v.started_at ?? v.created_at),
    opponent,
    side,
    score,
    myScore: score[side],
    theirScore: score[1 - side],
    duration_ms: num(v.duration_ms),
    mode: str(v.mode) || (v.mode === 1 ? 'quick' : v.mode === 0 ? 'invite' : ''),
    status: str(v.status),
    ended_how: endedHow,
    result: winner === null ? 'none' : winner === side ? 'win' : 'loss',
    rating_before: before,
    rating_after: after,
    change: ratingChange(before, after),
  };
}

/** GET …/matches → { matches, total, page, pages, perPage } (bad rows dropped, page clamped). */
export function checkHistory(v, page = 1, perPage = PER_PAGE) {
  const rows = listOf(v, 'matches').length ? listOf(v, 'matches') : listOf(v, 'items');
  const matches = rows.map(checkMatch).filter(Boolean);
  const total = isNat(v?.total) ? v.total : matches.length;
  const per = isNat(v?.per_page) && v.per_page > 0 ? v.per_page : perPage;
  const p = isNat(v?.page) && v.page > 0 ? v.page : page;
  return { matches, total, page: p, perPage: per, pages: pageCount(total, per) };
}

/** How many pages `total` rows make at `perPage` a page (at least 1). */
export function pageCount(total, perPage = PER_PAGE) {
  if (!isNat(total) || !(perPage > 0)) return 1;
  return Math.max(1, Math.ceil(total / perPage));
}

/** `page` clamped to 1..pages (anything not a positive integer: 1). */
export function clampPage(page, pages) {
  const p = Number(page);
  if (!Number.isSafeInteger(p) || p < 1) return 1;
  return Math.min(p, Math.max(1, pages));
}

/**
 * The page buttons of a pager: the first, the last, the current one and its neighbours,
 * with null for a gap ("…"). E.g. (5, 10) → [1, null, 4, 5, 6, null, 10].
 */
export function pageItems(page, pages) {
  const cur = clampPage(page, pages);
  const want = new Set([1, pages, cur - 1, cur, cur + 1].filter((p) => p >= 1 && p <= pages));
  const sorted = [...want].sort((a, b) => a - b);
  const out = [];
  for (const p of sorted) {
    if (out.length && p - out[out.length - 1] > 1) {
      if (p - out[out.length - 1] === 2) out.push(p - 1);
      else out.push(null);
    }
    out.push(p);
  }
  return out;
}

/** The query string of a history page. */
export function historyPath(userId, page, perPage = PER_PAGE) {
  return `/api/users/${userId}/matches?page=${clampPage(page, Infinity)}&per_page=${perPage}`;
}

// ---- live games ----

/**
 * One live game of GET /api/games?status=live: { id, players: [brief, brief], score,
 * options (the form's words, or null), mode, started_at, spectators }, or null.
 */
export function checkLiveGame(v) {
  if (!isObj(v) || !isId(v.id) || !Array.isArray(v.players) || v.players.length !== 2) return null;
  const players = v.players.map(checkBrief);
  if (players.includes(null)) return null;
  return {
    id: v.id,
    players,
    score: scorePair(v.score),
    options: fromApiOptions(v.options),
    mode: typeof v.mode === 'string' ? v.mode : v.mode === 1 ? 'quick' : v.mode === 0 ? 'invite' : '',
    started_at: num(v.started_at),
    spectators: isNat(v.spectators) ? v.spectators : 0,
  };
}

/** GET /api/games?status=live → the checked games, newest first. */
export function checkLiveGames(v) {
  return listOf(v, 'games').map(checkLiveGame).filter(Boolean)
    .sort((a, b) => (b.started_at ?? 0) - (a.started_at ?? 0) || b.id - a.id);
}

// ---- user search ----

/** The search text trimmed, or null when it is too short or too long for the API. */
export function searchQuery(text) {
  const q = String(text ?? '').trim();
  const n = [...q].length;
  return n >= SEARCH_MIN && n <= SEARCH_MAX ? q : null;
}

/** GET /api/users?search= → the checked briefs (at most 20). */
export function checkSearch(v) {
  return listOf(v, 'users').map(checkBrief).filter(Boolean).slice(0, 20);
}

/** The path of a profile by display name (/profile/<name>, encoded). */
export function profilePath(displayName) {
  return `/profile/${encodeURIComponent(displayName)}`;
}

/** A user's in-game id from a profile or a presence push (a positive id, else null). */
export function inGameOf(v) {
  return isObj(v) && isId(v.in_game) ? v.in_game : null;
}

/** The text for an error of the matchmaking routes (`mm.error.<code>`, else the generic ones). */
export function mmProblemText(t, err, problemText) {
  const code = err && typeof err === 'object' ? err.code : '';
  if (code) {
    const key = `mm.error.${code}`;
    const text = t(key);
    if (text !== key) return text;
  }
  return problemText(t, err);
}
