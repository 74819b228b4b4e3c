import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { runMigrations } from '../../packages/server/src/database/data-source.js';
import { parsePublicKey } from '../../packages/client/src/protocol/public-key.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerAndConfirm } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

/**
 * The "replica" is a second database with the same schema but different rows, so the answers show which pool a
 * query used: a peer only the replica has can only be found by reading the replica.
 */
describe('DATABASE_REPLICA_URLS: lookups read replicas, writes go to the primary', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let hub: MailingTestHub;
  const key = generateTestKeyPair().publicPem;

  before(async () => {
    primary = await createTestDatabase('replication_primary');
    replica = await createTestDatabase('replication_replica');
    await runMigrations({ url: replica.url });
    const { fingerprint, pem } = parsePublicKey(key);
    await replica.query(
      `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at)
       VALUES ('replica-only.example.com', 'https://replica-only.example.com', $1, $2, 'webmaster@replica-only.example.com', now())`,
      [pem, fingerprint],
    );
    hub = await startMailingHub('replication', { DATABASE_REPLICA_URLS: replica.url }, { db: primary });
  });
  after(async () => {
    await hub?.stop();
    await primary?.drop();
    await replica?.drop();
  });

  it('answers lookups from the replica pool', async () => {
    const response = await request(hub.url).get('/api/v1/peers?search=replica-only.example.com');
    assert.equal(response.status, 200);
    assert.equal(response.body.peer.url, 'https://replica-only.example.com');
    const [{ n }] = await primary.query<{ n: number }>('SELECT count(*)::int AS n FROM peers');
    assert.equal(n, 0, 'the primary does not have it');
  });

  it('writes registrations and confirmations to the primary, and reads a just-confirmed peer from the primary', async () => {
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: 'fresh.example.com', url: 'https://fresh.example.com', public_key: key });
    assert.equal((await primary.query('SELECT 1 FROM peers WHERE domain = $1', ['fresh.example.com'])).length, 1);
    assert.equal((await replica.query('SELECT 1 FROM verification_requests')).length, 0, 'nothing written to the replica');
    // The replica has not caught up (here it never will); the hub knows the change came from the primary.
    const response = await request(hub.url).get('/api/v1/peers/fresh.example.com');
    assert.equal(response.status, 200);
  });
});
