/**
 * The PostgreSQL server the bench database lives on: TEST_DATABASE_URL when set (as `npm test` sets it), else the
 * machine's server on 127.0.0.1:5432, else an embedded one started for this run (as test/run-tests.ts does).
 */
import pg from 'pg';
import { startThrowawayServer } from '../test/support/database.js';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresServer {
  readonly url: string;
  readonly version: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export async function postgresServer(): Promise<PostgresServer> {
  const given = process.env.TEST_DATABASE_URL;
  for (const url of given ? [given] : [DEFAULT_SERVER_URL]) {
    const version = await serverVersion(url).catch((error: Error) => {
      if (given) throw new Error(`TEST_DATABASE_URL ${url} unreachable: ${error.message}`);
      return undefined;
    });
    if (version) return { url, version, embedded: false, stop: async () => {} };
  }
  const embedded = await startThrowawayServer();
  console.log(`no PostgreSQL on ${DEFAULT_SERVER_URL}: started an embedded one (${embedded.url})`);
  return { url: embedded.url, version: await serverVersion(embedded.url), embedded: true, stop: embedded.stop };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await client.end();
  }
}
