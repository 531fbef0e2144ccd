// Player input: keyboard and touch buttons → the KEY (pong.js) each side holds.
//
//   createKeyStates(humans)   the pure part: which key ids and touch pointers are held,
//                             and what that means for each side (testable in Node)
//   createInput({ humans, live, onPauseKey, onHidden, win, doc })
//                             binds it to the window: keydown/keyup, blur, page hidden,
//                             and touch buttons via bindTouch(button, side, dir)
//
// Keys: W/S move the left paddle, ↑/↓ the right one; with one human player both pairs
// move that player's paddle. The latest key pressed wins; a touch button counts when no
// key is held (both buttons of a side at once: no move). Space is the pause key.
// Nothing here draws or steps a game: a local board and a remote game share it.
import { KEY } from './pong.js';

// Physical key (KeyboardEvent.code) or, as a fallback, the character → [side, direction].
const KEY_CODES = { KeyW: [0, KEY.UP], KeyS: [0, KEY.DOWN], ArrowUp: [1, KEY.UP], ArrowDown: [1, KEY.DOWN] };
const KEY_CHARS = { w: [0, KEY.UP], s: [0, KEY.DOWN], ArrowUp: [1, KEY.UP], ArrowDown: [1, KEY.DOWN] };

/** The [side, KEY] a keyboard event stands for (layout-independent first), or null. */
export function keyAction(e) {
  const key = e.key ?? '';
  return KEY_CODES[e.code] ?? KEY_CHARS[key.length === 1 ? key.toLowerCase() : key] ?? null;
}

export function isSpace(e) {
  return e.code === 'Space' || e.key === ' ';
}

/** True when the key goes to a form control or editable text, not to the game. */
export function isTyping(target) {
  if (!target || target.nodeType !== 1) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Held keys and touch pointers for a game whose human players sit on `humans` (sides,
 * e.g. [0, 1], [0] or []). Returns { press(id, action), release(id) → was held, has(id),
 * touchDown(side, dir, pointerId), touchUp(side, dir, pointerId) → pointers left,
 * key(side) → KEY, clear() }.
 */
export function createKeyStates(humans) {
  const held = new Map();                 // key id → [side, KEY], in press order
  const touch = [0, 1].map(() => ({ [KEY.UP]: new Set(), [KEY.DOWN]: new Set() }));

  function sideOf(action) {
    if (humans.length === 2) return action[0];
    if (humans.length === 1) return humans[0];
    return -1;
  }

  return {
    press(id, action) {
      held.delete(id);          // re-inserted last: the latest key wins
      held.set(id, action);
    },
    release(id) {
      return held.delete(id);
    },
    has(id) {
      return held.has(id);
    },
    touchDown(side, dir, pointerId) {
      touch[side][dir].add(pointerId);
    },
    touchUp(side, dir, pointerId) {
      touch[side][dir].delete(pointerId);
      return touch[side][dir].size;
    },
    key(side) {
      let key = KEY.NONE;
      for (const action of held.values()) if (sideOf(action) === side) key = action[1];
      if (key !== KEY.NONE) return key;
      const up = touch[side][KEY.UP].size > 0;
      const down = touch[side][KEY.DOWN].size > 0;
      if (up !== down) return up ? KEY.UP : KEY.DOWN;
      return KEY.NONE;
    },
    clear() {
      held.clear();
      for (const s of [0, 1]) { touch[s][KEY.UP].clear(); touch[s][KEY.DOWN].clear(); }
    },
  };
}

/**
 * Listens to the keyboard of `win` (and `doc`'s visibility) for the human players on
 * `humans`. `live()` says whether the game takes input now (keys are left to the page
 * otherwise); `onPauseKey()` on Space; `onHidden()` when the page is hidden (all keys are
 * released first). Returns { key(side) → KEY, bindTouch(button, side, dir), release(),
 * destroy() }: release() lets go of every key and touch; destroy() removes the listeners.
 */
export function createInput({ humans, live, onPauseKey = () => {}, onHidden = () => {}, win = window, doc = document }) {
  const keys = createKeyStates(humans);
  const buttons = [];

  function release() {
    keys.clear();
    for (const b of buttons) b.classList.remove('active');
  }

  function onKeyDown(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || !live()) return;
    if (isSpace(e)) {
      e.preventDefault();
      if (!e.repeat) onPauseKey();
      return;
    }
    const action = keyAction(e);
    if (!action) return;
    e.preventDefault();
    const id = e.code || e.key;
    if (e.repeat && keys.has(id)) return;
    keys.press(id, action);
  }

  function onKeyUp(e) {
    const id = e.code || e.key;
    if (keys.release(id) && live()) e.preventDefault();
    if (isSpace(e) && live() && !isTyping(e.target)) e.preventDefault();
  }

  function onVisibility() {
    if (doc.hidden) {
      release();
      onHidden();
    }
  }

  /** Makes `button` hold `dir` for `side` while a pointer presses it (class "active"). */
  function bindTouch(button, side, dir) {
    buttons.push(button);
    const up = (e) => {
      if (keys.touchUp(side, dir, e.pointerId) === 0) button.classList.remove('active');
    };
    button.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      try { button.setPointerCapture(e.pointerId); } catch { /* pointer already gone */ }
      keys.touchDown(side, dir, e.pointerId);
      button.classList.add('active');
    });
    button.addEventListener('pointerup', up);
    button.addEventListener('pointercancel', up);
    button.addEventListener('lostpointercapture', up);
    button.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  win.addEventListener('keydown', onKeyDown);
  win.addEventListener('keyup', onKeyUp);
  win.addEventListener('blur', release);
  doc.addEventListener('visibilitychange', onVisibility);

  return {
    key: (side) => keys.key(side),
    bindTouch,
    release,
    destroy() {
      win.removeEventListener('keydown', onKeyDown);
      win.removeEventListener('keyup', onKeyUp);
      win.removeEventListener('blur', release);
      doc.removeEventListener('visibilitychange', onVisibility);
      release();
    },
  };
}
