// A small JSON-over-HTTPS client for the API tests (node's https, one connection per call).
import https from 'node:https';

/** One HTTPS request; resolves to { status, headers, json, text }. */
export function call(server, method, path, { body, token, cookie, origin, headers = {} } = {}) {
  const h = { ...headers };
  let payload = null;
  if (body !== undefined) {
    payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    h['content-type'] ??= 'application/json';
    h['content-length'] = String(payload.length);
  }
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  if (origin) h.origin = origin;
  return new Promise((resolve, reject) => {
    const req = https.request(`${server.base}${path}`, { method, headers: h, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (payload !== null) req.write(payload);
    req.end();
  });
}

