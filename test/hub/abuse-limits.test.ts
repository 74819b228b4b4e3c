import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TooManyRequestsException } from '../../packages/server/src/rate-limit/too-many-requests.exception.js';
import { assertRequestAllowed, emailDelaySeconds, type EmailHistory } from '../../packages/server/src/registration/abuse-limits.js';
import { eventually } from '../support/eventually.js';
import { register } from '../support/flows.js';
import { createTestDatabase } from '../support/database.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { spawnHub } from '../support/hub-process.js';
import { generateTestKeyPair } from '../support/keys.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

const key = generateTestKeyPair().publicPem;
const body = (domain: string, url = `https://${domain}`) => ({ domain, url, public_key: key });
const count = async (hub: Pick<TestHub, 'db'>, sql: string, params: unknown[] = []) =>
  (await hub.db.query<{ n: number }>(sql, params))[0]!.n;

describe('abuse limits', () => {
  let smtp: SmtpCapture;
  before(async () => {
    smtp = await startSmtpCapture();
  });
  after(() => smtp.close());

  it('thirty simultaneous registrations of one domain leave one live request and one email per cooldown, and never a cooldown 429', async () => {
    const hub = await startTestHub('burst', { SMTP_URL: smtp.url, RATE_IP_REGISTRATIONS_PER_MINUTE: '1000', RATE_DOMAIN_DAILY_CAP: '100' });
    try {
      const domain = 'burst.example.com';
      // Identical bodies (a server restarting in a loop) and different bodies (an attacker) at the same time.
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => register(hub.url, body(domain, i % 2 ? `https://${domain}` : `https://${domain}/v${i}`))),
      );
      assert.deepEqual([...new Set(responses.map((r) => r.status))], [202], responses.map((r) => r.status).join(','));
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM verification_requests WHERE status = 'pending'`), 1);
      await smtp.waitFor((m) => m.to.includes(`webmaster@${domain}`), 10_000);
      // Every email but one left at once or was cancelled by a newer request; at most one waits for the cooldown.
      assert.ok(await eventually(async () => (await count(hub, `SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'sent'`)) === 1));
      assert.ok(
        (await count(hub, `SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'queued' AND next_attempt_at > now() + interval '30 seconds'`)) <= 1,
      );
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= now()`), 0);
      assert.equal(smtp.messages.filter((m) => m.to.includes(`webmaster@${domain}`)).length, 1);
    } finally {
      await hub.stop();
    }
  });

  it('forty simultaneous registrations of one domain with different data and no cooldown: the daily cap holds exactly', async () => {
    // Every write supersedes exactly the pending request it was decided on (or finds none), so requests that read
    // the same state cannot both be written: the count the cap is checked against is never stale.
    const hub = await startTestHub('burst_cap', {
      SMTP_URL: smtp.url, RATE_IP_REGISTRATIONS_PER_MINUTE: '1000', RATE_DOMAIN_COOLDOWN_SECONDS: '0', RATE_DOMAIN_DAILY_CAP: '10',
    });
    try {
      const domain = 'race.example.com';
      const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => register(hub.url, body(domain, `https://${domain}/v${i}`))));
      const statuses = responses.map((r) => r.status);
      assert.deepEqual(
        [statuses.filter((s) => s === 202).length, statuses.filter((s) => s === 429).length],
        [10, 30],
        statuses.join(','),
      );
      for (const refused of responses.filter((r) => r.status === 429)) assert.match(refused.body.message, /RATE_DOMAIN_DAILY_CAP/);
      const requests = await hub.db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM verification_requests WHERE domain = $1 GROUP BY status ORDER BY status`, [domain]);
      assert.deepEqual(requests, [{ status: 'pending', n: 1 }, { status: 'superseded', n: 9 }]);
      // The pending request's email is queued or sent; a superseded one's was cancelled unless it had already left.
      assert.equal(await count(hub, `SELECT count(*)::int AS n FROM mail_outbox`), 10);
      assert.equal(
        await count(hub, `SELECT count(*)::int AS n FROM mail_outbox o JOIN verification_requests r ON r.id = o.request_id
                           WHERE r.status = 'pending' AND o.status IN ('queued', 'sent')`),
        1,
      );
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
      await clearOfMinuteBoundary();
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

  it('a registration whose write keeps conflicting gets 503 after the lockless try and five locked ones, and writes nothing', async () => {
    // A process of its own, so that its log can be read.
    const db = await createTestDatabase('conflicts');
    const hub = await spawnHub({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, SMTP_URL: smtp.url, LOG_LEVEL: 'info' });
    try {
      const domain = 'conflict.example.com';
      // Every insert of a request for this domain fails as a racing write would (unique_violation); the sequence
      // counts the tries, since a sequence is not rolled back with the failed statement.
      await db.query(`CREATE SEQUENCE conflict_tries`);
      await db.query(`
        CREATE FUNCTION refuse_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.domain = '${domain}' THEN
            PERFORM nextval('conflict_tries');
            RAISE unique_violation USING MESSAGE = 'simulated concurrent write';
          END IF;
          RETURN NEW;
        END $$`);
      await db.query(`CREATE TRIGGER refuse_conflict BEFORE INSERT ON verification_requests FOR EACH ROW EXECUTE FUNCTION refuse_conflict()`);

      const refused = await register(hub.url, body(domain));
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.message, `domain: ${domain} is changing; try again`);
      assert.equal(await count({ db }, `SELECT last_value::int AS n FROM conflict_tries`), 6);
      assert.equal(await count({ db }, `SELECT count(*)::int AS n FROM verification_requests`), 0);
      assert.equal(await count({ db }, `SELECT count(*)::int AS n FROM mail_outbox`), 0);

      await db.query(`DROP TRIGGER refuse_conflict ON verification_requests`);
      assert.equal((await register(hub.url, body(domain))).status, 202, 'the same registration goes through once the conflicts stop');
      // Answered on purpose, so a warning; errors are for failures nobody foresaw.
      const logged = hub.output().split('\n').filter((line) => line.includes('is changing'));
      assert.equal(logged.length, 1, hub.output().slice(-3000));
      assert.equal((JSON.parse(logged[0]!) as { level: number }).level, 40);
    } finally {
      await hub.stop();
      await db.drop();
    }
  });
});

describe('assertRequestAllowed and emailDelaySeconds (the per-domain rules on their own)', () => {
  const config = { rateDomainCooldownSeconds: 60, rateDomainDailyCap: 5 };
  const history = (over: Partial<EmailHistory>): EmailHistory => ({
    today: 1, sinceLastSeconds: null, sinceLastEmailSeconds: null, untilOldestExpiresSeconds: 86_000, ...over,
  });
  const refusal = (emails: EmailHistory, method: 'email' | 'dns' | 'http' = 'email') => {
    try {
      assertRequestAllowed(config, 'a.example.com', emails, method);
    } catch (error) {
      assert.ok(error instanceof TooManyRequestsException);
      return error;
    }
    return undefined;
  };

  it('allows a domain with no request in 24 hours, or one whose last request is older than the cooldown', () => {
    assert.equal(refusal(history({ today: 0, untilOldestExpiresSeconds: null })), undefined);
    assert.equal(refusal(history({ today: 4, sinceLastSeconds: 60 }), 'dns'), undefined);
  });

  it('never refuses an email request for the cooldown (Rocket.Chat disables federation on a 4xx): its email waits instead', () => {
    assert.equal(refusal(history({ sinceLastSeconds: 0.5, sinceLastEmailSeconds: 0.5 })), undefined);
    assert.equal(emailDelaySeconds(config, history({ sinceLastEmailSeconds: 20.25 })), 39.75);
    assert.equal(emailDelaySeconds(config, history({ sinceLastEmailSeconds: 75 })), 0);
    assert.equal(emailDelaySeconds(config, history({ sinceLastEmailSeconds: null })), 0);
    assert.equal(emailDelaySeconds({ ...config, rateDomainCooldownSeconds: 0 }, history({ sinceLastEmailSeconds: 0 })), 0);
  });

  it('refuses a dns or http challenge within the cooldown, naming the setting and the seconds left (at least 1)', () => {
    const error = refusal(history({ sinceLastSeconds: 20.2 }), 'http');
    assert.equal(error?.limit, 'domain_cooldown');
    assert.equal(error?.retryAfterSeconds, 40);
    assert.match(error!.message, /^domain: a\.example\.com had a request less than 60 s ago \(RATE_DOMAIN_COOLDOWN_SECONDS\); retry in 40 s$/);
    assert.equal(refusal(history({ sinceLastSeconds: 59.99 }), 'dns')?.retryAfterSeconds, 1);
    assertRequestAllowed({ rateDomainCooldownSeconds: 0, rateDomainDailyCap: 5 }, 'a.example.com', history({ sinceLastSeconds: 0 }), 'dns');
  });

  it('refuses every method at the daily cap until the oldest request leaves the window', () => {
    for (const method of ['email', 'dns', 'http'] as const) {
      const error = refusal(history({ today: 5, sinceLastSeconds: 600, untilOldestExpiresSeconds: 3599.2 }), method);
      assert.equal(error?.limit, 'domain_daily_cap');
      assert.equal(error?.retryAfterSeconds, 3600);
      assert.match(error!.message, /already had 5 requests in 24 hours \(RATE_DOMAIN_DAILY_CAP\); retry in 3600 s$/);
    }
  });
});
