import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { register } from '../support/flows.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy.js';

const key = generateTestKeyPair().publicPem;

describe('PostgreSQL goes away under load and comes back', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let smtp: SmtpCapture;
  let hub: TestHub;

  before(async () => {
    db = await createTestDatabase('db_outage');
    const proxied = await proxyDatabase(db.url);
    proxy = proxied.proxy;
    smtp = await startSmtpCapture();
    hub = await startTestHub(
      'db_outage',
      { DATABASE_URL: proxied.url, SMTP_URL: smtp.url, RATE_IP_REGISTRATIONS_PER_MINUTE: '100000', OUTBOX_RETRY_BASE_SECONDS: '1' },
      { db },
    );
  });
  after(async () => {
    await hub?.stop();
    await proxy?.close();
    await smtp?.close();
    await db?.drop();
  });

  it('answers 503 fast while the database is away, never crashes, and loses no accepted registration or email', async () => {
    const accepted: string[] = [];
    const statuses: number[] = [];
    let next = 0;
    let running = true;
    // A steady mix of registrations and lookups from four concurrent clients.
    const client = async () => {
      while (running) {
        const domain = `load${next++}.outage.example.com`;
        const response = await register(hub.url, { domain, url: `https://${domain}`, public_key: key }).timeout(5000);
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
    const refused = await register(hub.url, { domain: 'refused.outage.example.com', url: 'https://refused.outage.example.com', public_key: key });
    assert.equal(refused.status, 503);
    assert.match(refused.body.message, /database unavailable/);

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
    assert.ok(await eventually(() => stored.every((domain) => smtp.messages.some((m) => m.to.includes(`webmaster@${domain}`))), 15_000));
    for (const domain of stored) {
      assert.equal(smtp.messages.filter((m) => m.to.includes(`webmaster@${domain}`)).length, 1, domain);
    }
  });
});
