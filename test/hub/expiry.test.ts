import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { confirmationLinkFor, register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

describe('link expiry', () => {
  let hub: MailingTestHub;

  before(async () => {
    hub = await startMailingHub('expiry', { TOKEN_TTL_HOURS: '2' });
  });
  after(async () => {
    await hub?.stop();
  });

  it('uses TOKEN_TTL_HOURS, and an expired link gets a 410 page offering to register again', async () => {
    const domain = 'late.example.net';
    const accepted = await register(hub.url, { domain, url: 'https://late.example.net', public_key: generateTestKeyPair().publicPem });
    assert.equal(accepted.status, 202);
    const ttl = Date.parse(accepted.body.expires_at) - Date.now();
    assert.ok(ttl > 1.9 * 3600_000 && ttl <= 2 * 3600_000);
    const { token } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl);

    // The clock moves on: the request's expiry is now in the past.
    await hub.db.query(`UPDATE verification_requests SET expires_at = now() - interval '1 second'`);

    const page = await request(hub.url).get(`/confirm/${token}`);
    assert.equal(page.status, 410);
    assert.match(page.text, /expired/i);
    assert.match(page.text, /Register again/);
    const post = await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json');
    assert.equal(post.status, 410);
    assert.match(post.body.message, /expired/);
    assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 404);
  });
});
