// Unit tests of web/src/domain/tournamentstore.js (local tournament page: storage and bracket data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TOURNAMENT_KEY, OPTIONS_KEY, loadTournament, saveTournament, clearTournament, loadOptions, saveOptions,
  matchNumbers, describeMatch, bracketRounds, orderOfPlay, upcoming, summary, recordBoardResult, fillTemplate,
} from '../../web/src/domain/tournamentstore.js';
import { createTournament, serialize, nextMatch, recordResult, matchById } from '../../web/src/domain/bracket.js';
import { DEFAULT_OPTIONS } from '../../web/src/game/pong.js';

/** In-memory Web Storage. */
function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
    data,
  };
}

const broken = {
  getItem() { throw new Error('SecurityError'); },
  setItem() { throw new Error('QuotaExceededError'); },
  removeItem() { throw new Error('SecurityError'); },
};

// rng always 0: Fisher–Yates swaps each element with the first, a fixed, known order.
const fixed = () => 0;

function four() {
  return createTournament(['Ada', 'Bob', 'Cy', 'Dee'], fixed);
}

test('storage keys', () => {
  assert.equal(TOURNAMENT_KEY, 'tournament.v1');
  assert.equal(OPTIONS_KEY, 'tournament.options');
});

test('a saved tournament loads back equal; nothing stored is not a problem', () => {
  const storage = memoryStorage();
  assert.deepEqual(loadTournament(storage), { tournament: null, problem: null });
  let t = four();
  t = recordResult(t, nextMatch(t).id, 'a', [5, 2]);
  assert.equal(saveTournament(storage, t), true);
  assert.equal(storage.data.get(TOURNAMENT_KEY), serialize(t));
  assert.deepEqual(loadTournament(storage), { tournament: t, problem: null });
  assert.equal(clearTournament(storage), true);
  assert.equal(storage.data.has(TOURNAMENT_KEY), false);
  assert.deepEqual(loadTournament(storage), { tournament: null, problem: null });
});

test('corrupt tournaments are reported, never thrown', () => {
  const t = four();
  const edited = JSON.parse(serialize(t));
  edited.rounds[0][0].winner = edited.rounds[0][0].a; // a winner without agreeing next round
  edited.rounds[0][0].score = [0, 3];
  const extraKey = { ...JSON.parse(serialize(t)), options: DEFAULT_OPTIONS };
  for (const text of ['', 'null', '{', '[]', '42', '"x"', '{"version":1}', JSON.stringify(edited), JSON.stringify(extraKey),
    serialize(t).replace('Ada', 'ada\u0000')]) {
    const storage = memoryStorage({ [TOURNAMENT_KEY]: text });
    assert.deepEqual(loadTournament(storage), { tournament: null, problem: 'corrupt' }, text);
  }
});

test('missing or failing storage is "unavailable" and saving reports failure', () => {
  for (const storage of [null, undefined, broken]) {
    assert.deepEqual(loadTournament(storage), { tournament: null, problem: 'unavailable' });
    assert.equal(saveTournament(storage, four()), false);
    assert.equal(clearTournament(storage), false);
    const loaded = loadOptions(storage);
    assert.equal(loaded.problem, 'unavailable');
    assert.deepEqual(loaded.options, { ...DEFAULT_OPTIONS });
    assert.equal(saveOptions(storage, DEFAULT_OPTIONS), false);
  }
});

test('options: stored valid options load back, anything else falls back to the defaults', () => {
  const storage = memoryStorage();
  assert.deepEqual(loadOptions(storage), { options: { ...DEFAULT_OPTIONS }, problem: null });
  const custom = { ballSpeed: 'fast', paddleSize: 'small', winningScore: 1, map: 'pillars', powerups: true };
  assert.equal(saveOptions(storage, { ...custom, extra: 'dropped' }), true);
  assert.deepEqual(JSON.parse(storage.data.get(OPTIONS_KEY)), custom, 'a clean copy is stored');
  assert.deepEqual(loadOptions(storage), { options: custom, problem: null });
  assert.equal(saveOptions(storage, { ...custom, winningScore: 0 }), false, 'invalid options are not stored');
  assert.deepEqual(loadOptions(storage).options, custom);

  for (const text of ['{', 'null', '[]', '7', JSON.stringify({ ...custom, map: 'moon' }), JSON.stringify({ ...custom, winningScore: 22 })]) {
    const loaded = loadOptions(memoryStorage({ [OPTIONS_KEY]: text }));
    assert.deepEqual(loaded, { options: { ...DEFAULT_OPTIONS }, problem: 'corrupt' }, text);
    assert.notEqual(loaded.options, DEFAULT_OPTIONS, 'a copy, not the frozen default');
  }
});

test('matches are numbered in the order of play, byes left out', () => {
  const t = createTournament(['Ada', 'Bob', 'Cy'], fixed); // 3 players: one bye
  const numbers = matchNumbers(t);
  assert.equal(numbers.size, 2);
  const order = orderOfPlay(t);
  assert.deepEqual(order.map((m) => m.number), [1, 2]);
  assert.deepEqual(order.map((m) => m.total), [2, 2]);
  assert.ok(order.every((m) => !m.bye));
  const rounds = bracketRounds(t);
  assert.deepEqual(rounds.map((r) => r.key), ['semifinal', 'final']);
  const bye = rounds[0].matches.find((m) => m.bye);
  assert.equal(bye.state, 'bye');
  assert.equal(bye.number, null);
  assert.equal(bye.b.name, null);
  assert.equal(bye.b.from, null);
  assert.equal(bye.winner, bye.a.player);
});

test('describeMatch names known players and points unknown ones at the match they come from', () => {
  let t = four();
  const [first, second, final] = orderOfPlay(t);
  assert.equal(first.state, 'next');
  assert.equal(second.state, 'ready');
  assert.equal(final.state, 'waiting');
  assert.equal(final.roundKey, 'final');
  assert.equal(first.roundKey, 'semifinal');
  assert.deepEqual([final.a.from, final.b.from], [1, 2]);
  assert.equal(final.a.name, null);
  assert.equal(typeof first.a.name, 'string');
  assert.equal(first.a.name, t.players[first.a.player]);

  t = recordResult(t, first.id, 'b', [1, 3]);
  const [done, now, later] = orderOfPlay(t);
  assert.equal(done.state, 'done');
  assert.equal(done.winnerSide, 'b');
  assert.equal(done.winner, done.b.player);
  assert.deepEqual(done.score, [1, 3]);
  assert.equal(now.state, 'next');
  assert.equal(later.a.name, done.b.name, 'the winner moved on');
  assert.equal(later.b.from, 2);
  assert.deepEqual(upcoming(t), now);
  assert.deepEqual(describeMatch(t, matchById(t, now.id)), now);
});

test('recordBoardResult maps left/right to a/b and keeps results consistent', () => {
  let t = four();
  const m = nextMatch(t);
  const won = recordBoardResult(t, m.id, { winner: 1, score: [0, 1] });
  assert.equal(matchById(won, m.id).winner, m.b);
  assert.deepEqual(matchById(won, m.id).score, [0, 1]);
  assert.equal(matchById(t, m.id).winner, null, 'the original is untouched');

  // A score that contradicts the winner is dropped, the result is kept.
  const odd = recordBoardResult(t, m.id, { winner: 0, score: [1, 3] });
  assert.equal(matchById(odd, m.id).winner, m.a);
  assert.equal(matchById(odd, m.id).score, null);
  assert.equal(matchById(recordBoardResult(t, m.id, { winner: 0 }), m.id).score, null);

  assert.throws(() => recordBoardResult(t, m.id, { winner: 2, score: [1, 0] }), /winner/);
  assert.throws(() => recordBoardResult(t, m.id, null), /winner/);
  assert.throws(() => recordBoardResult(won, m.id, { winner: 0, score: [1, 0] }), /already decided/);
});

test('summary follows a whole tournament to its champion', () => {
  let t = four();
  assert.deepEqual({ ...summary(t), next: null }, { played: 0, total: 3, finished: false, champion: null, next: null });
  let s = summary(t);
  while (!s.finished) {
    assert.equal(s.next.state, 'next');
    t = recordBoardResult(t, s.next.id, { winner: 0, score: [2, 1] });
    s = summary(t);
  }
  assert.equal(s.played, 3);
  assert.equal(s.next, null);
  assert.equal(s.champion, t.players[t.rounds[1][0].winner]);
  assert.ok(orderOfPlay(t).every((m) => m.state === 'done'));
});

test('a 16-player bracket has four named rounds and 15 numbered matches', () => {
  const names = Array.from({ length: 16 }, (_, i) => `P${i + 1}`);
  const t = createTournament(names, fixed);
  assert.deepEqual(bracketRounds(t).map((r) => [r.key, r.number, r.matches.length]),
    [['round', 1, 8], ['quarterfinal', 2, 4], ['semifinal', 3, 2], ['final', 4, 1]]);
  const order = orderOfPlay(t);
  assert.equal(order.length, 15);
  assert.deepEqual(order.at(-1).a.from, 13);
  assert.deepEqual(order.at(-1).b.from, 14);
});

test('fillTemplate splits a template around its placeholders without interpreting the values', () => {
  const node = { node: true };
  assert.deepEqual(fillTemplate('Next: {a} vs {b}!', { a: 'Ada', b: node }), ['Next: ', 'Ada', ' vs ', node, '!']);
  assert.deepEqual(fillTemplate('{a}{b}', { a: 1, b: 2 }), [1, 2]);
  assert.deepEqual(fillTemplate('{a} and {missing}', { a: 'x' }), ['x', ' and ', '{missing}']);
  assert.deepEqual(fillTemplate('{toString}', {}), ['{toString}'], 'only own values');
  assert.deepEqual(fillTemplate('no placeholders', { a: 1 }), ['no placeholders']);
  // A value that looks like a placeholder or like HTML is kept as it is, not expanded again.
  assert.deepEqual(fillTemplate('{a} {b}', { a: '{b}', b: '<img src=x>' }), ['{b}', ' ', '<img src=x>']);
});
