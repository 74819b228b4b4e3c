import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../packages/server/src/database/embedded-postgres.js';
import { freePort } from './ports.js';

/**
 * One throwaway PostgreSQL database per test suite, on the server named by TEST_DATABASE_URL
 * (set by .ci/run to the machine's PostgreSQL, or by test/run-tests.ts to an embedded one).
 */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

export async function createTestDatabase(suite: string): Promise<TestDatabase> {
  const name = `hub_test_${suite.replace(/\W+/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => undefined); // an idle client cut by a test that stops the database; the next query reconnects
  return {
    url: url.toString(),
    name,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    drop: async () => {
      await pool.end();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** A whole PostgreSQL server for one run (the test runner's or the benchmark's), in a temporary folder removed on stop. */
export async function startThrowawayServer(settings?: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), 'hub-pg-'));
  const embedded = await startEmbeddedPostgres({ directory: join(directory, 'data'), port: await freePort(), database: 'postgres', settings });
  return {
    url: embedded.url,
    stop: async () => {
      await embedded.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
