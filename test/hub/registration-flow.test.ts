import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { parsePublicKey } from '../../packages/client/src/protocol/public-key.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';

describe('registration, email confirmation and lookup, as a Rocket.Chat server does it', () => {
  let hub: MailingTestHub;
  const key = generateTestKeyPair();
  const domain = 'chat.example.com';
  const rocketChatBody = { domain, url: 'https://chat.example.com', public_key: stripLineBreaks(key.publicPem) };
  const fingerprint = parsePublicKey(key.publicPem).fingerprint;
  let token = '';

  before(async () => {
    hub = await startMailingHub('registration_flow', { MAIL_FROM: 'Mailer <hub@hub.test>', HUB_NAME: 'Hub' });
  });
  after(async () => {
    await hub?.stop();
  });

  it('accepts the registration with 202 and queues the email to webmaster@<domain>', async () => {
    const response = await register(hub.url, rocketChatBody).set('x-federation-domain', domain);
    assert.equal(response.status, 202);
    assert.equal(response.body.status, 'pending');
    assert.equal(response.body.domain, domain);
    assert.equal(response.body.contact, `webmaster@${domain}`);
    const expires = Date.parse(response.body.expires_at) - Date.now();
    assert.ok(expires > 23.9 * 3600_000 && expires <= 24 * 3600_000, `expires_at is 24 h away, got ${expires} ms`);
  });

  it('emails who asked, what will happen, the link and its expiry, in text and HTML', async () => {
    const { message, link } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl);
    token = link.split('/').pop()!;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256-bit base64url token');
    assert.match(message.from, /^"?Hub"? <hub@hub\.test>$/, 'HUB_NAME is the display name, MAIL_FROM gives the address');
    assert.match(message.subject, /chat\.example\.com/);
    for (const body of [message.text, message.html]) {
      assert.ok(body.includes(domain));
      assert.ok(body.includes('https://chat.example.com'));
      assert.ok(body.includes(fingerprint.slice(0, 2).toUpperCase()), 'fingerprint shown');
      assert.match(body, /127\.0\.0\.1|::1/, 'requesting IP shown');
      assert.match(body, /expires/i);
      assert.match(body, /ignore this email/i);
    }
    assert.ok(message.html.includes(link.replace(/&/g, '&amp;')));
  });

  it('stores only a hash of the token', async () => {
    const rows = await hub.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM verification_tokens');
    assert.equal(rows.length, 1);
    const dump = JSON.stringify(await hub.db.query('SELECT * FROM verification_tokens')) +
      JSON.stringify(await hub.db.query('SELECT * FROM mail_outbox')) + JSON.stringify(await hub.db.query('SELECT * FROM verification_requests'));
    assert.ok(!dump.includes(token), 'raw token absent from the database');
  });

  it('does not answer lookups while the request is pending', async () => {
    const response = await request(hub.url).get(`/api/v1/peers?search=${domain}`);
    assert.equal(response.status, 404);
    assert.match(response.body.message, /chat\.example\.com/);
  });

  it('GET on the link shows the request and changes nothing', async () => {
    for (let i = 0; i < 3; i++) {
      const page = await request(hub.url).get(`/confirm/${token}`);
      assert.equal(page.status, 200);
      assert.match(page.headers['content-type'], /text\/html/);
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      assert.match(page.headers['content-security-policy'], /default-src 'none'/);
      assert.ok(page.text.includes(domain) && page.text.includes('Confirm'));
    }
    assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 404);
    const [pending] = await hub.db.query<{ status: string }>('SELECT status FROM verification_requests');
    assert.equal(pending!.status, 'pending');
  });

  it('POST on the link confirms once; lookups then answer with url, key, fingerprint and a signed proof', async () => {
    const confirmed = await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json');
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.status, 'confirmed');

    const response = await request(hub.url).get(`/api/v1/peers?search=${domain}`);
    assert.equal(response.status, 200);
    const { peer } = response.body;
    assert.equal(peer.domain, domain);
    assert.equal(peer.url, 'https://chat.example.com');
    assert.equal(parsePublicKey(peer.public_key).fingerprint, fingerprint, 'same key, normalised PEM');
    assert.equal(peer.fingerprint, fingerprint);
    assert.ok(!Number.isNaN(Date.parse(peer.confirmed_at)));
    assert.match(response.headers['cache-control'], /max-age=\d+/);
    assert.ok(response.headers.etag);

    const jwks = (await request(hub.url).get('/.well-known/jwks.json')).body;
    assert.equal(jwks.keys[0].crv, 'Ed25519');
    assert.ok(!('d' in jwks.keys[0]), 'no private part published');
    const { payload } = await jwtVerify(peer.proof, createLocalJWKSet(jwks), { issuer: hub.config.publicUrl });
    assert.deepEqual(
      { domain: payload.domain, url: payload.url, public_key: payload.public_key, fingerprint: payload.fingerprint, confirmed_at: payload.confirmed_at },
      { domain, url: peer.url, public_key: peer.public_key, fingerprint, confirmed_at: peer.confirmed_at },
    );
    assert.equal(decodeProtectedHeader(peer.proof).kid, jwks.keys[0].kid);
    assert.ok(payload.exp! > payload.iat!);
  });

  it('refuses a replayed link with 410', async () => {
    const replay = await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json');
    assert.equal(replay.status, 410);
    assert.match(replay.body.message, /already used/);
    assert.equal((await request(hub.url).get(`/confirm/${token}`)).status, 410);
  });

  it('answers unknown and forged tokens with 404', async () => {
    assert.equal((await request(hub.url).get(`/confirm/${'A'.repeat(43)}`)).status, 404);
    assert.equal((await request(hub.url).post(`/confirm/${'x'.repeat(500)}`).set('Accept', 'application/json')).status, 404);
  });

  it('normalises lookups like registrations: case, trailing dot, path form', async () => {
    for (const form of ['CHAT.Example.COM', 'chat.example.com.']) {
      const bySearch = await request(hub.url).get(`/api/v1/peers?search=${encodeURIComponent(form)}`);
      assert.equal(bySearch.status, 200, form);
      const byPath = await request(hub.url).get(`/api/v1/peers/${encodeURIComponent(form)}`);
      assert.equal(byPath.body.peer.domain, domain, form);
    }
    assert.equal((await request(hub.url).get('/api/v1/peers?search=other.example.com')).status, 404);
  });

  it('registering the same data again changes nothing and sends no email', async () => {
    const again = await register(hub.url, rocketChatBody);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'confirmed');
    const [outbox] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox');
    assert.equal(outbox!.n, 1, 'still only the first email');
  });

  it('has no way to list peers without the admin token', async () => {
    const list = await request(hub.url).get('/api/v1/peers');
    assert.equal(list.status, 400);
    assert.match(list.body.message, /search: is required/);
  });
});
