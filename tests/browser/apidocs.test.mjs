// The interactive API docs, /api/docs (web/apidocs/): Swagger UI renders the OpenAPI
// document under the strict CSP with no violation and no console error, lists the
// endpoints, "Try it out" works, a login through the page authorizes the next calls, and
// the original team's addresses (/swagger, /redoc) lead there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, withScreenshots, fetchText, TIMEOUT } from './lib.mjs';
import { call } from '../integration/api-client.mjs';

const ctx = useServerAndBrowser();

/**
 * Opens a page that records problems (lib.mjs: console errors, page errors, CSP violations
 * reported through a binding) and, in the page itself, every `securitypolicyviolation`
 * into window.__csp, read by cspViolations().
 */
async function docsPage() {
  const opened = await openPage(ctx.browser, { locale: 'en-US', viewport: { width: 1280, height: 900 } });
  await opened.page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return opened;
}

function cspViolations(page) {
  return page.evaluate(() => window.__csp);
}

/** The operation block of `method` `path` (Swagger UI's .opblock). */
function operation(page, method, path) {
  return page.locator('.opblock')
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .filter({ has: page.locator('.opblock-summary-method', { hasText: new RegExp(`^${method}$`) }) });
}

/** Waits for the document to be rendered (the operations are listed). */
async function waitRendered(page) {
  await operation(page, 'GET', '/healthz').waitFor({ timeout: TIMEOUT });
}

/** Opens an operation, "Try it out", optionally fills its JSON body, "Execute"; returns the block. */
async function tryOut(page, method, path, body) {
  const op = operation(page, method, path);
  await op.locator('.opblock-summary-control').click();
  await op.locator('.try-out__btn').click();
  if (body !== undefined) await op.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2));
  await op.locator('.btn.execute').click();
  return op;
}

/** The status and body text of the live response that `op` shows after Execute. */
async function liveResponse(op) {
  const row = op.locator('.live-responses-table .response').first();
  await row.waitFor({ timeout: TIMEOUT });
  const status = (await row.locator('.response-col_status').textContent()).trim();
  const body = await row.locator('.response-col_description .highlight-code .microlight').first().textContent();
  return { status, body };
}

test('/api/docs renders the document under the CSP, with no violation and no console error', async (t) => {
  const { context, page, problems } = await docsPage();
  await withScreenshots(t, async (track) => {
    track(page);
    const res = await page.goto(`${ctx.server.base}/api/docs`);
    assert.equal(res.status(), 200);
    // The docs get the app's CSP, not a relaxed one.
    const csp = res.headers()['content-security-policy'] ?? '';
    assert.equal(csp, (await fetchText(`${ctx.server.base}/`)).headers['content-security-policy']);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, csp);
    assert.match(csp, /style-src 'self'(;|$)/, csp);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|'nonce-|'sha\d+-|https?:/, csp);

    await waitRendered(page);
    assert.equal(await page.title(), 'Transcendence API');
    assert.match(await page.locator('.info .title').textContent(), /Transcendence/);
    for (const [method, path] of [['GET', '/healthz'], ['POST', '/api/auth/login'], ['POST', '/api/auth/register'],
      ['GET', '/api/users/me'], ['GET', '/api/users/{id}']]) {
      assert.equal(await operation(page, method, path).count(), 1, `${method} ${path} is listed`);
    }
    assert.ok(await page.locator('.opblock').count() >= 20, 'every endpoint is listed');
    // bearerAuth is a security scheme: the Authorize button is there, and the hint above it.
    await page.locator('.btn.authorize').waitFor();
    assert.match(await page.locator('#apidocs-hint').textContent(), /POST \/api\/auth\/login/);
    assert.equal(await page.getAttribute('.apidocs-home', 'href'), '/');

    // Only our own files: every script and stylesheet is a hashed bundle under /static/.
    const assets = await page.evaluate(() => [...document.querySelectorAll('script, link[rel="stylesheet"]')]
      .map((e) => e.getAttribute('src') ?? e.getAttribute('href')));
    assert.equal(assets.length, 2, assets.join(' '));
    for (const a of assets) assert.match(a, /^\/static\/apidocs-[A-Z0-9]+\.(js|css)$/);
    assert.equal(await page.locator('style').count(), 0, 'no <style> element');

    await page.waitForTimeout(300);   // late violations (fonts, images) would arrive now
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('"Try it out" of GET /healthz answers 200 with status ok', async (t) => {
  const { context, page, problems } = await docsPage();
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/api/docs/`);
    await waitRendered(page);
    const op = await tryOut(page, 'GET', '/healthz');
    const { status, body } = await liveResponse(op);
    assert.equal(status, '200');
    assert.equal(JSON.parse(body).status, 'ok', body);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('a login through the docs page authorizes the next calls (GET /api/users/me)', async (t) => {
  const username = `docs${process.pid % 1000}${Math.random().toString(36).slice(2, 7)}`;
  const password = 'correct horse battery staple';
  const reg = await call(ctx.server, 'POST', '/api/auth/register', { body: { username, email: `${username}@example.org`, password } });
  assert.equal(reg.status, 201, reg.text);

  const { context, page, problems } = await docsPage();
  await withScreenshots(t, async (track) => {
    track(page);
    await page.goto(`${ctx.server.base}/api/docs`);
    await waitRendered(page);
    await page.locator('.btn.authorize.unlocked').waitFor();

    // Not logged in yet: /api/users/me is refused.
    const me = await tryOut(page, 'GET', '/api/users/me');
    assert.equal((await liveResponse(me)).status, '401');

    const login = await tryOut(page, 'POST', '/api/auth/login', { username, password });
    const answer = await liveResponse(login);
    assert.equal(answer.status, '200', answer.body);
    assert.equal(typeof JSON.parse(answer.body).access_token, 'string');
    await page.locator('.btn.authorize.locked').waitFor();   // the interceptor authorized bearerAuth

    await me.locator('.btn.execute').click();
    await page.waitForFunction(
      () => [...document.querySelectorAll('.opblock .live-responses-table .response-col_status')]
        .some((e) => e.textContent.trim() === '200' && e.closest('.opblock').querySelector('[data-path="/api/users/me"]')),
      null, { timeout: TIMEOUT },
    );
    const after = await liveResponse(me);
    assert.equal(after.status, '200', after.body);
    assert.equal(JSON.parse(after.body).username, username);

    assert.deepEqual(await cspViolations(page), []);
    // The 401 above is an answer shown on the page, not a console error of the page itself.
    assert.deepEqual(problems.filter((p) => !/status of 401/.test(p)), []);
  });
  await context.close();
});

test('/swagger, /swagger/, /redoc and /redoc/ lead to /api/docs', async (t) => {
  for (const path of ['/swagger', '/swagger/', '/redoc', '/redoc/']) {
    const res = await fetchText(`${ctx.server.base}${path}`);
    assert.equal(res.status, 302, path);
    assert.equal(res.headers.location, '/api/docs', path);
  }
  const { context, page, problems } = await docsPage();
  await withScreenshots(t, async (track) => {
    track(page);
    for (const path of ['/swagger/', '/redoc']) {
      await page.goto(`${ctx.server.base}${path}`);
      assert.equal(new URL(page.url()).pathname, '/api/docs', path);
      await waitRendered(page);
    }
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
  });
  await context.close();
});

test('the app does not load the docs bundle', async () => {
  const { body } = await fetchText(`${ctx.server.base}/`);
  assert.doesNotMatch(body, /apidocs/);
  const app = /src="(\/static\/app-[A-Z0-9]+\.js)"/.exec(body);
  assert.ok(app, body);
  const js = await fetchText(`${ctx.server.base}${app[1]}`);
  assert.equal(js.status, 200);
  assert.doesNotMatch(js.body, /swagger/i);
});
