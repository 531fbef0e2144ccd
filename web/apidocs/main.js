// The interactive API docs page, /api/docs (web/apidocs/apidocs.html): Swagger UI over
// /api/openapi.json, bundled from swagger-ui-dist into our own static files.
//
// The CSP (docs/interface.md) stays strict: this file is the only script; Swagger UI's
// BaseLayout with only the `apis` preset, because the standalone preset (top bar) injects an
// inline <style>; no online validator (validatorUrl: null); React sets styles through the
// CSSOM, which style-src does not govern.
//
// Logging in: a 2xx answer of POST /api/auth/login, /register or /refresh carrying an
// `access_token` authorizes (bearerAuth) the later "Try it out" calls of this page; a 2xx
// answer of /api/auth/logout forgets it. The token lives only in this page's memory, like
// the app's; the refresh cookie (HttpOnly, Path=/api/auth) goes along by itself.
import './apidocs.css';
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';

const SCHEME = 'bearerAuth';
const TOKEN_PATHS = new Set(['/api/auth/login', '/api/auth/register', '/api/auth/refresh']);
const LOGOUT_PATH = '/api/auth/logout';

/** The path of a response's URL (relative URLs against this page). */
function pathOf(url) {
  try {
    return new URL(url, window.location.href).pathname;
  } catch {
    return '';
  }
}

/** The access token a successful login / register / refresh answered, or null. */
function answeredToken(res) {
  if (!res || !res.ok || !TOKEN_PATHS.has(pathOf(res.url))) return null;
  const body = res.body ?? res.obj;
  const token = body && typeof body === 'object' ? body.access_token : undefined;
  return typeof token === 'string' && token !== '' ? token : null;
}

function start() {
  let ui = null;
  ui = SwaggerUI({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    presets: [SwaggerUI.presets.apis],
    deepLinking: true,
    validatorUrl: null,
    displayRequestDuration: true,
    filter: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    responseInterceptor(res) {
      if (!ui) return res;
      const token = answeredToken(res);
      if (token) ui.preauthorizeApiKey(SCHEME, token);
      else if (res.ok && pathOf(res.url) === LOGOUT_PATH) ui.authActions.logout([SCHEME]);
      return res;
    },
  });
  window.ui = ui;   // for the console (and the browser tests), as Swagger UI's own page does
}

start();
