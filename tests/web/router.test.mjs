// Unit tests of web/src/app/router.js matching and click interception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutes, matchRoute, normalizePath, interceptedHref } from '../../web/src/app/router.js';
import { isServerPath } from '../../web/src/domain/paths.js';
import { ROOM_PATTERN } from '../../web/src/domain/chatrules.js';

const routes = compileRoutes([
  { path: '/', view: 'home' },
  { path: '/chat', view: 'chat' },
  { path: '/chat/:room', params: { room: ROOM_PATTERN }, view: 'room' },
  { path: '/about', view: 'about' },
]);

const match = (p) => {
  const m = matchRoute(routes, p);
  return m && [m.route.view, m.params];
};

test('routes match paths and extract parameters', () => {
  assert.deepEqual(match('/'), ['home', {}]);
  assert.deepEqual(match('/chat'), ['chat', {}]);
  assert.deepEqual(match('/chat/'), ['chat', {}]);
  assert.deepEqual(match('/chat/room_1-A'), ['room', { room: 'room_1-A' }]);
  assert.deepEqual(match('/chat/room1/'), ['room', { room: 'room1' }]);
  assert.deepEqual(match(`/chat/${'a'.repeat(64)}`), ['room', { room: 'a'.repeat(64) }]);
  assert.equal(match(`/chat/${'a'.repeat(65)}`), null);
  assert.equal(match('/chat/bad%20room'), null);
  assert.equal(match('/chat/a/b'), null);
  assert.equal(match('/about/x'), null);
  assert.equal(match('/nowhere'), null);
});

test('normalizePath drops trailing slashes but keeps the root', () => {
  assert.equal(normalizePath('/'), '/');
  assert.equal(normalizePath('/chat/'), '/chat');
  assert.equal(normalizePath('/chat//'), '/chat');
  assert.equal(normalizePath('/about'), '/about');
});

test('server paths are left to the browser', () => {
  for (const p of ['/api/', '/api', '/api/x', '/ws/chat/a/', '/static/app.js', '/healthz', '/metrics', '/favicon.ico']) {
    assert.equal(isServerPath(p), true, p);
  }
  for (const p of ['/', '/chat', '/apiary', '/about']) assert.equal(isServerPath(p), false, p);
});

function anchor(href, attrs = {}) {
  const all = { href, ...attrs };
  return {
    href: new URL(href, 'https://app.test/chat').href,
    hasAttribute: (n) => n in all,
    getAttribute: (n) => (n in all ? all[n] : null),
  };
}
const click = (extra = {}) => ({ defaultPrevented: false, button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, ...extra });
const here = { origin: 'https://app.test', pathname: '/chat', search: '' };

test('plain same-origin link clicks are intercepted', () => {
  assert.equal(interceptedHref(click(), anchor('/about'), here), '/about');
  assert.equal(interceptedHref(click(), anchor('/chat/x?y=1#z'), here), '/chat/x?y=1#z');
  assert.equal(interceptedHref(click(), anchor('https://app.test/'), here), '/');
  assert.equal(interceptedHref(click(), anchor('/about', { target: '_self' }), here), '/about');
});

test('other clicks are left alone', () => {
  assert.equal(interceptedHref(click(), null, here), null);
  assert.equal(interceptedHref(click({ defaultPrevented: true }), anchor('/about'), here), null);
  assert.equal(interceptedHref(click({ button: 1 }), anchor('/about'), here), null);
  for (const k of ['metaKey', 'ctrlKey', 'shiftKey', 'altKey']) {
    assert.equal(interceptedHref(click({ [k]: true }), anchor('/about'), here), null, k);
  }
  assert.equal(interceptedHref(click(), anchor('https://elsewhere.test/about'), here), null);
  assert.equal(interceptedHref(click(), anchor('/about', { target: '_blank' }), here), null);
  assert.equal(interceptedHref(click(), anchor('/about', { download: '' }), here), null);
  assert.equal(interceptedHref(click(), anchor('/about', { rel: 'noopener external' }), here), null);
  assert.equal(interceptedHref(click(), anchor('/api/'), here), null);
  assert.equal(interceptedHref(click(), anchor('#app'), here), null, 'in-page fragment');
  const bare = { href: '', hasAttribute: () => false, getAttribute: () => null };
  assert.equal(interceptedHref(click(), bare, here), null);
});
