// Translations: dictionaries, language choice (stored > browser > English) and t().
import en from './i18n/en.js';
import fr from './i18n/fr.js';
import ru from './i18n/ru.js';
import playEn from './i18n/play.en.js';
import playFr from './i18n/play.fr.js';
import playRu from './i18n/play.ru.js';
import tournamentEn from './i18n/tournament.en.js';
import tournamentFr from './i18n/tournament.fr.js';
import tournamentRu from './i18n/tournament.ru.js';
import accountEn from './i18n/account.en.js';
import accountFr from './i18n/account.fr.js';
import accountRu from './i18n/account.ru.js';
import remoteEn from './i18n/remote.en.js';
import remoteFr from './i18n/remote.fr.js';
import remoteRu from './i18n/remote.ru.js';
import chatEn from './i18n/chat.en.js';
import chatFr from './i18n/chat.fr.js';
import chatRu from './i18n/chat.ru.js';
import mmEn from './i18n/mm.en.js';
import mmFr from './i18n/mm.fr.js';
import mmRu from './i18n/mm.ru.js';
import twofaEn from './i18n/twofa.en.js';
import twofaFr from './i18n/twofa.fr.js';
import twofaRu from './i18n/twofa.ru.js';
import emailEn from './i18n/email.en.js';
import emailFr from './i18n/email.fr.js';
import emailRu from './i18n/email.ru.js';
import oauth42En from './i18n/oauth42.en.js';
import oauth42Fr from './i18n/oauth42.fr.js';
import oauth42Ru from './i18n/oauth42.ru.js';
import adminEn from './i18n/admin.en.js';
import adminFr from './i18n/admin.fr.js';
import adminRu from './i18n/admin.ru.js';

// One dictionary per language, assembled from one file per area of the app.
export const DICTIONARIES = Object.freeze({
  en: { ...en, ...playEn, ...tournamentEn, ...accountEn, ...remoteEn, ...chatEn, ...mmEn, ...twofaEn, ...emailEn, ...oauth42En, ...adminEn },
  fr: { ...fr, ...playFr, ...tournamentFr, ...accountFr, ...remoteFr, ...chatFr, ...mmFr, ...twofaFr, ...emailFr, ...oauth42Fr, ...adminFr },
  ru: { ...ru, ...playRu, ...tournamentRu, ...accountRu, ...remoteRu, ...chatRu, ...mmRu, ...twofaRu, ...emailRu, ...oauth42Ru, ...adminRu },
});
export const SUPPORTED = Object.freeze(Object.keys(DICTIONARIES));
export const FALLBACK = 'en';
export const STORAGE_KEY = 'lang';

/**
 * Picks the first supported language from a list of BCP 47 tags ("fr-CA" → "fr").
 * Returns FALLBACK when none matches.
 */
export function pickLanguage(tags) {
  for (const tag of tags || []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (SUPPORTED.includes(base)) return base;
  }
  return FALLBACK;
}

/** Replaces `{name}` placeholders with values from `params`; unknown names stay as they are. */
export function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

function readStored(storage) {
  try {
    return storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled (privacy mode): behave as if nothing was stored
  }
}

/**
 * Creates the translation service.
 * `storage` is a Web Storage (localStorage) or null; `languages` is navigator.languages.
 * Returns { lang, t(key, params), setLanguage(lang), onChange(fn) → unsubscribe }.
 * A missing key falls back to English, then to the key itself, so a gap never throws.
 */
export function createI18n({ storage = null, languages = [] } = {}) {
  const stored = readStored(storage);
  let lang = stored && SUPPORTED.includes(stored) ? stored : pickLanguage(languages);
  const listeners = new Set();

  function t(key, params) {
    const text = DICTIONARIES[lang][key] ?? DICTIONARIES[FALLBACK][key] ?? key;
    return interpolate(text, params);
  }

  function setLanguage(next) {
    if (!SUPPORTED.includes(next) || next === lang) return false;
    lang = next;
    try {
      storage?.setItem(STORAGE_KEY, next);
    } catch { /* not remembered, still switched */ }
    for (const fn of [...listeners]) fn(lang);
    return true;
  }

  function onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  return {
    get lang() { return lang; },
    t,
    setLanguage,
    onChange,
  };
}
