/**
 * The PostgreSQL server the bench databases live on: one started for this run and sized for the data it will hold,
 * as the README's Operations section asks of a production server (shared_buffers that hold the peers table and
 * its index, on huge pages), or the server BENCH_DATABASE_URL names, as it is configured.
 *
 * Why a server of its own: on the machine's default configuration (shared_buffers 128 MB, 4 KiB pages), cold
 * lookups at 1,000,000 peers ran at 0.64–0.77× of those at 1,000, all of the difference PostgreSQL's; sized and on
 * huge pages, 0.93–0.95× (docs/performance.md, fourth session).
 */
import pg from 'pg';
import { startThrowawayServer } from '../test/support/database.js';
import { reserveHugePages } from './huge-pages.js';

export interface PostgresServer {
  readonly url: string;
  /** Version and the settings that decide how a random lookup at 1,000,000 peers fares. */
  readonly description: ServerDescription;
  stop(): Promise<void>;
}

export interface ServerDescription {
  version: string;
  sharedBuffers: string;
  /** Whether the server's shared memory is on huge pages: on, off, or unknown before PostgreSQL 17. */
  hugePages: string;
}

/** About 0.75 KiB per peer for the table and its primary key, measured at 1,000,000; the rest is headroom. */
export function sharedBuffersMiB(largestPeers: number): number {
  return 128 + Math.ceil(largestPeers / 1024);
}

export async function postgresServer(options: { largestPeers: number; reserveHugePages: boolean; log: (message: string) => void }): Promise<PostgresServer> {
  const given = process.env.BENCH_DATABASE_URL;
  if (given) {
    const description = await describe(given).catch((error: Error) => {
      throw new Error(`BENCH_DATABASE_URL ${given} unreachable: ${error.message}`);
    });
    return { url: given, description, stop: async () => {} };
  }
  const buffers = sharedBuffersMiB(options.largestPeers);
  // Shared memory is shared_buffers plus WAL buffers (up to 16 MB) and PostgreSQL's own tables.
  const giveBackHugePages = options.reserveHugePages ? reserveHugePages((buffers + 96) * 2 ** 20, options.log) : () => {};
  try {
    const server = await startThrowawayServer({ shared_buffers: `${buffers}MB`, huge_pages: 'try' });
    const description = await describe(server.url);
    options.log(`PostgreSQL ${description.version} for this run: shared_buffers ${description.sharedBuffers}, huge pages ${description.hugePages}`);
    return {
      url: server.url,
      description,
      stop: async () => {
        await server.stop();
        giveBackHugePages();
      },
    };
  } catch (error) {
    giveBackHugePages();
    throw error;
  }
}

async function describe(url: string): Promise<ServerDescription> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const show = async (setting: string) => {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${setting}`).catch(() => ({ rows: [{ [setting]: 'unknown' }] }));
      return rows[0]![setting]!;
    };
    return { version: await show('server_version'), sharedBuffers: await show('shared_buffers'), hugePages: await show('huge_pages_status') };
  } finally {
    await client.end();
  }
}
