// Quick play as a DOM piece (the /games page, the home page, the waiting bar under the
// navigation): the "Quick play" button, or the waiting state with the time waited and
// Cancel, and the last refusal. It draws the tab's quick play (services/queue.js, handed in
// as `qp`: { state, subscribe, join, leave }) and holds no state of its own.
import { h } from '../app/dom.js';
import { problemText } from '../domain/accountrules.js';
import { canJoin, isWaiting, waitedMs } from '../domain/queue.js';
import { elapsedText, mmProblemText } from '../domain/standing.js';

/**
 * A quick play box. `id`: prefix of the element ids (#<id>-join, #<id>-cancel, #<id>-elapsed,
 * #<id>-error); `compact`: the one-line form of the waiting bar (nothing shown unless
 * waiting). Returns { element, destroy() }; the root carries data-phase.
 */
export function quickPlayBox({ t, qp, id = 'quickplay', compact = false, win = window, now = () => Date.now() }) {
  const element = h('div', { class: compact ? 'quickplay quickplay-compact' : 'quickplay', id, 'data-phase': 'unknown' });
  let ticker = null;
  let elapsedEl = null;

  function tick() {
    if (elapsedEl) elapsedEl.textContent = elapsedText(now() - waitedMs(qp.state, now()), now());
  }

  function draw() {
    const s = qp.state;
    element.dataset.phase = s.phase;
    elapsedEl = null;
    const parts = [];
    if (isWaiting(s)) {
      elapsedEl = h('span', { class: 'quickplay-elapsed font-monospace', id: `${id}-elapsed` });
      const cancel = h('button', {
        type: 'button', class: 'btn btn-sm btn-outline-secondary', id: `${id}-cancel`, disabled: s.phase !== 'queued', onclick: () => qp.leave(),
      }, t('mm.queue.cancel'));
      parts.push(h('div', { class: 'd-flex flex-wrap align-items-center gap-2', role: 'status' },
        h('span', { class: 'spinner-grow spinner-grow-sm text-primary', 'aria-hidden': 'true' }),
        h('span', { class: 'quickplay-waiting' }, t(s.phase === 'leaving' ? 'mm.queue.leaving' : 'mm.queue.waiting')),
        elapsedEl, cancel));
      tick();
    } else if (!compact) {
      const join = h('button', {
        type: 'button', class: 'btn btn-primary btn-lg', id: `${id}-join`, disabled: !canJoin(s), onclick: () => qp.join(),
      }, t('mm.queue.join'));
      parts.push(join);
    }
    if (s.error && !compact) {
      parts.push(h('div', { class: 'alert alert-danger py-2 mt-2 mb-0', id: `${id}-error`, role: 'alert', 'data-code': s.error.code ?? '' },
        mmProblemText(t, s.error, problemText)));
    }
    element.replaceChildren(...parts);
    element.hidden = compact && !isWaiting(s);
    const want = isWaiting(s);
    if (want && ticker === null) ticker = win.setInterval(tick, 1000);
    if (!want && ticker !== null) { win.clearInterval(ticker); ticker = null; }
  }

  const off = qp.subscribe(() => draw());
  draw();
  return {
    element,
    destroy() {
      off();
      if (ticker !== null) win.clearInterval(ticker);
      ticker = null;
    },
  };
}
