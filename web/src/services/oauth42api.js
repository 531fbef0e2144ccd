// Log in with 42's routes (src/api/api_oauth.c) over the session's client `api(path, opts)`
// (app/session.js). The login itself is a navigation, not a request: the page links to
// START_URL and the server's redirects do the rest.
import { parseLinkStatus, parseProviders } from '../domain/oauth42.js';

export function createOauth42Api(api) {
  return {
    /** { enabled, startUrl }: may the login and register pages offer the button? */
    providers: async () => parseProviders(await api('/api/auth/oauth/providers', { auth: false })),
    /** { enabled, linked, login, hasPassword } of the logged-in account */
    status: async () => {
      const s = parseLinkStatus(await api('/api/auth/oauth/42/status'));
      if (!s) throw Object.assign(new Error('unexpected answer to oauth42/status'), { status: 500, code: 'bad_response' });
      return s;
    },
    /** Starts linking: the provider's URL the browser must go to (the state cookie is set) */
    linkUrl: async () => {
      const res = await api('/api/auth/oauth/42/link', { method: 'POST' });
      if (typeof res?.url !== 'string' || !/^https:\/\//.test(res.url)) {
        throw Object.assign(new Error('unexpected answer to oauth42/link'), { status: 500, code: 'bad_response' });
      }
      return res.url;
    },
    unlink: () => api('/api/auth/oauth/42', { method: 'DELETE' }),
  };
}
