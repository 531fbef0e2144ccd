// Holds every API answer the integration suite receives to the server's own OpenAPI document
// (GET /api/openapi.json, issue 11). The shared clients (helpers.mjs RawConn/request/get and
// api-client.mjs call) hand each response to checkApiResponse(), which throws — failing the
// test that received it — when the answer's status is not documented for that operation, its
// content type is not one the document lists, or its JSON body does not match the schema
// (ajv, JSON Schema draft 2020-12, the dialect of OpenAPI 3.1).
//
// Which answers are checked: those to /api, /api/… and /healthz (HEAD is checked as GET, status
// only). Static files, redirects, /ws/…, /metrics and the /api/docs page are not API answers.
//
// A few answers come from the HTTP glue or the router, before any route's handler runs, for any
// path; they are not listed per operation, but their body must still be the documented Error
// schema: TRANSPORT below, 404 not_found for a path no operation has, 405 method_not_allowed.
import https from 'node:https';
import { appendFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** Answers of the HTTP glue / router for any path: status → the error codes it uses. */
export const TRANSPORT = {
  400: ['bad_path', 'bad_request'],         // src/net/http_conn.c: unparseable path, no Host, bad Content-Length
  405: ['method_not_allowed'],              // a method the glue does not know, or the router's "not this method"
  411: ['length_required'],                 // a chunked request body
  413: ['body_too_large'],                  // over MAX_BODY_BYTES, before any route is chosen
  414: ['uri_too_long'],
  431: ['headers_too_large'],               // src/net/overflow.c
};

/** libwebsockets' own 403 page (not JSON, no security headers): the one non-JSON answer allowed. */
const LWS_403 = /^<html><head><meta charset=utf-8 [^>]*\/?><link rel="stylesheet" type="text\/css" href="\/error.css"\/><\/head><body><h1>403<\/h1><\/body><\/html>$/;

/** Paths under /api that are pages, not API answers. */
const NOT_API = new Set(['/api/docs', '/api/docs/']);

const DOC_ID = 'urn:pongd:openapi';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// ---------------------------------------------------------------------------
// Paths.

/**
 * The path pongd routes by, from a request target as sent: query dropped, percent-decoded,
 * repeated slashes collapsed, dot segments resolved. null when it cannot tell (absolute-form,
 * undecodable): such a request is not checked.
 */
export function routePath(target) {
  if (typeof target !== 'string' || !target.startsWith('/')) return null;
  let p = target.split('?')[0];
  try { p = decodeURIComponent(p); } catch { return null; }
  const trailing = p.length > 1 && /\/$/.test(p);
  const out = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}${trailing && out.length ? '/' : ''}`;
}

/** Is an answer to this target one the document must describe? */
export function isApiTarget(target) {
  const p = routePath(target);
  if (p === null || NOT_API.has(p)) return false;
  return p === '/api' || p.startsWith('/api/') || p === '/healthz' || p === '/healthz/';
}

/** A regex for a path template: "{x}" is one segment ("{id}"-like integer params: a positive decimal); trailing slash optional. */
function templateRegex(template, params) {
  const body = template.replace(/\/$/, '').split(/(\{[^}]+\})/).map((part) => {
    const m = /^\{([^}]+)\}$/.exec(part);
    if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const schema = params.find((x) => x.in === 'path' && x.name === m[1])?.schema;
    return schema?.type === 'integer' ? '[1-9][0-9]{0,17}' : '[^/]+';
  }).join('');
  return new RegExp(`^${body}/?$`);
}

// ---------------------------------------------------------------------------
// The checker for one document.

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out[k] = `${DOC_ID}#/$defs/${v.slice('#/components/schemas/'.length)}`;
      } else out[k] = rewriteRefs(v);
    }
    return out;
  }
  return node;
}

/** A new ajv for OpenAPI 3.1 schemas (draft 2020-12, formats, OpenAPI's own keywords and formats). */
export function newAjv() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
  addFormats(ajv);
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  for (const f of ['int32', 'int64', 'float', 'double']) ajv.addFormat(f, { type: 'number', validate: () => true });
  for (const f of ['password', 'binary']) ajv.addFormat(f, () => true);
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  return ajv;
}

/** The operations of a document: [{ method, path, id, op, params, regex }]. */
export function operationsOf(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const params = [...(item.parameters || []), ...(op.parameters || [])];
      ops.push({ method, path, id: op.operationId, op, params, regex: templateRegex(path, params) });
    }
  }
  return ops;
}

function mediaBase(ct) {
  return String(ct || '').split(';')[0].trim().toLowerCase();
}

function isJsonMedia(m) {
  return m === 'application/json' || /^application\/[^/]+\+json$/.test(m);
}

function bodyText(body) {
  if (body == null) return '';
  return Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
}

/**
 * Builds a checker for a parsed OpenAPI document. Returns
 * { doc, ops, check(method, target, { status, headers, body }) } where check throws an Error
 * naming the method, path, status and the problems when an API answer (isApiTarget) is not
 * documented; answers to other paths pass unchecked.
 */
export function makeChecker(doc) {
  const ajv = newAjv();
  ajv.addSchema({ $id: DOC_ID, $defs: rewriteRefs(structuredClone(doc.components?.schemas || {})) });
  const ops = operationsOf(doc);
  const compiled = new Map();
  const validator = (schema) => {
    const key = JSON.stringify(schema);
    let v = compiled.get(key);
    if (!v) {
      v = ajv.compile(rewriteRefs(structuredClone(schema)));
      compiled.set(key, v);
    }
    return v;
  };
  const errorSchema = { $ref: '#/components/schemas/Error' };

  function check(method, target, { status, headers = {}, body }) {
    if (!method || !isApiTarget(target)) return;
    const M = String(method).toUpperCase();
    const where = `${M} ${target} → ${status}`;
    const fail = (what, extra = '') => {
      const text = bodyText(body);
      throw new Error(`OpenAPI: ${where}: ${what}${extra ? `\n${extra}` : ''}\nbody: ${text.slice(0, 500)}${text.length > 500 ? '…' : ''}`);
    };
    const path = routePath(target);
    const m = M === 'HEAD' ? 'get' : M.toLowerCase();
    const head = M === 'HEAD';
    const ct = mediaBase(headers['content-type']);
    const text = bodyText(body);

    const validateJson = (schema, label) => {
      if (head) return;
      if (!isJsonMedia(ct)) fail(`${label}: content-type ${JSON.stringify(headers['content-type'] ?? null)} is not JSON`);
      let value;
      try { value = JSON.parse(text); } catch { fail(`${label}: the body is not JSON`); }
      const v = validator(schema);
      if (!v(value)) {
        fail(`${label}: the body does not match its schema: ${ajv.errorsText(v.errors, { dataVar: 'body' })}`,
          `ajv errors: ${JSON.stringify(v.errors, null, 1).slice(0, 2000)}`);
      }
    };
    const errorCode = () => {
      if (head || !isJsonMedia(ct)) return null;
      try { return JSON.parse(text)?.error?.code ?? null; } catch { return null; }
    };
    // an answer of the glue or the router, documented once for every path
    const transport = (matchedPath) => {
      const code = errorCode();   // HEAD: no body, the status alone
      const ok = head ? (status in TRANSPORT || (status === 404 && !matchedPath))
        : (TRANSPORT[status] || []).includes(code) || (status === 404 && !matchedPath && code === 'not_found');
      if (ok) validateJson(errorSchema, `transport-level ${status} ${code}`);
      return ok;
    };

    // libwebsockets 4.1 refuses some requests itself (e.g. a query with broken percent-encoding)
    // with its own HTML 403 page, before pongd sees them (docs/interface.md, "Known limits")
    if (status === 403 && ct === 'text/html' && LWS_403.test(text)) return;

    const matches = ops.filter((o) => o.regex.test(path));
    const op = matches.find((o) => o.method === m);
    if (!op) {
      if (transport(matches.length > 0)) return;
      const near = matches.map((o) => `${o.method.toUpperCase()} ${o.path}`).join(', ');
      fail(`no documented operation answers ${m.toUpperCase()} ${path}${near ? ` (the path has: ${near})` : ''}`);
    }
    const label = `${op.id} (${op.method.toUpperCase()} ${op.path})`;
    const responses = op.op.responses || {};
    const resp = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!resp) {
      if (transport(true)) return;
      fail(`status ${status} is not documented for ${label} (documented: ${Object.keys(responses).join(', ')})`);
    }
    if (head) return;
    const content = resp.content;
    if (!content || Object.keys(content).length === 0) {
      if (text.length > 0) fail(`${label} ${status} is documented without a body, got ${text.length} bytes (${headers['content-type'] ?? 'no content-type'})`);
      return;
    }
    const key = Object.keys(content).find((k) => k.toLowerCase() === ct)
      ?? Object.keys(content).find((k) => k.endsWith('/*') && ct.startsWith(k.slice(0, -1)))
      ?? Object.keys(content).find((k) => k === '*/*');
    if (!key) fail(`${label} ${status}: content-type ${JSON.stringify(headers['content-type'] ?? null)} is not documented (documented: ${Object.keys(content).join(', ')})`);
    if (isJsonMedia(mediaBase(key))) validateJson(content[key].schema ?? {}, `${label} ${status}`);
  }

  return { doc, ops, check, ajv };
}

// ---------------------------------------------------------------------------
// One document per server, cached by its base URL.

const checkers = new Map();   // base URL → Promise<checker>

/** GET <base>/api/openapi.json with node's https (not through the checked clients). */
export function fetchDocument(base, timeout = 10000) {
  return new Promise((resolve, reject) => {
    const req = https.get(`${base}/api/openapi.json`, { rejectUnauthorized: false, agent: false, timeout }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) { reject(new Error(`GET /api/openapi.json answered ${res.statusCode}: ${text.slice(0, 300)}`)); return; }
        try { resolve(JSON.parse(text)); } catch { reject(new Error(`GET /api/openapi.json is not JSON: ${text.slice(0, 300)}`)); }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeout} ms`)));
    req.on('error', reject);
  });
}

export const baseOf = (port) => `https://127.0.0.1:${port}`;

/** The checker of the server at `base` (fetched once; a failed fetch is retried next time). */
export function checkerFor(base) {
  let p = checkers.get(base);
  if (!p) {
    p = fetchDocument(base).then(makeChecker);
    checkers.set(base, p);
    p.catch(() => { if (checkers.get(base) === p) checkers.delete(base); });
  }
  return p;
}

/** Puts `checker` (makeChecker) in place of the document of `base` — for the tests of the checker itself. */
export function setChecker(base, checker) {
  checkers.set(base, Promise.resolve(checker));
}

/** A new server now listens at `base`: forget the document of any earlier one, and fetch its own. */
export function resetDocument(base) {
  checkers.delete(base);
  checkerFor(base).catch(() => { /* reported by the first check that needs it */ });
}

/**
 * Checks one answer if it is an API answer (see isApiTarget); throws when it is not documented.
 * `res`: { status, headers (lower-case keys), body (Buffer or string) }.
 */
export async function checkApiResponse(base, method, target, res) {
  if (!method || !isApiTarget(target)) return;
  let checker;
  try {
    checker = await checkerFor(base);
  } catch (e) {
    throw new Error(`OpenAPI: ${method} ${target} → ${res.status}: cannot check the answer, the document of ${base} could not be read: ${e.message}`);
  }
  try {
    checker.check(method, target, res);
    trace(`ok ${method} ${target.slice(0, 120)} ${res.status}`);
  } catch (e) {
    trace(`FAIL ${method} ${target.slice(0, 120)} ${res.status}`);
    throw e;
  }
}

/** OPENAPI_CHECK_TRACE=<file>: one line per checked answer (to see what the suite covers). */
function trace(line) {
  if (process.env.OPENAPI_CHECK_TRACE) appendFileSync(process.env.OPENAPI_CHECK_TRACE, `${line}\n`);
}
