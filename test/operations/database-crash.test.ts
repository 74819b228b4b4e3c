import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { startThrowawayServer, type TestDatabase, type ThrowawayServer } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { register, registrationFor } from '../support/flows.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { sample, scrapeMetrics } from '../support/metrics.js';

const key = generateTestKeyPair().publicPem;

/** The throwaway server's own database, as the hub helpers take one (dropped with the server). */
function databaseOn(server: ThrowawayServer): TestDatabase {
  const pool = new pg.Pool({ connectionString: server.url, max: 2 });
  pool.on('error', () => undefined);
  return {
    url: server.url,
    name: 'postgres',
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    drop: () => pool.end(),
  };
}

/** Absent (NaN) is not 0: the counter must be exported from the start. */
async function outageCount(hubUrl: string): Promise<number> {
  return sample(await scrapeMetrics(hubUrl), 'hub_database_outages_total') ?? NaN;
}

describe('PostgreSQL crashes (pg_ctl stop -m immediate) under load and recovers', () => {
  let server: ThrowawayServer;
  let db: TestDatabase;
  let hub: TestHub;

  before(async () => {
    // A server of its own: the machine's shared PostgreSQL is never stopped.
    server = await startThrowawayServer();
    db = databaseOn(server);
    hub = await startTestHub('db_crash', { RATE_IP_REGISTRATIONS_PER_MINUTE: '100000' }, { db });
  });
  after(async () => {
    await hub?.stop();
    await db?.drop();
    await server?.stop();
  });

  it('answers 503 (never 500) while it is down and recovering, 2xx after, and counts one outage', async () => {
    const statuses: number[] = [];
    let next = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const domain = `crash${next++}.outage.example.com`;
        statuses.push((await register(hub.url, registrationFor(domain, key)).timeout(10_000)).status);
        statuses.push((await request(hub.url).get(`/api/v1/peers/${domain}`).timeout(10_000)).status);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await eventually(() => statuses.filter((status) => status === 202).length >= 10);
    assert.equal(await outageCount(hub.url), 0);

    await server.crash();
    const atCrash = statuses.length;
    assert.ok(await eventually(() => statuses.slice(atCrash).filter((status) => status === 503).length >= 10, 10_000), 'refused with 503');
    assert.equal((await request(hub.url).get('/readyz')).status, 503);
    const refused = await register(hub.url, registrationFor('down.outage.example.com', key));
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.body, { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable; try again shortly' });

    // Restarting runs crash recovery; the load goes on meanwhile (what answers "not yet accepting connections").
    await server.restart();
    assert.ok(await eventually(async () => (await request(hub.url).get('/readyz')).status === 200, 15_000));
    const atRecovery = statuses.length;
    assert.ok(await eventually(() => statuses.slice(atRecovery).filter((status) => status === 202).length >= 5, 15_000), 'registrations succeed again');
    running = false;
    await Promise.all(clients);

    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    console.log(`# answers around the crash: ${JSON.stringify(counts)}`);
    const seen = [...new Set(statuses)].sort();
    assert.ok(statuses.every((status) => [202, 404, 503].includes(status)), `statuses seen: ${seen.join(',')}`);
    assert.equal(await outageCount(hub.url), 1, 'one outage, however many 503s');
  });
});
