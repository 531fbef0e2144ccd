// Local tournament page helpers that need no DOM: localStorage load/save with validation,
// and the data behind the bracket and the order of play (labels are translated by the view).
//
// Storage layout (two separate keys: bracket.js's deserialize() refuses unknown keys):
//   'tournament.v1'       the tournament, as written by bracket.js serialize()
//   'tournament.options'  the game options every match of the tournament is played with
// A match interrupted by a reload is not stored: only results are, so it is simply replayed.

import {
  serialize, deserialize, playOrder, nextMatch, recordResult, champion, isFinished, progress,
  roundName,
} from './bracket.js';
import { DEFAULT_OPTIONS, validateOptions } from './gameoptions.js';

export const TOURNAMENT_KEY = 'tournament.v1';
export const OPTIONS_KEY = 'tournament.options';

function read(storage, key) {
  if (!storage) return { text: null, unavailable: true };
  try {
    return { text: storage.getItem(key), unavailable: false };
  } catch {
    return { text: null, unavailable: true };
  }
}

function write(storage, key, text) {
  if (!storage) return false;
  try {
    if (text === null) storage.removeItem(key);
    else storage.setItem(key, text);
    return true;
  } catch {
    return false; // quota or privacy mode: the page keeps working, only without persistence
  }
}

/**
 * Reads the stored tournament. Returns { tournament, problem }: tournament is null when
 * nothing usable is stored; problem is null, 'corrupt' (something is stored but is not a
 * valid tournament) or 'unavailable' (storage missing or refusing access).
 */
export function loadTournament(storage) {
  const { text, unavailable } = read(storage, TOURNAMENT_KEY);
  if (unavailable) return { tournament: null, problem: 'unavailable' };
  if (text === null) return { tournament: null, problem: null };
  const tournament = deserialize(text);
  return tournament ? { tournament, problem: null } : { tournament: null, problem: 'corrupt' };
}

/** Stores `tournament`; false when the storage refused it. */
export function saveTournament(storage, tournament) {
  return write(storage, TOURNAMENT_KEY, serialize(tournament));
}

/** Forgets the stored tournament; false when the storage refused. */
export function clearTournament(storage) {
  return write(storage, TOURNAMENT_KEY, null);
}

/**
 * Reads the stored tournament options. Returns { options, problem }: options are always
 * valid (DEFAULT_OPTIONS when nothing valid is stored); problem is null, 'corrupt' or
 * 'unavailable' as for loadTournament().
 */
export function loadOptions(storage) {
  const fallback = { ...DEFAULT_OPTIONS };
  const { text, unavailable } = read(storage, OPTIONS_KEY);
  if (unavailable) return { options: fallback, problem: 'unavailable' };
  if (text === null) return { options: fallback, problem: null };
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { options: fallback, problem: 'corrupt' };
  }
  const check = validateOptions(data);
  return check.ok ? { options: check.options, problem: null } : { options: fallback, problem: 'corrupt' };
}

/** Stores `options` when they are valid; false otherwise or when the storage refused. */
export function saveOptions(storage, options) {
  const check = validateOptions(options);
  if (!check.ok) return false;
  return write(storage, OPTIONS_KEY, JSON.stringify(check.options));
}

/** Map of match id → its 1-based number in the order of play (byes have none). */
export function matchNumbers(t) {
  return new Map(playOrder(t).map((m, i) => [m.id, i + 1]));
}

/**
 * Who plays on one side of match `m`: { player, name } when known, otherwise
 * { from: n } — the winner of match number n (in the order of play) will come here.
 * { player: null, name: null, from: null } is the empty side of a bye.
 */
function sideOf(t, m, side, numbers) {
  const player = m[side];
  if (player !== null) return { player, name: t.players[player], from: null };
  if (m.round === 0) return { player: null, name: null, from: null };
  const feeder = t.rounds[m.round - 1][2 * m.slot + (side === 'a' ? 0 : 1)];
  return { player: null, name: null, from: numbers.get(feeder.id) ?? null };
}

/**
 * Everything the page shows about match `m`:
 *   { id, round, slot, number (null for a bye), total, roundKey, roundNumber, bye,
 *     a, b (see sideOf), winner (player index or null), winnerSide ('a' | 'b' | null),
 *     score ([a, b] or null), state }
 * state: 'bye' | 'done' | 'next' (the one to play now) | 'ready' (players known, later)
 *        | 'waiting' (a player is not known yet).
 */
export function describeMatch(t, m, numbers = matchNumbers(t), next = nextMatch(t)) {
  const a = sideOf(t, m, 'a', numbers);
  const b = sideOf(t, m, 'b', numbers);
  let state;
  if (m.bye) state = 'bye';
  else if (m.winner !== null) state = 'done';
  else if (next && next.id === m.id) state = 'next';
  else if (m.a !== null && m.b !== null) state = 'ready';
  else state = 'waiting';
  let winnerSide = null;
  if (m.winner !== null) winnerSide = m.winner === m.a ? 'a' : 'b';
  return {
    id: m.id,
    round: m.round,
    slot: m.slot,
    number: numbers.get(m.id) ?? null,
    total: numbers.size,
    roundKey: roundName(m.round, t.rounds.length),
    roundNumber: m.round + 1,
    bye: m.bye,
    a,
    b,
    winner: m.winner,
    winnerSide,
    score: m.score ? [m.score[0], m.score[1]] : null,
    state,
  };
}

/** The bracket round by round: [{ index, key, number, matches: [describeMatch…] }]. */
export function bracketRounds(t) {
  const numbers = matchNumbers(t);
  const next = nextMatch(t);
  return t.rounds.map((round, index) => ({
    index,
    key: roundName(index, t.rounds.length),
    number: index + 1,
    matches: round.map((m) => describeMatch(t, m, numbers, next)),
  }));
}

/** The order of play (byes left out), each entry as describeMatch() gives it. */
export function orderOfPlay(t) {
  const numbers = matchNumbers(t);
  const next = nextMatch(t);
  return playOrder(t).map((m) => describeMatch(t, m, numbers, next));
}

/** The match to play now as describeMatch() gives it, or null when the tournament is over. */
export function upcoming(t) {
  const m = nextMatch(t);
  return m ? describeMatch(t, m) : null;
}

/**
 * A summary for the page: { played, total, finished, champion (alias or null), next }.
 */
export function summary(t) {
  const { played, total } = progress(t);
  const winner = champion(t);
  return {
    played,
    total,
    finished: isFinished(t),
    champion: winner === null ? null : t.players[winner],
    next: upcoming(t),
  };
}

/**
 * Records the end of a board game for match `id`: the left paddle is side 'a', the right
 * one side 'b'. `result` is the board's { winner: 0 | 1, score: [left, right] }. A score
 * that does not agree with the winner (it should not happen) is dropped rather than lose
 * the result. Returns the new tournament; throws like recordResult() for a match that
 * cannot be played (unknown, already decided, …) or a winner that is not 0 or 1.
 */
export function recordBoardResult(t, id, result) {
  const winner = result?.winner;
  if (winner !== 0 && winner !== 1) throw new Error(`board winner must be 0 or 1, got ${String(winner)}`);
  const side = winner === 0 ? 'a' : 'b';
  const score = result.score;
  const usable = Array.isArray(score) && score.length === 2
    && score.every((v) => Number.isSafeInteger(v) && v >= 0) && score[winner] > score[1 - winner];
  return recordResult(t, id, side, usable ? [score[0], score[1]] : null);
}

/**
 * Splits a translated template into parts, its `{name}` placeholders replaced by
 * parts[name] (any value: a string, or a DOM node the caller builds) and unknown ones
 * left as they are. The view appends the parts as children, so user text (aliases) can be
 * wrapped in elements and still only ever becomes text nodes: nothing is parsed as HTML.
 * fillTemplate('{a} vs {b}', { a: 'Ada', b: node }) → ['Ada', ' vs ', node].
 */
export function fillTemplate(template, parts) {
  const out = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    if (m.index > last) out.push(template.slice(last, m.index));
    out.push(Object.prototype.hasOwnProperty.call(parts, m[1]) ? parts[m[1]] : m[0]);
    last = m.index + m[0].length;
  }
  if (last < template.length) out.push(template.slice(last));
  return out;
}
