import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { spawnHub } from '../support/hub-process.js';
import { freePort } from '../support/ports.js';

describe('embedded PostgreSQL (DATABASE_URL unset)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-embedded-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts, keeps a row across a restart, and stops cleanly', async () => {
    const pgPort = await freePort();
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(pgPort), LOG_LEVEL: 'warn' };
    const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/hub`;

    const first = await spawnHub(env, 60_000);
    assert.match(first.output(), /embedded PostgreSQL started in .*postgres on 127\.0\.0\.1:\d+ \(DATABASE_URL unset\)/);
    assert.equal((await fetch(`${first.url}/readyz`)).status, 200);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at)
       VALUES ('kept.example.com', 'https://kept.example.com', 'pem', 'fp', 'webmaster@kept.example.com', now())`,
    );
    await client.end();
    assert.equal(await first.stop('SIGTERM'), 0);
    assert.match(first.output(), /embedded PostgreSQL stopped/);
    await assert.rejects(async () => {
      const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1000 });
      try {
        await probe.connect();
      } finally {
        await probe.end().catch(() => undefined);
      }
    }, 'the embedded server is down after the hub stops');

    const second = await spawnHub(env, 60_000);
    const again = new pg.Client({ connectionString: databaseUrl });
    await again.connect();
    const rows = (await again.query(`SELECT domain FROM peers`)).rows;
    await again.end();
    assert.deepEqual(rows, [{ domain: 'kept.example.com' }]);
    assert.equal(await second.stop('SIGINT'), 0);
  });
});
