// The chat's REST routes (docs/chat.md "REST"), plus the block and invite routes the chat's
// actions use. `api(path, { method, json })` is the session's authenticated client
// (app/session.js api(): resolves to the JSON answer, throws ApiError); this module only
// knows the paths and the shapes of the answers.
import { parseChannel } from '../domain/chatlog.js';

const room = (name) => `/api/chat/rooms/${encodeURIComponent(name)}`;

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The base path of a channel's messages: a room, a DM or the system channel. */
export function channelPath(channel) {
  const c = parseChannel(channel);
  if (!c) throw new Error(`bad channel ${channel}`);
  if (c.kind === 'room') return room(c.name);
  if (c.kind === 'dm') return `/api/chat/dm/${c.peer}`;
  return '/api/chat/system';
}

/** The list under `name` in an answer ({ rooms: […] }, { messages: […] }…), else []. */
export function listOf(answer, name) {
  return Array.isArray(answer?.[name]) ? answer[name] : [];
}

/** The chat API over `api`. Every method returns the promise of the server's answer. */
export function createChatApi(api) {
  return {
    rooms: (q = '', limit = 50) => api(`/api/chat/rooms${query({ q, limit })}`),
    join: (name) => api(`${room(name)}/join`, { method: 'POST' }),
    leave: (name) => api(`${room(name)}/leave`, { method: 'POST' }),
    room: (name) => api(room(name)),
    conversations: () => api('/api/chat/conversations'),
    /** History: { before } pages back, { since } resumes, neither gives the newest. */
    history: (channel, { before, since, limit } = {}) => api(`${channelPath(channel)}/messages${query({ before, since, limit })}`),
    read: (channel, seq) => api(`${channelPath(channel)}/read`, { method: 'POST', json: { seq } }),
    deleteMessage: (name, seq) => api(`${room(name)}/messages/${seq}`, { method: 'DELETE' }),
    mute: (name, userId, seconds) => api(`${room(name)}/mute`, { method: 'POST', json: { user_id: userId, seconds } }),
    kick: (name, userId) => api(`${room(name)}/kick`, { method: 'POST', json: { user_id: userId } }),
    ban: (name, userId) => api(`${room(name)}/ban`, { method: 'POST', json: { user_id: userId } }),
    report: ({ userId, channel, seq, reason }) => api('/api/chat/reports', {
      method: 'POST',
      json: { ...(userId ? { user_id: userId } : {}), ...(channel ? { channel } : {}), ...(seq ? { seq } : {}), reason },
    }),
    block: (userId) => api(`/api/blocks/${userId}`, { method: 'PUT' }),
    invite: (userId, options) => api('/api/invites', { method: 'POST', json: { user_id: userId, options } }),
  };
}
