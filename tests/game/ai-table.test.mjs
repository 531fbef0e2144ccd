// The AI win-rate table (build/tools/aisim, docs/ai.md): its shape, not its exact numbers
// (make game-test). aisim prints Markdown on stdout and one line per cell on stderr:
//   cell <options> <row> <col> <wins> <losses> <unfinished> <mean-steps>
// Wins and losses are the row player's, against the column player.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const AISIM = join(ROOT, 'build/tools/aisim');
const GAMES = 400;
const LEVELS = ['easy', 'normal', 'hard'];
const COLUMNS = [...LEVELS, 'reference'];
const OPTION_SETS = ['classic', 'pillars+powerups'];
const HEADER = '| | easy | normal | hard | reference |';

let out; // { stdout, cells: Map "<options> <row> <col>" -> { wins, losses, open, steps } }

before(async () => {
  const { stdout, stderr } = await new Promise((res, rej) => {
    execFile(AISIM, [String(GAMES)], { timeout: 120000, maxBuffer: 1 << 20 }, (err, so, se) => {
      if (err) rej(new Error(`${AISIM} ${GAMES} failed: ${err.message}\n${se}`));
      else res({ stdout: so, stderr: se });
    });
  });
  const cells = new Map();
  for (const line of stderr.split('\n').filter(Boolean)) {
    const m = /^cell (\S+) (\S+) (\S+) (\d+) (\d+) (\d+) (\d+)$/.exec(line);
    assert.ok(m, `a cell line: ${JSON.stringify(line)}`);
    const key = `${m[1]} ${m[2]} ${m[3]}`;
    assert.ok(!cells.has(key), `one line per cell: ${key}`);
    cells.set(key, { wins: +m[4], losses: +m[5], open: +m[6], steps: +m[7] });
  }
  out = { stdout, cells };
});

const cell = (opts, row, col) => {
  const c = out.cells.get(`${opts} ${row} ${col}`);
  assert.ok(c, `cell ${opts} ${row} ${col} present`);
  return c;
};

test('aisim reports every cell of both tables, and the Markdown matches the cells', () => {
  assert.equal(out.cells.size, OPTION_SETS.length * LEVELS.length * COLUMNS.length);
  for (const opts of OPTION_SETS) {
    const at = out.stdout.indexOf(`### ${opts}\n`);
    assert.ok(at >= 0, `a "### ${opts}" table`);
    const lines = out.stdout.slice(at).split('\n');
    assert.ok(lines.includes(HEADER), 'the header row');
    assert.ok(lines.some((l) => l.includes(`${GAMES} games per cell`)), 'the games per cell');
    for (const row of LEVELS) {
      const md = lines.find((l) => l.startsWith(`| **${row}** |`));
      assert.ok(md, `a row for ${row}`);
      const pct = [...md.matchAll(/ (\d+\.\d) % \|/g)].map((m) => Number(m[1]));
      assert.equal(pct.length, COLUMNS.length, `${opts} ${row}: one figure per column`);
      COLUMNS.forEach((col, i) => {
        const c = cell(opts, row, col);
        assert.equal(c.wins + c.losses + c.open, GAMES, `${opts} ${row} vs ${col}: every game counted`);
        assert.ok(c.steps > 0);
        assert.ok(Math.abs(pct[i] - (100 * c.wins) / GAMES) < 0.051, `${opts} ${row} vs ${col}: ${pct[i]} % shown`);
      });
    }
  }
});

test('games finish: fewer than 5 % unfinished in every cell', () => {
  for (const [key, c] of out.cells) {
    assert.ok(c.open < GAMES * 0.05, `${key}: ${c.open} of ${GAMES} unfinished`);
  }
});

test('every AI level wins some games and loses some against the reference, in both option sets', () => {
  for (const opts of OPTION_SETS) {
    for (const row of LEVELS) {
      const c = cell(opts, row, 'reference');
      assert.ok(c.wins >= 1, `${opts}: ${row} wins at least one game against the reference (${c.wins})`);
      assert.ok(c.losses >= 1, `${opts}: ${row} loses at least one game against the reference (${c.losses})`);
    }
  }
});

test('classic: the harder level beats the easier one (hard > normal > easy)', () => {
  for (const [hard, easy] of [['hard', 'normal'], ['normal', 'easy'], ['hard', 'easy']]) {
    const c = cell('classic', hard, easy);
    assert.ok(c.wins > c.losses, `classic: ${hard} vs ${easy}: ${c.wins} wins, ${c.losses} losses`);
    // and the same ordering against a common opponent
    assert.ok(cell('classic', hard, 'reference').wins > cell('classic', easy, 'reference').wins,
      `classic: ${hard} wins more against the reference than ${easy}`);
  }
});

test('docs/ai.md contains the tables that aisim prints', () => {
  const doc = readFileSync(join(ROOT, 'docs/ai.md'), 'utf8');
  for (const opts of OPTION_SETS) {
    const at = doc.indexOf(`### ${opts}\n`);
    assert.ok(at >= 0, `docs/ai.md has a "### ${opts}" table`);
    const lines = doc.slice(at).split('\n');
    const h = lines.indexOf(HEADER);
    assert.ok(h >= 0 && h < 8, `docs/ai.md "### ${opts}": the tool's header row`);
    assert.equal(lines[h + 1], '|---|---|---|---|---|');
    LEVELS.forEach((row, i) => {
      assert.match(lines[h + 2 + i], new RegExp(`^\\| \\*\\*${row}\\*\\* \\|( \\d+\\.\\d % \\|){4}$`),
        `docs/ai.md "### ${opts}": the ${row} row as the tool prints it`);
    });
  }
});
