import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource, QueryFailedError } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../../packages/server/src/database/data-source.js';
import { type NewRequest, writeRequest } from '../../packages/server/src/registration/request-writer.js';
import { lockDomain } from '../../packages/server/src/registration/domain-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The statement on its own, on a migrated database with no hub (so no outbox worker sends what it queues).
describe('writeRequest: a request and its email in one statement, only if the domain is as it was read', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const domain = 'writer.example.com';
  const request = (url: string): NewRequest => ({
    action: 'register', domain, url, publicKey: 'PEM', fingerprint: 'SHA256:x', contact: `webmaster@${domain}`, requesterIp: null,
  });
  const rows = () =>
    db.query<{ url: string; request: string; email: string | null }>(
      `SELECT r.url, r.status AS request, o.status AS email FROM verification_requests r
         LEFT JOIN mail_outbox o ON o.request_id = r.id ORDER BY r.created_at, r.url`,
    );

  before(async () => {
    db = await createTestDatabase('request_writer');
    await runMigrations({ url: db.url });
    dataSource = await new DataSource(dataSourceOptions({ url: db.url })).initialize();
  });
  after(async () => {
    await dataSource?.destroy();
    await db.drop();
  });

  it('writes a pending request with its queued email, then supersedes exactly the request it names', async () => {
    const first = await writeRequest(dataSource.manager, null, request('https://a'), 24);
    assert.equal(first?.request.status, 'pending');
    const second = await writeRequest(dataSource.manager, first!.request.id, request('https://b'), 24);
    assert.equal(second?.request.url, 'https://b');
    assert.deepEqual(await rows(), [
      { url: 'https://a', request: 'superseded', email: 'cancelled' },
      { url: 'https://b', request: 'pending', email: 'queued' },
    ]);
  });

  it('writes nothing when the request it names is no longer pending (a concurrent write got there first)', async () => {
    const [stale] = await db.query<{ id: string }>(`SELECT id FROM verification_requests WHERE url = 'https://a'`);
    assert.equal(await writeRequest(dataSource.manager, stale!.id, request('https://c'), 24), null);
    assert.equal((await rows()).length, 2);
  });

  it('cannot add a second pending request: the unique index refuses it (23505)', async () => {
    await assert.rejects(writeRequest(dataSource.manager, null, request('https://d'), 24), (error: unknown) => {
      assert.ok(error instanceof QueryFailedError);
      assert.equal((error.driverError as { code: string }).code, '23505');
      return true;
    });
    assert.equal((await rows()).length, 2);
  });

  it('writes nothing while another transaction holds the domain lock, and writes once it is released', async () => {
    const [pending] = await db.query<{ id: string }>(`SELECT id FROM verification_requests WHERE status = 'pending'`);
    const holder = dataSource.createQueryRunner();
    await holder.startTransaction();
    try {
      await lockDomain(holder.manager, domain);
      assert.equal(await writeRequest(dataSource.manager, pending!.id, request('https://e'), 24), null);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    assert.equal((await writeRequest(dataSource.manager, pending!.id, request('https://e'), 24))?.request.url, 'https://e');
    assert.deepEqual((await rows()).map((row) => [row.url, row.request]), [
      ['https://a', 'superseded'],
      ['https://b', 'superseded'],
      ['https://e', 'pending'],
    ]);
  });

  it('cancels only an email still queued: a superseded request whose email already left keeps it as sent', async () => {
    const [pending] = await db.query<{ id: string }>(`SELECT id FROM verification_requests WHERE status = 'pending'`);
    await db.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now() WHERE request_id = $1`, [pending!.id]);
    assert.equal((await writeRequest(dataSource.manager, pending!.id, request('https://f'), 24))?.request.url, 'https://f');
    assert.deepEqual((await rows()).slice(-2), [
      { url: 'https://e', request: 'superseded', email: 'sent' },
      { url: 'https://f', request: 'pending', email: 'queued' },
    ]);
  });

  it('queues an email that must wait with its next attempt at the end of the wait: the outbox sends nothing before', async () => {
    const [pending] = await db.query<{ id: string }>(`SELECT id FROM verification_requests WHERE status = 'pending'`);
    const written = await writeRequest(dataSource.manager, pending!.id, request('https://g'), 24, { method: 'email', delaySeconds: 42 });
    const [email] = await db.query<{ wait: number; at: string }>(
      `SELECT extract(epoch FROM next_attempt_at - created_at)::float AS wait, next_attempt_at::text AS at FROM mail_outbox WHERE request_id = $1`,
      [written!.request.id],
    );
    assert.ok(email!.wait > 41.9 && email!.wait < 43, `queued ${email!.wait} s ahead`);
    assert.equal(written!.emailAt?.getTime(), new Date(email!.at).getTime());
  });

  it('writes a dns or http request with its challenge (only the token hash) and no email', async () => {
    const [pending] = await db.query<{ id: string }>(`SELECT id FROM verification_requests WHERE status = 'pending'`);
    const hash = Buffer.alloc(32, 7);
    const written = await writeRequest(dataSource.manager, pending!.id, request('https://h'), 24, {
      method: 'http', tokenHash: hash, httpId: 'abc', firstCheckSeconds: 60,
    });
    assert.equal(written?.request.method, 'http');
    assert.equal(written?.emailAt, null);
    assert.equal((await db.query(`SELECT 1 FROM mail_outbox WHERE request_id = $1`, [written!.request.id])).length, 0);
    const [challenge] = await db.query<{ method: string; token_hash: Buffer; http_id: string; active: boolean }>(
      `SELECT method, token_hash, http_id, active FROM ownership_challenges WHERE request_id = $1`, [written!.request.id]);
    assert.deepEqual({ ...challenge, token_hash: challenge!.token_hash.equals(hash) }, { method: 'http', token_hash: true, http_id: 'abc', active: true });
  });
});
