// GET /api/openapi.json (issue 11): the document is valid OpenAPI 3.1, lists what GET /api/
// lists, its response schemas are closed, and every operation it documents is called here —
// without credentials and with them — and answers a status it documents. The bodies of those
// answers (and of every other API answer of the suite) are checked against the document by the
// shared clients (openapi-check.mjs); the last tests show that checker refuses what it must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import { call } from './api-client.mjs';
import { useServer, registerUser, get, request, ROOT } from './helpers.mjs';
import { makeChecker, operationsOf, checkerFor, setChecker, resetDocument } from './openapi-check.mjs';
import { totp } from '../lib/totp.mjs';

let doc;           // the document as served
let me;            // a user for the operations that change nothing much
let other;         // another user: the default {id} of every path
const ctx = useServer({ AUTH_RATE: '10000' }, async () => {
  const r = await call(ctx.server, 'GET', '/api/openapi.json');
  assert.equal(r.status, 200, r.text);
  doc = r.json;
  me = await registerUser(ctx.server, 'oame');
  other = await registerUser(ctx.server, 'oaother');
});

const PNG = readFileSync(join(ROOT, 'tests/fixtures/images/ok.png'));

test('the document is valid OpenAPI 3.1 (@readme/openapi-parser)', async () => {
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  const result = await validate(structuredClone(doc));
  assert.ok(result.valid, `the document is not valid OpenAPI:\n${compileErrors(result)}`);
  assert.deepEqual(result.warnings, [], 'validator warnings');
  assert.equal(result.specification, 'OpenAPI');
});

test('the document is served as JSON, not cached stale, also to HEAD', async () => {
  const r = await get(ctx.server.httpsPort, '/api/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'] || '', /^application\/json\b/);
  assert.deepEqual(JSON.parse(r.body.toString('utf8')), doc);
  const h = await request(ctx.server.httpsPort, 'HEAD', '/api/openapi.json');
  assert.equal(h.status, 200);
});

test('GET /api/ and the document list the same operations (method, path, bearer auth)', async () => {
  const index = await call(ctx.server, 'GET', '/api/');
  assert.equal(index.status, 200);
  const fromIndex = index.json.endpoints
    .filter((e) => !e.path.startsWith('/ws/'))
    .map((e) => `${e.method} ${e.path}${e.auth === 'bearer' ? ' (bearer)' : ''}`).sort();
  const fromDoc = operationsOf(doc)
    .map((o) => `${o.method.toUpperCase()} ${o.path}${(o.op.security || []).some((s) => 'bearerAuth' in s) ? ' (bearer)' : ''}`).sort();
  assert.deepEqual(fromDoc, fromIndex);
  const ids = operationsOf(doc).map((o) => o.id);
  assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every operation has an operationId');
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

// ---------------------------------------------------------------------------
// Closed response schemas.

/**
 * Every object schema reachable from a response (through $ref, properties, items, prefixItems,
 * additionalProperties, anyOf/oneOf/allOf, not, if/then/else) that is not closed: it must list
 * `required` and set `additionalProperties: false`. A map ({type: object, additionalProperties:
 * <schema>}, no properties) is typed, not open. Returns messages naming schema and path.
 */
function openResponseSchemas(document) {
  const schemas = document.components?.schemas || {};
  const problems = [];
  const visited = new Set();
  // The document's own schema: its top level is closed; what is under info, paths and
  // components is the OpenAPI structure, which validate() checks completely.
  const openByDesign = (where) => /^OpenApiDocument\.properties\.(info|servers|tags|paths|components)\b/.test(where);
  const walk = (schema, where, from) => {
    if (!schema || typeof schema !== 'object') return;
    if (typeof schema.$ref === 'string') {
      const m = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
      if (!m || !(m[1] in schemas)) problems.push(`${where} (from ${from}): $ref ${schema.$ref} does not resolve`);
      else if (!visited.has(m[1])) {
        visited.add(m[1]);
        walk(schemas[m[1]], m[1], from);
      }
    }
    const types = [].concat(schema.type ?? []);
    if ((types.includes('object') || 'properties' in schema) && !openByDesign(where)) {
      const map = !schema.properties && schema.additionalProperties && typeof schema.additionalProperties === 'object';
      if (!map) {
        if (!Array.isArray(schema.required)) problems.push(`${where} (from ${from}): an object schema without "required"`);
        if (schema.additionalProperties !== false) problems.push(`${where} (from ${from}): an object schema without "additionalProperties": false`);
      }
    }
    for (const [k, v] of Object.entries(schema.properties || {})) walk(v, `${where}.properties.${k}`, from);
    for (const [k, v] of Object.entries(schema.patternProperties || {})) walk(v, `${where}.patternProperties.${k}`, from);
    for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'unevaluatedProperties']) {
      if (schema[key] && typeof schema[key] === 'object') walk(schema[key], `${where}.${key}`, from);
    }
    for (const key of ['prefixItems', 'anyOf', 'oneOf', 'allOf']) {
      (schema[key] || []).forEach((s, i) => walk(s, `${where}.${key}[${i}]`, from));
    }
  };
  for (const { method, path, op } of operationsOf(document)) {
    for (const [status, resp] of Object.entries(op.responses || {})) {
      for (const [media, content] of Object.entries(resp.content || {})) {
        const from = `${method.toUpperCase()} ${path} ${status} ${media}`;
        walk(content.schema, `${from} schema`, from);
      }
    }
  }
  return problems;
}

test('every response schema lists its required properties and sets additionalProperties: false', () => {
  assert.deepEqual(openResponseSchemas(doc), []);
});

test('the closed-schema check itself finds an open schema, a missing required and a nested one', () => {
  const d = structuredClone(doc);
  d.components.schemas.Health.additionalProperties = true;
  delete d.components.schemas.Me.required;
  d.components.schemas.AccountExport.properties.account.additionalProperties = true;
  const p = openResponseSchemas(d).join('\n');
  assert.match(p, /^Health \(from GET \/healthz 200 application\/json\): an object schema without "additionalProperties": false$/m);
  assert.match(p, /^Me \(from .*\): an object schema without "required"$/m);
  assert.match(p, /^AccountExport\.properties\.account \(from GET \/api\/users\/me\/export 200 application\/json\): .*additionalProperties/m);
});

// ---------------------------------------------------------------------------
// Every documented operation, called without and with credentials.

let seq = 0;
const unique = (p) => `${p}${process.pid % 10000}_${(seq += 1)}`;

/** The live sessions of a user: their ids. */
async function sessionIds(user) {
  const r = await call(ctx.server, 'GET', '/api/auth/sessions', { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.json.sessions.map((s) => s.id);
}

/**
 * A valid request per operationId. Every operation of the document needs an entry here, so a
 * new route fails this file until it gets one. Fields:
 *   fresh: the operation spoils its user (logout, delete…): it gets a newly registered one;
 *   build(env) → { params, query, body, headers, expect }: env = { user, other, server };
 *     params fills {name} in the path (default: other's user id), query the query string,
 *     body the request body (object: JSON; Buffer: as is), expect the statuses the call with
 *     credentials must give (default: any 2xx).
 * build runs once for each of the two calls.
 */
const EXAMPLES = {
  getApiIndex: {},
  getOpenApi: {},
  getHealth: {},
  getMetrics: {},
  register: {
    build: () => {
      const username = unique('oareg');
      return { body: { username, email: `${username.toLowerCase()}@example.org`, password: 'a long and unusual passphrase 41' } };
    },
  },
  login: { build: ({ user }) => ({ body: { username: user.username, password: user.password } }) },
  refresh: { fresh: true },
  logout: { fresh: true },
  restoreSession: { fresh: true },
  // Log in with 42 is not configured on this server (oauth.test.mjs runs it against the stand-in)
  oauthProviders: {},
  oauth42Start: { build: () => ({ expect: [302] }) },
  oauth42LinkStart: { build: () => ({ expect: [404] }) },
  oauth42Callback: { build: () => ({ query: { state: 'a'.repeat(43), code: 'c' }, expect: [302] }) },
  oauth42Status: {},
  oauth42Unlink: { build: () => ({ expect: [404] }) },
  logoutAll: { fresh: true },
  listSessions: {},
  // the second factor (issue 15): a fresh user's setup, enabled with the code of its secret
  getTwoFactor: {},
  setupTotp: { fresh: true },
  enableTotp: {
    fresh: true,
    build: async ({ server, user }) => {
      const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: user.token });
      assert.equal(s.status, 200, s.text);
      return { body: { code: totp(s.json.secret) } };
    },
  },
  // no SMTP_URL on this server: email codes cannot be chosen
  setupEmailCodes: { build: () => ({ expect: [409] }) },
  enableEmailCodes: { build: () => ({ body: { challenge: 'a'.repeat(43), code: '123456' }, expect: [401] }) },
  // mailed links (email-verify.test.mjs and password-reset.test.mjs follow them through an SMTP sink)
  verifyEmail: { build: () => ({ body: { token: 'a'.repeat(43) }, expect: [400] }) },
  resendEmailVerification: { build: () => ({ expect: [409] }) },
  requestPasswordReset: { build: () => ({ body: { email: 'nobody@example.org' }, expect: [409] }) },
  confirmPasswordReset: { build: () => ({ body: { token: 'a'.repeat(43), password: 'a new long passphrase' }, expect: [400] }) },
  disableTwoFactor: {
    fresh: true,
    // build runs for both calls: TOTP is switched on once, each call spends a recovery code
    build: async ({ server, user }) => {
      if (!recoveryOf.has(user.user.id)) {
        const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: user.token });
        const e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: user.token, body: { code: totp(s.json.secret) } });
        assert.equal(e.status, 200, e.text);
        recoveryOf.set(user.user.id, e.json.recovery_codes);
        // switching it on voided the access tokens issued before: the page's refresh
        const r = await call(server, 'POST', '/api/auth/refresh', { cookie: user.cookie, origin: server.origin });
        assert.equal(r.status, 200, r.text);
        user.token = r.json.access_token;
        user.cookie = [].concat(r.headers['set-cookie']).find((c) => c.startsWith('refresh=')).split(';')[0];
      }
      return { body: { password: user.password, code: recoveryOf.get(user.user.id).shift() } };
    },
  },
  verifyTwoFactor: {
    build: async ({ server }) => {
      // a user with TOTP on, logging in: the challenge and a recovery code
      const u = await registerUser(server, 'oa2fa');
      const s = await call(server, 'POST', '/api/auth/2fa/totp/setup', { token: u.token });
      const e = await call(server, 'POST', '/api/auth/2fa/totp/enable', { token: u.token, body: { code: totp(s.json.secret) } });
      const l = await call(server, 'POST', '/api/auth/login', { body: { username: u.username, password: u.password } });
      assert.equal(l.json.two_factor_required, true, l.text);
      return { body: { challenge: l.json.challenge, recovery_code: e.json.recovery_codes[0] } };
    },
  },
  revokeSession: { fresh: true, build: async ({ user }) => ({ params: { id: (await sessionIds(user))[0] } }) },
  getMe: {},
  updateMe: { build: () => ({ body: { language: 'fr' } }) },
  deleteMe: { fresh: true, build: ({ user }) => ({ body: { password: user.password } }) },
  exportMe: {},
  putAvatar: { build: () => ({ body: PNG, headers: { 'content-type': 'image/png' } }) },
  deleteAvatar: {},
  lookupUser: { build: ({ other: o }) => ({ query: { display_name: o.user.display_name } }) },
  getUser: {},
  getAvatar: {},
  listFriends: {},
  requestFriend: {
    // a new target each time, so the request is new (201)
    build: async ({ server }) => ({ params: { id: (await registerUser(server, 'oafr')).user.id } }),
  },
  acceptFriend: {
    fresh: true,
    // someone asked the user first
    build: async ({ server, user }) => {
      const asker = await registerUser(server, 'oaask');
      const r = await call(server, 'POST', `/api/friends/${user.user.id}`, { token: asker.token });
      assert.equal(r.status, 201, r.text);
      return { params: { id: asker.user.id } };
    },
  },
  removeFriend: {
    fresh: true,
    // the user asked someone: removing cancels the request
    build: async ({ server, user }) => {
      const target = await registerUser(server, 'oarm');
      const r = await call(server, 'POST', `/api/friends/${target.user.id}`, { token: user.token });
      assert.equal(r.status, 201, r.text);
      return { params: { id: target.user.id } };
    },
  },
  listBlocks: {},
  blockUser: {},
  unblockUser: {},
  listInvites: {},
  createInvite: {
    build: async ({ server }) => ({ body: { user_id: (await registerUser(server, 'oainv')).user.id, options: GAME_OPTIONS } }),
  },
  acceptInvite: { fresh: true, build: async ({ server, user }) => ({ params: { id: await inviteTo(server, user) } }) },
  declineInvite: { fresh: true, build: async ({ server, user }) => ({ params: { id: await inviteTo(server, user) } }) },
  cancelInvite: {
    fresh: true,
    build: async ({ server, user }) => {
      const target = await registerUser(server, 'oacan');
      const r = await call(server, 'POST', '/api/invites', { token: user.token, body: { user_id: target.user.id, options: GAME_OPTIONS } });
      assert.equal(r.status, 201, r.text);
      return { params: { id: r.json.id } };
    },
  },
  getGame: { build: async ({ server }) => ({ params: { id: (await newGame(server)).gameId } }) },
  getReplay: {
    // a finished game: started between two others, then resigned, then stored
    build: async ({ server }) => {
      const g = await newGame(server);
      const r = await call(server, 'POST', `/api/games/${g.gameId}/resign`, { token: g.host.token });
      assert.equal(r.status, 204, r.text);
      for (let i = 0; i < 100; i++) {
        const s = await call(server, 'GET', `/api/games/${g.gameId}`, { token: g.host.token });
        if (s.json?.status !== 'live') break;
        await new Promise((res) => setTimeout(res, 50));
      }
      return { params: { id: g.gameId } };
    },
  },
  listGames: { build: () => ({ query: { status: 'live' } }) },
  listUserMatches: { build: () => ({ query: { page: 1, per_page: 5 } }) },
  searchUsers: { build: ({ other: o }) => ({ query: { search: o.user.display_name.slice(0, 4) } }) },
  enterQueue: { fresh: true },
  leaveQueue: {},
  getQueue: {},
  // a game the user just resigned: asking for its rematch is an offer
  rematchGame: {
    fresh: true,
    build: async ({ server, user }) => {
      const gameId = await acceptedBy(server, user);
      const r = await call(server, 'POST', `/api/games/${gameId}/resign`, { token: user.token });
      assert.equal(r.status, 204, r.text);
      for (let i = 0; i < 100; i++) {
        const s = await call(server, 'GET', `/api/games/${gameId}`, { token: user.token });
        if (s.json?.status !== 'live') break;
        await new Promise((res) => setTimeout(res, 50));
      }
      return { params: { id: gameId } };
    },
  },
  cancelRematch: {},
  // one live game per account: the call without and the call with credentials share it
  resignGame: {
    fresh: true,
    build: async ({ server, user }) => {
      if (!liveGameOf.has(user.user.id)) liveGameOf.set(user.user.id, await acceptedBy(server, user));
      return { params: { id: liveGameOf.get(user.user.id) } };
    },
  },
  // the chat (issue 13): rooms are opened by joining; a new room per call where a route changes one
  listChatRooms: { build: () => ({ query: { q: 'oa', limit: 10 } }) },
  joinChatRoom: {},
  leaveChatRoom: { build: async ({ server, user }) => ({ params: { name: await chatRoom(server, user, 'oaleave') } }) },
  getChatRoom: { build: async ({ server, user }) => ({ params: { name: await chatRoom(server, user, 'oaroom') } }) },
  getChatRoomMessages: {
    build: async ({ server, user }) => ({ params: { name: await chatRoom(server, user, 'oaroom') }, query: { before: 10, limit: 5 } }),
  },
  postChatRoomMessage: {
    build: async ({ server, user }) => ({ params: { name: await chatRoom(server, user, 'oaroom') }, body: { text: 'hello <b>room</b>' } }),
  },
  readChatRoom: { build: async ({ server, user }) => ({ params: { name: await chatRoom(server, user, 'oaroom') }, body: { seq: 1 } }) },
  deleteChatMessage: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      const r = await call(server, 'POST', `/api/chat/rooms/${name}/messages`, { token: member.token, body: { text: 'to delete' } });
      assert.equal(r.status, 201, r.text);
      return { params: { name, seq: r.json.seq } };
    },
  },
  muteChatMember: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      return { params: { name }, body: { user_id: member.user.id, seconds: 60, reason: 'calm down' } };
    },
  },
  kickChatMember: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      return { params: { name }, body: { user_id: member.user.id } };
    },
  },
  banChatMember: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      return { params: { name }, body: { user_id: member.user.id, reason: 'spam' } };
    },
  },
  unbanChatMember: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      const r = await call(server, 'POST', `/api/chat/rooms/${name}/ban`, { token: user.token, body: { user_id: member.user.id } });
      assert.equal(r.status, 204, r.text);
      return { params: { name, user_id: member.user.id } };
    },
  },
  addChatModerator: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      return { params: { name, user_id: member.user.id } };
    },
  },
  removeChatModerator: {
    fresh: true,
    build: async ({ server, user }) => {
      const { name, member } = await chatRoomWithMember(server, user);
      const r = await call(server, 'PUT', `/api/chat/rooms/${name}/moderators/${member.user.id}`, { token: user.token });
      assert.equal(r.status, 204, r.text);
      return { params: { name, user_id: member.user.id } };
    },
  },
  listChatActions: { fresh: true, build: async ({ server, user }) => ({ params: { name: (await chatRoomWithMember(server, user)).name } }) },
  listChatConversations: {},
  getChatDirectMessages: { build: () => ({ query: { since: 0 } }) },
  postChatDirectMessage: { build: () => ({ body: { text: 'hello' } }) },
  readChatDirect: { build: () => ({ body: { seq: 0 } }) },
  getChatSystemMessages: {},
  readChatSystem: { build: () => ({ body: { seq: 0 } }) },
  reportChat: { build: ({ other: o }) => ({ body: { user_id: o.user.id, reason: 'a test report' } }) },
  listChatReports: {},
  // the admin role: these users are no administrators (tests/integration/admin.test.mjs drives the routes as one)
  getAdminStatus: {},
  listAdminUsers: { build: () => ({ query: { q: 'oa', limit: 5, offset: 0 }, expect: [403] }) },
  banUser: { build: () => ({ body: { reason: 'example' }, expect: [403] }) },
  unbanUser: { build: () => ({ expect: [403] }) },
  unmuteUser: { build: () => ({ expect: [403] }) },
  listAuditLog: { build: () => ({ query: { limit: 5 }, expect: [403] }) },
};

/** `user` joins (or opens) the room `prefix` + their id: its name. */
async function chatRoom(server, user, prefix) {
  const name = `${prefix}${user.user.id}`;
  const r = await call(server, 'POST', `/api/chat/rooms/${name}/join`, { token: user.token });
  assert.ok(r.status === 200 || r.status === 201, r.text);
  return name;
}

let chatRooms = 0;
/** A new room `user` owns, and a new user who joined it. */
async function chatRoomWithMember(server, user) {
  chatRooms += 1;
  const name = await chatRoom(server, user, `oamod${chatRooms}x`);
  const member = await registerUser(server, 'oachat');
  const r = await call(server, 'POST', `/api/chat/rooms/${name}/join`, { token: member.token });
  assert.equal(r.status, 200, r.text);
  return { name, member };
}

const liveGameOf = new Map();
const recoveryOf = new Map();
const GAME_OPTIONS = { ball_speed: 1, paddle_size: 1, winning_score: 1, map: 0, powerups: 0 };

/** A new user invites `user`: the invite's id. */
async function inviteTo(server, user) {
  const host = await registerUser(server, 'oahost');
  const r = await call(server, 'POST', '/api/invites', { token: host.token, body: { user_id: user.user.id, options: GAME_OPTIONS } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

/** `user` accepts a new user's invite: the live game's id. */
async function acceptedBy(server, user) {
  const id = await inviteTo(server, user);
  const r = await call(server, 'POST', `/api/invites/${id}/accept`, { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.json.game_id;
}

/** A live game between two new users. */
async function newGame(server) {
  const guest = await registerUser(server, 'oaguest');
  const host = await registerUser(server, 'oahost');
  const r = await call(server, 'POST', '/api/invites', { token: host.token, body: { user_id: guest.user.id, options: GAME_OPTIONS } });
  assert.equal(r.status, 201, r.text);
  const a = await call(server, 'POST', `/api/invites/${r.json.id}/accept`, { token: guest.token });
  assert.equal(a.status, 200, a.text);
  return { host, guest, gameId: a.json.game_id };
}

const needsBearer = (op) => {
  const sec = op.security ?? doc.security ?? [];
  return sec.length > 0 && sec.every((s) => 'bearerAuth' in s);
};
const usesRefreshCookie = (op) => (op.security ?? doc.security ?? []).some((s) => 'refreshCookie' in s);

/** The request for `o` from its example: { target, body, headers, expect }. */
async function requestFor(o, example, env) {
  const built = (await example.build?.(env)) || {};
  const params = built.params || {};
  const path = o.path.replace(/\{([^}]+)\}/g, (_, name) => String(params[name] ?? env.other.user.id));
  const query = new URLSearchParams();
  for (const p of o.params.filter((x) => x.in === 'query')) {
    const v = built.query?.[p.name];
    if (v !== undefined) query.set(p.name, String(v));
    else assert.ok(!p.required, `${o.id}: the example gives no value for the required query parameter ${p.name}`);
  }
  if (o.op.requestBody?.required) assert.ok(built.body !== undefined, `${o.id}: the example has no request body`);
  const q = query.toString();
  return { target: q ? `${path}?${q}` : path, body: built.body, headers: built.headers || {}, expect: built.expect };
}

test('every documented operation has an example request here (a new route needs one)', () => {
  const missing = operationsOf(doc).map((o) => o.id).filter((id) => !(id in EXAMPLES));
  assert.deepEqual(missing, [], `operations without an entry in EXAMPLES (tests/integration/openapi.test.mjs): ${missing.join(', ')}`);
  const stale = Object.keys(EXAMPLES).filter((id) => !operationsOf(doc).some((o) => o.id === id));
  assert.deepEqual(stale, [], 'EXAMPLES entries for operations the document no longer has');
});

test('every documented operation answers a documented status without and with credentials', async (t) => {
  const server = ctx.server;
  for (const o of operationsOf(doc)) {
    await t.test(`${o.id}: ${o.method.toUpperCase()} ${o.path}`, async () => {
      const example = EXAMPLES[o.id];
      assert.ok(example, `no entry for ${o.id} in EXAMPLES`);
      const documented = Object.keys(o.op.responses || {});
      const user = example.fresh ? await registerUser(server, 'oafresh') : me;
      const env = { user, other, server };
      const M = o.method.toUpperCase();

      // (a) no token, no cookie, no Origin
      const a = await requestFor(o, example, env);
      const ra = await call(server, M, a.target, { body: a.body, headers: a.headers });
      assert.ok(documented.includes(String(ra.status)), `${M} ${a.target} without credentials → ${ra.status}, documented: ${documented}`);
      if (needsBearer(o.op)) {
        assert.equal(ra.status, 401, `${M} ${a.target} needs a bearer token: ${ra.text}`);
        assert.ok(['unauthorized', 'token_expired'].includes(ra.json?.error?.code), ra.text);
      }

      // (b) a valid bearer token (and the refresh cookie with our Origin where the operation reads it)
      const b = await requestFor(o, example, env);
      const creds = { token: user.token };
      if (usesRefreshCookie(o.op)) Object.assign(creds, { cookie: user.cookie, origin: server.origin });
      const rb = await call(server, M, b.target, { body: b.body, headers: b.headers, ...creds });
      assert.ok(documented.includes(String(rb.status)), `${M} ${b.target} with credentials → ${rb.status}, documented: ${documented}`);
      if (b.expect) assert.ok(b.expect.includes(rb.status), `${M} ${b.target} with credentials → ${rb.status} ${rb.text}, expected ${b.expect}`);
      else assert.ok(rb.status >= 200 && rb.status < 300, `${M} ${b.target} with credentials → ${rb.status} ${rb.text}: the example should succeed`);
    });
  }
});

test('the fresh users of destructive operations did not touch the shared ones', async () => {
  assert.equal((await call(ctx.server, 'GET', '/api/users/me', { token: me.token })).status, 200);
  assert.equal((await call(ctx.server, 'GET', '/api/users/me', { token: other.token })).status, 200);
  const r = await call(ctx.server, 'POST', '/api/auth/refresh', { cookie: me.cookie, origin: ctx.server.origin });
  assert.equal(r.status, 200, `me's session is still alive: ${r.text}`);
});

// ---------------------------------------------------------------------------
// The response checker of the shared clients refuses what it must (on copies of the document).

test('the response checker: undocumented status, body off its schema, wrong content type, unknown path', () => {
  const ok = makeChecker(doc);
  const json = { 'content-type': 'application/json' };
  const health = (body, status = 200, headers = json) => ({ status, headers, body: JSON.stringify(body) });
  // the real document accepts a real answer
  ok.check('GET', '/healthz', health({ status: 'ok', uptime_seconds: 3 }));
  ok.check('HEAD', '/healthz', { status: 200, headers: json, body: '' });
  ok.check('GET', '/api/users/12/avatar?v=3', { status: 200, headers: { 'content-type': 'image/webp' }, body: Buffer.from('RIFF') });
  ok.check('GET', '/api/nope', health({ error: { code: 'not_found', message: 'No such API endpoint.' } }, 404));
  ok.check('POST', '/api/', health({ error: { code: 'body_too_large', message: 'x' } }, 413));
  ok.check('DELETE', '/healthz', health({ error: { code: 'method_not_allowed', message: 'x' } }, 405));
  ok.check('GET', '/static/app.js', { status: 200, headers: {}, body: 'not an API answer' });

  const refused = (fn, re) => assert.throws(fn, re);
  refused(() => ok.check('GET', '/healthz', health({ status: 'ok', uptime_seconds: 3 }, 201)),
    /OpenAPI: GET \/healthz → 201: status 201 is not documented for getHealth/);
  refused(() => ok.check('GET', '/healthz', health({ status: 'ok', uptime_seconds: 3, extra: 1 })),
    /GET \/healthz → 200: getHealth .* does not match its schema: .*must NOT have additional properties/);
  refused(() => ok.check('GET', '/healthz', health({ status: 'ok' })), /must have required property 'uptime_seconds'/);
  refused(() => ok.check('GET', '/healthz', health({ status: 'ok', uptime_seconds: -1 })), /uptime_seconds must be >= 0/);
  refused(() => ok.check('GET', '/healthz', health({ status: 'ok', uptime_seconds: 1 }, 200, { 'content-type': 'text/html' })),
    /content-type "text\/html" is not documented/);
  refused(() => ok.check('GET', '/healthz', { status: 200, headers: json, body: '{"status":' }), /the body is not JSON/);
  refused(() => ok.check('POST', '/api/auth/logout', { status: 204, headers: json, body: '{}' }), /documented without a body/);
  refused(() => ok.check('GET', '/api/users/12/avatar', { status: 200, headers: { 'content-type': 'image/gif' }, body: 'GIF' }),
    /content-type "image\/gif" is not documented/);
  refused(() => ok.check('GET', '/api/users/me', health({ error: { code: 'teapot', message: 'x' } }, 418)), /status 418 is not documented for getMe/);
  // transport-level answers: only their own codes, and only in the Error schema
  refused(() => ok.check('GET', '/api/users/me', health({ error: { code: 'not_found', message: 'x' } }, 404)), /status 404 is not documented for getMe/);
  refused(() => ok.check('POST', '/api/', health({ error: { code: 'body_too_large' } }, 413)), /must have required property 'message'/);
  refused(() => ok.check('GET', '/api/nope', { status: 200, headers: json, body: '{}' }), /no documented operation answers GET \/api\/nope/);
  // libwebsockets' own 403 page (a refusal before pongd sees the request) is the one HTML answer let through
  const lws = '<html><head><meta charset=utf-8 http-equiv="Content-Language" content="en"/><link rel="stylesheet" type="text/css" href="/error.css"/></head><body><h1>403</h1></body></html>';
  ok.check('GET', '/api/users/lookup?display_name=%zz', { status: 403, headers: { 'content-type': 'text/html' }, body: lws });
  refused(() => ok.check('GET', '/api/users/me', { status: 403, headers: { 'content-type': 'text/html' }, body: '<h1>403</h1>' }),
    /status 403 is not documented for getMe/);

  // a broken schema in a copy of the document: the same real answer now fails
  const broken = structuredClone(doc);
  broken.components.schemas.Health.properties.uptime_seconds = { type: 'string' };
  refused(() => makeChecker(broken).check('GET', '/healthz', health({ status: 'ok', uptime_seconds: 3 })), /uptime_seconds must be string/);
  const lost = structuredClone(doc);
  delete lost.paths['/healthz'].get.responses['200'];
  lost.paths['/healthz'].get.responses['204'] = { description: 'x' };
  refused(() => makeChecker(lost).check('GET', '/healthz', health({ status: 'ok', uptime_seconds: 3 })), /status 200 is not documented/);
});

test('the shared clients throw on an answer the document does not describe', async () => {
  // Real requests whose real answers are checked against a deliberately wrong copy of the
  // document, put in place of this server's for the time of the calls.
  const wrong = structuredClone((await checkerFor(ctx.server.base)).doc);
  wrong.components.schemas.Health.required.push('version');
  delete wrong.paths['/api/users/me'].get.responses['401'];
  setChecker(ctx.server.base, makeChecker(wrong));
  try {
    const re = /OpenAPI: GET \/healthz → 200: getHealth \(GET \/healthz\) 200: the body does not match its schema: body must have required property 'version'/;
    await assert.rejects(call(ctx.server, 'GET', '/healthz'), re, 'api-client call');
    await assert.rejects(get(ctx.server.httpsPort, '/healthz'), re, 'helpers get');
    await assert.rejects(request(ctx.server.httpsPort, 'HEAD', '/api/users/me'),
      /OpenAPI: HEAD \/api\/users\/me → 401: status 401 is not documented for getMe/, 'helpers request, HEAD');
    await assert.rejects(call(ctx.server, 'GET', '/api/users/me', { token: 'not.a.token' }), /status 401 is not documented for getMe/);
  } finally {
    resetDocument(ctx.server.base);
  }
  assert.equal((await call(ctx.server, 'GET', '/healthz')).status, 200, 'the real document again');
  assert.equal((await request(ctx.server.httpsPort, 'HEAD', '/api/users/me')).status, 401);
});
