// The game options form: preset, ball speed, paddle size, winning score, map, power-ups.
// Shared by the play and tournament pages. The rules (values, presets, validation, the
// remembered options in Web Storage) are domain/gameoptions.js; this module only builds
// and wires the DOM.
import { h } from '../app/dom.js';
import {
  CUSTOM, FIELDS, MAPS, PADDLES, PRESETS, SPEEDS, WINNING_SCORE_MAX,
  checkOptions, loadStoredOptions, optionsFromValues, presetName, saveOptions, validateOptions,
} from '../domain/gameoptions.js';

/**
 * Builds the settings panel.
 *   i18n      the translation service (t)
 *   storage   a Web Storage or null: the options are loaded from / saved to it
 *   initial   options to show first (default: the stored ones, else classic)
 *   onChange  (options, valid) after every edit; `options` are the candidate values
 *   idPrefix  prefix of the element ids (default "pong"), for two panels on one page
 * Returns { element, get options(), get valid }: `options` are the last valid options (the
 * ones shown when `valid` is true), so they can always be handed to a game.
 * The panel is built in the current language; rebuild it after a language switch.
 */
export function createSettings({ i18n, storage = null, initial, onChange = () => {}, idPrefix = 'pong' }) {
  const { t } = i18n;
  const start = initial && validateOptions(initial).ok ? validateOptions(initial).options : loadStoredOptions(storage);
  let lastValid = { ...start };
  let valid = true;
  const id = (name) => `${idPrefix}-${name}`;

  const select = (name, values, labelKey, current) => h('select', {
    class: 'form-select',
    id: id(name),
    name,
  }, values.map((v) => h('option', { value: v, selected: v === current }, t(`${labelKey}.${v}`))));

  const controls = {
    preset: h('select', { class: 'form-select', id: id('preset'), name: 'preset' }),
    ballSpeed: select('ball-speed', SPEEDS, 'settings.speed', start.ballSpeed),
    paddleSize: select('paddle-size', PADDLES, 'settings.paddle', start.paddleSize),
    winningScore: h('input', {
      class: 'form-control',
      id: id('winning-score'),
      name: 'winningScore',
      type: 'number',
      inputmode: 'numeric',
      min: '1',
      max: String(WINNING_SCORE_MAX),
      step: '1',
      required: true,
      value: String(start.winningScore),
    }),
    map: select('map', MAPS, 'settings.map', start.map),
    powerups: h('input', {
      class: 'form-check-input',
      id: id('powerups'),
      name: 'powerups',
      type: 'checkbox',
      role: 'switch',
    }),
  };
  controls.powerups.checked = start.powerups;

  const errorEls = {};
  const field = (key, name, control, helpKey) => {
    const errorId = id(`${name}-error`);
    const helpId = helpKey ? id(`${name}-help`) : null;
    errorEls[key] = h('div', { class: 'invalid-feedback', id: errorId });
    control.setAttribute('aria-describedby', [helpId, errorId].filter(Boolean).join(' '));
    return h('div', { class: 'col-sm-6 col-lg-4' },
      h('label', { class: 'form-label', for: control.id }, t(`settings.${key}`)),
      control,
      errorEls[key],
      helpKey ? h('div', { class: 'form-text', id: helpId }, t(helpKey, { max: WINNING_SCORE_MAX })) : null);
  };

  const powerupsErrorId = id('powerups-error');
  errorEls.powerups = h('div', { class: 'invalid-feedback', id: powerupsErrorId });
  controls.powerups.setAttribute('aria-describedby', `${id('powerups-help')} ${powerupsErrorId}`);

  const element = h('fieldset', { class: 'pong-settings', 'data-testid': 'pong-settings' },
    h('legend', { class: 'h6' }, t('settings.legend')),
    h('div', { class: 'row g-3' },
      h('div', { class: 'col-sm-6 col-lg-4' },
        h('label', { class: 'form-label', for: controls.preset.id }, t('settings.preset')),
        controls.preset,
        h('div', { class: 'form-text', id: id('preset-help') }, t('settings.preset.help'))),
      field('ballSpeed', 'ball-speed', controls.ballSpeed),
      field('paddleSize', 'paddle-size', controls.paddleSize),
      field('winningScore', 'winning-score', controls.winningScore, 'settings.winningScore.help'),
      field('map', 'map', controls.map),
      h('div', { class: 'col-sm-6 col-lg-4 pong-settings-switch' },
        h('div', { class: 'form-check form-switch' },
          controls.powerups,
          h('label', { class: 'form-check-label', for: controls.powerups.id }, t('settings.powerups')),
          errorEls.powerups),
        h('div', { class: 'form-text', id: id('powerups-help') }, t('settings.powerups.help')))));
  controls.preset.setAttribute('aria-describedby', id('preset-help'));

  function values() {
    return optionsFromValues({
      ballSpeed: controls.ballSpeed.value,
      paddleSize: controls.paddleSize.value,
      winningScore: controls.winningScore.value,
      map: controls.map.value,
      powerups: controls.powerups.checked,
    });
  }

  function fillPresets(current) {
    const names = [...Object.keys(PRESETS), ...(current === CUSTOM ? [CUSTOM] : [])];
    controls.preset.replaceChildren(...names.map((name) => h('option', { value: name, selected: name === current },
      t(`settings.preset.${name}`))));
    controls.preset.value = current;
  }

  function showErrors(errors) {
    for (const key of FIELDS) {
      const message = errors[key] ? t(errors[key], { max: WINNING_SCORE_MAX }) : '';
      const control = controls[key];
      control.classList.toggle('is-invalid', Boolean(message));
      control.setAttribute('aria-invalid', String(Boolean(message)));
      if (errorEls[key].textContent !== message) errorEls[key].textContent = message;
    }
  }

  function update() {
    const candidate = values();
    const result = checkOptions(candidate);
    valid = result.ok;
    showErrors(result.errors);
    if (valid) {
      lastValid = result.options;
      saveOptions(storage, lastValid);
      fillPresets(presetName(lastValid));
    } else if (controls.preset.value !== CUSTOM) {
      fillPresets(CUSTOM);
    }
    onChange(valid ? { ...lastValid } : candidate, valid);
  }

  function applyPreset(name) {
    const p = PRESETS[name];
    if (!p) return;
    controls.ballSpeed.value = p.ballSpeed;
    controls.paddleSize.value = p.paddleSize;
    controls.winningScore.value = String(p.winningScore);
    controls.map.value = p.map;
    controls.powerups.checked = p.powerups;
  }

  controls.preset.addEventListener('change', () => {
    applyPreset(controls.preset.value);
    update();
  });
  for (const key of FIELDS) {
    controls[key].addEventListener(key === 'winningScore' ? 'input' : 'change', update);
  }
  fillPresets(presetName(start));

  return {
    element,
    get options() { return { ...lastValid }; },
    get valid() { return valid; },
  };
}
