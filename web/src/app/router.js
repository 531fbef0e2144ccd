// History API router: same-origin link clicks, Back/Forward and reloads all land here.
//
// A view is a factory `create({ params, ctx, path })` returning an instance
// `{ title(): string, render(root): void, destroy(): void }`. render() may be called
// again on the same instance (language switch) and must rebuild root's content;
// destroy() must release every socket, timer and listener the instance holds.
import { isServerPath } from '../domain/paths.js';

/** Drops a trailing slash (except for "/"). */
export function normalizePath(pathname) {
  return pathname.length > 1 && pathname.endsWith('/') ? pathname.replace(/\/+$/, '') || '/' : pathname;
}

/**
 * Compiles route definitions `{ path: '/chat/:room', params: { room: 'regex source' }, view }`
 * into matchers. A parameter without a pattern matches one non-empty segment.
 */
export function compileRoutes(defs) {
  return defs.map((def) => {
    const names = [];
    const source = def.path.split('/').map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const name = seg.slice(1);
      names.push(name);
      return `(${def.params?.[name] ?? '[^/]+'})`;
    }).join('/');
    return { ...def, names, re: new RegExp(`^${source}$`) };
  });
}

/** Finds the route for `pathname`: { route, params } or null. */
export function matchRoute(routes, pathname) {
  const path = normalizePath(pathname);
  for (const route of routes) {
    const m = route.re.exec(path);
    if (!m) continue;
    const params = {};
    route.names.forEach((name, i) => { params[name] = m[i + 1]; });
    return { route, params };
  }
  return null;
}

/**
 * Decides whether a click should be handled by the router.
 * Returns the in-app URL (path + search + hash) to go to, or null to let the browser act.
 */
export function interceptedHref(event, anchor, location) {
  if (event.defaultPrevented || event.button !== 0) return null;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  if (!anchor || !anchor.hasAttribute('href') || anchor.hasAttribute('download')) return null;
  const target = anchor.getAttribute('target');
  if (target && target !== '_self') return null;
  if (anchor.getAttribute('rel')?.split(/\s+/).includes('external')) return null;
  let url;
  try {
    url = new URL(anchor.href, location.origin);
  } catch {
    return null;
  }
  if (url.origin !== location.origin || isServerPath(url.pathname)) return null;
  // A fragment on the current page (the skip link): the browser scrolls, nothing to render.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return null;
  return url.pathname + url.search + url.hash;
}

/**
 * Creates the router. `win` is the window (injectable), `outlet` the element views render
 * into, `ctx` is handed to every view, `onRoute(path)` runs after each render.
 * Returns { start(), navigate(url, { replace }), rerender(), stop(), get path() }.
 */
export function createRouter({ routes, notFound, outlet, ctx, win = window, onRoute = () => {}, titleSuffix = () => '' }) {
  const compiled = compileRoutes(routes);
  let current = null;
  let currentPath = null;

  function setTitle() {
    const suffix = titleSuffix();
    const title = current.title();
    win.document.title = suffix && title !== suffix ? `${title} · ${suffix}` : title;
  }

  function render({ focus }) {
    const path = normalizePath(win.location.pathname);
    if (path !== win.location.pathname) {
      win.history.replaceState(win.history.state, '', path + win.location.search + win.location.hash);
    }
    if (current) current.destroy();
    current = null;
    const found = matchRoute(compiled, path);
    const create = found ? found.route.view : notFound;
    currentPath = path;
    current = create({ params: found ? found.params : {}, ctx, path });
    current.render(outlet);
    setTitle();
    onRoute(path, { focus });
  }

  function navigate(url, { replace = false } = {}) {
    const next = new URL(url, win.location.origin);
    const same = next.pathname === win.location.pathname && next.search === win.location.search;
    if (replace || same) win.history.replaceState(null, '', next.pathname + next.search + next.hash);
    else win.history.pushState(null, '', next.pathname + next.search + next.hash);
    render({ focus: true });
    if (!same) win.scrollTo(0, 0);
  }

  function onClick(event) {
    const anchor = event.target instanceof win.Element ? event.target.closest('a') : null;
    const href = interceptedHref(event, anchor, win.location);
    if (href === null) return;
    event.preventDefault();
    navigate(href);
  }

  function onPopState() {
    render({ focus: true });
  }

  return {
    start() {
      win.document.addEventListener('click', onClick);
      win.addEventListener('popstate', onPopState);
      render({ focus: false });
    },
    navigate,
    rerender() {
      if (!current) return;
      current.render(outlet);
      setTitle();
      onRoute(currentPath, { focus: false });
    },
    stop() {
      win.document.removeEventListener('click', onClick);
      win.removeEventListener('popstate', onPopState);
      if (current) current.destroy();
      current = null;
    },
    get path() { return currentPath; },
  };
}
