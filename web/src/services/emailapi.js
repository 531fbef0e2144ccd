// The mailed links' routes (src/api/api_email.c). `api(path, opts)` is the session's client
// (app/session.js: resolves to the JSON answer, throws ApiError). Confirming an address and
// the password reset need no login (the link may be opened in another browser): auth: false.
export function createEmailApi(api) {
  const post = (path, json, auth = false) => api(path, { method: 'POST', auth, ...(json ? { json } : {}) });
  return {
    /** Confirms the address of the link's token. */
    verify: (token) => post('/api/auth/email/verify', { token }),
    /** Mails the logged-in user another confirmation link: { email } */
    resend: () => post('/api/auth/email/verify/resend', null, true),
    /** Asks for a reset link; the same answer whether or not the address is known. */
    requestReset: (email) => post('/api/auth/password/reset', { email }),
    /** Sets the new password with the reset link's token (every session ends; no login). */
    confirmReset: (token, password) => post('/api/auth/password/reset/confirm', { token, password }),
  };
}

/** The `token` query parameter of a mailed link's page, or '' (the server judges its shape). */
export function tokenFromSearch(search) {
  const token = new URLSearchParams(search || '').get('token') ?? '';
  return token.length <= 200 ? token : '';
}
