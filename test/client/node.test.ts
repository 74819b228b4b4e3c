import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  FederationNode,
  type FederationSettings,
  NODE_STATUS,
  registerWithHub,
  verifyWithHub,
  RegistrationRefused,
  type StatusChange,
} from '../../packages/client/src/index.js';
import { extractLink, startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { freePort } from '../support/ports.js';

const key = generateTestKeyPair({ type: 'rsa', bits: 2048 });

function record(node: FederationNode): StatusChange[] {
  const changes: StatusChange[] = [];
  node.on('status', (change) => changes.push(change));
  return changes;
}

describe('registerWithHub and FederationNode against a real hub', () => {
  let smtp: SmtpCapture;
  let hub: TestHub;

  before(async () => {
    smtp = await startSmtpCapture();
    hub = await startTestHub('client_register', { SMTP_URL: smtp.url, CONTACT_LOCAL_PARTS: 'webmaster,hostmaster' });
  });
  after(async () => {
    await hub.stop();
    await smtp.close();
  });

  it('registers (pending) and the webmaster gets the confirmation link', async () => {
    const result = await registerWithHub({
      hubUrl: hub.url,
      domain: 'Chat.Register.example.com',
      url: 'https://chat.register.example.com/',
      publicKey: stripLineBreaks(key.publicPem),
    });
    assert.equal(result.status, 'pending');
    assert.equal(result.domain, 'chat.register.example.com');
    assert.ok(result.status === 'pending' && result.contact === 'webmaster@chat.register.example.com');
    const message = await smtp.waitFor((m) => m.to.includes('webmaster@chat.register.example.com'));
    assert.ok(extractLink(message.text, hub.url), 'the email carries the confirmation link');
  });

  it('passes the chosen contact', async () => {
    const result = await registerWithHub({
      hubUrl: hub.url,
      domain: 'contact.example.com',
      url: 'https://contact.example.com',
      publicKey: key.publicPem,
      contact: 'hostmaster@contact.example.com',
    });
    assert.ok(result.status === 'pending' && result.contact === 'hostmaster@contact.example.com');
  });

  it("a key the hub refuses → RegistrationRefused with the hub's message", async () => {
    await assert.rejects(
      registerWithHub({ hubUrl: hub.url, domain: 'weak.example.com', url: 'https://weak.example.com', publicKey: generateTestKeyPair({ type: 'rsa', bits: 1024 }).publicPem }),
      (error: unknown) => {
        assert.ok(error instanceof RegistrationRefused);
        assert.equal(error.status, 400);
        assert.equal(error.hubMessage, 'public_key: RSA key has 1024 bits; this hub requires at least 2048 (MIN_RSA_KEY_BITS)');
        return true;
      },
    );
  });

  it('a second registration inside the cooldown → pending, with the time its email will leave (never a 429)', async () => {
    const body = { hubUrl: hub.url, domain: 'twice.example.com', url: 'https://twice.example.com', publicKey: key.publicPem };
    const first = await registerWithHub(body);
    await smtp.waitFor((m) => m.to.includes('webmaster@twice.example.com'), 10_000);
    const second = await registerWithHub({ ...body, url: 'https://twice.example.com:8443' });
    assert.ok(first.status === 'pending' && second.status === 'pending');
    assert.ok(first.email_at && second.email_at, 'both answers say when the email leaves');
    assert.ok(Date.parse(second.email_at) - Date.parse(first.email_at) > 50_000, `${first.email_at} then ${second.email_at}: a cooldown apart`);
  });

  it('registerWithHub with method dns → the record to publish; verifyWithHub → the finding, or RegistrationRefused (404) without a challenge', async () => {
    const pending = await registerWithHub({ hubUrl: hub.url, domain: 'lib-dns.example.com', url: 'https://lib-dns.example.com', publicKey: key.publicPem, method: 'dns' });
    assert.ok(pending.status === 'pending');
    assert.equal(pending.method, 'dns');
    assert.equal(pending.dns?.name, '_federation-hub-challenge.lib-dns.example.com');
    assert.match(pending.dns!.value, /^federation-hub-verification=/);
    await assert.rejects(verifyWithHub({ hubUrl: hub.url, domain: 'nochallenge.example.com' }), (error: unknown) => {
      assert.ok(error instanceof RegistrationRefused);
      assert.equal(error.status, 404);
      assert.match(error.hubMessage, /^domain: nochallenge\.example\.com has no dns or http challenge on this hub/);
      return true;
    });
  });

  it('refuses a private key before sending anything', async () => {
    await assert.rejects(
      registerWithHub({ hubUrl: hub.url, domain: 'leak.example.com', url: 'https://leak.example.com', publicKey: key.privatePem }),
      { name: 'ProtocolError', message: 'public_key: is a private key; send only the public key (never share the private key)' },
    );
  });

  const hubSettings = (overrides: Partial<FederationSettings> = {}): FederationSettings => ({
    enabled: true,
    domain: 'node.example.com',
    publicKey: key.publicPem,
    discoveryMethod: 'hub',
    hubUrl: hub.url,
    url: 'https://node.example.com',
    ...overrides,
  });

  it('hub method: Booting… → Registering with Hub… → Running, telling which mailbox to check', async () => {
    const node = new FederationNode(hubSettings());
    const changes = record(node);
    assert.equal(await node.start(), 'Running');
    assert.deepEqual(
      changes.map((change) => change.status),
      [NODE_STATUS.booting, NODE_STATUS.registering, NODE_STATUS.running],
    );
    assert.deepEqual(changes.map((change) => change.status), ['Booting…', 'Registering with Hub…', 'Running']);
    assert.match(changes[2]!.detail!, /^registration pending: confirm the link sent to webmaster@node\.example\.com before /);
  });

  it('hub method with the hub down: … → Disabled, could not register with Hub', async () => {
    const node = new FederationNode(hubSettings({ hubUrl: `http://127.0.0.1:${await freePort()}`, domain: 'down.example.com' }));
    const changes = record(node);
    assert.equal(await node.start(), 'Disabled, could not register with Hub');
    assert.deepEqual(changes.map((change) => change.status), ['Booting…', 'Registering with Hub…', 'Disabled, could not register with Hub']);
    assert.match(changes[2]!.detail!, /ECONNREFUSED/);
  });

  it('dns method: Booting… → Running, without asking any hub', async () => {
    const node = new FederationNode({ enabled: true, domain: 'dns.example.com', publicKey: key.publicPem, discoveryMethod: 'dns' });
    const changes = record(node);
    assert.equal(await node.start(), 'Running');
    assert.deepEqual(changes.map((change) => change.status), ['Booting…', 'Running']);
  });

  it('missing settings: Could not enable, settings are not fully set (naming them)', async () => {
    const node = new FederationNode(hubSettings({ publicKey: '', hubUrl: undefined }));
    const changes = record(node);
    assert.equal(await node.start(), 'Could not enable, settings are not fully set');
    assert.deepEqual(changes, [{ status: 'Could not enable, settings are not fully set', detail: 'public key is not set; hub URL is not set' }]);
  });

  it('a malformed setting also counts as not fully set', async () => {
    const node = new FederationNode(hubSettings({ domain: 'https://node.example.com' }));
    assert.equal(await node.start(), 'Could not enable, settings are not fully set');
    assert.equal(node.detail, 'domain: must be a bare domain name, without scheme, port or path (like chat.example.com)');
  });

  it('disabled, then enabled by an update, then stopped', async () => {
    const node = new FederationNode({ enabled: false, discoveryMethod: 'dns' });
    const changes = record(node);
    assert.equal(await node.start(), 'Disabled');
    assert.equal(await node.update({ enabled: true, domain: 'upd.example.com', publicKey: key.publicPem, discoveryMethod: 'dns' }), 'Running');
    assert.equal(node.stop(), 'Disabled');
    assert.deepEqual(changes.map((change) => change.status), ['Disabled', 'Booting…', 'Running', 'Disabled']);
  });

  it('a stop() during registration wins over the late hub answer', async () => {
    const node = new FederationNode(hubSettings({ domain: 'race.example.com' }));
    const changes = record(node);
    const started = node.start();
    node.stop();
    assert.equal(await started, 'Disabled');
    assert.equal(node.status, 'Disabled');
    assert.deepEqual(changes.map((change) => change.status), ['Booting…', 'Registering with Hub…', 'Disabled']);
  });
});
