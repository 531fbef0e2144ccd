// A QR code drawn as an inline SVG (built with DOM APIs: no markup strings, no style
// attribute — the colours are classes in styles.css) from domain/qrmatrix.js.
import { qrMatrix } from '../domain/qrmatrix.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An <svg role="img"> of the QR code of `text`, labelled `label`; `id` on the element. */
export function qrSvg(text, label, id = null) {
  const { path, viewBox } = qrMatrix(text);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', viewBox);
  svg.setAttribute('class', 'qr-code');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  if (id) svg.id = id;
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('class', 'qr-light');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  const dark = document.createElementNS(SVG, 'path');
  dark.setAttribute('class', 'qr-dark');
  dark.setAttribute('d', path);
  svg.append(bg, dark);
  return svg;
}
