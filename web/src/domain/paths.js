// Paths the server answers itself (docs/interface.md): never routed client-side, never a
// place to come back to after logging in.
const SERVER_PREFIXES = ['/api/', '/ws/', '/static/'];
const SERVER_PATHS = ['/api', '/healthz', '/metrics', '/favicon.ico'];

/** True when `path` belongs to the server rather than to the app. */
export function isServerPath(path) {
  return SERVER_PATHS.includes(path) || SERVER_PREFIXES.some((p) => path.startsWith(p));
}
