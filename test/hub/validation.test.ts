import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { spawnHub, type HubProcess } from '../support/hub-process.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

const good = generateTestKeyPair();
const valid = { domain: 'valid.example.com', url: 'https://valid.example.com', public_key: good.publicPem };

/** [what is wrong, body, status, message pattern] */
const CASES: Array<[string, unknown, number, RegExp]> = [
  ['domain missing', { url: valid.url, public_key: valid.public_key }, 400, /^domain: is required/],
  ['domain not a string', { ...valid, domain: 42 }, 400, /^domain: must be a string/],
  ['domain with one label', { ...valid, domain: 'localhost' }, 400, /^domain: /],
  ['domain an IP literal', { ...valid, domain: '192.0.2.10' }, 400, /^domain: .*IP/],
  ['domain a public suffix', { ...valid, domain: 'co.uk' }, 400, /^domain: /],
  ['domain with a label over 63', { ...valid, domain: `${'a'.repeat(64)}.example.com` }, 400, /^domain: .*63/],
  ['domain with header injection', { ...valid, domain: 'evil.com\r\nBcc: victim@example.com' }, 400, /^domain: /],
  ['url not http(s)', { ...valid, url: 'ftp://valid.example.com' }, 400, /^url: must use http or https/],
  ['url javascript:', { ...valid, url: 'javascript:alert(1)' }, 400, /^url: /],
  ['url with credentials', { ...valid, url: 'https://user:pw@valid.example.com' }, 400, /^url: .*credentials/],
  ['url with fragment', { ...valid, url: 'https://valid.example.com/#x' }, 400, /^url: .*fragment/],
  ['public_key missing', { domain: valid.domain, url: valid.url }, 400, /^public_key: is required/],
  ['public_key garbage', { ...valid, public_key: 'not a key' }, 400, /^public_key: /],
  [
    'public_key RSA 512',
    { ...valid, public_key: generateTestKeyPair({ type: 'rsa', bits: 512 }).publicPem },
    400,
    /^public_key: RSA key has 512 bits; this hub requires at least 2048 \(MIN_RSA_KEY_BITS\)$/,
  ],
  ['public_key on an unsupported curve', { ...valid, public_key: generateTestKeyPair({ type: 'ec', curve: 'secp256k1' }).publicPem }, 400, /^public_key: /],
  ['unknown field', { ...valid, admin: true }, 400, /^admin: unknown field/],
  ['contact outside the domain', { ...valid, contact: 'webmaster@attacker.example' }, 400, /^contact: /],
  ['contact with a mailbox not allowed', { ...valid, contact: 'root@valid.example.com' }, 400, /^contact: /],
  ['body an array', [valid], 400, /./],
];

describe('registration input validation', () => {
  let hub: MailingTestHub;

  before(async () => {
    hub = await startMailingHub('validation', { BODY_LIMIT_BYTES: '16384' });
  });
  after(() => hub?.stop());

  for (const [what, body, status, message] of CASES) {
    it(`refuses ${what} with ${status} naming the field and the rule`, async () => {
      const response = await register(hub.url, body as Record<string, unknown>);
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.statusCode, status);
      assert.match(response.body.message, message);
    });
  }

  it('refuses a body that is not JSON (400), not declared JSON (415) or too large (413)', async () => {
    const broken = await request(hub.url).post('/api/v1/peers').set('Content-Type', 'application/json').send('{"domain": ');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.message, 'body: must be valid JSON');
    const form = await request(hub.url).post('/api/v1/peers').type('form').send(valid);
    assert.equal(form.status, 415);
    assert.match(form.body.message, /^body: must be JSON/);
    const huge = await register(hub.url, { ...valid, public_key: 'A'.repeat(20_000) });
    assert.equal(huge.status, 413);
    assert.match(huge.body.message, /^body: must not exceed 16384 bytes/);
  });

  it('stored nothing and sent nothing for any refused request', async () => {
    for (const table of ['verification_requests', 'verification_tokens', 'mail_outbox', 'peers']) {
      const [row] = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      assert.equal(row!.n, 0, table);
    }
    assert.equal(hub.smtp.messages.length, 0);
  });
  it('accepts the same key in Rocket.Chat\'s stripped form and an IDN domain as punycode', async () => {
    const response = await register(hub.url, { domain: 'Bücher.Example.COM.', url: 'https://xn--bcher-kva.example.com/', public_key: stripLineBreaks(good.publicPem) });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.equal(response.body.domain, 'xn--bcher-kva.example.com');
  });

});

describe('a private key sent as public_key', () => {
  let hub: HubProcess;
  let smtp: SmtpCapture;
  let db: TestDatabase;
  const secret = generateTestKeyPair();
  const secretBody = secret.privatePem.split('\n').slice(1, -2).join('');

  before(async () => {
    smtp = await startSmtpCapture();
    db = await createTestDatabase('private_key');
    hub = await spawnHub({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, SMTP_URL: smtp.url, LOG_LEVEL: 'trace' });
  });
  after(async () => {
    await hub.stop();
    await smtp.close();
    await db.drop();
  });

  it('is refused, not echoed, not stored and not logged', async () => {
    for (const form of [secret.privatePem, stripLineBreaks(secret.privatePem)]) {
      const response = await register(hub.url, { ...valid, public_key: form });
      assert.equal(response.status, 400);
      assert.match(response.body.message, /^public_key: is a private key/);
      assert.ok(!JSON.stringify(response.body).includes(secretBody.slice(0, 40)));
    }
    const dump = JSON.stringify(await db.query(`SELECT * FROM verification_requests`)) + JSON.stringify(await db.query(`SELECT * FROM peers`));
    assert.ok(!dump.includes(secretBody.slice(0, 40)));
    assert.ok(!hub.output().includes(secretBody.slice(0, 40)), 'private key material absent from the logs');
    assert.ok(hub.output().includes('request completed'), 'the logs were on (trace) while the key was sent');
  });
});
