// Game options: the values each option may take, the named presets, validation, and the
// options a player last chose (kept in Web Storage under STORAGE_KEY, validated again when
// read back). Pure: no DOM, no simulation; Node tests import it
// (tests/web/gameoptions.test.mjs). The simulation (game/pong.js) re-exports the values
// and presets; the form that edits them is ui/gameoptionsform.js.

// Option values, in the order of the C enums: the index is what the simulation receives.
export const SPEEDS = Object.freeze(['slow', 'normal', 'fast']);
export const PADDLES = Object.freeze(['small', 'normal', 'large']);
export const MAPS = Object.freeze(['classic', 'bumpers', 'pillars', 'gates']);
export const AI_LEVELS = Object.freeze(['easy', 'normal', 'hard']);
export const WINNING_SCORE_MAX = 21;

/** Named option sets. "classic" is the default: plain Pong. */
export const PRESETS = Object.freeze({
  classic: Object.freeze({ ballSpeed: 'normal', paddleSize: 'normal', winningScore: 5, map: 'classic', powerups: false }),
  arcade: Object.freeze({ ballSpeed: 'normal', paddleSize: 'normal', winningScore: 7, map: 'bumpers', powerups: true }),
  frantic: Object.freeze({ ballSpeed: 'fast', paddleSize: 'small', winningScore: 11, map: 'pillars', powerups: true }),
});
export const DEFAULT_OPTIONS = PRESETS.classic;

/**
 * Checks a set of options `{ ballSpeed, paddleSize, winningScore, map, powerups }`.
 * Returns { ok: true, options } (a clean copy) or { ok: false, errors: [{ field, code }] }
 * with code 'invalid' (unknown value) or 'range' (winning score out of 1..21).
 */
export function validateOptions(o) {
  const errors = [];
  if (!o || typeof o !== 'object') return { ok: false, errors: [{ field: null, code: 'invalid' }] };
  if (!SPEEDS.includes(o.ballSpeed)) errors.push({ field: 'ballSpeed', code: 'invalid' });
  if (!PADDLES.includes(o.paddleSize)) errors.push({ field: 'paddleSize', code: 'invalid' });
  if (!Number.isInteger(o.winningScore)) errors.push({ field: 'winningScore', code: 'invalid' });
  else if (o.winningScore < 1 || o.winningScore > WINNING_SCORE_MAX) errors.push({ field: 'winningScore', code: 'range' });
  if (!MAPS.includes(o.map)) errors.push({ field: 'map', code: 'invalid' });
  if (typeof o.powerups !== 'boolean') errors.push({ field: 'powerups', code: 'invalid' });
  if (errors.length) return { ok: false, errors };
  const { ballSpeed, paddleSize, winningScore, map, powerups } = o;
  return { ok: true, options: { ballSpeed, paddleSize, winningScore, map, powerups } };
}

/** The preset name matching `options` exactly, or null for a custom set. */
export function presetOf(options) {
  for (const [name, p] of Object.entries(PRESETS)) {
    if (Object.keys(p).every((k) => p[k] === options[k])) return name;
  }
  return null;
}

export const STORAGE_KEY = 'pong.options';
export const CUSTOM = 'custom';
/** The option fields, in the order the form shows them. */
export const FIELDS = Object.freeze(['ballSpeed', 'paddleSize', 'winningScore', 'map', 'powerups']);

/** A fresh copy of the default ("classic") options. */
export function defaultOptions() {
  return { ...DEFAULT_OPTIONS };
}

/**
 * Options from a stored JSON text: each field that is valid on its own is kept, the others
 * fall back to the defaults; anything that is not a JSON object gives the defaults.
 * Always returns valid options.
 */
export function parseStoredOptions(text) {
  let data;
  try {
    data = typeof text === 'string' ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  const options = defaultOptions();
  if (!data || typeof data !== 'object' || Array.isArray(data)) return options;
  for (const field of FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(data, field)) continue;
    const candidate = { ...options, [field]: data[field] };
    if (validateOptions(candidate).ok) options[field] = data[field];
  }
  return options;
}

/** The remembered options (validated), or the defaults when none are stored or storage fails. */
export function loadStoredOptions(storage) {
  let text = null;
  try {
    text = storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    text = null; // storage disabled (privacy mode)
  }
  return parseStoredOptions(text);
}

/** Remembers `options` if they are valid. Returns true when stored. */
export function saveOptions(storage, options) {
  const v = validateOptions(options);
  if (!v.ok || !storage) return false;
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(v.options));
    return true;
  } catch {
    return false;
  }
}

/** "7" → 7; anything but a plain whole number (empty, "2.5", "1e1", "abc") → NaN. */
export function parseWinningScore(text) {
  const s = String(text ?? '').trim();
  return /^\d{1,3}$/.test(s) ? Number(s) : NaN;
}

/**
 * Form values (strings from the controls, `powerups` a boolean) → candidate options
 * (not validated: the winning score may be NaN or out of range).
 */
export function optionsFromValues(values) {
  return {
    ballSpeed: values.ballSpeed,
    paddleSize: values.paddleSize,
    winningScore: parseWinningScore(values.winningScore),
    map: values.map,
    powerups: values.powerups === true,
  };
}

/**
 * Checks candidate options: { ok, options, errors } where errors maps a field to the
 * translation key of its message ({max} is the placeholder to fill in).
 */
export function checkOptions(candidate) {
  const v = validateOptions(candidate);
  const errors = {};
  if (!v.ok) {
    for (const e of v.errors) {
      if (!e.field) continue;
      errors[e.field] = e.field === 'winningScore' ? 'settings.error.winningScore' : 'settings.error.invalid';
    }
  }
  return { ok: v.ok, options: v.ok ? v.options : null, errors };
}

/** The preset name for `options`, or CUSTOM. */
export function presetName(options) {
  return presetOf(options) ?? CUSTOM;
}
