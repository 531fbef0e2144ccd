// Chat limits shared by the views; they mirror docs/interface.md.

export const ROOM_PATTERN = '[A-Za-z0-9_-]{1,64}';
const ROOM_RE = new RegExp(`^${ROOM_PATTERN}$`);
export const MAX_MESSAGE_CHARS = 2000;

/** True when `name` is a valid room name. */
export function isValidRoom(name) {
  return typeof name === 'string' && ROOM_RE.test(name);
}

/** Length in Unicode code points, the unit the server counts in. */
export function codePointLength(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** Why `text` cannot be sent ('empty' | 'too_long'), or null when it can. */
export function messageProblem(text) {
  if (text.trim() === '') return 'empty';
  if (codePointLength(text) > MAX_MESSAGE_CHARS) return 'too_long';
  return null;
}
