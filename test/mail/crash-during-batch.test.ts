import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { register, registrationFor } from '../support/flows.js';
import { spawnHub } from '../support/hub-process.js';
import { startTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { freePort } from '../support/ports.js';
import { startSmtpCapture } from '../support/smtp-capture.js';

const key = generateTestKeyPair().publicPem;
const EMAILS = 40;

describe('kill -9 of a hub during a batch (the SMTP server answers each DATA after 2 s)', () => {
  it('every email is delivered within 60 s of the kill; duplicates are counted', { timeout: 180_000 }, async () => {
    const db = await createTestDatabase('crash_batch');
    const smtp = await startSmtpCapture({ delayMs: 2000, parse: false });
    const port = await freePort();
    const first = await spawnHub({
      DATABASE_URL: db.url,
      SMTP_URL: smtp.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'hub-crash-')),
      LOG_LEVEL: 'warn',
      RATE_IP_REGISTRATIONS_PER_MINUTE: '100000',
    });
    let second: Awaited<ReturnType<typeof startTestHub>> | undefined;
    try {
      const recipients: string[] = [];
      for (let n = 0; n < EMAILS; n++) {
        const domain = `crash${n}.mail.example.com`;
        assert.equal((await register(first.url, registrationFor(domain, key))).status, 202);
        recipients.push(`webmaster@${domain}`);
      }
      // Mid-batch: some emails delivered, the next ones half-way through their DATA (each answered after 2 s).
      assert.ok(await eventually(() => smtp.messages.length >= 8, 30_000), 'the first hub started delivering');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await first.stop();
      const deliveredBeforeKill = smtp.messages.length;

      // Another instance (here started after the crash) takes over the crashed one's leases when they end.
      second = await startTestHub('crash_batch', { SMTP_URL: smtp.url }, { db });
      const everyone = () => recipients.every((to) => smtp.messages.some((message) => message.to.includes(to)));
      // Waited for longer than the bound, so that a miss is measured rather than only failed.
      await eventually(everyone, 150_000);
      const seconds = (Date.now() - killedAt) / 1000;
      const delivered = recipients.filter((to) => smtp.messages.some((message) => message.to.includes(to))).length;
      const duplicates = smtp.messages.length - delivered;
      console.log(
        `# ${EMAILS} emails: ${deliveredBeforeKill} delivered before the kill, ${delivered} after ${seconds.toFixed(1)} s; ` +
          `${duplicates} duplicates; ${smtp.abandoned} transactions abandoned by the killed hub (not delivered, sent again)`,
      );
      assert.equal(delivered, EMAILS);
      assert.ok(seconds < 60, `every email delivered within 60 s of the kill (took ${seconds.toFixed(1)} s)`);
      // A duplicate is an email the server accepted that the killed hub had not recorded yet: at most one per lane.
      assert.ok(duplicates >= 0 && duplicates <= 8, `${duplicates} duplicates`);
      const outbox = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM mail_outbox GROUP BY status`);
      assert.ok(await eventually(async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'sent'`))[0]!.n === EMAILS), JSON.stringify(outbox));
    } finally {
      await first.stop();
      await second?.stop();
      await smtp.close();
      if (!second) await db.drop();
    }
  });
});
