// Unit tests of web/src/domain/chatrules.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRoom, codePointLength, messageProblem, MAX_MESSAGE_CHARS } from '../../web/src/domain/chatrules.js';

test('room names follow [A-Za-z0-9_-]{1,64}', () => {
  for (const ok of ['a', 'Room_1-x', 'Z'.repeat(64)]) assert.equal(isValidRoom(ok), true, ok);
  for (const bad of ['', 'a b', 'é', 'a/b', 'Z'.repeat(65), 'a\n', null, 42]) assert.equal(isValidRoom(bad), false, String(bad));
});

test('message length counts code points; empty and over-long messages are refused', () => {
  assert.equal(MAX_MESSAGE_CHARS, 2000);
  assert.equal(codePointLength('😀é'), 2);
  assert.equal(messageProblem(''), 'empty');
  assert.equal(messageProblem(' \n\t '), 'empty');
  assert.equal(messageProblem('😀'.repeat(2000)), null);
  assert.equal(messageProblem('x'.repeat(2001)), 'too_long');
  assert.equal(messageProblem(' hi '), null);
});
