/**
 * The benchmark, run in smoke mode (about a second per scenario) exactly as `npm run bench -- --smoke` runs it, so
 * that it cannot rot. Nothing here judges speed: it checks that every scenario ran, answered as it should, and was
 * reported — and the two figures that are correctness rather than speed: every accepted registration got its email,
 * and 1,000 concurrent resolve() calls of one cold domain cost exactly one resolve's queries.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedBuffersMiB } from '../../bench/postgres.js';
import type { BenchResults } from '../../bench/report.js';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

test('npm run bench -- --smoke runs every scenario and writes the table and results.json', { timeout: 180_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'hub-bench-smoke-'));
  const resultsPath = join(directory, 'results.json');
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BENCH_RESULTS: resultsPath,
      // Gentle on the test run's other suites: fewer connections, the same scenarios.
      BENCH_CONNECTIONS: '8',
    };
    delete env.BENCH_DATABASE_URL; // the bench's own server, as `npm run bench` runs it
    const { code, output } = await run(RUN, ['--smoke'], env);
    assert.equal(code, 0, output.slice(-4000));

    for (const heading of ['baseline node:http (same bytes)', 'lookup, confirmed peer (hot)', 'lookup, unknown domain (404)', 'registration (distinct domains)']) {
      assert.ok(output.includes(heading), `the table has the row "${heading}"`);
    }
    assert.match(output, /client resolve\(\) cache hit: \d+ ops\/s/);

    const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults;
    assert.equal(results.smoke, true);
    // A PostgreSQL of its own, sized for the larger database, and reported.
    assert.equal(results.machine.postgres.sharedBuffers, `${sharedBuffersMiB(20_000)}MB`);
    assert.match(output, new RegExp(`PostgreSQL [\\d.]+: shared_buffers ${sharedBuffersMiB(20_000)}MB, huge pages (on|off)`));
    assert.doesNotMatch(output, /pg_prewarm unavailable/, 'the seeded peers were read into shared_buffers');
    assert.deepEqual(
      results.sizes.map((size) => size.peers),
      [1_000, 20_000],
    );
    for (const size of results.sizes) {
      assert.ok(size.baseline.requests > 0 && size.baseline.unexpected === 0, `the baseline answered at ${size.peers} peers`);
      for (const [name, figures] of Object.entries({ hot: size.hot, unknown: size.unknown, cold: size.cold, random: size.random })) {
        assert.ok(figures.requests > 0, `${name} lookup at ${size.peers} peers sent requests`);
        assert.equal(figures.unexpected + figures.errors, 0, `${name} lookup at ${size.peers} peers: ${JSON.stringify(figures.statusCodes)}`);
      }
      assert.deepEqual(Object.keys(size.unknown.statusCodes), ['404']);
      const registration = size.registration;
      assert.ok(registration.accepted > 0, `registrations accepted at ${size.peers} peers`);
      assert.equal(registration.unexpected, 0, JSON.stringify(registration.statusCodes));
      assert.equal(registration.missingEmails, 0, 'every accepted registration got its email');
      assert.equal(registration.emailed, registration.accepted);
    }
    assert.ok(results.hubMemory.rssMiB > 0);

    const client = results.client;
    assert.ok(client.cacheHit.ops > 0);
    assert.equal(client.coldConcurrent.resolved, client.coldConcurrent.calls);
    assert.equal(client.coldConcurrent.calls, 1_000);
    assert.equal(client.coldConcurrent.hubRequests, 1, 'one hub request for 1,000 concurrent resolves');
    assert.ok(client.coldConcurrent.oneSet.dnsQueries > 0, 'a cold resolve asks DNS first');
    assert.equal(client.coldConcurrent.dnsQueries, client.coldConcurrent.oneSet.dnsQueries, 'and 1,000 concurrent ones ask it once');

    // Every target is reported; a smoke run judges none of them.
    assert.ok(results.targets.length >= 18);
    assert.ok(results.targets.every((target) => target.met === undefined));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

function run(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
