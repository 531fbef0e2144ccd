// Links in chat messages: splits a message's text into plain-text and link segments, so the
// page can build text nodes and <a> elements with DOM APIs (never HTML). Only absolute
// http:// and https:// URLs become links; anything else (javascript:, data:, mailto:, …)
// stays text. Pure: no DOM; Node tests import it (tests/web/chatlinks.test.mjs).

// A candidate: http(s):// and everything up to a space or a character that cannot be part
// of a URL written in running text.
const CANDIDATE = /https?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the URL.
const TRAILING = /[.,;:!?…'"»)\]}]+$/u;

/** `url` as a safe link target (an http/https URL with a host), or null. */
export function safeHref(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (!parsed.hostname || parsed.username || parsed.password) return null;
  return parsed.href;
}

/** Keeps a closing bracket that has its opening one in the URL (Wikipedia-style links). */
function trimTrailing(url) {
  const m = TRAILING.exec(url);
  if (!m) return url;
  const end = m.index;
  let kept = url.slice(0, end);
  // Give back closing brackets matched inside the URL, one by one.
  for (const ch of url.slice(end)) {
    const open = { ')': '(', ']': '[', '}': '{' }[ch];
    if (!open) break;
    const opens = kept.split(open).length - 1;
    const closes = kept.split(ch).length - 1;
    if (opens > closes) kept += ch;
    else break;
  }
  return kept;
}

/**
 * Splits `text` into segments, in order: { type: 'text', text } and
 * { type: 'link', text (as written), href (normalised) }. Concatenating every segment's
 * text gives `text` back.
 */
export function splitLinks(text) {
  const out = [];
  if (typeof text !== 'string' || text === '') return out;
  let last = 0;
  const pushText = (s) => {
    if (!s) return;
    const prev = out[out.length - 1];
    if (prev && prev.type === 'text') prev.text += s;
    else out.push({ type: 'text', text: s });
  };
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index;
    // "xhttp://" is not a URL start (a word glued in front).
    if (start > 0 && /[\p{L}\p{N}_]/u.test(text[start - 1])) continue;
    const raw = trimTrailing(m[0]);
    const href = safeHref(raw);
    if (!href) continue;
    pushText(text.slice(last, start));
    out.push({ type: 'link', text: raw, href });
    last = start + raw.length;
  }
  pushText(text.slice(last));
  return out;
}
