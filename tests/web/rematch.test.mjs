// Unit tests of web/src/domain/rematch.js: the end screen's rematch state machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_REMATCH, rematchReducer, rematchDeadline, REMATCH_WINDOW_MS } from '../../web/src/domain/rematch.js';

const run = (events, from = INITIAL_REMATCH) => events.reduce(rematchReducer, from);

test('offer → waiting → the other accepts: started', () => {
  let s = run([{ type: 'offer' }]);
  assert.equal(s.phase, 'offering');
  s = rematchReducer(s, { type: 'offered', expires_at: 5000 });
  assert.deepEqual([s.phase, s.expiresAt], ['waiting', 5000]);
  s = rematchReducer(s, { type: 'started', new_game_id: 12 });
  assert.deepEqual([s.phase, s.newGameId], ['started', 12]);
  assert.equal(rematchReducer(s, { type: 'declined' }), s, 'started is final');
  assert.equal(rematchReducer(s, { type: 'expire' }), s);
});

test('offer, the other declines; offering again is possible', () => {
  const s = run([{ type: 'offer' }, { type: 'offered' }, { type: 'declined' }]);
  assert.equal(s.phase, 'declined');
  assert.equal(rematchReducer(s, { type: 'offer' }).phase, 'offering');
  assert.equal(run([{ type: 'offer' }, { type: 'offered' }, { type: 'withdraw' }]).phase, 'none');
});

test('an incoming offer: accept starts, decline ignores later offers', () => {
  const inc = run([{ type: 'incoming', from: { id: 2, display_name: 'B' }, expires_at: 9000 }]);
  assert.deepEqual([inc.phase, inc.from.id, inc.expiresAt], ['incoming', 2, 9000]);
  const acc = rematchReducer(inc, { type: 'accept' });
  assert.equal(acc.phase, 'accepting');
  assert.equal(rematchReducer(acc, { type: 'failed', error: { status: 500 } }).phase, 'incoming', 'back to the offer');
  assert.equal(rematchReducer(acc, { type: 'started', new_game_id: 3 }).phase, 'started');
  const dec = rematchReducer(inc, { type: 'decline' });
  assert.deepEqual([dec.phase, dec.declinedByMe], ['none', true]);
  assert.equal(rematchReducer(dec, { type: 'incoming', from: { id: 2 } }), dec);
});

test('both offer at once: my offer becomes the answer to theirs', () => {
  const s = run([{ type: 'offer' }, { type: 'offered' }, { type: 'incoming', from: { id: 2 } }]);
  assert.equal(s.phase, 'incoming');
  assert.equal(rematchReducer(s, { type: 'accept' }).phase, 'accepting');
});

test('failures and expiry', () => {
  const s = run([{ type: 'offer' }, { type: 'failed', error: { status: 409, code: 'blocked' } }]);
  assert.deepEqual([s.phase, s.error.code], ['none', 'blocked']);
  assert.equal(run([{ type: 'offer' }, { type: 'failed', error: { status: 409, code: 'expired' } }]).phase, 'expired');
  assert.equal(run([{ type: 'expire' }]).phase, 'expired');
  const ex = run([{ type: 'expire' }]);
  assert.equal(rematchReducer(ex, { type: 'incoming', from: {} }), ex, 'too late');
  assert.equal(rematchReducer(ex, { type: 'offer' }), ex);
  assert.equal(run([{ type: 'started', new_game_id: 0 }]).phase, 'none', 'a bad id is ignored');
  assert.equal(rematchReducer(undefined, { type: 'offer' }).phase, 'offering');
});

test('rematchDeadline: the offer\'s own, else 60 s after the end', () => {
  assert.equal(rematchDeadline({ expiresAt: 7 }, 100), 7);
  assert.equal(rematchDeadline(INITIAL_REMATCH, 100), 100 + REMATCH_WINDOW_MS);
  assert.equal(rematchDeadline(INITIAL_REMATCH, null), null);
});
