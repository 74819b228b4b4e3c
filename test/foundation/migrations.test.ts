import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../../packages/server/src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TABLES = [
  'log_checkpoints',
  'log_entries',
  'log_head',
  'log_nodes',
  'mail_attempts',
  'mail_outbox',
  'migrations',
  'ownership_challenges',
  'peers',
  'signing_keys',
  'verification_requests',
  'verification_tokens',
];

describe('migrations', () => {
  let db: TestDatabase;
  const tables = async () =>
    (await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )).map((row) => row.table_name);

  before(async () => {
    db = await createTestDatabase('migrations');
  });
  after(() => db.drop());

  it('apply to an empty database', async () => {
    assert.deepEqual(await tables(), []);
    const applied = await runMigrations({ url: db.url });
    assert.ok(applied.length >= 1);
    assert.deepEqual(await tables(), TABLES);
  });

  it('are idempotent: a second start applies nothing', async () => {
    assert.deepEqual(await runMigrations({ url: db.url }), []);
  });

  it('run once when several instances start together', async () => {
    const fresh = await createTestDatabase('migrations_race');
    try {
      const results = await Promise.all([1, 2, 3].map(() => runMigrations({ url: fresh.url })));
      assert.equal(results.flat().length, results.find((r) => r.length > 0)!.length);
    } finally {
      await fresh.drop();
    }
  });

  it('revert cleanly, every one of them, and apply again', async () => {
    const dataSource = new DataSource(dataSourceOptions({ url: db.url }));
    await dataSource.initialize();
    try {
      while ((await dataSource.query('SELECT count(*)::int AS n FROM migrations'))[0].n > 0) {
        await dataSource.undoLastMigration();
      }
    } finally {
      await dataSource.destroy();
    }
    assert.deepEqual(await tables(), ['migrations']);
    await runMigrations({ url: db.url });
    assert.deepEqual(await tables(), TABLES);
  });
});
