// Unit tests of web/src/game/input.js: key mapping, held keys and touches per side, and the
// window listeners (a fake window and document built on EventTarget).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY } from '../../web/src/game/pong.js';
import {
  keyAction, isSpace, isTyping, createKeyStates, createInput,
} from '../../web/src/game/input.js';

test('keys map by physical code first, then by character', () => {
  assert.deepEqual(keyAction({ code: 'KeyW', key: 'z' }), [0, KEY.UP]);      // AZERTY: the W place
  assert.deepEqual(keyAction({ code: 'KeyS', key: 's' }), [0, KEY.DOWN]);
  assert.deepEqual(keyAction({ code: 'ArrowUp', key: 'ArrowUp' }), [1, KEY.UP]);
  assert.deepEqual(keyAction({ code: 'ArrowDown' }), [1, KEY.DOWN]);
  assert.deepEqual(keyAction({ code: '', key: 'W' }), [0, KEY.UP]);
  assert.deepEqual(keyAction({ key: 'ArrowDown' }), [1, KEY.DOWN]);
  assert.equal(keyAction({ code: 'KeyA', key: 'a' }), null);
  assert.equal(keyAction({}), null);
  assert.ok(isSpace({ code: 'Space' }) && isSpace({ key: ' ' }) && !isSpace({ key: 'x' }));
  assert.ok(isTyping({ nodeType: 1, tagName: 'INPUT' }) && isTyping({ nodeType: 1, isContentEditable: true }));
  assert.ok(!isTyping({ nodeType: 1, tagName: 'DIV' }) && !isTyping(null) && !isTyping({ nodeType: 3 }));
});

test('two humans: each side its own keys; the latest key held wins', () => {
  const k = createKeyStates([0, 1]);
  assert.equal(k.key(0), KEY.NONE);
  k.press('KeyW', [0, KEY.UP]);
  k.press('ArrowDown', [1, KEY.DOWN]);
  assert.equal(k.key(0), KEY.UP);
  assert.equal(k.key(1), KEY.DOWN);
  k.press('KeyS', [0, KEY.DOWN]);
  assert.equal(k.key(0), KEY.DOWN, 'S pressed after W');
  k.press('KeyW', [0, KEY.UP]);
  assert.equal(k.key(0), KEY.UP, 'W pressed again comes last');
  assert.equal(k.release('KeyW'), true);
  assert.equal(k.release('KeyW'), false);
  assert.equal(k.key(0), KEY.DOWN);
  k.clear();
  assert.equal(k.key(0), KEY.NONE);
  assert.equal(k.key(1), KEY.NONE);
});

test('one human: both key pairs move that side; no human: keys move nothing', () => {
  const one = createKeyStates([1]);
  one.press('KeyW', [0, KEY.UP]);
  assert.equal(one.key(1), KEY.UP);
  assert.equal(one.key(0), KEY.NONE);
  const none = createKeyStates([]);
  none.press('KeyW', [0, KEY.UP]);
  assert.equal(none.key(0), KEY.NONE);
  assert.equal(none.key(1), KEY.NONE);
});

test('touch: a button held by any pointer; both directions at once cancel; keys win', () => {
  const k = createKeyStates([0, 1]);
  k.touchDown(0, KEY.UP, 1);
  k.touchDown(0, KEY.UP, 2);
  assert.equal(k.key(0), KEY.UP);
  assert.equal(k.touchUp(0, KEY.UP, 1), 1, 'one pointer left');
  assert.equal(k.key(0), KEY.UP);
  k.touchDown(0, KEY.DOWN, 3);
  assert.equal(k.key(0), KEY.NONE);
  k.press('KeyS', [0, KEY.DOWN]);
  assert.equal(k.key(0), KEY.DOWN);
  assert.equal(k.touchUp(0, KEY.UP, 2), 0);
  k.release('KeyS');
  assert.equal(k.key(0), KEY.DOWN, 'the touch on "down" is still held');
});

function fakePage() {
  const win = new EventTarget();
  const doc = new EventTarget();
  doc.hidden = false;
  const key = (type, { target, ...props }) => {
    const e = Object.assign(new Event(type, { cancelable: true }), { repeat: false, ...props });
    // Event.target is a getter: an own property shadows it (the element typed into).
    if (target) Object.defineProperty(e, 'target', { value: target });
    win.dispatchEvent(e);
    return e;
  };
  return { win, doc, key };
}

test('createInput: keydown/keyup drive the sides only while the game is live', () => {
  const page = fakePage();
  let live = true;
  let pauses = 0;
  let hidden = 0;
  const input = createInput({
    humans: [0, 1], live: () => live, onPauseKey: () => { pauses += 1; }, onHidden: () => { hidden += 1; },
    win: page.win, doc: page.doc,
  });
  const down = page.key('keydown', { code: 'KeyW', key: 'w' });
  assert.ok(down.defaultPrevented);
  assert.equal(input.key(0), KEY.UP);
  const up = page.key('keyup', { code: 'KeyW', key: 'w' });
  assert.ok(up.defaultPrevented);
  assert.equal(input.key(0), KEY.NONE);

  // not for the game: modifiers, typing in a field, an unknown key, a game that is not live
  assert.ok(!page.key('keydown', { code: 'KeyW', ctrlKey: true }).defaultPrevented);
  assert.ok(!page.key('keydown', { code: 'KeyW', target: { nodeType: 1, tagName: 'INPUT' } }).defaultPrevented);
  assert.ok(!page.key('keydown', { code: 'KeyQ', key: 'q' }).defaultPrevented);
  assert.equal(input.key(0), KEY.NONE);
  live = false;
  assert.ok(!page.key('keydown', { code: 'ArrowUp' }).defaultPrevented);
  assert.equal(input.key(1), KEY.NONE);
  live = true;

  // Space pauses once per press (not on auto-repeat)
  assert.ok(page.key('keydown', { code: 'Space', key: ' ' }).defaultPrevented);
  page.key('keydown', { code: 'Space', key: ' ', repeat: true });
  assert.equal(pauses, 1);

  // blur and a hidden page release everything; hidden also tells the board
  page.key('keydown', { code: 'ArrowUp' });
  page.win.dispatchEvent(new Event('blur'));
  assert.equal(input.key(1), KEY.NONE);
  page.key('keydown', { code: 'ArrowUp' });
  page.doc.hidden = true;
  page.doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(input.key(1), KEY.NONE);
  assert.equal(hidden, 1);

  // destroy removes the listeners
  page.doc.hidden = false;
  input.destroy();
  assert.ok(!page.key('keydown', { code: 'ArrowUp' }).defaultPrevented);
  assert.equal(input.key(1), KEY.NONE);
});

test('createInput: a touch button holds its direction while pressed and shows it', () => {
  const page = fakePage();
  const input = createInput({ humans: [0], live: () => true, win: page.win, doc: page.doc });
  const button = new EventTarget();
  const classes = new Set();
  button.classList = { add: (c) => classes.add(c), remove: (c) => classes.delete(c) };
  button.setPointerCapture = () => { throw new Error('gone'); };
  input.bindTouch(button, 0, KEY.DOWN);
  const pointer = (type, pointerId) => button.dispatchEvent(Object.assign(new Event(type, { cancelable: true }), { pointerId }));
  pointer('pointerdown', 7);
  assert.equal(input.key(0), KEY.DOWN);
  assert.ok(classes.has('active'));
  pointer('pointercancel', 7);
  assert.equal(input.key(0), KEY.NONE);
  assert.ok(!classes.has('active'));
  pointer('pointerdown', 8);
  input.release();
  assert.equal(input.key(0), KEY.NONE);
  assert.ok(!classes.has('active'));
  input.destroy();
});
