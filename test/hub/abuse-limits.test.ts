import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.js';
import { register } from '../support/flows.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

const key = generateTestKeyPair().publicPem;
const body = (domain: string, url = `https://${domain}`) => ({ domain, url, public_key: key });
const count = async (hub: TestHub, sql: string, params: unknown[] = []) =>
  (await hub.db.query<{ n: number }>(sql, params))[0]!.n;

describe('abuse limits', () => {
  let smtp: SmtpCapture;
  before(async () => {
    smtp = await startSmtpCapture();
  });
  after(() => smtp.close());

  it('thirty simultaneous registrations of one domain leave one live request and exactly one email', async () => {
    const hub = await startTestHub('burst', { SMTP_URL: smtp.url, RATE_IP_REGISTRATIONS_PER_MINUTE: '1000' });
    try {
      const domain = 'burst.example.com';
      // Identical bodies (a server restarting in a loop) and different bodies (an attacker) at the same time.
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => register(hub.url, body(domain, i % 2 ? `https://${domain}` : `https://${domain}/v${i}`))),
      );
      const statuses = responses.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 202 || s === 429), statuses.join(','));
      for (const refused of responses.filter((r) => r.status === 429)) {
        assert.ok(Number(refused.headers['retry-after']) > 0);
        assert.match(refused.body.message, /^domain: .*RATE_DOMAIN_COOLDOWN_SECONDS/);
      }
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM verification_requests WHERE status = 'pending'`), 1);
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM mail_outbox`), 1);
      await smtp.waitFor((m) => m.to.includes(`webmaster@${domain}`), 10_000);
      assert.ok(await eventually(async () => (await count(hub, `SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'sent'`)) === 1));
      assert.equal(smtp.messages.filter((m) => m.to.includes(`webmaster@${domain}`)).length, 1);
    } finally {
      await hub.stop();
    }
  });

  it('caps confirmation emails per domain per day', async () => {
    const hub = await startTestHub('daily_cap', { SMTP_URL: smtp.url, RATE_DOMAIN_COOLDOWN_SECONDS: '0', RATE_DOMAIN_DAILY_CAP: '2' });
    try {
      const domain = 'capped.example.com';
      assert.equal((await register(hub.url, body(domain, 'https://a.capped.example.com'))).status, 202);
      assert.equal((await register(hub.url, body(domain, 'https://b.capped.example.com'))).status, 202);
      const third = await register(hub.url, body(domain, 'https://c.capped.example.com'));
      assert.equal(third.status, 429);
      assert.match(third.body.message, /RATE_DOMAIN_DAILY_CAP/);
      assert.ok(Number(third.headers['retry-after']) > 3600);
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM mail_outbox`), 2);
    } finally {
      await hub.stop();
    }
  });

  it('limits registration requests per client IP, with Retry-After and no email', async () => {
    const hub = await startTestHub('ip_limit', { SMTP_URL: smtp.url, RATE_IP_REGISTRATIONS_PER_MINUTE: '3' });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await register(hub.url, body(`ip${i}.example.com`))).status, 202);
      const fourth = await register(hub.url, body('ip3.example.com'));
      assert.equal(fourth.status, 429);
      assert.ok(Number(fourth.headers['retry-after']) >= 1);
      assert.match(fourth.body.message, /^rate limit: /);
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM verification_requests WHERE domain = 'ip3.example.com'`), 0);
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM mail_outbox`), 3);
    } finally {
      await hub.stop();
    }
  });
});
