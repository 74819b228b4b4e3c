import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { HousekeepingService } from '../../packages/server/src/housekeeping/housekeeping.service.js';
import { eventually } from '../support/eventually.js';
import { confirmationLinkFor, register, registerAndConfirm, registrationFor } from '../support/flows.js';
import { type MailingTestHub, startMailingHub, startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

const key = generateTestKeyPair().publicPem;
const body = (domain: string) => registrationFor(domain, key);

describe('housekeeping', () => {
  let hub: MailingTestHub;
  let other: TestHub;
  const housekeeping = (on: TestHub) => on.app.get(HousekeepingService);

  const requestIdOf = async (domain: string) =>
    (await hub.db.query<{ id: string }>(`SELECT id FROM verification_requests WHERE domain = $1 ORDER BY created_at DESC LIMIT 1`, [domain]))[0]!.id;
  const counts = async () => {
    const [row] = await hub.db.query<{ requests: number; emails: number; peers: number }>(
      `SELECT (SELECT count(*)::int FROM verification_requests) AS requests,
              (SELECT count(*)::int FROM mail_outbox) AS emails,
              (SELECT count(*)::int FROM peers) AS peers`,
    );
    return row!;
  };
  /** Registers and waits until the confirmation email was delivered (outbox row 'sent'). */
  const registerDelivered = async (domain: string) => {
    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, body(domain))).status, 202);
    await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, seen);
    const id = await requestIdOf(domain);
    assert.ok(
      await eventually(async () => (await hub.db.query(`SELECT 1 FROM mail_outbox WHERE request_id = $1 AND status = 'sent'`, [id])).length === 1),
    );
    return id;
  };

  before(async () => {
    hub = await startMailingHub('housekeeping', { RETENTION_DAYS: '30', RATE_DOMAIN_COOLDOWN_SECONDS: '0' });
    // A second instance on the same database, delivering to the same capture server (its emails carry the
    // first instance's links, so the flow helpers find them either way).
    other = await startTestHub('housekeeping', { SMTP_URL: hub.smtp.url, RETENTION_DAYS: '30', PUBLIC_URL: hub.config.publicUrl }, { db: hub.db });
  });
  after(async () => {
    await other?.stop();
    await hub?.stop();
  });

  it('purges expired pending requests and old finished requests and delivered emails, and keeps the rest', async () => {
    // A peer confirmed 40 days ago: its finished request and its email are past retention; the peer itself stays.
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, body('old.keep.example.com'));
    const oldConfirmed = await requestIdOf('old.keep.example.com');
    await hub.db.query(
      `UPDATE verification_requests SET created_at = now() - interval '41 days', expires_at = now() - interval '40 days',
              completed_at = now() - interval '40 days' WHERE id = $1`,
      [oldConfirmed],
    );
    await hub.db.query(`UPDATE mail_outbox SET created_at = now() - interval '41 days', sent_at = now() - interval '41 days' WHERE request_id = $1`, [oldConfirmed]);
    await hub.db.query(`UPDATE peers SET confirmed_at = now() - interval '400 days' WHERE domain = 'old.keep.example.com'`);

    // A peer confirmed now: request and email are recent.
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, body('new.keep.example.com'));

    // Pending, expired a day ago and created two days ago: purged (with its email).
    const expired = await registerDelivered('expired.purge.example.com');
    await hub.db.query(`UPDATE verification_requests SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1`, [expired]);

    // Pending and expired, but created less than a day ago: kept (the per-domain email limits still count it).
    // Its email went dead long ago: dead emails are kept for the operator whatever their age.
    const recentlyExpired = await registerDelivered('recent.keep.example.com');
    await hub.db.query(`UPDATE verification_requests SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1`, [recentlyExpired]);
    await hub.db.query(
      `UPDATE mail_outbox SET status = 'dead', sent_at = NULL, created_at = now() - interval '60 days' WHERE request_id = $1`,
      [recentlyExpired],
    );

    // Still pending and valid, but its email was delivered 40 days ago (a long TOKEN_TTL_HOURS): the email goes,
    // the request stays.
    const live = await registerDelivered('live.keep.example.com');
    await hub.db.query(`UPDATE mail_outbox SET created_at = now() - interval '41 days', sent_at = now() - interval '40 days' WHERE request_id = $1`, [live]);

    // Finished 29 days ago: within RETENTION_DAYS, kept.
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, body('recent-finished.keep.example.com'));
    const recentFinished = await requestIdOf('recent-finished.keep.example.com');
    await hub.db.query(`UPDATE verification_requests SET completed_at = now() - interval '29 days' WHERE id = $1`, [recentFinished]);
    await hub.db.query(`UPDATE mail_outbox SET sent_at = now() - interval '29 days' WHERE request_id = $1`, [recentFinished]);

    assert.deepEqual(await counts(), { requests: 6, emails: 6, peers: 3 });
    const purged = await housekeeping(hub).runOnce();
    // The old confirmed request's email goes with its request (ON DELETE CASCADE), so it is counted there.
    assert.deepEqual(purged, { expiredRequests: 1, finishedRequests: 1, deliveredEmails: 1 });

    const requests = await hub.db.query<{ id: string }>('SELECT id FROM verification_requests ORDER BY id');
    assert.deepEqual(requests.map((r) => r.id).sort(), [recentlyExpired, live, recentFinished, await requestIdOf('new.keep.example.com')].sort());
    const emails = await hub.db.query<{ request_id: string; status: string }>('SELECT request_id, status FROM mail_outbox');
    assert.deepEqual(
      emails.map((e) => `${e.request_id} ${e.status}`).sort(),
      [`${recentlyExpired} dead`, `${recentFinished} sent`, `${await requestIdOf('new.keep.example.com')} sent`].sort(),
    );
    assert.deepEqual(await counts(), { requests: 4, emails: 3, peers: 3 });

    // Confirmed peers are never purged, however old: lookups still answer.
    for (const domain of ['old.keep.example.com', 'new.keep.example.com', 'recent-finished.keep.example.com']) {
      assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 200, domain);
    }

    // Nothing left to do: a second run purges nothing.
    assert.deepEqual(await housekeeping(hub).runOnce(), { expiredRequests: 0, finishedRequests: 0, deliveredEmails: 0 });
    assert.deepEqual(await counts(), { requests: 4, emails: 3, peers: 3 });
  });

  it('runs on one instance at a time: while one holds the lock, the other skips (null) and purges nothing', async () => {
    const expired = await registerDelivered('concurrent.purge.example.com');
    await hub.db.query(`UPDATE verification_requests SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1`, [expired]);

    // Hold the expired request's row, so the first instance's run stops on its DELETE while holding the lock.
    const blocker = new pg.Client({ connectionString: hub.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM verification_requests WHERE id = $1 FOR UPDATE', [expired]);
      const first = housekeeping(hub).runOnce();
      assert.ok(
        await eventually(async () => {
          const waiting = await hub.db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM verification_requests%'`,
          );
          return waiting.length === 1;
        }),
        'the first run is inside its transaction, holding the housekeeping lock',
      );
      // The other instance (and this one, a second time) skip at once instead of waiting or doubling the work.
      assert.equal(await housekeeping(other).runOnce(), null);
      assert.equal(await housekeeping(hub).runOnce(), null);
      assert.equal((await hub.db.query('SELECT 1 FROM verification_requests WHERE id = $1', [expired])).length, 1);

      await blocker.query('COMMIT');
      assert.deepEqual(await first, { expiredRequests: 1, finishedRequests: 0, deliveredEmails: 0 });
    } finally {
      await blocker.end();
    }
    assert.equal((await hub.db.query('SELECT 1 FROM verification_requests WHERE id = $1', [expired])).length, 0);

    // Released: the other instance may run now (nothing left to purge).
    assert.deepEqual(await housekeeping(other).runOnce(), { expiredRequests: 0, finishedRequests: 0, deliveredEmails: 0 });
  });

  it('two instances started together purge each row once', async () => {
    const ids = [];
    for (const domain of ['a.together.example.com', 'b.together.example.com']) {
      const id = await registerDelivered(domain);
      await hub.db.query(`UPDATE verification_requests SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1`, [id]);
      ids.push(id);
    }
    const results = await Promise.all([housekeeping(hub).runOnce(), housekeeping(other).runOnce()]);
    const ran = results.filter((result) => result !== null);
    assert.ok(ran.length >= 1, 'at least one instance ran');
    // Whichever ran (one, or both one after the other), the two rows were purged exactly once in total.
    assert.equal(ran.reduce((sum, result) => sum + result!.expiredRequests, 0), 2);
    assert.equal((await hub.db.query('SELECT 1 FROM verification_requests WHERE id = ANY($1)', [ids])).length, 0);
  });
});
