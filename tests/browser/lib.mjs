// Shared helpers for the browser suite: Chromium launch, pages with error capture,
// screenshots on failure, a TCP proxy that can cut connections, polling.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import https from 'node:https';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { ROOT, startServer } from '../lib/server.mjs';

export { startServer };

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'tests/browser/screenshots');
// Generous: these bound waits for conditions, they are not performance thresholds.
export const TIMEOUT = 15000;

/** Fails with a clear message when the web app has not been built. */
export function requireDist() {
  const index = join(ROOT, 'web/dist/index.html');
  if (!existsSync(index)) {
    throw new Error(`${index} is missing: build the web app first (node web/build.mjs, or make test)`);
  }
}

/**
 * Stops a server from startServer and fails unless it exited cleanly (code 0): a crash or
 * a sanitizer report caused by browser traffic must not pass unnoticed.
 */
export async function stopServer(server) {
  if (!server) return;
  const { code, signal } = await server.stop();
  if (code !== 0) {
    throw new Error(`pongd exited with code ${code} signal ${signal}; log tail:\n${server.logs().slice(-4000)}`);
  }
}

/** Launches headless Debian Chromium. */
export function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_BIN)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/**
 * Opens a page in a fresh context (own storage) and records problems on it:
 * console errors, uncaught exceptions, CSP violations and dialogs (dismissed).
 * `options` go to browser.newContext (locale, viewport, …).
 * Returns { context, page, problems: string[], dialogs: string[] }.
 */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const problems = [];
  const dialogs = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('dialog', (dialog) => { dialogs.push(`${dialog.type()}: ${dialog.message()}`); dialog.dismiss().catch(() => {}); });
  await page.exposeFunction('__reportCsp', (text) => problems.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return { context, page, problems, dialogs };
}

/**
 * Runs `fn(track)` and, if it throws, saves a screenshot of every tracked page into
 * tests/browser/screenshots/ before rethrowing. `track(page)` returns the page.
 */
export async function withScreenshots(t, fn) {
  const pages = [];
  try {
    await fn((page) => { pages.push(page); return page; });
  } catch (err) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const stem = t.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
    for (const [i, page] of pages.entries()) {
      const path = join(SCREENSHOTS, `${stem}-${i + 1}.png`);
      await page.screenshot({ path, fullPage: true }).then(() => {
        console.error(`screenshot: ${path}`);
      }, () => {});
    }
    throw err;
  }
}

/** Polls `fn` (sync or async) until it returns a truthy value or stops throwing. */
export async function eventually(fn, { timeout = TIMEOUT, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = new Error(`${message}: got ${JSON.stringify(value)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** GETs `url` (self-signed TLS accepted) and resolves to { status, headers, body }. */
export function fetchText(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Current value of the pongd_ws_connections_open gauge. */
export async function openWebSockets(base) {
  const { body } = await fetchText(`${base}/metrics`);
  const m = /^pongd_ws_connections_open(?:\{[^}]*\})?\s+(\d+)/m.exec(body);
  if (!m) throw new Error(`no pongd_ws_connections_open in /metrics:\n${body}`);
  return Number(m[1]);
}

/**
 * A TCP proxy on a free 127.0.0.1 port forwarding to 127.0.0.1:`targetPort`.
 * The browser talks to the server through it, so a test can cut every live connection
 * (dropAll) while the server keeps running, or point new connections at another server
 * (setTarget) while the page keeps its origin.
 * Returns { port, base, setTarget(port), dropAll(), close() }.
 */
export function startProxy(targetPort, listenPort = 0) {
  const pairs = new Set();
  let target = targetPort;
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    const pair = [client, upstream];
    pairs.add(pair);
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        base: `https://127.0.0.1:${port}`,
        setTarget(next) { target = next; },
        dropAll() {
          for (const [a, b] of pairs) { a.destroy(); b.destroy(); }
          pairs.clear();
        },
        close() {
          this.dropAll();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** Navigates by clicking the nav link `id` (opening the collapsed menu first if needed). */
export async function clickNav(page, id) {
  const toggler = page.locator('.navbar-toggler');
  if (await toggler.isVisible()) {
    if ((await toggler.getAttribute('aria-expanded')) !== 'true') await toggler.click();
  }
  await page.click(`#${id}`);
}

/** Text of the view's main heading. */
export function heading(page) {
  return page.locator('#app h1').first().textContent();
}

/** Waits until the view heading equals `text`. */
export async function waitHeading(page, text) {
  try {
    await page.waitForFunction((want) => document.querySelector('#app h1')?.textContent === want, text, { timeout: TIMEOUT });
  } catch {
    throw new Error(`heading is ${JSON.stringify(await heading(page).catch(() => null))}, expected ${JSON.stringify(text)}`);
  }
}

/**
 * Registers this file's before/after hooks: checks web/dist, starts a pongd (extra env) and
 * launches Chromium; after, closes both. Returns ctx, whose .server and .browser the before
 * hook fills in (read them inside tests, not at module level).
 */
export function useServerAndBrowser(env = {}) {
  const ctx = {};
  before(async () => {
    requireDist();
    ctx.server = await startServer(env);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await stopServer(ctx.server);
  });
  return ctx;
}
