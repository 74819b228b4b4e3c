import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { formatFingerprint, parsePublicKey } from '../../packages/client/src/protocol/public-key.js';
import { changedFields, noticeFacts, OWNER_NOTICE_MAIL_KIND } from '../../packages/server/src/owner-notices/owner-notice.js';
import type { Peer } from '../../packages/server/src/peer-record/peer.entity.js';
import { eventually } from '../support/eventually.js';
import { confirmationLinkFor, register, registerAndConfirm } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import type { CapturedMessage } from '../support/smtp-capture.js';

const ADMIN_TOKEN = 'owner-notices-test-admin-token';

/** The "Label: value" lines of a notice's text part. */
function field(message: CapturedMessage, label: string): string | undefined {
  const line = message.text.split('\n').find((candidate) => candidate.startsWith(`${label}: `));
  return line?.slice(label.length + 2);
}

function assertBetween(iso: string | undefined, from: number, to: number, what: string): void {
  assert.ok(iso, `${what}: missing`);
  assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, what);
  const at = Date.parse(iso);
  assert.ok(at >= from - 1000 && at <= to + 1000, `${what}: ${iso} is not when the change was made`);
}

describe('owner notices: the previous contact hears of every change to a confirmed record', () => {
  let hub: MailingTestHub;
  const domain = 'noticed.example.org';
  const firstKey = generateTestKeyPair({ type: 'ed25519' });
  const secondKey = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
  const notices = () => hub.smtp.messages.filter((message) => /changed on|removed from|revoked on/.test(message.subject));

  before(async () => {
    // A daily cap of 3 confirmation emails per domain: the notices must neither be held back by it nor count toward it.
    hub = await startMailingHub('owner_notices', {
      ADMIN_TOKEN,
      CONTACT_LOCAL_PARTS: 'webmaster,hostmaster',
      RATE_DOMAIN_COOLDOWN_SECONDS: '0',
      RATE_DOMAIN_DAILY_CAP: '3',
    });
  });
  after(async () => {
    await hub?.stop();
  });

  it('sends no notice for a first registration: there is no previous record', async () => {
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, {
      domain,
      url: `https://${domain}`,
      public_key: firstKey.publicPem,
    });
    const queued = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE kind = $1`, [OWNER_NOTICE_MAIL_KIND]);
    assert.equal(queued[0]!.n, 0);
  });

  it('tells the previous contact about a new key, URL and contact: when, the new fingerprint, what to do', async () => {
    const seen = hub.smtp.messages.length;
    const asked = await register(hub.url, { domain, url: 'https://chat2.noticed.example.org', public_key: secondKey.publicPem, contact: `hostmaster@${domain}` });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const { token } = await confirmationLinkFor(hub.smtp, `hostmaster@${domain}`, hub.config.publicUrl, seen);
    const from = Date.now();
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    const to = Date.now();

    const notice = await hub.smtp.waitFor((message) => message.subject.includes('changed on'), 15_000);
    assert.deepEqual(notice.to, [`webmaster@${domain}`], 'to the contact of the PREVIOUS record');
    assert.equal(notice.subject, `The public key, server URL and contact address of ${domain} changed on the federation hub`);
    assert.equal(field(notice, 'Domain'), domain);
    assertBetween(field(notice, 'Changed at'), from, to, 'Changed at');
    assert.equal(field(notice, 'New public key fingerprint (SHA-256)'), formatFingerprint(parsePublicKey(secondKey.publicPem).fingerprint));
    assert.equal(field(notice, 'Previous public key fingerprint (SHA-256)'), formatFingerprint(parsePublicKey(firstKey.publicPem).fingerprint));
    assert.equal(field(notice, 'New server URL'), 'https://chat2.noticed.example.org');
    assert.equal(field(notice, 'New contact'), `hostmaster@${domain}`);
    assert.match(notice.text, /If you did not ask for this change/);
    assert.match(notice.text, new RegExp(`federation-hub register --hub ${hub.config.publicUrl.replace(/[.]/g, '\\.')}`));
    assert.match(notice.text, new RegExp(`federation-hub monitor ${domain.replace(/[.]/g, '\\.')} --hub`));
    // The HTML part says the same, escaped; and the notice carries no link to act on.
    assert.ok(notice.html.includes(formatFingerprint(parsePublicKey(secondKey.publicPem).fingerprint)));
    assert.doesNotMatch(notice.text, /\/confirm\//);
  });

  it('is exempt from the per-domain email cap, and does not count toward it', async () => {
    // Two confirmation emails so far and one notice: with the cap at 3, a removal may still ask (the notice does not
    // count), and its confirmation makes a third; the notice of the removal must go out all the same.
    const seen = hub.smtp.messages.length;
    const asked = await request(hub.url).delete(`/api/v1/peers/${domain}`);
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const { token } = await confirmationLinkFor(hub.smtp, `hostmaster@${domain}`, hub.config.publicUrl, seen);
    // Now at the cap: a further request is refused, so the limit is live.
    assert.equal((await register(hub.url, { domain, url: `https://${domain}`, public_key: firstKey.publicPem })).status, 429);

    const from = Date.now();
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    const to = Date.now();
    const notice = await hub.smtp.waitFor((message) => message.subject === `${domain} was removed from the federation hub`, 15_000);
    assert.deepEqual(notice.to, [`hostmaster@${domain}`]);
    assertBetween(field(notice, 'Changed at'), from, to, 'Changed at');
    assert.equal(field(notice, 'Change'), 'removed');
    assert.equal(field(notice, 'Previous public key fingerprint (SHA-256)'), formatFingerprint(parsePublicKey(secondKey.publicPem).fingerprint));
    assert.equal(notices().length, 2);
  });

  it('tells the contact about an admin revocation, with the reason', async () => {
    const revoked = 'revoked-notice.example.org';
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: revoked, url: `https://${revoked}`, public_key: firstKey.publicPem });
    const from = Date.now();
    const answer = await request(hub.url)
      .post(`/api/v1/admin/peers/${revoked}/revoke`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ reason: 'key reported compromised by its owner' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const to = Date.now();
    const notice = await hub.smtp.waitFor((message) => message.subject === `${revoked} was revoked on the federation hub`, 15_000);
    assert.deepEqual(notice.to, [`webmaster@${revoked}`]);
    assert.equal(field(notice, 'Reason'), 'key reported compromised by its owner');
    assert.equal(field(notice, 'Change'), 'revoked by an operator');
    assertBetween(field(notice, 'Changed at'), from, to, 'Changed at');
    assert.equal(field(notice, 'New public key fingerprint (SHA-256)'), undefined, 'no new key');
    assert.match(notice.text, /done by the hub's operator/);
    assert.doesNotMatch(notice.text, /If this was you/);
  });

  it('queues each notice with the change, as an outbox row of its own kind holding no secret', async () => {
    // The capture server has them all; the worker records "sent" just after.
    const sent = () => hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE kind = $1 AND status = 'sent'`, [OWNER_NOTICE_MAIL_KIND]);
    assert.ok(await eventually(async () => (await sent())[0]!.n === 3));
    const rows = await hub.db.query<{ recipient: string; status: string; request_id: string | null; notice: Record<string, unknown> }>(
      `SELECT recipient, status, request_id, notice FROM mail_outbox WHERE kind = $1 ORDER BY id`,
      [OWNER_NOTICE_MAIL_KIND],
    );
    assert.deepEqual(rows.map((row) => [row.recipient, row.status, row.request_id, row.notice.action]), [
      [`webmaster@${domain}`, 'sent', null, 'update'],
      [`hostmaster@${domain}`, 'sent', null, 'remove'],
      ['webmaster@revoked-notice.example.org', 'sent', null, 'revoke'],
    ]);
    assert.doesNotMatch(JSON.stringify(rows), /BEGIN|PRIVATE|confirm\//);
  });

  it('is queued in the transaction of the change: a confirmation that fails leaves no notice, and no change', async () => {
    const rolled = 'rollback-notice.example.org';
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: rolled, url: `https://${rolled}`, public_key: firstKey.publicPem });
    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, { domain: rolled, url: `https://${rolled}`, public_key: secondKey.publicPem })).status, 202);
    const { token } = await confirmationLinkFor(hub.smtp, `webmaster@${rolled}`, hub.config.publicUrl, seen);
    const noticesFor = async () =>
      (await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE kind = $1 AND recipient = $2`, [OWNER_NOTICE_MAIL_KIND, `webmaster@${rolled}`]))[0]!.n;
    // The last write of the confirmation (the request marked confirmed) fails, after the notice was queued.
    await hub.db.query(`CREATE FUNCTION refuse_confirmation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await hub.db.query(`CREATE TRIGGER refuse_confirmation BEFORE UPDATE ON verification_requests
      FOR EACH ROW WHEN (NEW.domain = '${rolled}' AND NEW.status = 'confirmed') EXECUTE FUNCTION refuse_confirmation()`);
    try {
      const failed = await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json');
      assert.notEqual(failed.status, 200);
      assert.equal(await noticesFor(), 0, 'no notice for a change that did not happen');
      const [peer] = await hub.db.query<{ fingerprint: string }>(`SELECT fingerprint FROM peers WHERE domain = $1`, [rolled]);
      assert.equal(peer!.fingerprint, parsePublicKey(firstKey.publicPem).fingerprint, 'the record is unchanged');
    } finally {
      await hub.db.query(`DROP TRIGGER refuse_confirmation ON verification_requests`);
      await hub.db.query(`DROP FUNCTION refuse_confirmation()`);
    }
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    assert.equal(await noticesFor(), 1, 'queued once, with the change that committed');
  });
});

describe('owner notices: what changed', () => {
  const previous = { domain: 'a.example.com', url: 'https://a.example.com', fingerprint: 'aa', contact: 'webmaster@a.example.com', revokedAt: null } as Peer;
  const at = { at: new Date('2026-12-01T12:00:00.000Z'), logIndex: 7 };
  const update = (over: Partial<{ url: string; fingerprint: string; contact: string }>) => ({
    action: 'update' as const, url: previous.url, fingerprint: previous.fingerprint, contact: previous.contact, ...over,
  });

  it('names each part that changed, in order, and nothing for the same record', () => {
    assert.deepEqual(changedFields(noticeFacts(previous, update({ fingerprint: 'bb' }), at)), ['key']);
    assert.deepEqual(changedFields(noticeFacts(previous, update({ url: 'https://b.example.com', contact: 'hostmaster@a.example.com' }), at)), ['url', 'contact']);
    assert.deepEqual(changedFields(noticeFacts(previous, update({}), at)), []);
    assert.deepEqual(changedFields(noticeFacts({ ...previous, revokedAt: new Date() } as Peer, update({}), at)), ['reinstated']);
  });

  it('keeps the facts a notice is written from, and nothing more', () => {
    assert.deepEqual(noticeFacts(previous, { action: 'revoke', reason: 'abuse' }, at), {
      domain: 'a.example.com',
      action: 'revoke',
      at: '2026-12-01T12:00:00.000Z',
      logIndex: 7,
      previous: { url: 'https://a.example.com', fingerprint: 'aa', contact: 'webmaster@a.example.com', revoked: false },
      next: null,
      reason: 'abuse',
    });
  });
});
