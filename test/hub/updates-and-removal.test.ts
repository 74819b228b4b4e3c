import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parsePublicKey } from '../../packages/client/src/protocol/public-key.js';
import { confirmationLinkFor, register, registerAndConfirm } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

describe('updates (key rotation) and removal', () => {
  let hub: MailingTestHub;
  const domain = 'rotate.example.org';
  const contact = `webmaster@${domain}`;
  const oldKey = generateTestKeyPair();
  const newKey = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
  const newerKey = generateTestKeyPair({ type: 'ed25519' });
  const lookup = () => request(hub.url).get(`/api/v1/peers?search=${domain}`);

  before(async () => {
    // No cooldown here: this suite is about superseding, not about the email limits.
    hub = await startMailingHub('updates', { RATE_DOMAIN_COOLDOWN_SECONDS: '0', RATE_DOMAIN_DAILY_CAP: '50' });
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain, url: 'https://old.example.org', public_key: oldKey.publicPem });
  });
  after(async () => {
    await hub?.stop();
  });

  it('keeps serving the confirmed key while a rotation is pending; a newer request supersedes an older one', async () => {
    let seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, { domain, url: 'https://new.example.org', public_key: newKey.publicPem })).status, 202);
    const first = await confirmationLinkFor(hub.smtp, contact, hub.config.publicUrl, seen);
    assert.equal((await lookup()).body.peer.url, 'https://old.example.org');
    assert.equal((await lookup()).body.peer.fingerprint, parsePublicKey(oldKey.publicPem).fingerprint);

    seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, { domain, url: 'https://newer.example.org', public_key: newerKey.publicPem })).status, 202);
    const second = await confirmationLinkFor(hub.smtp, contact, hub.config.publicUrl, seen);
    const live = await hub.db.query<{ status: string }>(`SELECT status FROM verification_requests WHERE domain = $1 ORDER BY created_at`, [domain]);
    assert.deepEqual(live.map((row) => row.status), ['confirmed', 'superseded', 'pending']);

    const stale = await request(hub.url).post(`/confirm/${first.token}`).set('Accept', 'application/json');
    assert.equal(stale.status, 410);
    assert.match(stale.body.message, /replaced/);
    assert.equal((await lookup()).body.peer.url, 'https://old.example.org', 'still the confirmed record');

    assert.equal((await request(hub.url).post(`/confirm/${second.token}`).set('Accept', 'application/json')).status, 200);
    const rotated = (await lookup()).body.peer;
    assert.equal(rotated.url, 'https://newer.example.org');
    assert.equal(rotated.fingerprint, parsePublicKey(newerKey.publicPem).fingerprint);
  });

  it('removes a peer only after its contact confirms the emailed removal link', async () => {
    const seen = hub.smtp.messages.length;
    const asked = await request(hub.url).delete(`/api/v1/peers/${domain}`);
    assert.equal(asked.status, 202);
    assert.equal(asked.body.contact, contact);
    const { message, token } = await confirmationLinkFor(hub.smtp, contact, hub.config.publicUrl, seen);
    assert.match(message.subject, /removal/i);
    assert.equal((await lookup()).status, 200, 'still served until confirmed');

    const page = await request(hub.url).get(`/confirm/${token}`);
    assert.match(page.text, /Remove this domain/);
    assert.equal((await request(hub.url).post(`/confirm/${token}`)).status, 200);
    assert.equal((await lookup()).status, 404);
    assert.equal((await request(hub.url).delete(`/api/v1/peers/${domain}`)).status, 404);
  });
});
