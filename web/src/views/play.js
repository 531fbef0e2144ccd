// Play: a local game on one keyboard, two players or one player against the AI.
// Setup (mode, names, settings) → the board → after the result, a new game or back to setup.
import { h } from '../app/dom.js';
import { localStorageOrNull } from '../app/storage.js';
import { AI_LEVELS, loadStoredOptions } from '../domain/gameoptions.js';
import { createBoard } from '../game/board.js';
import { loadPongModule } from '../game/loadwasm.js';
import { createSettings } from '../ui/gameoptionsform.js';

export const NAME_MAX = 20;

/** View factory (see router.js). `deps` lets tests inject storage and the wasm loader. */
export function playView({ ctx, deps = {} }) {
  const { i18n } = ctx;
  const { t } = i18n;
  const storage = deps.storage !== undefined ? deps.storage : localStorageOrNull(window);
  const loadModule = deps.loadModule ?? loadPongModule;

  // Survives re-renders (language switch).
  const state = {
    phase: 'setup',            // setup | loading | game | error
    mode: 'local',             // local | ai
    level: 'normal',
    names: ['', ''],
    nameError: false,
    options: loadStoredOptions(storage),
    players: null,             // of the current game
    result: null,              // { winner, score } of the finished game
  };
  let root = null;
  let board = null;
  let settings = null;
  let loadToken = 0;
  let destroyed = false;

  function defaultName(side) {
    if (state.mode === 'ai' && side === 1) return t(`play.aiName.${state.level}`);
    return t(side === 0 ? 'play.player1' : 'play.player2');
  }

  function players() {
    return [0, 1].map((side) => {
      const ai = state.mode === 'ai' && side === 1 ? state.level : null;
      const typed = ai ? '' : state.names[side].trim();
      return { name: typed || defaultName(side), ai };
    });
  }

  function sameNames() {
    if (state.mode !== 'local') return false;
    const [a, b] = players().map((p) => p.name.toLocaleLowerCase());
    return a === b;
  }

  async function startGame() {
    const token = ++loadToken;
    state.players = players();
    state.options = settings ? settings.options : state.options;
    state.result = null;
    state.phase = 'loading';
    renderPhase();
    try {
      const module = await loadModule();
      const created = await createBoard({
        module,
        i18n,
        options: state.options,
        players: state.players,
        onFinish: (result) => {
          state.result = result;
          if (root && state.phase === 'game') showResult(true);
        },
      });
      if (destroyed || token !== loadToken) {
        created.destroy();
        return;
      }
      board = created;
      state.phase = 'game';
      renderPhase();
      board.start();
    } catch (err) {
      if (destroyed || token !== loadToken) return;
      console.warn('play: the game could not be loaded', err);
      state.phase = 'error';
      renderPhase();
    }
  }

  function backToSetup() {
    loadToken += 1;
    if (board) board.destroy();
    board = null;
    state.phase = 'setup';
    state.result = null;
    renderPhase();
    root?.querySelector('#play-start')?.focus({ preventScroll: true });
  }

  function newGame() {
    if (!board) return;
    state.result = null;
    showResult(false);
    board.restart();
    board.element.querySelector('.pong-pause')?.focus({ preventScroll: true });
  }

  // ---- setup ----
  function setupView() {
    const startButton = h('button', { class: 'btn btn-primary btn-lg', type: 'submit', id: 'play-start' }, t('play.start'));
    settings = createSettings({
      i18n,
      storage,
      initial: state.options,
      onChange: (options, valid) => {
        if (valid) state.options = settings.options;
        startButton.disabled = !valid;
      },
    });

    const radio = (value) => h('div', { class: 'form-check' },
      h('input', {
        class: 'form-check-input',
        type: 'radio',
        name: 'mode',
        id: `play-mode-${value}`,
        value,
        checked: state.mode === value,
        onchange: (e) => { if (e.target.checked) { state.mode = value; updateMode(); } },
      }),
      h('label', { class: 'form-check-label', for: `play-mode-${value}` }, t(`play.mode.${value}`)));

    const level = h('select', {
      class: 'form-select',
      id: 'play-level',
      name: 'level',
      onchange: (e) => { state.level = e.target.value; updateMode(); },
    }, AI_LEVELS.map((l) => h('option', { value: l, selected: l === state.level }, t(`play.level.${l}`))));

    const nameInput = (side) => h('input', {
      class: 'form-control',
      type: 'text',
      id: `play-name-${side ? 'right' : 'left'}`,
      name: side ? 'right' : 'left',
      maxlength: String(NAME_MAX),
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': side ? 'play-name-help play-name-error' : 'play-name-help',
      value: state.names[side],
      oninput: (e) => {
        state.names[side] = e.target.value;
        if (state.nameError && !sameNames()) setNameError(false);
        updatePlaceholders();
      },
    });
    const names = [nameInput(0), nameInput(1)];
    const leftLabel = h('label', { class: 'form-label', for: 'play-name-left' });
    const nameError = h('div', { class: 'invalid-feedback', id: 'play-name-error' });
    const levelGroup = h('div', { class: 'col-sm-6 col-lg-4' },
      h('label', { class: 'form-label', for: 'play-level' }, t('play.level.label')),
      level);
    const rightGroup = h('div', { class: 'col-sm-6 col-lg-4' },
      h('label', { class: 'form-label', for: 'play-name-right' }, t('play.name.right')),
      names[1],
      nameError);

    function setNameError(on) {
      state.nameError = on;
      names[1].classList.toggle('is-invalid', on);
      names[1].setAttribute('aria-invalid', String(on));
      nameError.textContent = on ? t('play.name.same') : '';
    }

    function updatePlaceholders() {
      names[0].placeholder = defaultName(0);
      names[1].placeholder = defaultName(1);
    }

    function updateMode() {
      const ai = state.mode === 'ai';
      levelGroup.hidden = !ai;
      rightGroup.hidden = ai;
      leftLabel.textContent = t(ai ? 'play.name.you' : 'play.name.left');
      if (ai && state.nameError) setNameError(false);
      updatePlaceholders();
    }

    const form = h('form', {
      class: 'card shadow-sm',
      id: 'play-form',
      novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        if (!settings.valid) {
          form.querySelector('.is-invalid')?.focus();
          return;
        }
        if (sameNames()) {
          setNameError(true);
          names[1].focus();
          return;
        }
        startGame();
      },
    },
    h('div', { class: 'card-body p-4 d-flex flex-column gap-4' },
      h('fieldset', {},
        h('legend', { class: 'h6' }, t('play.mode.legend')),
        h('div', { class: 'd-flex flex-wrap gap-4' }, radio('local'), radio('ai'))),
      h('fieldset', {},
        h('legend', { class: 'h6' }, t('play.players.legend')),
        h('div', { class: 'row g-3' },
          h('div', { class: 'col-sm-6 col-lg-4' }, leftLabel, names[0]),
          rightGroup,
          levelGroup),
        h('div', { class: 'form-text', id: 'play-name-help' }, t('play.name.help', { max: NAME_MAX }))),
      settings.element,
      h('div', {}, startButton)));

    updateMode();
    setNameError(state.nameError);
    startButton.disabled = !settings.valid;

    return [
      h('div', { class: 'mb-4' },
        h('h1', { class: 'h3' }, t('play.heading')),
        h('p', { class: 'text-body-secondary mb-0' }, t('play.intro'))),
      form,
    ];
  }

  // ---- game ----
  let resultPanel = null;

  function showResult(show) {
    if (!resultPanel) return;
    resultPanel.hidden = !show || !state.result;
    if (!show || !state.result) return;
    const { winner, score } = state.result;
    resultPanel.querySelector('.play-result-text').textContent =
      t('play.result', { name: state.players[winner].name, left: score[0], right: score[1] });
    if (show === true) resultPanel.querySelector('#play-new-game').focus();
  }

  function gameView() {
    const [left, right] = state.players;
    resultPanel = h('div', { class: 'play-result alert alert-success d-flex flex-wrap align-items-center gap-3 mt-3', id: 'play-result', hidden: true },
      h('strong', { class: 'play-result-text me-auto' }),
      h('button', { type: 'button', class: 'btn btn-primary', id: 'play-new-game', onclick: newGame }, t('play.newGame')));
    const view = [
      h('div', { class: 'd-flex flex-wrap align-items-center gap-2 mb-3' },
        h('h1', { class: 'h4 mb-0 me-auto text-break' }, t('play.versus', { left: left.name, right: right.name })),
        h('button', { type: 'button', class: 'btn btn-outline-secondary', id: 'play-settings', onclick: backToSetup }, t('play.changeSettings'))),
      board.element,
      resultPanel,
    ];
    if (state.result) queueMicrotask(() => showResult('silent'));
    return view;
  }

  function loadingView() {
    return [
      h('h1', { class: 'h3' }, t('play.heading')),
      h('div', { class: 'd-flex align-items-center gap-3 py-4', role: 'status' },
        h('span', { class: 'spinner-border', 'aria-hidden': 'true' }),
        h('span', {}, t('play.loading'))),
    ];
  }

  function errorView() {
    return [
      h('h1', { class: 'h3' }, t('play.heading')),
      h('div', { class: 'alert alert-danger', role: 'alert', id: 'play-error' }, t('play.loadError')),
      h('div', { class: 'd-flex gap-2' },
        h('button', { type: 'button', class: 'btn btn-primary', onclick: () => startGame() }, t('play.retry')),
        h('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: backToSetup }, t('play.changeSettings'))),
    ];
  }

  function renderPhase() {
    if (!root || destroyed) return;
    resultPanel = null;
    let content;
    if (state.phase === 'game' && board) content = gameView();
    else if (state.phase === 'loading') content = loadingView();
    else if (state.phase === 'error') content = errorView();
    else content = setupView();
    root.replaceChildren(h('section', { class: 'play-page', 'data-view': 'play', 'data-phase': state.phase }, content));
  }

  return {
    title: () => t('play.title'),
    render(target) {
      root = target;
      renderPhase();
    },
    destroy() {
      destroyed = true;
      loadToken += 1;
      if (board) board.destroy();
      board = null;
      settings = null;
      root = null;
    },
  };
}
