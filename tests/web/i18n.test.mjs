// Unit tests of web/src/app/i18n.js and the dictionaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createI18n, pickLanguage, interpolate, DICTIONARIES, SUPPORTED } from '../../web/src/app/i18n.js';

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), data };
}

test('pickLanguage takes the first supported base language', () => {
  assert.equal(pickLanguage(['de-DE', 'fr-CA', 'ru']), 'fr');
  assert.equal(pickLanguage(['RU-ru']), 'ru');
  assert.equal(pickLanguage(['de', 'es']), 'en');
  assert.equal(pickLanguage([]), 'en');
  assert.equal(pickLanguage(undefined), 'en');
});

test('interpolate fills known placeholders only', () => {
  assert.equal(interpolate('Room {room} ({n})', { room: 'a', n: 2 }), 'Room a (2)');
  assert.equal(interpolate('{missing} stays', {}), '{missing} stays');
  assert.equal(interpolate('no params'), 'no params');
});

test('stored choice wins over the browser, invalid stored values are ignored', () => {
  assert.equal(createI18n({ storage: memoryStorage({ lang: 'ru' }), languages: ['fr'] }).lang, 'ru');
  assert.equal(createI18n({ storage: memoryStorage({ lang: 'xx' }), languages: ['fr'] }).lang, 'fr');
  assert.equal(createI18n({ storage: null, languages: ['de'] }).lang, 'en');
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  const i18n = createI18n({ storage: broken, languages: ['ru'] });
  assert.equal(i18n.lang, 'ru');
  assert.equal(i18n.setLanguage('fr'), true, 'switching works without storage');
  assert.equal(i18n.lang, 'fr');
});

test('setLanguage stores, notifies, and refuses unknown languages', () => {
  const storage = memoryStorage();
  const i18n = createI18n({ storage, languages: ['en-US'] });
  const seen = [];
  const off = i18n.onChange((lang) => seen.push(lang));
  assert.equal(i18n.t('nav.home'), 'Home');
  assert.equal(i18n.setLanguage('fr'), true);
  assert.equal(i18n.t('nav.home'), 'Accueil');
  assert.equal(storage.data.get('lang'), 'fr');
  assert.equal(i18n.setLanguage('fr'), false, 'same language: no event');
  assert.equal(i18n.setLanguage('de'), false);
  off();
  i18n.setLanguage('ru');
  assert.deepEqual(seen, ['fr']);
  assert.equal(i18n.t('room.title', { room: 'x' }), 'Комната x');
  assert.equal(i18n.t('no.such.key'), 'no.such.key');
});

test('every dictionary has exactly the English keys, non-empty, with the same placeholders', () => {
  const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const keys = Object.keys(DICTIONARIES.en).sort();
  assert.deepEqual(SUPPORTED, ['en', 'fr', 'ru']);
  for (const lang of SUPPORTED) {
    const dict = DICTIONARIES[lang];
    assert.deepEqual(Object.keys(dict).sort(), keys, `${lang} keys`);
    for (const key of keys) {
      assert.ok(typeof dict[key] === 'string' && dict[key].trim() !== '', `${lang}.${key} empty`);
      assert.deepEqual(placeholders(dict[key]), placeholders(DICTIONARIES.en[key]), `${lang}.${key} placeholders`);
    }
  }
});
