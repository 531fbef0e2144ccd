// Starts a real pongd on free loopback ports with a fresh var directory, for the
// integration and browser suites. Every test file gets its own server.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import https from 'node:https';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// PONGD_BIN lets `make test` run the same suites against the ASan+UBSan build.
export const PONGD_BIN = process.env.PONGD_BIN || join(ROOT, 'build/pongd');

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function get(url) {
  return new Promise((res, rej) => {
    const req = https.get(url, { rejectUnauthorized: false, timeout: 1000 }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode));
    });
    req.on('error', rej);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

let schemas = 0;

/** A new empty schema in the test PostgreSQL; returns a URL whose search_path is it. */
function freshSchema() {
  const url = process.env.PONGD_TEST_DATABASE_URL;
  if (!url) throw new Error('PONGD_INTEGRATION_DB=postgres needs PONGD_TEST_DATABASE_URL (run through scripts/with-pg.sh)');
  schemas += 1;
  const name = `t${process.pid}_${schemas}`;
  execFileSync('psql', [url, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE SCHEMA ${name}`], { stdio: 'pipe' });
  return `${url}${url.includes('?') ? '&' : '?'}options=-csearch_path%3D${name}`;
}

/**
 * Starts pongd. `env` adds or overrides variables (WEB_ROOT, ALLOWED_ORIGINS, API_RATE — '0' unless
 * given, ...); a value may be a function of the ports ({ httpsPort, httpPort }) chosen here.
 * The connection caps per address and per account (docs/security.md, "Availability") are off
 * unless `env` sets them: every test client comes from 127.0.0.1, often with one token.
 * `env.NOFILE` (not passed on): start pongd under `ulimit -n NOFILE`.
 * Resolves to { httpsPort, httpPort, origin, base, varDir, proc, logs(), stop() }.
 * stop() sends SIGTERM and resolves to { code, signal } once the process has exited.
 */
export async function startServer(env = {}) {
  const httpsPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === httpsPort) httpPort = await freePort();   // the OS may hand the same free port out twice
  const varDir = mkdtempSync(join(tmpdir(), 'pongd-test-'));
  // PONGD_INTEGRATION_DB=postgres: each server gets its own schema in the test PostgreSQL
  // (PONGD_TEST_DATABASE_URL, started by scripts/with-pg.sh); otherwise SQLite in VAR_DIR.
  const databaseUrl = env.DATABASE_URL ?? (process.env.PONGD_INTEGRATION_DB === 'postgres' ? freshSchema() : undefined);
  let out = '';
  const { NOFILE: nofile, ...vars } = env;
  const [cmd, args] = nofile
    ? ['bash', ['-c', `ulimit -n ${Number(nofile)} && exec "$0"`, PONGD_BIN]]
    : [PONGD_BIN, []];
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ASAN_OPTIONS: process.env.ASAN_OPTIONS || '',
      UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || '',
      ENV_FILE: '/dev/null',
      BIND_ADDRESS: '127.0.0.1',
      HTTPS_PORT: String(httpsPort),
      HTTP_PORT: String(httpPort),
      VAR_DIR: varDir,
      WEB_ROOT: join(ROOT, 'web/dist'),
      // Every suite runs from 127.0.0.1 faster than people do: no general API budget unless a
      // test sets API_RATE itself (tests/integration/ratelimit.test.mjs).
      API_RATE: '0',
      CONN_PER_ADDRESS: '0',
      HANDSHAKES_PER_ADDRESS: '0',
      WS_PER_ADDRESS: '0',
      WS_PER_ACCOUNT: '0',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'function' ? v({ httpsPort, httpPort }) : v])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const base = `https://127.0.0.1:${httpsPort}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`pongd exited early (${proc.exitCode}):\n${out}`);
    try {
      if ((await get(`${base}/healthz`)) === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`pongd did not start:\n${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopped = null;
  return {
    httpsPort, httpPort, varDir, proc, base, databaseUrl,
    origin: base,
    logs: () => out,
    exited,
    async stop() {
      if (!stopped) {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        stopped = exited.then((r) => { clearTimeout(t); rmSync(varDir, { recursive: true, force: true }); return r; });
      }
      return stopped;
    },
  };
}
