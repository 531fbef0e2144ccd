// Unit tests of web/src/domain/bracket.js (local single-elimination tournament).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALIAS_MAX, MIN_PLAYERS, MAX_PLAYERS, TOURNAMENT_VERSION,
  normalizeAlias, validateAliases, bracketOrder, createTournament, playOrder, nextMatch,
  recordResult, champion, isFinished, progress, matchById, roundName, serialize, deserialize,
} from '../../web/src/domain/bracket.js';

/** Small deterministic PRNG (mulberry32) returning numbers in [0, 1). */
function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const names = (n) => Array.from({ length: n }, (_, i) => `Player ${i + 1}`);
const SIZES = Array.from({ length: MAX_PLAYERS - MIN_PLAYERS + 1 }, (_, i) => MIN_PLAYERS + i);

/** Plays every remaining match, the winner side chosen by `pick(match)`; returns the final state and the count. */
function playOut(t, pick) {
  let played = 0;
  for (let m = nextMatch(t); m; m = nextMatch(t)) {
    const side = pick(m);
    t = recordResult(t, m.id, side, side === 'a' ? [5, played % 5] : [played % 5, 5]);
    played += 1;
  }
  return { t, played };
}

test('constants', () => {
  assert.equal(ALIAS_MAX, 20);
  assert.equal(MIN_PLAYERS, 3);
  assert.equal(MAX_PLAYERS, 16);
  assert.equal(TOURNAMENT_VERSION, 1);
});

test('normalizeAlias trims and collapses inner whitespace', () => {
  assert.equal(normalizeAlias('  Ada   Lovelace \t'), 'Ada Lovelace');
  assert.equal(normalizeAlias('a\t\n b'), 'a b');
  assert.equal(normalizeAlias('   '), '');
  assert.equal(normalizeAlias('x'), 'x');
});

test('validateAliases accepts and normalises a good list', () => {
  assert.deepEqual(validateAliases([' Ada ', 'Bob  Ross', 'Zoë', '😀'.repeat(ALIAS_MAX)]), {
    ok: true, aliases: ['Ada', 'Bob Ross', 'Zoë', '😀'.repeat(ALIAS_MAX)],
  });
});

test('validateAliases flags empty, too long, invalid and duplicate entries', () => {
  const r = validateAliases(['Ada', '   ', 'x'.repeat(ALIAS_MAX + 1), 'ADA', ' ada ', 'Bo\u0000b', 'Del\u007f', 'C\u009b', 42, 'ok']);
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors, [
    { index: 1, code: 'empty' },
    { index: 2, code: 'too_long' },
    { index: 3, code: 'duplicate' },
    { index: 4, code: 'duplicate' },
    { index: 5, code: 'invalid' },
    { index: 6, code: 'invalid' },
    { index: 7, code: 'invalid' },
    { index: 8, code: 'invalid' },
  ]);
  // Whitespace is normalised before the duplicate check; an alias of exactly ALIAS_MAX is fine.
  assert.deepEqual(validateAliases(['a  b', 'A B', 'c']).errors, [{ index: 1, code: 'duplicate' }]);
  assert.equal(validateAliases(['x'.repeat(ALIAS_MAX), 'b', 'c']).ok, true);
  assert.deepEqual(validateAliases(['\uD800x', 'b', 'c']).errors, [{ index: 0, code: 'invalid' }]); // lone surrogate
});

test('validateAliases refuses too few and too many players', () => {
  assert.deepEqual(validateAliases(['a', 'b']), { ok: false, errors: [{ index: -1, code: 'too_few' }] });
  assert.deepEqual(validateAliases([]).errors, [{ index: -1, code: 'too_few' }]);
  assert.deepEqual(validateAliases(undefined).errors, [{ index: -1, code: 'too_few' }]);
  assert.deepEqual(validateAliases(names(MAX_PLAYERS + 1)), { ok: false, errors: [{ index: -1, code: 'too_many' }] });
  assert.deepEqual(validateAliases(['a', 'A']).errors, [{ index: -1, code: 'too_few' }, { index: 1, code: 'duplicate' }]);
  assert.equal(validateAliases(names(MIN_PLAYERS)).ok, true);
  assert.equal(validateAliases(names(MAX_PLAYERS)).ok, true);
});

test('createTournament refuses invalid aliases', () => {
  assert.throws(() => createTournament(['a', 'b']), /too_few/);
  assert.throws(() => createTournament(['a', 'b', 'A']), /duplicate at 2/);
});

test('bracketOrder is the standard seeding', () => {
  assert.deepEqual(bracketOrder(2), [1, 2]);
  assert.deepEqual(bracketOrder(4), [1, 4, 2, 3]);
  assert.deepEqual(bracketOrder(8), [1, 8, 4, 5, 2, 7, 3, 6]);
});

test('bracket shape for every size from 3 to 16', () => {
  for (const n of SIZES) {
    const t = createTournament(names(n), seeded(n));
    const size = 2 ** Math.ceil(Math.log2(n));
    assert.equal(t.version, TOURNAMENT_VERSION);
    assert.equal(t.size, size, `n=${n}`);
    assert.equal(t.rounds.length, Math.log2(size), `n=${n}`);
    t.rounds.forEach((round, r) => {
      assert.equal(round.length, size / 2 ** (r + 1));
      round.forEach((m, slot) => {
        assert.equal(m.round, r);
        assert.equal(m.slot, slot);
        assert.equal(matchById(t, m.id), m);
        if (r > 0) assert.equal(m.bye, false, 'byes only in the first round');
      });
    });
    assert.deepEqual([...t.players].sort(), names(n).sort(), 'players are the aliases');
    const first = t.rounds[0];
    const byes = first.filter((m) => m.bye);
    assert.equal(byes.length, size - n, `n=${n}: number of byes`);
    for (const m of first) assert.ok(m.a !== null || m.b !== null, `n=${n}: no bye-vs-bye`);
    for (const m of byes) {
      assert.equal(m.winner, m.a ?? m.b, 'a bye is won by the present player');
      assert.equal(m.score, null);
    }
    const seen = first.flatMap((m) => [m.a, m.b]).filter((p) => p !== null).sort((x, y) => x - y);
    assert.deepEqual(seen, [...Array(n).keys()], `n=${n}: every player exactly once in round 1`);
    // The byes go to the top seeds (the first players of the shuffled order).
    assert.deepEqual(byes.map((m) => m.winner).sort((x, y) => x - y), [...Array(size - n).keys()]);
    // The bye winners already wait in round 2.
    for (const m of byes) {
      if (t.rounds.length > 1) assert.equal(t.rounds[1][m.slot >> 1][m.slot % 2 ? 'b' : 'a'], m.winner);
    }
    assert.deepEqual(JSON.parse(JSON.stringify(t)), t, 'plain JSON data');
    assert.equal(playOrder(t).length, n - 1, 'n - 1 matches are played');
    assert.deepEqual(progress(t), { played: 0, total: n - 1 });
    assert.equal(champion(t), null);
    assert.equal(isFinished(t), false);
  }
});

test('byes are spread: with 5 players the 3 byes are in 3 different first-round matches', () => {
  const t = createTournament(names(5), seeded(1));
  assert.deepEqual(t.rounds[0].map((m) => [m.a, m.b]), [[0, null], [3, 4], [1, null], [2, null]]);
  assert.deepEqual([t.rounds[1][0].a, t.rounds[1][0].b], [0, null]);
  assert.deepEqual([t.rounds[1][1].a, t.rounds[1][1].b], [1, 2]);
});

test('the draw is deterministic for a given rng and differs between seeds', () => {
  for (const n of SIZES) {
    assert.deepEqual(createTournament(names(n), seeded(7)), createTournament(names(n), seeded(7)), `n=${n}`);
    const draws = new Set();
    for (let seed = 1; seed <= 10; seed += 1) draws.add(createTournament(names(n), seeded(seed)).players.join('|'));
    assert.ok(draws.size > 1, `n=${n}: different seeds give different draws`);
  }
  // An rng that always returns 0 or (almost) 1 still gives a permutation.
  for (const rng of [() => 0, () => 0.999999, () => 1, () => NaN]) {
    assert.deepEqual([...createTournament(names(6), rng).players].sort(), names(6).sort());
  }
});

test('playOrder goes round by round, top to bottom, without byes', () => {
  for (const n of SIZES) {
    const order = playOrder(createTournament(names(n), seeded(n)));
    for (let i = 1; i < order.length; i += 1) {
      const [p, q] = [order[i - 1], order[i]];
      assert.ok(p.round < q.round || (p.round === q.round && p.slot < q.slot), `n=${n}: ${p.id} before ${q.id}`);
    }
    assert.ok(order.every((m) => !m.bye));
  }
});

test('a whole tournament played through recordResult has one champion after n - 1 matches', () => {
  for (const n of SIZES) {
    for (const [label, pick] of [['always a', () => 'a'], ['always b', () => 'b'], ['random', (() => { const r = seeded(n * 31); return () => (r() < 0.5 ? 'a' : 'b'); })()]]) {
      const start = createTournament(names(n), seeded(n + 100));
      const { t, played } = playOut(start, pick);
      assert.equal(played, n - 1, `n=${n} ${label}`);
      assert.equal(nextMatch(t), null);
      assert.equal(isFinished(t), true);
      const winner = champion(t);
      assert.ok(Number.isInteger(winner) && winner >= 0 && winner < n);
      assert.deepEqual(progress(t), { played: n - 1, total: n - 1 });
      // Every player but the champion lost exactly one played match.
      const losers = playOrder(t).map((m) => (m.winner === m.a ? m.b : m.a)).sort((x, y) => x - y);
      assert.deepEqual(losers, [...Array(n).keys()].filter((p) => p !== winner));
      assert.equal(isFinished(start), false, 'the start state is untouched');
    }
  }
});

test('nextMatch follows the play order', () => {
  let t = createTournament(names(7), seeded(3));
  const order = playOrder(t).map((m) => m.id);
  const visited = [];
  for (let m = nextMatch(t); m; m = nextMatch(t)) {
    visited.push(m.id);
    t = recordResult(t, m.id, 'b', [1, 3]);
  }
  assert.deepEqual(visited, order);
});

test('recordResult fills the next round and does not mutate its input', () => {
  const t0 = createTournament(names(4), seeded(9));
  const before = JSON.stringify(t0);
  const m = nextMatch(t0);
  assert.equal(m.id, 'r0m0');
  const t1 = recordResult(t0, m.id, 'b', [2, 5]);
  assert.equal(JSON.stringify(t0), before, 'input unchanged');
  assert.notEqual(t1, t0);
  assert.equal(t1.rounds[0][0].winner, m.b);
  assert.deepEqual(t1.rounds[0][0].score, [2, 5]);
  assert.equal(t1.rounds[1][0].a, m.b);
  assert.equal(t1.rounds[1][0].b, null);
  assert.equal(nextMatch(t1).id, 'r0m1');
  const t2 = recordResult(t1, 'r0m1', 'a', [5, 0]);
  assert.equal(t2.rounds[1][0].b, t1.rounds[0][1].a);
  assert.equal(t1.rounds[1][0].b, null, 'previous state unchanged');
  // No shared score arrays between states.
  const score = [5, 1];
  const t3 = recordResult(t2, 'r1m0', 'a', score);
  score[0] = 0;
  assert.deepEqual(t3.rounds[1][0].score, [5, 1]);
  assert.equal(champion(t3), t2.rounds[1][0].a);
  // A result may be recorded without a score (forfeit).
  const t4 = recordResult(t2, 'r1m0', 'b');
  assert.equal(t4.rounds[1][0].score, null);
  assert.equal(champion(t4), t2.rounds[1][0].b);
});

test('recordResult refuses bad requests with clear errors', () => {
  const t = createTournament(names(5), seeded(1)); // r0m1 is the only playable first-round match
  assert.throws(() => recordResult(t, 'r9m9', 'a', [5, 0]), /unknown match: r9m9/);
  assert.throws(() => recordResult(t, 'r0m0', 'a', [5, 0]), /is a bye/);
  assert.throws(() => recordResult(t, 'r1m0', 'a', [5, 0]), /not playable yet/);
  assert.throws(() => recordResult(t, 'r2m0', 'a', [5, 0]), /not playable yet/);
  assert.throws(() => recordResult(t, 'r0m1', 'a', [0, 5]), /does not make side 'a' the winner/);
  assert.throws(() => recordResult(t, 'r0m1', 'b', [5, 0]), /does not make side 'b' the winner/);
  assert.throws(() => recordResult(t, 'r0m1', 'a', [3, 3]), /tie/);
  assert.throws(() => recordResult(t, 'r0m1', 'a', [5, -1]), /score must be/);
  assert.throws(() => recordResult(t, 'r0m1', 'a', [5.5, 1]), /score must be/);
  assert.throws(() => recordResult(t, 'r0m1', 'a', [5]), /score must be/);
  assert.throws(() => recordResult(t, 'r0m1', 'c', [5, 0]), /side must be 'a' or 'b'/);
  const t1 = recordResult(t, 'r0m1', 'a', [5, 0]);
  assert.throws(() => recordResult(t1, 'r0m1', 'a', [5, 0]), /already decided/);
});

test('roundName names the last three rounds', () => {
  assert.equal(roundName(3, 4), 'final');
  assert.equal(roundName(2, 4), 'semifinal');
  assert.equal(roundName(1, 4), 'quarterfinal');
  assert.equal(roundName(0, 4), 'round');
  assert.equal(roundName(0, 2), 'semifinal');
  assert.equal(roundName(1, 2), 'final');
});

test('serialize/deserialize round trip resumes mid-tournament', () => {
  for (const n of SIZES) {
    let t = createTournament(names(n), seeded(n * 7));
    assert.deepEqual(deserialize(serialize(t)), t, `n=${n}: fresh`);
    const half = Math.floor((n - 1) / 2);
    for (let i = 0; i < half; i += 1) {
      const m = nextMatch(t);
      t = recordResult(t, m.id, i % 2 ? 'a' : 'b', i % 2 ? [5, i % 5] : [i % 5, 5]);
    }
    const back = deserialize(serialize(t));
    assert.deepEqual(back, t, `n=${n}: mid-tournament`);
    assert.deepEqual(nextMatch(back), nextMatch(t));
    // Both copies play on identically.
    const a = playOut(t, () => 'a').t;
    const b = playOut(back, () => 'a').t;
    assert.deepEqual(a, b);
    assert.deepEqual(deserialize(serialize(a)), a, `n=${n}: finished`);
  }
});

test('deserialize returns null for junk', () => {
  let t = createTournament(names(6), seeded(2));
  t = recordResult(t, nextMatch(t).id, 'a', [5, 2]);
  const good = serialize(t);
  assert.notEqual(deserialize(good), null);

  for (const junk of [null, undefined, 42, {}, '', 'not json', '{', 'null', '[]', '42', '"text"', '{}']) {
    assert.equal(deserialize(junk), null, String(junk));
  }
  const cases = {
    'wrong version': (d) => { d.version = 2; },
    'version as string': (d) => { d.version = '1'; },
    'missing players': (d) => { delete d.players; },
    'missing rounds': (d) => { delete d.rounds; },
    'extra key': (d) => { d.extra = true; },
    'players not an array': (d) => { d.players = 'abc'; },
    'duplicate players': (d) => { d.players[1] = d.players[0].toUpperCase(); },
    'unnormalised alias': (d) => { d.players[0] = ` ${d.players[0]}`; },
    'too few players': (d) => { d.players = d.players.slice(0, 2); },
    'wrong size': (d) => { d.size = 16; },
    'missing round': (d) => { d.rounds.pop(); },
    'missing match': (d) => { d.rounds[0].pop(); },
    'match not an object': (d) => { d.rounds[0][1] = null; },
    'match missing field': (d) => { delete d.rounds[0][1].score; },
    'match extra field': (d) => { d.rounds[0][1].note = 'x'; },
    'wrong id': (d) => { d.rounds[0][1].id = 'r0m9'; },
    'wrong slot': (d) => { d.rounds[0][1].slot = 2; },
    'player out of range': (d) => { d.rounds[0][1].a = 99; },
    'negative player': (d) => { d.rounds[0][1].b = -1; },
    'fractional player': (d) => { d.rounds[0][1].b = 1.5; },
    'players swapped': (d) => { const m = d.rounds[0][1]; [m.a, m.b] = [m.b, m.a]; },
    'bye flag removed': (d) => { d.rounds[0][0].bye = false; },
    'bye with a score': (d) => { d.rounds[0][0].score = [5, 0]; },
    'winner not in match': (d) => { const m = d.rounds[0].find((x) => !x.bye && x.winner !== null); m.winner = d.players.findIndex((_, i) => i !== m.a && i !== m.b); },
    'winner not in match, no score': (d) => { const m = d.rounds[0].find((x) => !x.bye && x.winner !== null); m.winner = d.players.findIndex((_, i) => i !== m.a && i !== m.b); m.score = null; },
    'bye without winner': (d) => { d.rounds[0][0].winner = null; },
    'bye won by another player': (d) => { const m = d.rounds[0][0]; m.winner = (m.a ?? m.b) + 1; },
    'winner out of range': (d) => { d.rounds[0].find((x) => !x.bye && x.winner !== null).winner = 99; },
    'score disagrees with winner': (d) => { const m = d.rounds[0].find((x) => !x.bye && x.winner !== null); m.score = [m.score[1], m.score[0]]; },
    'tied score': (d) => { d.rounds[0].find((x) => !x.bye && x.winner !== null).score = [3, 3]; },
    'score without winner': (d) => { d.rounds[0].find((x) => !x.bye && x.winner === null).score = [5, 0]; },
    'winner of an unknown pairing': (d) => { const m = d.rounds[d.rounds.length - 1][0]; m.winner = 0; },
    'next round player not the winner': (d) => { const r1 = d.rounds[1]; const m = r1.find((x) => x.a !== null); m.a = (m.a + 1) % d.players.length; },
    'next round player missing': (d) => { const m = d.rounds[1].find((x) => x.a !== null); m.a = null; },
    'rounds not arrays': (d) => { d.rounds[1] = {}; },
  };
  // The final feeds no later round, so its winner is checked on its own.
  const done = JSON.parse(serialize(playOut(t, () => 'a').t));
  const final = done.rounds[done.rounds.length - 1][0];
  final.winner = done.players.findIndex((_, i) => i !== final.a && i !== final.b);
  final.score = null;
  assert.equal(deserialize(JSON.stringify(done)), null, 'final won by a player not in it');
  for (const [label, edit] of Object.entries(cases)) {
    const d = JSON.parse(good);
    edit(d);
    assert.notEqual(JSON.stringify(d), good, `${label}: the edit changes something`);
    assert.equal(deserialize(JSON.stringify(d)), null, label);
  }
});

test('deserialize returns a fresh object with the same content', () => {
  const t = createTournament(names(3), seeded(5));
  const text = serialize(t);
  const a = deserialize(text);
  const b = deserialize(text);
  assert.notEqual(a, b);
  assert.deepEqual(a, b);
  assert.equal(nextMatch(a).id, nextMatch(t).id);
});
