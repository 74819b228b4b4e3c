import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parsePublicKey } from '../../packages/client/src/protocol/index.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';

// Rocket.Chat 3.x treats any 4xx to its registration as "could not register with Hub", disables federation and never
// retries (it ignores Retry-After). So a key change inside the email cooldown must be accepted, not refused.
const COOLDOWN_SECONDS = 8;
const oldKey = stripLineBreaks(generateTestKeyPair().publicPem);
const newKey = stripLineBreaks(generateTestKeyPair().publicPem);
const served = async (hub: MailingTestHub, domain: string) => (await request(hub.url).get(`/api/v1/peers/${domain}`)).body.peer?.fingerprint;

describe("Rocket.Chat's sequence: register, confirm, a new key 5 s later", () => {
  let hub: MailingTestHub;
  before(async () => {
    hub = await startMailingHub('rocketchat_cooldown', { RATE_DOMAIN_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS) });
  });
  after(() => hub.stop());

  it('answers 202, sends the email when the cooldown ends, and serves the old key until the new one is confirmed', async () => {
    const domain = 'rocket.example.com';
    const body = (publicKey: string) => ({ domain, url: `https://${domain}`, public_key: publicKey });
    const first = await register(hub.url, body(oldKey));
    assert.equal(first.status, 202);
    const { token, message: firstEmail } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl);
    assert.ok(firstEmail);
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    assert.equal(await served(hub, domain), parsePublicKey(oldKey).fingerprint);
    const [{ sent_at }] = (await hub.db.query<{ sent_at: Date }>(`SELECT sent_at FROM mail_outbox WHERE status = 'sent'`)) as [{ sent_at: Date }];

    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const seen = hub.smtp.messages.length;
    const rotated = await register(hub.url, body(newKey));
    assert.equal(rotated.status, 202, JSON.stringify(rotated.body));
    assert.equal(rotated.body.status, 'pending');
    // The answer says when the email leaves: one cooldown after the previous email.
    const emailAt = Date.parse(rotated.body.email_at);
    assert.ok(Math.abs(emailAt - (sent_at.getTime() + COOLDOWN_SECONDS * 1000)) < 1000, `${rotated.body.email_at} vs ${sent_at.toISOString()} + ${COOLDOWN_SECONDS} s`);
    assert.ok(emailAt > Date.now(), 'still in the future when answered');
    assert.equal(hub.smtp.messages.length, seen, 'no email yet');

    // Rocket.Chat registers again on restart with the same data: the same answer, still no second email.
    const repeated = await register(hub.url, body(newKey));
    assert.equal(repeated.status, 202);
    assert.equal(repeated.body.email_at, rotated.body.email_at);

    const second = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, seen);
    assert.ok(Date.now() >= emailAt, 'the email arrived once the cooldown was over');
    assert.equal(hub.smtp.messages.length, seen + 1, 'one email for the rotation');
    assert.equal(await served(hub, domain), parsePublicKey(oldKey).fingerprint, 'the old key serves until the new one is confirmed');

    assert.equal((await request(hub.url).post(`/confirm/${second.token}`).set('Accept', 'application/json')).status, 200);
    assert.equal(await served(hub, domain), parsePublicKey(newKey).fingerprint);
  });

  it('the daily cap still refuses, with 429 and Retry-After', async () => {
    const domain = 'capped-rocket.example.com';
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(await register(hub.url, { domain, url: `https://${domain}/v${i}`, public_key: oldKey }));
    }
    assert.deepEqual(statuses.map((answer) => answer.status), [202, 202, 202, 202, 202, 429]);
    assert.match(statuses[5]!.body.message, /^domain: capped-rocket\.example\.com already had 5 requests in 24 hours \(RATE_DOMAIN_DAILY_CAP\); retry in \d+ s$/);
    assert.ok(Number(statuses[5]!.headers['retry-after']) > 3600);
    // Five requests within one cooldown: each superseded the one before, so one email is waiting, and none left twice.
    const queued = await hub.db.query<{ status: string }>(
      `SELECT o.status FROM mail_outbox o JOIN verification_requests r ON r.id = o.request_id WHERE r.domain = $1 ORDER BY o.id`, [domain]);
    assert.ok(queued.filter((row) => row.status !== 'cancelled').length <= 2, JSON.stringify(queued));
  });
});
