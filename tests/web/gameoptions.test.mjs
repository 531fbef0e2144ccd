// Unit tests of web/src/domain/gameoptions.js (stored options, form values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STORAGE_KEY, CUSTOM, checkOptions, loadStoredOptions, optionsFromValues, parseStoredOptions,
  parseWinningScore, presetName, saveOptions,
} from '../../web/src/domain/gameoptions.js';
import { DEFAULT_OPTIONS, PRESETS } from '../../web/src/game/pong.js';

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), data };
}

const classic = { ...DEFAULT_OPTIONS };

test('nothing stored, or garbage, gives the classic options', () => {
  assert.deepEqual(loadStoredOptions(memoryStorage()), classic);
  assert.deepEqual(loadStoredOptions(null), classic);
  for (const text of ['', 'not json', '{', 'null', '42', '"classic"', '[1,2]', 'true']) {
    assert.deepEqual(parseStoredOptions(text), classic, JSON.stringify(text));
  }
  const broken = { getItem() { throw new Error('denied'); } };
  assert.deepEqual(loadStoredOptions(broken), classic);
});

test('valid stored options come back as they were', () => {
  const stored = { ballSpeed: 'fast', paddleSize: 'small', winningScore: 21, map: 'gates', powerups: true };
  assert.deepEqual(loadStoredOptions(memoryStorage({ [STORAGE_KEY]: JSON.stringify(stored) })), stored);
});

test('invalid fields fall back one by one; extra fields are dropped', () => {
  const text = JSON.stringify({
    ballSpeed: 'warp', paddleSize: 'large', winningScore: 0, map: 'pillars', powerups: 'yes', admin: true,
  });
  assert.deepEqual(parseStoredOptions(text),
    { ballSpeed: 'normal', paddleSize: 'large', winningScore: 5, map: 'pillars', powerups: false });
  assert.deepEqual(parseStoredOptions(JSON.stringify({ winningScore: 2.5 })), classic);
  assert.deepEqual(parseStoredOptions(JSON.stringify({ winningScore: '7' })), classic, 'a string is not a number');
  assert.deepEqual(parseStoredOptions(JSON.stringify({ winningScore: 22 })), classic);
  assert.equal(parseStoredOptions(JSON.stringify({ winningScore: 1 })).winningScore, 1);
  // Inherited properties do not count.
  assert.deepEqual(parseStoredOptions('{"__proto__": {"map": "gates"}}'), classic);
});

test('saveOptions stores only valid options and survives a failing storage', () => {
  const storage = memoryStorage();
  assert.equal(saveOptions(storage, PRESETS.frantic), true);
  assert.deepEqual(JSON.parse(storage.data.get(STORAGE_KEY)), { ...PRESETS.frantic });
  assert.equal(saveOptions(storage, { ...classic, winningScore: 99 }), false);
  assert.deepEqual(JSON.parse(storage.data.get(STORAGE_KEY)), { ...PRESETS.frantic }, 'unchanged');
  assert.equal(saveOptions(null, classic), false);
  assert.equal(saveOptions({ setItem() { throw new Error('quota'); } }, classic), false);
});

test('parseWinningScore accepts plain whole numbers only', () => {
  assert.equal(parseWinningScore('7'), 7);
  assert.equal(parseWinningScore(' 11 '), 11);
  assert.equal(parseWinningScore('0'), 0);
  for (const bad of ['', '  ', '2.5', '1e1', '-3', 'abc', '0x10', '5a', null, undefined, '12345']) {
    assert.ok(Number.isNaN(parseWinningScore(bad)), JSON.stringify(bad));
  }
});

test('form values become options; errors name the field with a translation key', () => {
  const values = { ballSpeed: 'slow', paddleSize: 'large', winningScore: '3', map: 'bumpers', powerups: true };
  const ok = checkOptions(optionsFromValues(values));
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.options, { ballSpeed: 'slow', paddleSize: 'large', winningScore: 3, map: 'bumpers', powerups: true });
  assert.deepEqual(ok.errors, {});

  const bad = checkOptions(optionsFromValues({ ...values, winningScore: '22', map: 'moon' }));
  assert.equal(bad.ok, false);
  assert.equal(bad.options, null);
  assert.deepEqual(bad.errors, { winningScore: 'settings.error.winningScore', map: 'settings.error.invalid' });
  assert.deepEqual(checkOptions(optionsFromValues({ ...values, winningScore: '' })).errors,
    { winningScore: 'settings.error.winningScore' });
  assert.equal(optionsFromValues({ ...values, powerups: 'on' }).powerups, false, 'only true is true');
});

test('presetName names presets and calls anything else custom', () => {
  assert.equal(presetName(classic), 'classic');
  assert.equal(presetName({ ...PRESETS.arcade }), 'arcade');
  assert.equal(presetName({ ...classic, winningScore: 6 }), CUSTOM);
});
