// Unit tests of web/src/domain/chatlinks.js: which parts of a message become links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLinks, safeHref } from '../../web/src/domain/chatlinks.js';

const joined = (segs) => segs.map((s) => s.text).join('');

test('http and https URLs become links; the text around them stays text', () => {
  const segs = splitLinks('see https://example.org/a?b=1&c=2#x and http://x.org.');
  assert.deepEqual(segs, [
    { type: 'text', text: 'see ' },
    { type: 'link', text: 'https://example.org/a?b=1&c=2#x', href: 'https://example.org/a?b=1&c=2#x' },
    { type: 'text', text: ' and ' },
    { type: 'link', text: 'http://x.org', href: 'http://x.org/' },
    { type: 'text', text: '.' },
  ]);
  assert.deepEqual(splitLinks('HTTPS://EXAMPLE.org'), [{ type: 'link', text: 'HTTPS://EXAMPLE.org', href: 'https://example.org/' }]);
});

test('javascript:, data:, mailto: and other schemes are never links', () => {
  for (const text of ['javascript:alert(1)', 'JavaScript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>',
    'mailto:a@b.c', 'ftp://x.org', 'file:///etc/passwd', 'vbscript:msgbox', '//evil.org/x', 'java\nscript:alert(1)']) {
    const segs = splitLinks(text);
    assert.deepEqual(segs, [{ type: 'text', text }], text);
  }
  // A javascript: prefix glued to a real URL: only the http URL is a link, the rest is text.
  const segs = splitLinks('javascript:http://x.org');
  assert.deepEqual(segs.filter((s) => s.type === 'link').map((s) => s.href), ['http://x.org/']);
  for (const s of segs) if (s.type === 'link') assert.match(s.href, /^https?:\/\//);
});

test('no host, credentials, glued words and markup are not linked; the text is kept whole', () => {
  for (const text of ['http://', 'https:// x', 'xhttp://a.org', 'a http://user:pw@x.org b']) {
    assert.equal(splitLinks(text).some((s) => s.type === 'link'), false, text);
    assert.equal(joined(splitLinks(text)), text);
  }
  const html = '<a href="http://x.org">x</a> <img src=x onerror=alert(1)>';
  assert.equal(joined(splitLinks(html)), html);
  // the quote ends the URL: the markup never becomes part of an href
  for (const s of splitLinks(html)) if (s.type === 'link') assert.equal(s.href, 'http://x.org/');
});

test('trailing punctuation is left out, brackets that belong to the URL are kept', () => {
  assert.deepEqual(splitLinks('(https://en.wikipedia.org/wiki/Pong_(game))').map((s) => s.text),
    ['(', 'https://en.wikipedia.org/wiki/Pong_(game)', ')']);
  assert.deepEqual(splitLinks('go to https://x.org/a!').map((s) => s.text), ['go to ', 'https://x.org/a', '!']);
  assert.deepEqual(splitLinks(''), []);
  assert.deepEqual(splitLinks(null), []);
  const long = `start ${'https://x.org/ '.repeat(50)}end`;
  assert.equal(joined(splitLinks(long)), long);
  assert.equal(splitLinks(long).filter((s) => s.type === 'link').length, 50);
});

test('safeHref accepts only http(s) URLs with a host', () => {
  assert.equal(safeHref('https://x.org'), 'https://x.org/');
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref('not a url'), null);
  assert.equal(safeHref('https://u:p@x.org'), null);
});
