// Local tournament on one keyboard (no login): aliases and game settings, a bracket drawn
// at random, the matches played one after the other on the Pong board, a champion.
// The tournament and its options live in localStorage (see ../domain/tournamentstore.js), so a
// reload resumes at the bracket; a match interrupted by the reload is simply replayed.
import { h } from '../app/dom.js';
import { localStorageOrNull } from '../app/storage.js';
import {
  validateAliases, createTournament, matchById, ALIAS_MAX, MIN_PLAYERS, MAX_PLAYERS,
} from '../domain/bracket.js';
import {
  loadTournament, saveTournament, clearTournament, loadOptions, saveOptions,
  bracketRounds, orderOfPlay, summary, describeMatch, recordBoardResult, fillTemplate,
} from '../domain/tournamentstore.js';
import { loadPongModule } from '../game/loadwasm.js';
import { createBoard } from '../game/board.js';
import { createSettings } from '../ui/gameoptionsform.js';

const START_ROWS = 4;

/** View factory (see router.js). `deps` may inject { window, storage, createBoard, createSettings, loadModule }. */
export function tournamentView({ ctx, deps = {} }) {
  const { i18n } = ctx;
  const { t } = i18n;
  const win = deps.window ?? window;
  const storage = deps.storage !== undefined ? deps.storage : localStorageOrNull(win);
  const makeBoard = deps.createBoard ?? createBoard;
  const makeSettings = deps.createSettings ?? createSettings;
  const loadModule = deps.loadModule ?? loadPongModule;

  const state = {
    phase: 'setup',            // 'setup' | 'bracket' | 'playing'
    tournament: null,
    options: null,
    notices: new Set(),        // translation keys of notices shown above the page
    aliases: [],               // setup: the typed aliases, one per row
    checked: false,            // setup: errors are shown (and kept live) after a first Draw
    confirming: false,         // bracket: the inline "abandon this tournament?" question
    lastResult: null,          // bracket: id of the match just played (its result is announced)
    match: null,               // playing: id of the match on the board
    game: null,                // playing: { status: 'loading' | 'ready' | 'error', board, result }
  };
  let root = null;
  let ui = null;               // elements of the current render that later updates touch
  let settings = null;
  let destroyed = false;
  let gameToken = 0;           // bumped whenever a game is dropped, to ignore late async results

  // ---- state from storage ----

  {
    const loaded = loadTournament(storage);
    const opts = loadOptions(storage);
    state.options = opts.options;
    if (loaded.problem === 'unavailable') state.notices.add('tournament.notice.unavailable');
    if (loaded.problem === 'corrupt') {
      clearTournament(storage);
      state.notices.add('tournament.notice.corrupt');
    }
    if (opts.problem === 'corrupt') {
      state.notices.add('tournament.notice.optionsReset');
      saveOptions(storage, state.options);
    }
    if (loaded.tournament) {
      state.tournament = loaded.tournament;
      state.phase = 'bracket';
    } else {
      resetAliases();
    }
  }

  function resetAliases() {
    state.aliases = Array.from({ length: START_ROWS }, () => '');
    state.checked = false;
  }

  function persist() {
    if (!saveTournament(storage, state.tournament) && !state.notices.has('tournament.notice.unavailable')) {
      state.notices.add('tournament.notice.unsaved');
      return false;
    }
    return true;
  }

  // ---- shared pieces ----

  function rerender(focus) {
    if (!root || destroyed) return;
    render(root);
    if (focus) {
      const el = typeof focus === 'string' ? root.querySelector(focus) : focus;
      if (el) {
        if (el.tagName === 'H1' || el.tagName === 'H2') el.setAttribute('tabindex', '-1');
        el.focus({ preventScroll: false });
      }
    }
  }

  function noticesBlock() {
    if (!state.notices.size) return null;
    return h('div', { class: 'tournament-notices' },
      [...state.notices].map((key) => h('div', {
        class: 'alert alert-warning alert-dismissible d-flex align-items-start gap-2',
        role: 'alert',
        'data-notice': key,
      },
      h('span', { class: 'flex-grow-1' }, t(key)),
      h('button', {
        type: 'button',
        class: 'btn-close',
        'aria-label': t('tournament.notice.dismiss'),
        onclick: (e) => { state.notices.delete(key); e.currentTarget.parentElement.remove(); },
      }))));
  }

  /** An alias, or what stands for a player not known yet. */
  function sideLabel(side) {
    if (side.name !== null) return side.name;
    if (side.from !== null) return t('tournament.winnerOf', { number: side.from });
    return t('tournament.bye');
  }

  function roundLabel(key, number) {
    return t(`tournament.round.${key}`, { number });
  }

  /** "3–1", the winner's points first. */
  function scoreText(d) {
    if (!d.score) return null;
    const w = d.winnerSide === 'a' ? 0 : 1;
    return `${d.score[w]}\u2013${d.score[1 - w]}`;
  }

  function resultText(d) {
    const winner = d.winnerSide === 'a' ? d.a.name : d.b.name;
    const loser = d.winnerSide === 'a' ? d.b.name : d.a.name;
    const score = scoreText(d);
    return score
      ? fillTemplate(t('tournament.result.beat'), { winner: h('strong', {}, winner), loser, score })
      : fillTemplate(t('tournament.result.beatNoScore'), { winner: h('strong', {}, winner), loser });
  }

  function matchup(d, key) {
    return fillTemplate(t(key), {
      a: h('strong', { class: 'tournament-alias', 'data-side': 'left' }, d.a.name),
      b: h('strong', { class: 'tournament-alias', 'data-side': 'right' }, d.b.name),
    });
  }

  // ---- setup ----

  function aliasCheck() {
    const check = validateAliases(state.aliases);
    const fields = new Map();
    let list = null;
    if (!check.ok) {
      for (const e of check.errors) {
        if (e.index < 0) list = e.code;
        else if (!fields.has(e.index)) fields.set(e.index, e.code);
      }
    }
    return { ok: check.ok, aliases: check.aliases, fields, list };
  }

  function aliasErrorText(code) {
    return t(`tournament.alias.error.${code}`, { max: ALIAS_MAX, min: MIN_PLAYERS });
  }

  function listErrorText(code) {
    return t(`tournament.players.error.${code}`, { min: MIN_PLAYERS, max: MAX_PLAYERS });
  }

  /** Shows the current alias errors on the rendered rows (only once a Draw was attempted). */
  function showAliasErrors() {
    if (!ui?.rows) return null;
    const check = aliasCheck();
    ui.rows.forEach(({ input, error }, i) => {
      const code = state.checked ? check.fields.get(i) ?? null : null;
      input.classList.toggle('is-invalid', code !== null);
      input.setAttribute('aria-invalid', String(code !== null));
      error.textContent = code ? aliasErrorText(code) : '';
      if (code) error.dataset.code = code;
      else delete error.dataset.code;
    });
    const list = state.checked ? check.list : null;
    ui.listError.textContent = list ? listErrorText(list) : '';
    ui.listError.hidden = !list;
    if (list) ui.listError.dataset.code = list;
    return check;
  }

  function addRow(after) {
    if (state.aliases.length >= MAX_PLAYERS) return;
    const at = after + 1;
    state.aliases.splice(at, 0, '');
    rebuildRows();
    ui.rows[at].input.focus();
  }

  function removeRow(index) {
    if (state.aliases.length <= 1) return;
    state.aliases.splice(index, 1);
    rebuildRows();
    const focus = ui.rows[Math.min(index, ui.rows.length - 1)];
    focus.input.focus();
  }

  function aliasRow(value, i) {
    const id = `alias-${i}`;
    const input = h('input', {
      class: 'form-control',
      id,
      name: 'alias',
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      maxlength: String(ALIAS_MAX * 2),
      'aria-describedby': `${id}-error aliases-help`,
      'aria-invalid': 'false',
      value,
      oninput: (e) => {
        state.aliases[i] = e.target.value;
        if (state.checked) showAliasErrors();
      },
      onkeydown: (e) => {
        if (e.key !== 'Enter' || e.isComposing) return;
        e.preventDefault();
        if (state.aliases.length < MAX_PLAYERS) addRow(i);
        else ui.rows[i + 1]?.input.focus();
      },
    });
    const error = h('div', { class: 'invalid-feedback', id: `${id}-error` });
    const remove = h('button', {
      type: 'button',
      class: 'btn btn-outline-secondary alias-remove',
      'aria-label': t('tournament.alias.remove', { number: i + 1 }),
      title: t('tournament.alias.remove', { number: i + 1 }),
      disabled: state.aliases.length <= 1,
      onclick: () => removeRow(i),
    }, h('span', { 'aria-hidden': 'true' }, '\u2715'));
    const li = h('li', { class: 'alias-row' },
      h('div', { class: 'input-group has-validation' },
        h('label', { class: 'input-group-text alias-label', for: id }, t('tournament.alias.label', { number: i + 1 })),
        input,
        remove,
        error));
    return { li, input, error };
  }

  function rebuildRows() {
    ui.rows = state.aliases.map((value, i) => aliasRow(value, i));
    ui.list.replaceChildren(...ui.rows.map((r) => r.li));
    ui.add.disabled = state.aliases.length >= MAX_PLAYERS;
    ui.count.textContent = t('tournament.players.count', { count: state.aliases.length, min: MIN_PLAYERS, max: MAX_PLAYERS });
    showAliasErrors();
  }

  function draw() {
    state.checked = true;
    const check = showAliasErrors();
    const settingsOk = settings ? settings.valid : true;
    ui.settingsError.hidden = settingsOk;
    if (!check.ok) {
      const first = [...check.fields.keys()].sort((x, y) => x - y)[0];
      if (first !== undefined) ui.rows[first].input.focus();
      else ui.listError.focus();
      return;
    }
    if (!settingsOk) {
      ui.settingsError.focus();
      return;
    }
    if (settings) state.options = settings.options;
    saveOptions(storage, state.options);
    state.tournament = createTournament(check.aliases);
    state.notices.delete('tournament.notice.corrupt');
    persist();
    resetAliases();
    state.lastResult = null;
    state.phase = 'bracket';
    rerender('#tournament-heading');
  }

  function renderSetup() {
    const list = h('ol', { class: 'list-unstyled alias-list mb-2', id: 'alias-list' });
    const add = h('button', {
      type: 'button',
      class: 'btn btn-outline-primary btn-sm',
      id: 'alias-add',
      onclick: () => addRow(state.aliases.length - 1),
    }, t('tournament.alias.add'));
    const count = h('span', { class: 'small text-body-secondary', id: 'alias-count', role: 'status' });
    const listError = h('div', {
      class: 'alert alert-danger py-2 mb-2',
      id: 'aliases-error',
      tabindex: '-1',
      role: 'alert',
      hidden: true,
    });
    const settingsError = h('div', {
      class: 'alert alert-danger py-2 mt-2 mb-0',
      id: 'settings-error',
      tabindex: '-1',
      role: 'alert',
      hidden: true,
    }, t('tournament.settings.invalid'));

    settings = makeSettings({
      i18n,
      storage: null,           // the tournament keeps its own options (OPTIONS_KEY), not /play's
      initial: state.options,
      idPrefix: 'tournament',
      onChange: () => {
        if (!settings) return;
        if (settings.valid) {
          state.options = settings.options;
          saveOptions(storage, state.options);
          ui.settingsError.hidden = true;
        }
      },
    });

    ui = { list, add, count, listError, settingsError, rows: [] };

    const form = h('form', {
      id: 'tournament-setup',
      novalidate: true,
      onsubmit: (e) => { e.preventDefault(); draw(); },
    },
    h('fieldset', { class: 'mb-4' },
      h('legend', { class: 'h6' }, t('tournament.players.legend')),
      h('p', { class: 'form-text mt-0', id: 'aliases-help' },
        t('tournament.players.help', { min: MIN_PLAYERS, max: MAX_PLAYERS, maxLength: ALIAS_MAX })),
      listError,
      list,
      h('div', { class: 'd-flex flex-wrap align-items-center gap-3' }, add, count)),
    h('div', { class: 'mb-4 tournament-settings' },
      settings.element,
      h('p', { class: 'form-text mb-0' }, t('tournament.settings.help')),
      settingsError),
    h('button', { type: 'submit', class: 'btn btn-primary btn-lg', id: 'tournament-draw' }, t('tournament.draw')));

    rebuildRows();
    return h('section', { class: 'card shadow-sm tournament', 'data-phase': 'setup' },
      h('div', { class: 'card-body p-4' },
        h('h1', { class: 'h3 card-title', id: 'tournament-heading' }, t('tournament.setup.heading')),
        h('p', { class: 'text-body-secondary' }, t('tournament.setup.intro', { min: MIN_PLAYERS, max: MAX_PLAYERS })),
        noticesBlock(),
        form));
  }

  // ---- bracket ----

  function newTournament() {
    dropGame();
    clearTournament(storage);
    state.tournament = null;
    state.confirming = false;
    state.lastResult = null;
    state.notices.delete('tournament.notice.corrupt');
    state.notices.delete('tournament.notice.optionsReset');
    resetAliases();
    state.phase = 'setup';
    rerender('#alias-0');
  }

  function askNew() {
    const s = summary(state.tournament);
    if (s.finished) {
      newTournament();
      return;
    }
    state.confirming = true;
    rerender('#tournament-confirm-cancel');
  }

  function confirmBlock() {
    return h('div', {
      class: 'alert alert-warning tournament-confirm',
      id: 'tournament-confirm',
      role: 'group',
      'aria-labelledby': 'tournament-confirm-text',
    },
    h('p', { class: 'fw-semibold mb-2', id: 'tournament-confirm-text' }, t('tournament.confirm.text')),
    h('div', { class: 'd-flex flex-wrap gap-2' },
      h('button', { type: 'button', class: 'btn btn-danger', id: 'tournament-confirm-yes', onclick: newTournament },
        t('tournament.confirm.yes')),
      h('button', {
        type: 'button',
        class: 'btn btn-outline-secondary',
        id: 'tournament-confirm-cancel',
        onclick: () => { state.confirming = false; rerender('#tournament-new'); },
      }, t('tournament.confirm.no'))));
  }

  function bracketSide(d, side) {
    const who = d[side];
    const won = !d.bye && d.winnerSide === side;
    const lost = !d.bye && d.winnerSide !== null && !won;
    const empty = who.name === null;
    const points = d.score ? String(d.score[side === 'a' ? 0 : 1]) : '';
    return h('div', {
      class: `bracket-side${won ? ' is-winner' : ''}${lost ? ' is-loser' : ''}${empty ? ' is-empty' : ''}`,
      'data-side': side,
    },
    h('span', { class: 'bracket-name' }, sideLabel(who)),
    won ? h('span', { class: 'visually-hidden' }, ` (${t('tournament.bracket.winner')})`) : null,
    d.bye && !empty ? h('span', { class: 'bracket-through' }, t('tournament.bracket.through')) : null,
    h('span', { class: 'bracket-score' }, points));
  }

  function bracketMatch(d) {
    let caption;
    if (d.bye) caption = t('tournament.bracket.byeCaption');
    else caption = t('tournament.bracket.match', { number: d.number });
    return h('li', {
      class: `bracket-match is-${d.state}`,
      'data-match': d.id,
      'data-state': d.state,
      'aria-current': d.state === 'next' ? 'step' : null,
    },
    h('div', { class: 'bracket-caption' },
      h('span', {}, caption),
      d.state === 'next' ? h('span', { class: 'badge text-bg-primary' }, t('tournament.bracket.now')) : null),
    bracketSide(d, 'a'),
    bracketSide(d, 'b'));
  }

  function orderItem(d) {
    let status = null;
    if (d.state === 'done') status = h('span', { class: 'order-status text-body-secondary' }, resultText(d));
    else if (d.state === 'next') status = h('span', { class: 'badge text-bg-primary order-status' }, t('tournament.order.next'));
    return h('li', {
      class: `order-item is-${d.state}`,
      'data-match': d.id,
      'data-state': d.state,
      'aria-current': d.state === 'next' ? 'step' : null,
    },
    h('span', { class: 'order-label' },
      t('tournament.order.item', { number: d.number, total: d.total, a: sideLabel(d.a), b: sideLabel(d.b) })),
    status ? ' ' : null,
    status);
  }

  function nextBlock(s) {
    const d = s.next;
    return h('section', { class: 'card border-primary shadow-sm mb-4 tournament-next', id: 'tournament-next', 'data-match': d.id },
      h('div', { class: 'card-body d-flex flex-wrap align-items-center gap-3' },
        h('div', { class: 'flex-grow-1' },
          h('h2', { class: 'h6 text-uppercase text-primary mb-1' },
            t('tournament.next.caption', { number: d.number, total: d.total, round: roundLabel(d.roundKey, d.roundNumber) })),
          h('p', { class: 'lead mb-0', id: 'tournament-next-text' }, matchup(d, 'tournament.next.text'))),
        h('button', {
          type: 'button',
          class: 'btn btn-primary btn-lg px-4',
          id: 'tournament-play',
          onclick: () => play(d.id),
        }, t('tournament.play'))));
  }

  function championBlock(s) {
    return h('section', { class: 'card text-center shadow-sm mb-4 tournament-champion', id: 'tournament-champion' },
      h('div', { class: 'card-body p-4' },
        h('div', { class: 'tournament-trophy', 'aria-hidden': 'true' }, '\u2605'),
        h('h2', { class: 'h6 text-uppercase mb-1' }, t('tournament.champion.caption')),
        h('p', { class: 'display-6 fw-bold mb-3 text-break', id: 'tournament-champion-name' }, s.champion),
        h('p', { class: 'text-body-secondary' }, t('tournament.champion.text')),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'tournament-new-after', onclick: askNew },
          t('tournament.new'))));
  }

  function lastResultBlock() {
    const m = state.lastResult && matchById(state.tournament, state.lastResult);
    if (!m || m.winner === null) return null;
    const d = describeMatch(state.tournament, m);
    return h('div', { class: 'alert alert-success', id: 'tournament-last-result', role: 'status' },
      t('tournament.lastResult', { number: d.number }), ' ', resultText(d));
  }

  function renderBracket() {
    const tour = state.tournament;
    const s = summary(tour);
    const rounds = bracketRounds(tour);
    ui = {};
    const header = h('div', { class: 'd-flex flex-wrap align-items-center gap-2 mb-3' },
      h('h1', { class: 'h3 mb-0 me-auto', id: 'tournament-heading' }, t('tournament.heading')),
      h('span', { class: 'badge text-bg-light border tournament-progress', id: 'tournament-progress' },
        t('tournament.progress', { played: s.played, total: s.total })),
      s.finished ? null : h('button', {
        type: 'button',
        class: 'btn btn-outline-secondary btn-sm',
        id: 'tournament-new',
        'aria-expanded': String(state.confirming),
        'aria-controls': 'tournament-confirm',
        onclick: askNew,
      }, t('tournament.new')));

    const bracket = h('section', { class: 'card shadow-sm', 'aria-labelledby': 'bracket-heading' },
      h('div', { class: 'card-body' },
        h('h2', { class: 'h5', id: 'bracket-heading' }, t('tournament.bracket.heading')),
        h('div', { class: 'tournament-bracket', id: 'tournament-bracket', tabindex: '0', 'aria-labelledby': 'bracket-heading' },
          rounds.map((r) => h('section', { class: 'bracket-round', 'data-round': r.index },
            h('h3', { class: 'bracket-round-title' }, roundLabel(r.key, r.number)),
            h('ul', { class: 'bracket-matches list-unstyled' }, r.matches.map(bracketMatch)))))));

    const order = h('section', { class: 'card shadow-sm mb-4', 'aria-labelledby': 'order-heading' },
      h('div', { class: 'card-body' },
        h('h2', { class: 'h5', id: 'order-heading' }, t('tournament.order.heading')),
        h('ol', { class: 'tournament-order list-unstyled mb-0', id: 'tournament-order' }, orderOfPlay(tour).map(orderItem))));

    const facts = h('p', { class: 'small text-body-secondary mb-0', id: 'tournament-options' },
      t('tournament.options.summary', { points: state.options.winningScore }));

    return h('div', { class: 'tournament', 'data-phase': 'bracket' },
      header,
      noticesBlock(),
      state.confirming && !s.finished ? confirmBlock() : null,
      s.finished ? championBlock(s) : null,
      s.finished ? null : lastResultBlock(),
      s.finished ? null : nextBlock(s),
      // Up to 8 players the order of play fits beside the bracket; a bigger bracket takes the width.
      h('div', { class: `row g-4${rounds.length > 3 ? ' tournament-wide' : ''}` },
        h('div', { class: rounds.length > 3 ? 'col-12' : 'col-xl-8' }, bracket),
        h('div', { class: rounds.length > 3 ? 'col-12' : 'col-xl-4' }, order, facts)));
  }

  // ---- playing ----

  function dropGame() {
    gameToken += 1;
    if (state.game?.board) {
      try { state.game.board.destroy(); } catch { /* already gone */ }
    }
    state.game = null;
    state.match = null;
  }

  function play(id) {
    dropGame();
    state.confirming = false;
    state.lastResult = null;
    state.match = id;
    state.game = { status: 'loading', board: null, result: null };
    state.phase = 'playing';
    rerender('#tournament-heading');
    startGame();
  }

  async function startGame() {
    const token = gameToken;
    const m = matchById(state.tournament, state.match);
    const stale = () => destroyed || token !== gameToken;
    try {
      const module = await loadModule();
      if (stale()) return;
      const board = await makeBoard({
        module,
        i18n,
        options: state.options,
        players: [{ name: state.tournament.players[m.a], ai: null }, { name: state.tournament.players[m.b], ai: null }],
        onFinish: (result) => { if (!stale()) finish(result); },
      });
      if (stale()) {
        board.destroy();
        return;
      }
      state.game.board = board;
      state.game.status = 'ready';
      showGame();
      board.start();
    } catch (err) {
      if (stale()) return;
      state.game.status = 'error';
      state.game.error = String(err?.message || err);
      showGame();
    }
  }

  function finish(result) {
    // Only the first finished game of a match counts (the board could be restarted after it).
    if (!state.game || state.game.result !== null) return;
    const id = state.match;
    try {
      state.tournament = recordBoardResult(state.tournament, id, result);
    } catch (err) {
      state.game.status = 'error';
      state.game.error = String(err?.message || err);
      showGame();
      return;
    }
    persist();
    state.game.result = id;
    showGame();
    ui.result?.querySelector('h2')?.focus();
  }

  function backToBracket() {
    const played = state.game?.result ?? null;
    dropGame();
    state.lastResult = played;
    state.phase = 'bracket';
    const s = summary(state.tournament);
    rerender(s.finished ? '#tournament-champion-name' : '#tournament-play');
  }

  /** Updates the stage and the result panel of the playing page in place (the board keeps running). */
  function showGame() {
    if (!ui?.stage || !state.game) return;
    const g = state.game;
    if (g.status === 'loading') {
      ui.stage.replaceChildren(h('div', { class: 'd-flex align-items-center gap-2 p-4 justify-content-center' },
        h('div', { class: 'spinner-border spinner-border-sm', 'aria-hidden': 'true' }),
        h('span', { role: 'status' }, t('tournament.game.loading'))));
    } else if (g.status === 'error') {
      ui.stage.replaceChildren(h('div', { class: 'alert alert-danger d-flex flex-wrap align-items-center gap-2', role: 'alert', id: 'tournament-game-error' },
        h('span', { class: 'flex-grow-1' }, t('tournament.game.error'),
          g.error ? h('small', { class: 'd-block text-break' }, g.error) : null),
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: () => play(state.match) }, t('tournament.game.retry'))));
    } else if (g.board && g.board.element.parentNode !== ui.stage) {
      ui.stage.replaceChildren(g.board.element);
    }
    const done = g.result !== null;
    ui.abandon.hidden = done;
    if (done) {
      const d = describeMatch(state.tournament, matchById(state.tournament, g.result));
      const finished = summary(state.tournament).finished;
      ui.result.replaceChildren(
        h('h2', { class: 'h4 mb-1', tabindex: '-1' },
          t('tournament.game.wins', { name: d.winnerSide === 'a' ? d.a.name : d.b.name })),
        h('p', { class: 'mb-3' }, resultText(d)),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'tournament-continue', onclick: backToBracket },
          t(finished ? 'tournament.game.toChampion' : 'tournament.game.toBracket')));
      ui.result.hidden = false;
    } else {
      ui.result.hidden = true;
    }
  }

  function renderPlaying() {
    const m = matchById(state.tournament, state.match);
    const d = describeMatch(state.tournament, m);
    const stage = h('div', { class: 'tournament-stage', id: 'tournament-stage' });
    const result = h('div', { class: 'alert alert-success tournament-result mt-3', id: 'tournament-result', role: 'status', hidden: true });
    const abandon = h('button', {
      type: 'button',
      class: 'btn btn-outline-secondary btn-sm',
      id: 'tournament-abandon',
      onclick: () => {
        dropGame();
        state.phase = 'bracket';
        rerender('#tournament-play');
      },
    }, t('tournament.game.abandon'));
    ui = { stage, result, abandon };
    const view = h('div', { class: 'tournament', 'data-phase': 'playing', 'data-match': d.id },
      h('div', { class: 'd-flex flex-wrap align-items-center gap-2 mb-2' },
        h('h1', { class: 'h3 mb-0 me-auto', id: 'tournament-heading' },
          t('tournament.game.heading', { number: d.number, total: d.total, round: roundLabel(d.roundKey, d.roundNumber) })),
        abandon),
      h('p', { class: 'lead', id: 'tournament-matchup' }, matchup(d, 'tournament.game.matchup')),
      noticesBlock(),
      stage,
      result);
    return view;
  }

  // ---- view ----

  function render(target) {
    root = target;
    settings = null;
    let content;
    if (state.phase === 'playing' && state.tournament && state.match) content = renderPlaying();
    else if (state.phase === 'bracket' && state.tournament) content = renderBracket();
    else {
      state.phase = 'setup';
      content = renderSetup();
    }
    root.replaceChildren(content);
    if (state.phase === 'playing') showGame();
  }

  return {
    title: () => t('tournament.title'),
    render,
    destroy() {
      destroyed = true;
      dropGame();
      ui = null;
      root = null;
      settings = null;
    },
  };
}
