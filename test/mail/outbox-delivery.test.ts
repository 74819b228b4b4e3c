import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { spawnHub } from '../support/hub-process.js';
import { startMailingHub, startTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

const key = generateTestKeyPair().publicPem;
const body = (domain: string, url = `https://${domain}`) => ({ domain, url, public_key: key });
// Fast retries so the suite does not wait minutes: 1 s, 2 s, 4 s…
const FAST_RETRY = { OUTBOX_RETRY_BASE_SECONDS: '1', OUTBOX_RETRY_MAX_SECONDS: '2' };

interface OutboxRow {
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
}
const outbox = async (db: TestDatabase) => (await db.query<OutboxRow>('SELECT * FROM mail_outbox ORDER BY id'))[0]!;
const attemptsOf = (db: TestDatabase) => db.query<{ ok: boolean; error: string | null }>('SELECT ok, error FROM mail_attempts ORDER BY id');

describe('email delivery through the outbox', () => {
  let smtp: SmtpCapture;
  before(async () => {
    smtp = await startSmtpCapture();
  });
  after(() => smtp.close());

  it('survives an SMTP outage: retries with back-off, then delivers exactly once', async () => {
    smtp.refuse(true);
    const hub = await startTestHub('smtp_outage', { SMTP_URL: smtp.url, ...FAST_RETRY });
    try {
      assert.equal((await register(hub.url, body('outage.example.com'))).status, 202);
      assert.ok(await eventually(async () => (await attemptsOf(hub.db)).length >= 2, 10_000), 'retried while refused');
      const failing = await outbox(hub.db);
      assert.equal(failing.status, 'queued');
      assert.match(failing.last_error!, /451|try again/);
      assert.ok(!failing.last_error!.includes('/confirm/'), 'no link in the stored error');
      assert.ok(failing.next_attempt_at.getTime() > Date.now() - 1000, 'next attempt scheduled ahead');
      assert.ok(smtp.refused >= 2);

      smtp.refuse(false);
      const { token } = await confirmationLinkFor(smtp, 'webmaster@outage.example.com', hub.config.publicUrl);
      assert.ok(await eventually(async () => (await outbox(hub.db)).status === 'sent'));
      const attempts = await attemptsOf(hub.db);
      assert.deepEqual(attempts.map((a) => a.ok), [...attempts.slice(0, -1).map(() => false), true]);
      assert.equal(smtp.messages.filter((m) => m.to.includes('webmaster@outage.example.com')).length, 1);
      // Tokens minted for the refused attempts never reached anyone; the delivered one works.
      assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    } finally {
      await hub.stop();
      smtp.refuse(false);
    }
  });

  it('marks a message dead after OUTBOX_MAX_ATTEMPTS', async () => {
    smtp.refuse(true);
    const hub = await startTestHub('smtp_dead', { SMTP_URL: smtp.url, OUTBOX_MAX_ATTEMPTS: '2', ...FAST_RETRY });
    try {
      assert.equal((await register(hub.url, body('dead.example.com'))).status, 202);
      assert.ok(await eventually(async () => (await outbox(hub.db)).status === 'dead', 10_000));
      assert.equal((await outbox(hub.db)).attempts, 2);
      assert.deepEqual((await attemptsOf(hub.db)).map((a) => a.ok), [false, false]);
    } finally {
      await hub.stop();
      smtp.refuse(false);
    }
  });

  it('loses nothing across a restart: queued while SMTP refuses, delivered once by the next process', async () => {
    const db = await createTestDatabase('smtp_restart');
    try {
      smtp.refuse(true);
      const first = await startTestHub('smtp_restart', { SMTP_URL: smtp.url, ...FAST_RETRY }, { db });
      assert.equal((await register(first.url, body('restart.example.com'))).status, 202);
      assert.ok(await eventually(async () => (await outbox(db)).attempts >= 1, 10_000));
      await first.stop();

      smtp.refuse(false);
      const seen = smtp.messages.length;
      const second = await startTestHub('smtp_restart', { SMTP_URL: smtp.url, ...FAST_RETRY }, { db });
      try {
        const { token } = await confirmationLinkFor(smtp, 'webmaster@restart.example.com', second.config.publicUrl, seen);
        assert.ok(await eventually(async () => (await outbox(db)).status === 'sent'));
        assert.equal(smtp.messages.filter((m) => m.to.includes('webmaster@restart.example.com')).length, 1);
        assert.equal((await request(second.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
        assert.equal((await request(second.url).get('/api/v1/peers/restart.example.com')).status, 200);
      } finally {
        await second.stop();
      }
    } finally {
      smtp.refuse(false);
      await db.drop();
    }
  });

  it('reuses SMTP connections: many emails over at most OUTBOX_CONCURRENCY connections', async () => {
    const hub = await startTestHub('smtp_pool', { SMTP_URL: smtp.url, OUTBOX_CONCURRENCY: '2' });
    try {
      const connectionsBefore = smtp.connections;
      const domains = Array.from({ length: 12 }, (_, i) => `pool${i}.example.com`);
      for (const domain of domains) assert.equal((await register(hub.url, body(domain))).status, 202);
      for (const domain of domains) await smtp.waitFor((message) => message.to.includes(`webmaster@${domain}`));
      const opened = smtp.connections - connectionsBefore;
      // One connection per email (the pool settings ignored) would be 12.
      assert.ok(opened >= 1 && opened <= 2, `12 emails took ${opened} SMTP connections`);
    } finally {
      await hub.stop();
    }
  });

  it('sends up to OUTBOX_CONCURRENCY emails at a time, and no more, when the mail server is slow', async () => {
    const hub = await startMailingHub('smtp_lanes', { OUTBOX_CONCURRENCY: '3' }, { smtp: { delayMs: 300 } });
    const slow = hub.smtp;
    try {
      const domains = Array.from({ length: 9 }, (_, i) => `lane${i}.example.com`);
      await Promise.all(domains.map(async (domain) => assert.equal((await register(hub.url, body(domain))).status, 202)));
      await slow.waitForMessages(9, 15_000);
      // Claimed in batches of OUTBOX_CONCURRENCY over a pool of as many connections; a slow server keeps them all busy.
      assert.equal(slow.mostAtOnce, 3);
    } finally {
      await hub.stop();
    }
  });

  it('does not send the email of a request superseded before delivery', async () => {
    smtp.refuse(true);
    // Slow retries: after its first refused attempt the first email waits, queued, while it is superseded.
    const hub = await startTestHub('smtp_superseded', { SMTP_URL: smtp.url, RATE_DOMAIN_COOLDOWN_SECONDS: '0', OUTBOX_RETRY_BASE_SECONDS: '60' });
    try {
      assert.equal((await register(hub.url, body('twice.example.com', 'https://one.twice.example.com'))).status, 202);
      assert.ok(await eventually(async () => (await attemptsOf(hub.db)).length === 1));
      // The mail server is back before the second registration: its email is sent at once. (Accepting only after it
      // raced the worker: an attempt made first was refused and waited the 60 s retry, past the wait below.)
      const seen = smtp.messages.length;
      smtp.refuse(false);
      assert.equal((await register(hub.url, body('twice.example.com', 'https://two.twice.example.com'))).status, 202);
      const rows = await hub.db.query<{ status: string }>('SELECT status FROM mail_outbox ORDER BY id');
      assert.equal(rows[0]!.status, 'cancelled');
      const { message } = await confirmationLinkFor(smtp, 'webmaster@twice.example.com', hub.config.publicUrl, seen);
      assert.match(message.text, /two\.twice\.example\.com/);
      assert.ok(await eventually(async () => (await hub.db.query<{ status: string }>(`SELECT status FROM mail_outbox ORDER BY id`))[1]!.status === 'sent'));
      assert.equal(smtp.messages.filter((m, i) => i >= seen && m.to.includes('webmaster@twice.example.com')).length, 1);
    } finally {
      await hub.stop();
      smtp.refuse(false);
    }
  });
});

describe('logs', () => {
  it('never contain a token in SMTP mode, even at trace level', async () => {
    const smtp = await startSmtpCapture();
    const db = await createTestDatabase('token_logs');
    const hub = await spawnHub({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, SMTP_URL: smtp.url, LOG_LEVEL: 'trace', OUTBOX_POLL_MS: '50' });
    try {
      assert.equal((await register(hub.url, body('quiet.example.com'))).status, 202);
      const { token } = await confirmationLinkFor(smtp, 'webmaster@quiet.example.com', undefined);
      assert.equal((await request(hub.url).get(`/confirm/${token}`)).status, 200);
      assert.equal((await request(hub.url).post(`/confirm/${token}`)).status, 200);
      assert.match(hub.output(), /email sent/);
      assert.match(hub.output(), /\/confirm\/…/, 'confirmation requests are logged, with the token cut');
      assert.ok(!hub.output().includes(token), 'token absent from the logs');
    } finally {
      await hub.stop();
      await smtp.close();
      await db.drop();
    }
  });
});

describe('development file mailbox (SMTP_URL unset)', () => {
  it('writes each email as .eml under $DATA_DIR/mail (mode 0700) and logs the link', async () => {
    const hub = await startTestHub('file_mailbox');
    try {
      assert.equal((await register(hub.url, body('files.example.com'))).status, 202);
      const directory = join(hub.config.dataDir, 'mail');
      assert.ok(await eventually(() => existsSync(directory) && readdirSync(directory).length === 1));
      const [file] = readdirSync(directory);
      assert.match(file!, /^\d{4}-\d\d-\d\dT[\d-]+Z-files\.example\.com\.eml$/);
      assert.equal(statSync(directory).mode & 0o777, 0o700);
      const eml = readFileSync(join(directory, file!), 'utf8');
      assert.match(eml, /^To: webmaster@files\.example\.com$/m);
      assert.match(eml, /Content-Type: multipart\/alternative/);
      assert.ok(eml.includes(`${hub.config.publicUrl}/confirm/`));
    } finally {
      await hub.stop();
    }
  });
});
