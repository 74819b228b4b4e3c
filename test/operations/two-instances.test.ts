import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { spawnHub, type HubProcess } from '../support/hub-process.js';
import { generateTestKeyPair } from '../support/keys.js';
import { freePort } from '../support/ports.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

const ADMIN_TOKEN = 'admin-token-for-the-two-instance-test';
const DOMAINS = Array.from({ length: 12 }, (_, i) => `peer${i}.two.example.com`);

describe('two hub processes on one database', () => {
  let db: TestDatabase;
  let smtp: SmtpCapture;
  let a: HubProcess;
  let b: HubProcess;
  const key = generateTestKeyPair().publicPem;

  before(async () => {
    db = await createTestDatabase('two_instances');
    smtp = await startSmtpCapture();
    const env = async () => {
      const port = String(await freePort());
      return {
        PORT: port,
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: db.url,
        SMTP_URL: smtp.url,
        ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        OUTBOX_POLL_MS: '50',
      };
    };
    [a, b] = await Promise.all([spawnHub(await env()), spawnHub(await env())]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await smtp.close();
    await db.drop();
  });

  it('sends every email exactly once while both instances register and deliver concurrently', async () => {
    const responses = await Promise.all(
      DOMAINS.flatMap((domain, i) => [
        register((i % 2 ? a : b).url, { domain, url: `https://${domain}`, public_key: key }),
        register((i % 2 ? b : a).url, { domain, url: `https://${domain}`, public_key: key }),
      ]),
    );
    assert.ok(responses.every((r) => r.status === 202 || r.status === 429), responses.map((r) => r.status).join(','));
    await smtp.waitForMessages(DOMAINS.length, 20_000);
    const sent = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'sent'`))[0]!.n;
    assert.ok(await eventually(async () => (await sent()) === DOMAINS.length), `${await sent()} of ${DOMAINS.length} marked sent`);
    for (const domain of DOMAINS) {
      assert.equal(smtp.messages.filter((m) => m.to.includes(`webmaster@${domain}`)).length, 1, domain);
    }
  });

  it('confirms on either instance; both answer the same, without duplicates; a confirmation is visible on the other within a second', async () => {
    for (const [i, domain] of DOMAINS.entries()) {
      const confirmer = i % 2 ? a : b;
      const other = i % 2 ? b : a;
      // Warm the other instance's cache with "not found" first: the confirmation must invalidate it.
      assert.equal((await request(other.url).get(`/api/v1/peers/${domain}`)).status, 404);
      // Either instance may have sent the email; the link works on any instance.
      const { token } = await confirmationLinkFor(smtp, `webmaster@${domain}`, undefined);
      assert.equal((await request(confirmer.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
      assert.ok(
        await eventually(async () => (await request(other.url).get(`/api/v1/peers/${domain}`)).status === 200, 1000),
        `${domain} visible on the other instance within 1 s`,
      );
    }
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM peers');
    assert.equal(n, DOMAINS.length);
    for (const domain of DOMAINS) {
      const [fromA, fromB] = await Promise.all([a, b].map((hub) => request(hub.url).get(`/api/v1/peers?search=${domain}`)));
      assert.equal(fromA.body.peer.url, fromB.body.peer.url);
      assert.equal(fromA.body.peer.fingerprint, fromB.body.peer.fingerprint);
    }
  });

  it('never serves a cached answer after a rotation is confirmed on the other instance', async () => {
    const domain = DOMAINS[1]!;
    const rotated = generateTestKeyPair({ type: 'ed25519' }).publicPem;
    const old = (await request(b.url).get(`/api/v1/peers/${domain}`)).body.peer.fingerprint; // cached on b
    const seen = smtp.messages.length;
    // The per-domain cooldown (60 s by default) would hold a second email back this long: age the first request and email.
    await db.query(`UPDATE verification_requests SET created_at = created_at - interval '1 hour'`);
    await db.query(`UPDATE mail_outbox SET sent_at = sent_at - interval '1 hour'`);
    assert.equal((await register(a.url, { domain, url: `https://${domain}`, public_key: rotated })).status, 202);
    const { token } = await confirmationLinkFor(smtp, `webmaster@${domain}`, undefined, seen);
    assert.equal((await request(b.url).get(`/api/v1/peers/${domain}`)).body.peer.fingerprint, old, 'pending: still the old key');
    assert.equal((await request(a.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    assert.ok(
      await eventually(async () => (await request(b.url).get(`/api/v1/peers/${domain}`)).body.peer.fingerprint !== old, 1000),
      'the other instance serves the new key within a second',
    );
  });

  it('both instances publish the same signing key', async () => {
    const [ka, kb] = await Promise.all([a, b].map(async (hub) => (await request(hub.url).get('/.well-known/jwks.json')).body));
    assert.deepEqual(ka, kb);
  });

  it('an admin revocation on one instance disappears from lookups on both within a second', async () => {
    const domain = DOMAINS[0]!;
    assert.equal((await request(b.url).get(`/api/v1/peers/${domain}`)).status, 200, 'cached on b');
    const revoked = await request(a.url)
      .post(`/api/v1/admin/peers/${domain}/revoke`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ reason: 'abuse report #42' });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.revoked_reason, 'abuse report #42');
    assert.equal((await request(a.url).get(`/api/v1/peers/${domain}`)).status, 404, 'at once on a');
    assert.ok(await eventually(async () => (await request(b.url).get(`/api/v1/peers/${domain}`)).status === 404, 1000));
  });
});
