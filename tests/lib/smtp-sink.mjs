// Starts tests/lib/smtp-sink.py (aiosmtpd) on 127.0.0.1 and collects what it receives.
// Debian's python3-aiosmtpd is for Debian's Python: /usr/bin/python3 explicitly, since
// another python3 may come first on PATH.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** { port, url, messages, waitFor(to, ms), stop() } */
export async function startSmtpSink() {
  const proc = spawn('/usr/bin/python3', [join(HERE, 'smtp-sink.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const messages = [];
  const waiters = [];
  const lines = createInterface({ input: proc.stdout });
  const port = await new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`smtp-sink exited (${code}): is python3-aiosmtpd installed? (scripts/deps.sh test)`)));
    lines.once('line', (l) => resolve(JSON.parse(l).port));
  });
  lines.on('line', (l) => {
    messages.push(JSON.parse(l));
    for (const w of waiters.splice(0)) w();
  });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /** The first message to `to` after `from` messages (index), waiting up to ms. */
    async waitFor(to, { after = 0, ms = 10000 } = {}) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = messages.slice(after).find((x) => x.to.includes(to));
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${ms} ms`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
      }
    },
    stop() {
      proc.stdin.end();
      proc.kill();
    },
  };
}

/** The 6-digit code in a mail. */
export const codeIn = (m) => /\b(\d{6})\b/.exec(m.data.split(/\r?\n\r?\n/).slice(1).join('\n'))?.[1];

/** The link of a mail (its first https URL) as a URL, or undefined. */
export const linkIn = (m) => {
  const body = m.data.split(/\r?\n\r?\n/).slice(1).join('\n');
  const u = /https:\/\/\S+/.exec(body)?.[0];
  return u ? new URL(u) : undefined;
};
