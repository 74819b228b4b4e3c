import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { register, registrationFor } from '../support/flows.js';
import { type MailingTestHub, startMailingHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';
import type { SmtpCapture, SmtpCaptureOptions } from '../support/smtp-capture.js';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy.js';

const key = generateTestKeyPair().publicPem;

/** A hub whose database connections pass through a proxy the test can cut, with its own SMTP capture. */
async function startProxiedHub(name: string, env: Record<string, string>, smtp?: SmtpCaptureOptions) {
  const db = await createTestDatabase(name);
  const { proxy, url } = await proxyDatabase(db.url);
  const hub = await startMailingHub(name, { DATABASE_URL: url, OUTBOX_RETRY_BASE_SECONDS: '1', ...env }, { db, smtp });
  const stop = async () => {
    await hub.stop();
    await proxy.close();
    await db.drop();
  };
  return { db, proxy, smtp: hub.smtp, hub, stop };
}

describe('PostgreSQL goes away under load and comes back', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let smtp: SmtpCapture;
  let hub: MailingTestHub;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ db, proxy, smtp, hub, stop } = await startProxiedHub('db_outage', { RATE_IP_REGISTRATIONS_PER_MINUTE: '100000' }));
  });
  after(() => stop?.());

  it('answers 503 fast while the database is away, never crashes, and loses no accepted registration or email', async () => {
    const accepted: string[] = [];
    const statuses: number[] = [];
    let next = 0;
    let running = true;
    // A steady mix of registrations and lookups from four concurrent clients.
    const client = async () => {
      while (running) {
        const domain = `load${next++}.outage.example.com`;
        const response = await register(hub.url, registrationFor(domain, key)).timeout(5000);
        statuses.push(response.status);
        if (response.status === 202) accepted.push(domain);
        statuses.push((await request(hub.url).get(`/api/v1/peers/${domain}`).timeout(5000)).status);
      }
    };
    const clients = Array.from({ length: 4 }, client);

    await eventually(() => accepted.length >= 10);
    await proxy.cut();
    const duringOutage = statuses.length;
    assert.ok(await eventually(async () => (await request(hub.url).get('/readyz')).status === 503));
    assert.ok(await eventually(() => statuses.length - duringOutage >= 20, 10_000), 'requests keep being answered during the outage');
    assert.equal((await request(hub.url).get('/healthz')).status, 200, 'the process is alive');
    const outage = statuses.slice(duringOutage);
    assert.ok(outage.includes(503), `requests failed with 503 during the outage (${[...new Set(outage)].join(',')})`);
    const refused = await register(hub.url, registrationFor('refused.outage.example.com', key));
    assert.equal(refused.status, 503);
    assert.match(refused.body.message, /database unavailable/);
    // A lookup the cache cannot answer starts on the fast path, whose failed read hands it to the full path.
    const lookup = await request(hub.url).get('/api/v1/peers/never-cached.outage.example.com');
    assert.equal(lookup.status, 503);
    assert.equal(lookup.body.message, 'database unavailable; try again shortly');

    await proxy.restore();
    assert.ok(await eventually(async () => (await request(hub.url).get('/readyz')).status === 200, 10_000));
    const afterOutage = accepted.length;
    assert.ok(await eventually(() => accepted.length > afterOutage + 5, 10_000), 'registrations succeed again');
    running = false;
    await Promise.all(clients);

    assert.ok(statuses.every((status) => [202, 404, 503].includes(status)), [...new Set(statuses)].join(','));
    // Every registration that got 202 is stored and gets its one email. (A commit whose acknowledgement was
    // cut off may be stored although its client saw 503: it is kept, and emailed, too.)
    const stored = (await db.query<{ domain: string }>(`SELECT domain FROM verification_requests`)).map((row) => row.domain);
    assert.deepEqual(accepted.filter((domain) => !stored.includes(domain)), [], 'no accepted registration lost');
    const emailed = (domain: string) => smtp.messages.some((m) => m.to.includes(`webmaster@${domain}`));
    if (!(await eventually(() => stored.every(emailed), 15_000))) {
      const missing = stored.filter((domain) => !emailed(domain));
      const outbox = await db.query(
        `SELECT r.domain, o.status, o.attempts, o.next_attempt_at, o.last_error FROM mail_outbox o JOIN verification_requests r ON r.id = o.request_id
          WHERE r.domain = ANY($1)`,
        [missing],
      );
      assert.fail(`no email for ${missing.length} stored registrations: ${JSON.stringify(outbox)}`);
    }
    for (const domain of stored) {
      assert.equal(smtp.messages.filter((m) => m.to.includes(`webmaster@${domain}`)).length, 1, domain);
    }
  });
});

describe('PostgreSQL goes away while an email is being sent', () => {
  const outboxRow = async (db: TestDatabase) =>
    (await db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM mail_outbox`))[0]!;

  // The mail server takes 1.5 s per message: the database is cut while a message is on its way.
  const setUp = (name: string) => startProxiedHub(name, {}, { delayMs: 1500 });

  it('an email that left during the outage is recorded as sent when the database is back, not sent again', async () => {
    const { db, proxy, smtp, hub, stop } = await setUp('db_outage_sent');
    try {
      assert.equal((await register(hub.url, registrationFor('sent.outage.example.com', key))).status, 202);
      assert.ok(await eventually(() => smtp.mostAtOnce >= 1), 'the send started');
      await proxy.cut();
      await smtp.waitForMessages(1);
      // The database stays away a little longer, so the hub's attempt to record the send fails.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await proxy.restore();
      // Without the repair the message stayed leased for the lease's 120 s, and was then sent a second time.
      assert.ok(await eventually(async () => (await outboxRow(db)).status === 'sent', 15_000), JSON.stringify(await outboxRow(db)));
      const attempts = await db.query<{ ok: boolean }>(`SELECT ok FROM mail_attempts`);
      assert.deepEqual(attempts.map((attempt) => attempt.ok), [true]);
      assert.equal(smtp.messages.length, 1);
    } finally {
      await stop();
    }
  });

  it('an email whose failure could not be recorded is retried as soon as the database is back', async () => {
    const { db, proxy, smtp, hub, stop } = await setUp('db_outage_failed');
    try {
      smtp.refuse(true);
      assert.equal((await register(hub.url, registrationFor('failed.outage.example.com', key))).status, 202);
      assert.ok(await eventually(() => smtp.mostAtOnce >= 1), 'the send started');
      await proxy.cut();
      assert.ok(await eventually(() => smtp.refused >= 1), 'the mail server refused it');
      smtp.refuse(false);
      // As above: the hub's attempt to record the failure must meet the outage.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await proxy.restore();
      // Without the repair the refused message stayed leased for 120 s.
      await smtp.waitForMessages(1, 15_000);
      assert.ok(await eventually(async () => (await outboxRow(db)).status === 'sent'));
      assert.equal(smtp.messages.length, 1);
    } finally {
      await stop();
    }
  });
});

describe('PostgreSQL goes away: lookups the cache cannot answer', () => {
  it('count once against the per-IP request limit, though the fast path hands each to the full path', async () => {
    const limit = 6;
    const { proxy, hub, stop } = await startProxiedHub('db_outage_limit', { RATE_IP_REQUESTS_PER_MINUTE: String(limit) });
    try {
      await proxy.cut();
      await clearOfMinuteBoundary();
      const statuses: number[] = [];
      for (let n = 0; n <= limit; n++) statuses.push((await request(hub.url).get(`/api/v1/peers/uncached${n}.outage.example.com`)).status);
      // Counted twice, the fourth lookup was refused 429 while the limit allows six.
      assert.deepEqual(statuses, [...Array<number>(limit).fill(503), 429]);
    } finally {
      await stop();
    }
  });
});
