import { fileURLToPath } from 'node:url';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { DEFAULT_POOL_SIZE } from '../config/environment.js';
import { classifyingPg } from './availability.js';
import { ENTITIES } from './entities.js';

// Compiled migrations sit beside the compiled sources: dist/migrations next to dist/src (packages/server/tsconfig.json).
const MIGRATIONS = fileURLToPath(new URL('../../migrations/*.js', import.meta.url));

export interface DatabaseSettings {
  url: string;
  replicaUrls?: string[];
  poolSize?: number;
  applicationName?: string;
}

/** The one description of the hub's database, shared by the app, the tests and the TypeORM CLI. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const extra = {
    max: settings.poolSize ?? DEFAULT_POOL_SIZE,
    // Fail fast when PostgreSQL is away, so requests answer 503 instead of piling up.
    connectionTimeoutMillis: 2000,
    application_name: settings.applicationName ?? 'federation-hub',
  };
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: [MIGRATIONS],
    migrationsTableName: 'migrations',
    // The schema changes only through migrations/, run explicitly at start-up (see runMigrations).
    synchronize: false,
    migrationsRun: false,
    // pg with error codes on the driver's own connection errors, so that a lost database answers 503 (availability.ts).
    driver: classifyingPg,
    extra,
  };
  const replicas = settings.replicaUrls ?? [];
  if (replicas.length === 0) return { ...common, url: settings.url };
  return {
    ...common,
    replication: {
      master: { url: settings.url },
      slaves: replicas.map((url) => ({ url })),
    },
  };
}

const ADVISORY_LOCK_MIGRATIONS = 7_301_001;

/**
 * Applies pending migrations. Several hub instances may start at once: a session advisory lock makes
 * them take turns, so each migration runs exactly once.
 */
export async function runMigrations(settings: DatabaseSettings): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions({ ...settings, replicaUrls: [] }), extra: { max: 2 } });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_MIGRATIONS]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_MIGRATIONS]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}
