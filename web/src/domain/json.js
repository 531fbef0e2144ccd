// JSON from outside (a server frame, a stored text that may have been edited by hand).

/** A plain object (not null, not an array). */
export function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The JSON object in `text`, or null (not a string, not JSON, not an object). */
export function parseJsonObject(text) {
  if (typeof text !== 'string') return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return isPlainObject(value) ? value : null;
}
