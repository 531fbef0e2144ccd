// Minimal DOM builder. Text is always inserted as text nodes: there is no way to pass HTML.

/**
 * h('a', { class: 'btn', href: '/x', onclick: fn }, 'text', childNode, [more]) → Element.
 * Props: `class`, `text` (textContent), `value` (property), `on<event>` (listener),
 * anything else becomes an attribute (true → empty attribute; null/false → skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'value') el.value = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Focuses the first h1 of `root` (made programmatically focusable) without scrolling. */
export function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
}
