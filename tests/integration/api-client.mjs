// A small JSON-over-HTTPS client for the API tests (node's https, one connection per call).
// Every answer to an API path is checked against the server's OpenAPI document
// (openapi-check.mjs): an undocumented status or a body off its schema throws.
import https from 'node:https';
import { checkApiResponse } from './openapi-check.mjs';

/**
 * One HTTPS request; resolves to { status, headers, json, text, body (Buffer) }.
 * `body`: an object (sent as JSON), a string (sent as is, content-type application/json unless
 * given), or a Buffer (sent as is, no default content-type). `chunked`: send the body without a
 * Content-Length (node then uses chunked transfer encoding). `localAddress`: the client's
 * address (any of 127.0.0.0/8 reaches the server on 127.0.0.1), for per-address limits.
 */
export async function call(server, method, path, { body, token, cookie, origin, headers = {}, chunked = false, localAddress } = {}) {
  const h = { ...headers };
  let payload = null;
  if (body !== undefined) {
    if (Buffer.isBuffer(body)) payload = body;
    else {
      payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      h['content-type'] ??= 'application/json';
    }
    if (!chunked) h['content-length'] = String(payload.length);
  }
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  if (origin) h.origin = origin;
  const res = await new Promise((resolve, reject) => {
    const req = https.request(`${server.base}${path}`, { method, headers: h, rejectUnauthorized: false, agent: false, ...(localAddress ? { localAddress } : {}) }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: r.statusCode, headers: r.headers, json, text, body: buf });
      });
    });
    req.on('error', reject);
    if (payload !== null) req.write(payload);
    req.end();
  });
  await checkApiResponse(server.base, method, path, res);
  return res;
}
