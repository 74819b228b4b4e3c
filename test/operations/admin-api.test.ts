import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { confirmationLinkFor, register, registerAndConfirm, registrationFor } from '../support/flows.js';
import { spawnHub, type HubProcess } from '../support/hub-process.js';
import { type MailingTestHub, startMailingHub, startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

const ADMIN_TOKEN = 'admin-api-test-token-0123456789';
const WRONG_SAME_LENGTH = 'x'.repeat(ADMIN_TOKEN.length);
const bearer = (token = ADMIN_TOKEN) => `Bearer ${token}`;
const key = generateTestKeyPair().publicPem;
const body = (domain: string, publicKey = key) => registrationFor(domain, publicKey);

/** Every admin endpoint, as [method, path, body]. */
const ENDPOINTS: Array<['get' | 'post', string, object?]> = [
  ['get', '/api/v1/admin/peers'],
  ['get', '/api/v1/admin/peers/alpha.list.example.com'],
  ['post', '/api/v1/admin/peers/alpha.list.example.com/revoke', { reason: 'not allowed to do this' }],
  ['get', '/api/v1/admin/outbox/dead'],
  ['post', '/api/v1/admin/outbox/1/requeue'],
];
const call = (url: string, [method, path, payload]: (typeof ENDPOINTS)[number], authorization?: string) => {
  let test = request(url)[method](path);
  if (authorization !== undefined) test = test.set('Authorization', authorization);
  return payload ? test.send(payload) : test;
};

describe('admin API with ADMIN_TOKEN unset', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub('admin_off');
  });
  after(() => hub?.stop());

  it('does not exist: 404 JSON on every admin endpoint, with or without a token', async () => {
    for (const endpoint of ENDPOINTS) {
      for (const authorization of [undefined, bearer(), 'Bearer ']) {
        const answer = await call(hub.url, endpoint, authorization);
        assert.equal(answer.status, 404, `${endpoint[0]} ${endpoint[1]}`);
        assert.match(answer.headers['content-type']!, /^application\/json/);
        assert.deepEqual(answer.body, { statusCode: 404, error: 'Not Found', message: 'admin API is off (ADMIN_TOKEN is not set)' });
        assert.equal(answer.headers['www-authenticate'], undefined);
      }
    }
  });
});

describe('admin API', () => {
  let hub: MailingTestHub;
  let b: HubProcess;
  const LISTED = ['alpha.list.example.com', 'bravo.list.example.com', 'charlie.list.example.com', 'delta.other.example.org', 'echo.other.example.org'];
  const admin = (url: string, path: string) => request(url).get(path).set('Authorization', bearer());

  before(async () => {
    hub = await startMailingHub('admin_api', { ADMIN_TOKEN, RATE_DOMAIN_COOLDOWN_SECONDS: '0' });
    // A second instance, as a separate process on the same database, so that its logs can be read.
    b = await spawnHub({
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: hub.config.publicUrl,
      DATABASE_URL: hub.db.url,
      SMTP_URL: hub.smtp.url,
      ADMIN_TOKEN,
      LOG_LEVEL: 'trace',
      OUTBOX_POLL_MS: '50',
      RATE_DOMAIN_COOLDOWN_SECONDS: '0',
    });
  });
  after(async () => {
    await b?.stop();
    await hub?.stop();
  });

  it('answers 401 in the JSON error format without the right bearer token', async () => {
    const wrong: Array<[string, string | undefined]> = [
      ['no Authorization header', undefined],
      ['a wrong token of the same length', bearer(WRONG_SAME_LENGTH)],
      ['a wrong token of another length', bearer('short')],
      ['the token with one more character', bearer(`${ADMIN_TOKEN}x`)],
      ['the right token under the Basic scheme', `Basic ${ADMIN_TOKEN}`],
      ['the right token base64-encoded under Basic', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
      ['the right token without a scheme', ADMIN_TOKEN],
      ['an empty bearer', 'Bearer '],
    ];
    for (const url of [hub.url, b.url]) {
      for (const endpoint of ENDPOINTS) {
        for (const [what, authorization] of wrong) {
          const answer = await call(url, endpoint, authorization);
          const label = `${endpoint[0]} ${endpoint[1]} with ${what}`;
          assert.equal(answer.status, 401, label);
          assert.match(answer.headers['content-type']!, /^application\/json/, label);
          assert.deepEqual(answer.body, { statusCode: 401, error: 'Unauthorized', message: 'authorization: a valid admin bearer token is required' }, label);
          assert.equal(answer.headers['www-authenticate'], 'Bearer realm="federation-hub-admin"', label);
        }
      }
    }
    // Nothing was done by the refused requests.
    assert.deepEqual(await hub.db.query('SELECT domain FROM peers'), []);
  });

  it('works with the right token (the scheme name is case-insensitive)', async () => {
    const answer = await admin(hub.url, '/api/v1/admin/peers');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { page: 1, per_page: 50, total: 0, items: [] });
    assert.equal((await request(hub.url).get('/api/v1/admin/peers').set('Authorization', `bearer ${ADMIN_TOKEN}`)).status, 200);
    assert.equal((await admin(b.url, '/api/v1/admin/outbox/dead')).status, 200);
  });

  it('lists peers by page, with a domain filter', async () => {
    for (const domain of LISTED) await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, body(domain));

    const all = await admin(hub.url, '/api/v1/admin/peers');
    assert.equal(all.status, 200);
    assert.equal(all.body.total, 5);
    assert.deepEqual(all.body.items.map((p: { domain: string }) => p.domain), LISTED);
    const first = all.body.items[0];
    assert.deepEqual(Object.keys(first).sort(), ['confirmed_at', 'contact', 'domain', 'fingerprint', 'revoked_at', 'revoked_reason', 'url']);
    assert.equal(first.contact, 'webmaster@alpha.list.example.com');
    assert.equal(first.url, 'https://alpha.list.example.com');
    assert.equal(first.revoked_at, null);
    assert.ok(!Number.isNaN(Date.parse(first.confirmed_at)));

    const page = async (query: string) => (await admin(hub.url, `/api/v1/admin/peers?${query}`)).body;
    const domains = (answer: { items: Array<{ domain: string }> }) => answer.items.map((p) => p.domain);
    const p1 = await page('page=1&per_page=2');
    assert.deepEqual({ ...p1, items: domains(p1) }, { page: 1, per_page: 2, total: 5, items: LISTED.slice(0, 2) });
    assert.deepEqual(domains(await page('page=2&per_page=2')), LISTED.slice(2, 4));
    assert.deepEqual(domains(await page('page=3&per_page=2')), LISTED.slice(4));
    const beyond = await page('page=4&per_page=2');
    assert.deepEqual({ total: beyond.total, items: beyond.items }, { total: 5, items: [] });

    const list = await page('domain=LIST');
    assert.deepEqual({ total: list.total, items: domains(list) }, { total: 3, items: LISTED.slice(0, 3) });
    const other = await page('domain=other.example&per_page=1&page=2');
    assert.deepEqual({ total: other.total, items: domains(other) }, { total: 2, items: ['echo.other.example.org'] });
    // The filter is a plain substring: LIKE wildcards match themselves only.
    assert.equal((await page(`domain=${encodeURIComponent('%')}`)).total, 0);
    assert.equal((await page('domain=_')).total, 0);
    assert.equal((await page('domain=nothing-like-it')).total, 0);
  });

  it('answers 400 naming the field on a bad list query', async () => {
    const cases: Array<[string, string]> = [
      ['per_page=-1', 'per_page: must be at least 1'],
      ['per_page=0', 'per_page: must be at least 1'],
      ['per_page=501', 'per_page: must be at most 500'],
      ['per_page=abc', 'per_page: must be an integer'],
      ['per_page=2.5', 'per_page: must be an integer'],
      ['page=0', 'page: must be at least 1'],
      ['page=-3', 'page: must be at least 1'],
      ['page=one', 'page: must be an integer'],
      [`domain=${'a'.repeat(254)}`, 'domain: must be at most 253 characters'],
      ['domain=a&domain=b', 'domain: must be a string'],
      ['limit=10', 'limit: unknown field (not part of this request)'],
    ];
    for (const [query, message] of cases) {
      const answer = await admin(hub.url, `/api/v1/admin/peers?${query}`);
      assert.equal(answer.status, 400, query);
      assert.deepEqual(answer.body, { statusCode: 400, error: 'Bad Request', message }, query);
    }
    const both = await admin(hub.url, '/api/v1/admin/peers?page=0&per_page=abc');
    assert.equal(both.status, 400);
    assert.deepEqual(both.body.details, ['page: must be at least 1', 'per_page: must be an integer']);
  });

  it('shows one peer with its pending request and its email history', async () => {
    const domain = 'rotate.admin.example.com';
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, body(domain));
    const confirmed = (await request(hub.url).get(`/api/v1/peers/${domain}`)).body.peer;
    // A key rotation: pending until the webmaster confirms it; the confirmed record keeps serving.
    const rotated = generateTestKeyPair({ type: 'ed25519' }).publicPem;
    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, body(domain, rotated))).status, 202);
    await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, seen);
    const sentBoth = async () =>
      (await hub.db.query(`SELECT 1 FROM mail_outbox o JOIN verification_requests r ON r.id = o.request_id WHERE r.domain = $1 AND o.status = 'sent'`, [domain]))
        .length === 2;
    assert.ok(await eventually(sentBoth));

    const shown = await admin(hub.url, `/api/v1/admin/peers/${domain}`);
    assert.equal(shown.status, 200);
    const { peer, requests, emails } = shown.body;
    assert.equal(peer.domain, domain);
    assert.equal(peer.fingerprint, confirmed.fingerprint, 'still the confirmed key');
    assert.equal(peer.public_key, confirmed.public_key);
    assert.equal(peer.revoked_at, null);

    assert.equal(requests.length, 2);
    const [pending, done] = requests;
    assert.equal(pending.action, 'register');
    assert.equal(pending.status, 'pending');
    assert.notEqual(pending.fingerprint, confirmed.fingerprint, 'the pending request carries the new key');
    assert.equal(pending.completed_at, null);
    assert.ok(Date.parse(pending.expires_at) > Date.now());
    assert.equal(pending.contact, `webmaster@${domain}`);
    assert.match(pending.requester_ip, /127\.0\.0\.1/);
    assert.equal(done.status, 'confirmed');
    assert.equal(done.fingerprint, confirmed.fingerprint);
    assert.ok(done.completed_at);

    assert.equal(emails.length, 2);
    for (const email of emails) {
      assert.equal(email.status, 'sent');
      assert.equal(email.recipient, `webmaster@${domain}`);
      assert.ok(email.sent_at);
      assert.equal(email.last_error, null);
      // Here `attempts` is each email's attempt history: one successful send each.
      assert.deepEqual(email.attempts.map((a: { ok: boolean; error: string | null }) => [a.ok, a.error]), [[true, null]]);
    }
    assert.ok(Number(emails[0].id) > Number(emails[1].id), 'newest first');

    // The same peer, asked for in another spelling, on the other instance.
    const fromB = await admin(b.url, `/api/v1/admin/peers/${domain.toUpperCase()}.`);
    assert.equal(fromB.status, 200);
    assert.deepEqual(fromB.body, shown.body);
  });

  it('shows a domain that only has a pending request; 404 for an unknown domain, 400 for a bad name', async () => {
    const domain = 'pending.admin.example.com';
    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, body(domain))).status, 202);
    await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, seen);
    const shown = await admin(hub.url, `/api/v1/admin/peers/${domain}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.peer, null);
    assert.deepEqual(shown.body.requests.map((r: { status: string }) => r.status), ['pending']);
    assert.equal(shown.body.emails.length, 1);

    const unknown = await admin(hub.url, '/api/v1/admin/peers/unknown.admin.example.com');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { statusCode: 404, error: 'Not Found', message: 'domain: unknown.admin.example.com is unknown to this hub' });
    const bad = await admin(hub.url, '/api/v1/admin/peers/not_a_domain');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^domain: /);
  });

  it('revokes a peer with a reason: gone from lookups at once here, and on the other instance', async () => {
    const domain = 'alpha.list.example.com';
    // Both instances answer, and have the answer cached.
    for (const url of [hub.url, b.url]) {
      for (let i = 0; i < 2; i++) {
        assert.equal((await request(url).get(`/api/v1/peers?search=${domain}`)).status, 200);
        assert.equal((await request(url).get(`/api/v1/peers/${domain}`)).status, 200);
      }
    }
    const revoke = (reason?: unknown, target = domain) =>
      request(hub.url).post(`/api/v1/admin/peers/${target}/revoke`).set('Authorization', bearer()).send(reason === undefined ? {} : { reason });
    // A reason is required.
    assert.deepEqual((await revoke()).body, { statusCode: 400, error: 'Bad Request', message: 'reason: is required' });
    assert.equal((await revoke('no')).body.message, 'reason: must be at least 3 characters');
    assert.equal((await revoke(42)).body.message, 'reason: must be a string');
    assert.equal((await revoke('x'.repeat(501))).body.message, 'reason: must be at most 500 characters');
    assert.equal((await revoke('spam', 'unknown.admin.example.com')).status, 404);
    assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 200, 'refused revocations changed nothing');

    const revoked = await revoke('abuse report #42');
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.domain, domain);
    assert.equal(revoked.body.revoked_reason, 'abuse report #42');
    assert.ok(Math.abs(Date.parse(revoked.body.revoked_at) - Date.now()) < 10_000);

    // At once on this instance, by either lookup.
    const here = await request(hub.url).get(`/api/v1/peers?search=${domain}`);
    assert.equal(here.status, 404);
    assert.equal(here.body.statusCode, 404);
    assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 404);
    // And on the other instance, which had the answer cached (the one-second bound is two-instances.test.ts's).
    assert.ok(
      await eventually(async () => (await request(b.url).get(`/api/v1/peers?search=${domain}`)).status === 404),
      'revocation reaches the other instance',
    );
    assert.equal((await request(b.url).get(`/api/v1/peers/${domain}`)).status, 404);

    // The reason is kept: the admin API shows it (on both instances), and it is in the database.
    for (const url of [hub.url, b.url]) {
      const shown = await admin(url, `/api/v1/admin/peers/${domain}`);
      assert.equal(shown.body.peer.revoked_reason, 'abuse report #42');
      assert.equal(shown.body.peer.revoked_at, revoked.body.revoked_at);
    }
    const listed = (await admin(hub.url, '/api/v1/admin/peers?domain=alpha')).body.items;
    assert.equal(listed[0].revoked_reason, 'abuse report #42');
    const [row] = await hub.db.query<{ revoked_reason: string; revoked_at: Date }>('SELECT revoked_reason, revoked_at FROM peers WHERE domain = $1', [domain]);
    assert.equal(row!.revoked_reason, 'abuse report #42');
    assert.ok(row!.revoked_at);

    // Registering the same data again does not bring it back: it needs a fresh confirmation.
    const again = await register(hub.url, body(domain));
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'pending');
    assert.equal((await request(b.url).get(`/api/v1/peers/${domain}`)).status, 404);
    // The others are untouched.
    assert.equal((await request(b.url).get('/api/v1/peers/bravo.list.example.com')).status, 200);
  });

  it('never writes the admin token (or a wrong one) to the logs', async () => {
    const wrongToken = 'wrong-admin-token-that-must-not-be-logged';
    assert.equal((await request(b.url).get('/api/v1/admin/peers').set('Authorization', bearer(wrongToken))).status, 401);
    assert.equal((await admin(b.url, '/api/v1/admin/peers?domain=list')).status, 200);
    assert.equal(
      (await request(b.url).post('/api/v1/admin/peers/bravo.list.example.com/revoke').set('Authorization', bearer()).send({ reason: 'log check' })).status,
      200,
    );
    assert.ok(await eventually(() => b.output().includes('revoked by an operator')), 'the revocation is logged');
    const output = b.output();
    assert.match(output, /\/api\/v1\/admin\/peers/, 'admin requests are logged');
    assert.ok(!output.includes(ADMIN_TOKEN), 'the admin token is not in the logs');
    assert.ok(!output.includes(wrongToken), 'a presented wrong token is not in the logs');
  });
});

describe('dead emails through the admin API', () => {
  let hub: MailingTestHub;
  before(async () => {
    hub = await startMailingHub('admin_dead', { ADMIN_TOKEN, OUTBOX_MAX_ATTEMPTS: '1' });
  });
  after(() => hub?.stop());
  const admin = () => ({
    get: (path: string) => request(hub.url).get(path).set('Authorization', bearer()),
    post: (path: string) => request(hub.url).post(path).set('Authorization', bearer()),
  });

  it('lists a dead email, re-queues it, and it is delivered exactly once', async () => {
    const domain = 'dead.admin.example.com';
    hub.smtp.refuse(true);
    try {
      assert.equal((await register(hub.url, body(domain))).status, 202);
      const status = async () => (await hub.db.query<{ status: string }>('SELECT status FROM mail_outbox'))[0]?.status;
      assert.ok(await eventually(async () => (await status()) === 'dead', 10_000), 'dead after OUTBOX_MAX_ATTEMPTS=1');
    } finally {
      hub.smtp.refuse(false);
    }
    assert.equal(hub.smtp.refused, 1);
    assert.equal(hub.smtp.messages.length, 0);

    const dead = await admin().get('/api/v1/admin/outbox/dead');
    assert.equal(dead.status, 200);
    assert.equal(dead.body.items.length, 1);
    const [item] = dead.body.items;
    assert.equal(item.status, 'dead');
    assert.equal(item.recipient, `webmaster@${domain}`);
    assert.equal(item.attempts, 1);
    assert.equal(item.sent_at, null);
    assert.match(item.last_error, /451|try again/);
    assert.match(item.id, /^\d+$/);

    // Still dead: no delivery happens by itself.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(hub.smtp.messages.length, 0);

    const requeued = await admin().post(`/api/v1/admin/outbox/${item.id}/requeue`);
    assert.equal(requeued.status, 200);
    assert.equal(requeued.body.id, item.id);
    assert.equal(requeued.body.status, 'queued');
    assert.equal(requeued.body.attempts, 0);

    const { token } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl);
    const sent = async () => (await hub.db.query<{ status: string }>('SELECT status FROM mail_outbox WHERE id = $1', [item.id]))[0]!.status === 'sent';
    assert.ok(await eventually(sent));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(hub.smtp.messages.filter((m) => m.to.includes(`webmaster@${domain}`)).length, 1, 'delivered exactly once');
    assert.deepEqual((await admin().get('/api/v1/admin/outbox/dead')).body, { items: [] });

    // The history shows both attempts; the delivered link works.
    const shown = await admin().get(`/api/v1/admin/peers/${domain}`);
    const [history] = shown.body.emails;
    assert.deepEqual(history.attempts.map((a: { ok: boolean }) => a.ok), [false, true]);
    assert.match(history.attempts[0].error, /451|try again/);
    assert.equal(history.status, 'sent');
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 200);

    // Only dead emails can be re-queued; ids are positive integers.
    const again = await admin().post(`/api/v1/admin/outbox/${item.id}/requeue`);
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, { statusCode: 404, error: 'Not Found', message: `id: no dead email with id ${item.id}` });
    assert.equal((await admin().post('/api/v1/admin/outbox/999999/requeue')).status, 404);
    const bad = await admin().post('/api/v1/admin/outbox/abc/requeue');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'id: must be a positive integer');
    assert.equal((await admin().post('/api/v1/admin/outbox/-1/requeue')).status, 400);
    assert.equal(hub.smtp.messages.length, 1);
  });
});
