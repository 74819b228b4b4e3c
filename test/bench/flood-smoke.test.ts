/**
 * The flood benchmark in smoke mode (a second per scenario), as `npm run bench:flood -- --smoke` runs it, so that it
 * cannot rot. Nothing here judges speed: every scenario ran, the refused floods were refused (429) and the served
 * ones served, the polite client was answered, and the table was printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FloodResults } from '../../bench/flood.js';

const FLOOD = fileURLToPath(new URL('../../bench/flood.js', import.meta.url));

test('npm run bench:flood -- --smoke runs every flood, served and refused, and reports them', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'hub-flood-smoke-'));
  const resultsPath = join(directory, 'flood.json');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_FLOOD_RESULTS: resultsPath, BENCH_CONNECTIONS: '8' };
    delete env.BENCH_DATABASE_URL;
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [FLOOD, '--smoke'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('exit', (exitCode) => resolve({ code: exitCode, output: text }));
    });
    assert.equal(code, 0, output.slice(-4000));
    assert.match(output, /\| flood \| mode \| req\/s \| hub CPU µs\/req \| vs served cached \| polite p99 ms \|/);
    const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as FloodResults;
    assert.equal(results.floods.length, 6);
    for (const flood of results.floods) {
      const name = `${flood.kind}, ${flood.mode}`;
      const expected = flood.mode === 'refused' ? '429' : flood.kind === 'cached name' ? '200' : flood.kind === 'random names' ? '404' : '202';
      const total = Object.values(flood.statusCodes).reduce((sum, count) => sum + count, 0);
      assert.ok(total > 0, `${name} ran`);
      assert.equal(flood.statusCodes[expected], total, `${name}: every answer ${expected} (${JSON.stringify(flood.statusCodes)})`);
      assert.ok(flood.cpuMicrosPerRequest > 0, `${name}: hub CPU measured`);
      assert.ok(flood.politeRequests > 0 && flood.politeFailures === 0, `${name}: the polite client was answered`);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
