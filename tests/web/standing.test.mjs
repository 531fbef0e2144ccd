// Unit tests of web/src/domain/standing.js: ratings, durations, history paging, live games, search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ratingText, ratingChange, record, formatDuration, elapsedText, checkMatch, checkHistory, pageCount,
  clampPage, pageItems, historyPath, checkLiveGame, checkLiveGames, searchQuery, checkSearch, profilePath,
  checkBrief, inGameOf, listOf,
} from '../../web/src/domain/standing.js';

test('ratingText rounds and marks provisional ratings', () => {
  assert.equal(ratingText(1500), '1500');
  assert.equal(ratingText(1523.6, false), '1524');
  assert.equal(ratingText(1500, true), '1500?');
  assert.equal(ratingText(null), '');
  assert.equal(ratingText(NaN), '');
  assert.equal(ratingText('1500'), '');
});

test('ratingChange: sign, real minus sign, ±0, unknowns', () => {
  assert.deepEqual(ratingChange(1500, 1512), { delta: 12, sign: 1, text: '+12' });
  assert.deepEqual(ratingChange(1500, 1491.6), { delta: -8, sign: -1, text: '\u22128' });
  assert.deepEqual(ratingChange(1500.2, 1499.8), { delta: 0, sign: 0, text: '\u00b10' });
  assert.equal(ratingChange(null, 1500), null);
  assert.equal(ratingChange(1500, undefined), null);
});

test('record counts wins and losses', () => {
  assert.deepEqual(record({ wins: 3, losses: 1 }), { wins: 3, losses: 1, played: 4, ratio: 0.75 });
  assert.deepEqual(record({}), { wins: 0, losses: 0, played: 0, ratio: null });
  assert.deepEqual(record({ wins: -1, losses: 2.5 }), { wins: 0, losses: 0, played: 0, ratio: null });
});

test('formatDuration: m:ss, h:mm:ss, unknowns', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(999), '0:00');
  assert.equal(formatDuration(61_500), '1:01');
  assert.equal(formatDuration(10 * 60_000 + 5000), '10:05');
  assert.equal(formatDuration(3600_000 + 62_000), '1:01:02');
  assert.equal(formatDuration(-1), '');
  assert.equal(formatDuration(null), '');
  assert.equal(elapsedText(1000, 66_000), '1:05');
  assert.equal(elapsedText(5000, 1000), '0:00', 'never negative');
  assert.equal(elapsedText(null, 1000), '0:00');
});

const row = (over = {}) => ({
  id: 7, date: 1700000000000, opponent: { id: 3, display_name: 'Bob', rating: 1480.4, provisional: true },
  side: 1, score: [2, 5], duration_ms: 90_000, mode: 'quick', status: 'finished', ended_how: 'score', winner: 1,
  rating_before: 1500, rating_after: 1562.3, ...over,
});

test('checkMatch sees the row from the user\'s side', () => {
  const m = checkMatch(row());
  assert.equal(m.myScore, 5);
  assert.equal(m.theirScore, 2);
  assert.equal(m.result, 'win');
  assert.equal(m.opponent.rating, 1480);
  assert.equal(m.opponent.provisional, true);
  assert.deepEqual(m.change, { delta: 62, sign: 1, text: '+62' });
  assert.equal(m.ended_how, 'score');
  assert.equal(checkMatch(row({ side: 0 })).result, 'loss');
  assert.equal(checkMatch(row({ winner: null, ended_how: 'void' })).result, 'none');
  assert.equal(checkMatch(row({ rating_after: null })).change, null);
  assert.equal(checkMatch(row({ ended_how: 'exploded' })).ended_how, null);
  assert.equal(checkMatch(row({ my_side: 1, side: undefined })).side, 1);
  for (const bad of [null, [], { id: 0 }, row({ opponent: null }), row({ id: '7' })]) assert.equal(checkMatch(bad), null);
});

test('checkHistory: rows, total, pages; bad rows dropped', () => {
  const h = checkHistory({ matches: [row(), { id: -1 }, row({ id: 8 })], total: 23, page: 2, per_page: 10 });
  assert.deepEqual(h.matches.map((m) => m.id), [7, 8]);
  assert.equal(h.total, 23);
  assert.equal(h.pages, 3);
  assert.equal(h.page, 2);
  assert.equal(checkHistory({ items: [row()] }).matches.length, 1, 'items as the list name');
  assert.deepEqual(checkHistory(null, 1), { matches: [], total: 0, page: 1, perPage: 10, pages: 1 });
});

test('paging: counts, clamping, the pager\'s items', () => {
  assert.equal(pageCount(0), 1);
  assert.equal(pageCount(10, 10), 1);
  assert.equal(pageCount(11, 10), 2);
  assert.equal(pageCount(-3), 1);
  assert.equal(clampPage(0, 5), 1);
  assert.equal(clampPage('3', 5), 3);
  assert.equal(clampPage(9, 5), 5);
  assert.equal(clampPage('x', 5), 1);
  assert.equal(clampPage(2.5, 5), 1);
  assert.deepEqual(pageItems(1, 1), [1]);
  assert.deepEqual(pageItems(1, 3), [1, 2, 3]);
  assert.deepEqual(pageItems(5, 10), [1, null, 4, 5, 6, null, 10]);
  assert.deepEqual(pageItems(3, 10), [1, 2, 3, 4, null, 10]);
  assert.deepEqual(pageItems(10, 10), [1, null, 9, 10]);
  assert.deepEqual(pageItems(4, 7), [1, 2, 3, 4, 5, 6, 7], 'a gap of one page shows that page');
  assert.equal(historyPath(4, 2), '/api/users/4/matches?page=2&per_page=10');
  assert.equal(historyPath(4, -1, 20), '/api/users/4/matches?page=1&per_page=20');
});

test('live games: checked, options in words, newest first', () => {
  const g = (id, started) => ({
    id, players: [{ id: 1, display_name: 'A', rating: 1600 }, { id: 2, display_name: 'B', rating: 1500, provisional: true }],
    score: [1, 0], options: { ball_speed: 1, paddle_size: 1, winning_score: 5, map: 0, powerups: 0 }, mode: 'quick', started_at: started, spectators: 2,
  });
  const list = checkLiveGames({ games: [g(1, 100), g(2, 300), { id: 3, players: [] }, g(4, 200)] });
  assert.deepEqual(list.map((x) => x.id), [2, 4, 1]);
  assert.deepEqual(list[0].options, { ballSpeed: 'normal', paddleSize: 'normal', winningScore: 5, map: 'classic', powerups: false });
  assert.equal(list[0].spectators, 2);
  assert.equal(list[0].players[1].provisional, true);
  assert.equal(checkLiveGames([g(9, 1)]).length, 1, 'a bare array');
  assert.equal(checkLiveGame({ ...g(5, 1), spectators: -1 }).spectators, 0);
  assert.equal(checkLiveGame({ ...g(5, 1), options: null }).options, null);
  assert.equal(checkLiveGame({ ...g(5, 1), mode: 1 }).mode, 'quick');
});

test('search: query bounds, results, profile paths', () => {
  assert.equal(searchQuery(' a '), null);
  assert.equal(searchQuery(' al '), 'al');
  assert.equal(searchQuery('x'.repeat(32)), 'x'.repeat(32));
  assert.equal(searchQuery('x'.repeat(33)), null);
  assert.equal(searchQuery('ёж'), 'ёж');
  assert.equal(searchQuery(undefined), null);
  const many = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, display_name: `u${i}` }));
  assert.equal(checkSearch({ users: many }).length, 20);
  assert.deepEqual(checkSearch([{ id: 2, display_name: 'x' }, { id: 'no' }]).map((u) => u.id), [2]);
  assert.equal(profilePath('Ana Ñ/?#'), '/profile/Ana%20%C3%91%2F%3F%23');
  assert.equal(checkBrief({ id: 1 }).display_name, '');
  assert.equal(inGameOf({ in_game: 12 }), 12);
  assert.equal(inGameOf({ in_game: null }), null);
  assert.equal(inGameOf(null), null);
  assert.deepEqual(listOf({ x: 1 }, 'users'), []);
});
