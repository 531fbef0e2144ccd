// Local single-elimination tournament (one keyboard, 3 to 16 players known by alias).
// Pure and DOM-free: every function takes and returns plain JSON-serialisable data,
// so a tournament can be kept in localStorage and resumed after a reload.
//
// Shape of a tournament (TOURNAMENT_VERSION 1):
//   {
//     version: 1,
//     players: ['alias', ...],   // normalised aliases in seed order (already shuffled)
//     size: 8,                    // bracket size: next power of two >= players.length
//     rounds: [                   // rounds[0] is the first round, the last one is the final
//       [ { id: 'r0m0', round: 0, slot: 0, a: 0, b: null, winner: 0, score: null, bye: true }, ... ],
//       ...
//     ],
//   }
// a, b and winner are indices into `players` (null while not known). score is [a's, b's]
// points, or null for a bye or a result recorded without a score. The winner of
// rounds[r][k] goes to rounds[r + 1][k >> 1], on side 'a' when k is even and 'b' when odd.

import { codePointLength } from './chatrules.js';
import { isPlainObject, parseJsonObject } from './json.js';

export const TOURNAMENT_VERSION = 1;
export const ALIAS_MAX = 20;
export const MIN_PLAYERS = 3;
export const MAX_PLAYERS = 16;

// Whitespace (tab, newline, …) is collapsed to a space by normalizeAlias; any other C0/C1
// control character, or a lone UTF-16 surrogate, makes an alias 'invalid'.
const FORBIDDEN_RE = /[\p{Cc}\p{Cs}]/u;
const MATCH_KEYS = ['id', 'round', 'slot', 'a', 'b', 'winner', 'score', 'bye'];
const TOURNAMENT_KEYS = ['version', 'players', 'size', 'rounds'];

/** Trims `s` and collapses every inner run of whitespace to one space. */
export function normalizeAlias(s) {
  return String(s).trim().replace(/\s+/g, ' ');
}

/** Key under which two aliases count as the same player (case-insensitive). */
function aliasKey(alias) {
  return alias.normalize('NFC').toLowerCase();
}

/** Why one normalised alias is refused ('invalid' | 'empty' | 'too_long'), or null. */
function aliasProblem(alias) {
  if (FORBIDDEN_RE.test(alias)) return 'invalid';
  if (alias === '') return 'empty';
  if (codePointLength(alias) > ALIAS_MAX) return 'too_long';
  return null;
}

/**
 * Checks the aliases typed for a tournament.
 * Returns `{ ok: true, aliases }` (normalised) or `{ ok: false, errors: [{ index, code }] }`.
 * Per-entry codes: 'invalid' (not a string, or a control character), 'empty', 'too_long'
 * (over ALIAS_MAX code points), 'duplicate' (same alias as an earlier entry, ignoring case;
 * the first occurrence is not flagged). At most one error per entry. List-level errors use
 * index -1 and come first: 'too_few' (< MIN_PLAYERS entries) or 'too_many' (> MAX_PLAYERS).
 */
export function validateAliases(list) {
  const entries = Array.isArray(list) ? list : [];
  const errors = [];
  if (entries.length < MIN_PLAYERS) errors.push({ index: -1, code: 'too_few' });
  else if (entries.length > MAX_PLAYERS) errors.push({ index: -1, code: 'too_many' });
  const aliases = [];
  const seen = new Set();
  entries.forEach((raw, index) => {
    const alias = typeof raw === 'string' ? normalizeAlias(raw) : null;
    aliases.push(alias);
    const problem = alias === null ? 'invalid' : aliasProblem(alias);
    if (problem) {
      errors.push({ index, code: problem });
      return;
    }
    const key = aliasKey(alias);
    if (seen.has(key)) errors.push({ index, code: 'duplicate' });
    seen.add(key);
  });
  return errors.length ? { ok: false, errors } : { ok: true, aliases };
}

/** Smallest power of two >= n (n >= 1). */
function bracketSize(n) {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/**
 * Standard seeding order: the 1-based seeds in bracket position order, so that seed s meets
 * seed size + 1 - s in the first round and the top seeds are as far apart as possible.
 * bracketOrder(8) → [1, 8, 4, 5, 2, 7, 3, 6].
 */
export function bracketOrder(size) {
  let order = [1];
  while (order.length < size) {
    const sum = order.length * 2 + 1;
    order = order.flatMap((s) => [s, sum - s]);
  }
  return order;
}

/** Identifier of the match in `round` (0-based) at `slot` (0-based, top to bottom). */
export function matchId(round, slot) {
  return `r${round}m${slot}`;
}

function newMatch(round, slot, a, b) {
  return { id: matchId(round, slot), round, slot, a, b, winner: null, score: null, bye: false };
}

/**
 * Builds the empty bracket for players already in seed order: the first round from the
 * standard seeding (seeds beyond the player count are byes, so the top seeds get them),
 * byes resolved and their players moved on, later rounds waiting for their players.
 */
function buildBracket(players) {
  const n = players.length;
  const size = bracketSize(n);
  const order = bracketOrder(size);
  const seedToPlayer = (seed) => (seed <= n ? seed - 1 : null);
  const rounds = [];
  const first = [];
  for (let slot = 0; slot < size / 2; slot += 1) {
    first.push(newMatch(0, slot, seedToPlayer(order[2 * slot]), seedToPlayer(order[2 * slot + 1])));
  }
  rounds.push(first);
  for (let count = size / 4, round = 1; count >= 1; count /= 2, round += 1) {
    rounds.push(Array.from({ length: count }, (_, slot) => newMatch(round, slot, null, null)));
  }
  const t = { version: TOURNAMENT_VERSION, players: [...players], size, rounds };
  for (const m of first) {
    if (m.a === null || m.b === null) {
      m.bye = true;
      m.winner = m.a ?? m.b;
      advance(t, m);
    }
  }
  return t;
}

/** Copies the winner of `m` into its place in the next round (in place; nothing after the final). */
function advance(t, m) {
  const next = t.rounds[m.round + 1];
  if (!next) return;
  next[m.slot >> 1][m.slot % 2 === 0 ? 'a' : 'b'] = m.winner;
}

/**
 * Creates a tournament for `aliases` (validated with validateAliases; throws an Error naming
 * the problems otherwise). The players are shuffled with Fisher–Yates driven by `rng`
 * (a function returning numbers in [0, 1), Math.random by default; inject a seeded one
 * for reproducible draws). Byes go to the first players of the shuffled order.
 */
export function createTournament(aliases, rng = Math.random) {
  const check = validateAliases(aliases);
  if (!check.ok) {
    const list = check.errors.map((e) => (e.index < 0 ? e.code : `${e.code} at ${e.index}`)).join(', ');
    throw new Error(`invalid aliases: ${list}`);
  }
  const players = [...check.aliases];
  for (let i = players.length - 1; i > 0; i -= 1) {
    const r = Number(rng());
    const j = Number.isFinite(r) ? Math.min(i, Math.max(0, Math.floor(r * (i + 1)))) : 0;
    [players[i], players[j]] = [players[j], players[i]];
  }
  return buildBracket(players);
}

/** Every match, round by round and top to bottom within a round. */
function allMatches(t) {
  return t.rounds.flat();
}

/** The match with id `id`, or null. */
export function matchById(t, id) {
  return allMatches(t).find((m) => m.id === id) ?? null;
}

/**
 * The matches that are actually played (byes left out) in the order they are played:
 * round by round, top to bottom. Includes matches already decided and those whose players
 * are not known yet.
 */
export function playOrder(t) {
  return allMatches(t).filter((m) => !m.bye);
}

/** The next match to play (both players known, no winner yet), or null when there is none. */
export function nextMatch(t) {
  return playOrder(t).find((m) => m.a !== null && m.b !== null && m.winner === null) ?? null;
}

/** How far the tournament is: { played, total } counted in played (non-bye) matches; total = players - 1. */
export function progress(t) {
  const matches = playOrder(t);
  return { played: matches.filter((m) => m.winner !== null).length, total: matches.length };
}

/** Player index of the tournament winner, or null while the final is undecided. */
export function champion(t) {
  const final = t.rounds[t.rounds.length - 1][0];
  return final.winner;
}

/** True once the final has a winner. */
export function isFinished(t) {
  return champion(t) !== null;
}

/** True when `score` is [x, y] of non-negative integers. */
function isScore(score) {
  return Array.isArray(score) && score.length === 2 && score.every((v) => Number.isSafeInteger(v) && v >= 0);
}

/** The side ('a' | 'b') a score designates as winner, or null for a tie. */
function scoreSide(score) {
  if (score[0] === score[1]) return null;
  return score[0] > score[1] ? 'a' : 'b';
}

function cloneTournament(t) {
  return {
    version: t.version,
    players: [...t.players],
    size: t.size,
    rounds: t.rounds.map((round) => round.map((m) => ({ ...m, score: m.score ? [...m.score] : null }))),
  };
}

/**
 * Records the result of match `id`: `winnerSide` is 'a' or 'b', `score` is [a's points,
 * b's points] (or null/omitted, e.g. for a forfeit). Returns a NEW tournament with the
 * winner set and moved into the next round; `t` is left untouched.
 * Throws an Error for an unknown match, a bye or an already decided match, a match whose
 * players are not both known yet, a bad side, a malformed or tied score, or a score whose
 * winner is not `winnerSide`.
 */
export function recordResult(t, id, winnerSide, score = null) {
  const current = matchById(t, id);
  if (!current) throw new Error(`unknown match: ${id}`);
  if (current.bye) throw new Error(`match ${id} is a bye and cannot be played`);
  if (current.winner !== null) throw new Error(`match ${id} is already decided`);
  if (current.a === null || current.b === null) throw new Error(`match ${id} is not playable yet: its players are not known`);
  if (winnerSide !== 'a' && winnerSide !== 'b') throw new Error(`winner side must be 'a' or 'b', got ${String(winnerSide)}`);
  if (score !== null) {
    if (!isScore(score)) throw new Error(`score must be [x, y] with non-negative integers, got ${JSON.stringify(score)}`);
    const side = scoreSide(score);
    if (side === null) throw new Error(`score ${score[0]}-${score[1]} is a tie; a match needs a winner`);
    if (side !== winnerSide) throw new Error(`score ${score[0]}-${score[1]} does not make side '${winnerSide}' the winner`);
  }
  const next = cloneTournament(t);
  const m = next.rounds[current.round][current.slot];
  m.winner = m[winnerSide];
  m.score = score === null ? null : [score[0], score[1]];
  advance(next, m);
  return next;
}

/**
 * Translation key for a round: 'final', 'semifinal', 'quarterfinal', or 'round' for earlier
 * ones (the caller then shows its number, roundIndex + 1). roundIndex is 0-based.
 */
export function roundName(roundIndex, roundCount) {
  const fromEnd = roundCount - 1 - roundIndex;
  if (fromEnd === 0) return 'final';
  if (fromEnd === 1) return 'semifinal';
  if (fromEnd === 2) return 'quarterfinal';
  return 'round';
}

/** The tournament as a JSON string (for localStorage). */
export function serialize(t) {
  return JSON.stringify(t);
}

function hasExactKeys(obj, keys) {
  const own = Object.keys(obj);
  return own.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(obj, k));
}

/** True when `v` is null or a player index in [0, n). */
function isPlayerOrNull(v, n) {
  return v === null || (Number.isInteger(v) && v >= 0 && v < n);
}

/**
 * Checks one stored match against the one expected at its place (`expected` comes from
 * the bracket rebuilt from the players and the winners of the previous round).
 */
function isValidMatch(m, expected, n) {
  if (!isPlainObject(m) || !hasExactKeys(m, MATCH_KEYS)) return false;
  if (m.id !== expected.id || m.round !== expected.round || m.slot !== expected.slot) return false;
  if (m.bye !== expected.bye || m.a !== expected.a || m.b !== expected.b) return false;
  if (!isPlayerOrNull(m.winner, n)) return false;
  if (m.bye) return m.winner === expected.winner && m.score === null;
  if (m.winner === null) return m.score === null;
  if (m.a === null || m.b === null) return false;
  const side = m.winner === m.a ? 'a' : m.winner === m.b ? 'b' : null;
  if (side === null) return false;
  if (m.score === null) return true;
  return isScore(m.score) && scoreSide(m.score) === side;
}

/**
 * Reads a tournament written by serialize(). The text may have been edited by hand, so the
 * shape is checked strictly: this version, valid distinct aliases, the bracket that those
 * players produce, winners that are players of their match, scores that agree with them
 * and players in later rounds that are the winners before them. Returns a fresh tournament
 * object, or null for anything else (including null, non-strings and invalid JSON).
 */
export function deserialize(json) {
  const data = parseJsonObject(json);
  if (!data || !hasExactKeys(data, TOURNAMENT_KEYS)) return null;
  if (data.version !== TOURNAMENT_VERSION) return null;
  if (!Array.isArray(data.players)) return null;
  const check = validateAliases(data.players);
  if (!check.ok || check.aliases.some((alias, i) => alias !== data.players[i])) return null;
  const n = data.players.length;
  // The first round and the byes follow from the players alone: rebuild them and compare.
  const expected = buildBracket(data.players);
  if (data.size !== expected.size) return null;
  if (!Array.isArray(data.rounds) || data.rounds.length !== expected.rounds.length) return null;
  for (let r = 0; r < expected.rounds.length; r += 1) {
    const stored = data.rounds[r];
    const want = expected.rounds[r];
    if (!Array.isArray(stored) || stored.length !== want.length) return null;
    for (let k = 0; k < want.length; k += 1) {
      if (!isValidMatch(stored[k], want[k], n)) return null;
      // Carry the stored result into the rebuilt bracket so the next round is checked against it.
      want[k].winner = stored[k].winner;
      want[k].score = stored[k].score === null ? null : [stored[k].score[0], stored[k].score[1]];
      if (want[k].winner !== null) advance(expected, want[k]);
    }
  }
  return expected;
}
