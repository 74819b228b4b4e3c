import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  checkDns,
  checkHub,
  FederationNode,
  FederationResolver,
  LEGACY_ROCKETCHAT_CODEC,
  NODE_STATUS,
  open,
  openLegacy,
  type PrivateKeyInput,
  type PublicKeyInput,
  registerWithHub,
  seal,
  sealLegacy,
  splitTxtValue,
} from '../../packages/client/src/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { registerAndConfirm } from '../support/flows.js';
import { type MailingTestHub, startMailingHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { peerZone } from './fixtures.js';

/**
 * Every function of the client that takes a key, over every key form the protocol tests
 * (test/protocol/public-key.test.ts, "parsePublicKey accepts the forms servers publish") show parsePublicKey
 * reading, plus a KeyObject; and every private-key form a server may hold, Rocket.Chat's stripped PKCS#8 first.
 */

/** The public key forms of test/protocol/public-key.test.ts. */
function publicForms(pem: string): Array<[string, PublicKeyInput]> {
  const key = createPublicKey(pem);
  const forms: Array<[string, PublicKeyInput]> = [
    ['canonical PEM', pem],
    ["Rocket.Chat's stored form (line breaks stripped)", stripLineBreaks(pem)],
    ['line breaks replaced by spaces', pem.replace(/\n/g, ' ')],
    ['CRLF line breaks', pem.replace(/\n/g, '\r\n')],
    ['literal \\n escapes', pem.replace(/\n/g, '\\n')],
    ['surrounding blanks', `\n\n  ${pem}  \n`],
    ['the strings of a TXT record', splitTxtValue(stripLineBreaks(pem))],
    ['bare base64 of the DER SPKI', key.export({ type: 'spki', format: 'der' }).toString('base64')],
    ['a KeyObject', key],
  ];
  if (key.asymmetricKeyType === 'rsa') forms.push(['PKCS#1 RSA PUBLIC KEY', key.export({ type: 'pkcs1', format: 'pem' }).toString()]);
  return forms;
}

function privateForms(pem: string): Array<[string, PrivateKeyInput]> {
  const key = createPrivateKey(pem);
  const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }).toString();
  return [
    ['PKCS#8 PEM', pem],
    ["Rocket.Chat's stored form (PKCS#8, line breaks stripped)", stripLineBreaks(pem)],
    ['PKCS#8 with literal \\n escapes', pem.replace(/\n/g, '\\n')],
    ['PKCS#8 with CRLF', pem.replace(/\n/g, '\r\n')],
    ['PKCS#1 PEM', pkcs1],
    ['PKCS#1 stripped', stripLineBreaks(pkcs1)],
    ['bare base64 PKCS#8 DER', key.export({ type: 'pkcs8', format: 'der' }).toString('base64')],
    ['a KeyObject', key],
  ];
}

const DOMAIN = 'forms.example.com';
const server = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const peer = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const PAYLOAD = { text: 'héllo', n: 1 };

describe('every key-taking function of the client reads every key form', () => {
  let hub: MailingTestHub;
  let dns: TestDnsServer;
  let emptyDns: TestDnsServer;
  let hubKeyPem: string;

  before(async () => {
    hub = await startMailingHub('key_forms');
    await registerAndConfirm(hub.url, hub.url, hub.smtp, { domain: DOMAIN, url: `https://${DOMAIN}`, public_key: stripLineBreaks(server.publicPem) });
    dns = await startDnsServer(peerZone(DOMAIN, { https: [{ target: `chat.${DOMAIN}` }], key: server.publicPem }));
    emptyDns = await startDnsServer({});
    const jwks = (await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    hubKeyPem = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  });
  after(async () => {
    await dns?.close();
    await emptyDns?.close();
    await hub?.stop();
  });

  for (const [form, key] of publicForms(server.publicPem)) {
    it(`this server's public key, ${form}: FederationNode, registerWithHub, checkHub, checkDns`, async () => {
      const node = new FederationNode({ enabled: true, domain: DOMAIN, publicKey: key, discoveryMethod: 'dns' });
      assert.equal(await node.start(), NODE_STATUS.running, `FederationNode: ${node.detail}`);

      const registered = await registerWithHub({ hubUrl: hub.url, domain: DOMAIN, url: `https://${DOMAIN}`, publicKey: key });
      assert.equal(registered.status, 'confirmed', 'registerWithHub: the hub saw exactly the confirmed key');

      const onHub = await checkHub(DOMAIN, { hubUrl: hub.url, publicKey: key });
      assert.equal(onHub.ok, true, `checkHub: ${onHub.found}`);

      const report = await checkDns(DOMAIN, { dnsServers: [dns.address], publicKey: key });
      const entry = report.entries.find((candidate) => candidate.record === 'public-key')!;
      assert.equal(entry.ok, true, `checkDns: ${entry.found}`);
    });
  }

  for (const [form, key] of publicForms(peer.publicPem)) {
    it(`the peer's public key, ${form}: seal/open, sealLegacy/openLegacy, FederationNode.sealFor/openFrom`, async () => {
      const token = await seal(PAYLOAD, server.privatePem, key);
      assert.deepEqual(await open(token, peer.privatePem, server.publicPem), PAYLOAD, 'seal');
      assert.deepEqual(await open(await seal(PAYLOAD, peer.privatePem, server.publicPem), server.privatePem, key), PAYLOAD, 'open');

      const legacy = sealLegacy(PAYLOAD, server.privatePem, key);
      assert.deepEqual(openLegacy(legacy, peer.privatePem, server.publicPem), PAYLOAD, 'sealLegacy');
      assert.deepEqual(openLegacy(sealLegacy(PAYLOAD, peer.privatePem, server.publicPem), server.privatePem, key), PAYLOAD, 'openLegacy');

      for (const codec of ['jose', LEGACY_ROCKETCHAT_CODEC] as const) {
        const node = new FederationNode(
          { enabled: true, domain: DOMAIN, publicKey: server.publicPem, discoveryMethod: 'dns' },
          { privateKey: server.privatePem, peerCodecs: { 'peer.example.org': codec } },
        );
        const sealed = await node.sealFor('peer.example.org', PAYLOAD, key);
        assert.equal(sealed.codec, codec);
        const back = new FederationNode(
          { enabled: true, domain: 'peer.example.org', publicKey: peer.publicPem, discoveryMethod: 'dns' },
          { privateKey: peer.privatePem, peerCodecs: { [DOMAIN]: codec } },
        );
        assert.deepEqual(await back.openFrom(DOMAIN, sealed.body, server.publicPem), PAYLOAD, `sealFor (${codec})`);
        const reply = await back.sealFor(DOMAIN, PAYLOAD, server.publicPem);
        assert.deepEqual(await node.openFrom('peer.example.org', reply.body, key), PAYLOAD, `openFrom (${codec})`);
      }
    });
  }

  for (const [form, key] of privateForms(server.privatePem)) {
    it(`our private key, ${form}: seal/open, sealLegacy/openLegacy, FederationNode`, async () => {
      assert.deepEqual(await open(await seal(PAYLOAD, key, peer.publicPem), peer.privatePem, server.publicPem), PAYLOAD, 'seal');
      assert.deepEqual(await open(await seal(PAYLOAD, peer.privatePem, server.publicPem), key, peer.publicPem), PAYLOAD, 'open');
      assert.deepEqual(openLegacy(sealLegacy(PAYLOAD, key, peer.publicPem), peer.privatePem, server.publicPem), PAYLOAD, 'sealLegacy');
      assert.deepEqual(openLegacy(sealLegacy(PAYLOAD, peer.privatePem, server.publicPem), key, peer.publicPem), PAYLOAD, 'openLegacy');
      const node = new FederationNode({ enabled: true, domain: DOMAIN, publicKey: server.publicPem, discoveryMethod: 'dns' }, { privateKey: key });
      const sealed = await node.sealFor('peer.example.org', PAYLOAD, peer.publicPem);
      assert.deepEqual(await open(sealed.body as string, peer.privatePem, server.publicPem), PAYLOAD, 'FederationNode.sealFor');
    });
  }

  it("the hub's Ed25519 key in every form: FederationResolver checks the hub's proof with it", async () => {
    const forms = publicForms(hubKeyPem);
    assert.ok(forms.length >= 9);
    for (const [form, hubKey] of forms) {
      // This DNS server knows nothing of the domain, so the answer comes from the hub and its proof is checked.
      const resolved = await new FederationResolver({ hubUrl: hub.url, hubKey, dnsServers: [emptyDns.address] })
        .resolve(DOMAIN)
        .catch((error: Error) => error);
      assert.ok(!(resolved instanceof Error), `${form}: ${String(resolved)}`);
      assert.equal(resolved.source, 'hub', form);
      assert.equal(resolved.publicKey, server.publicPem, form);
    }
    // And a key that is not the hub's makes the proof fail: the form was read, not ignored.
    const other = generateTestKeyPair({ type: 'ed25519' });
    const wrong = await new FederationResolver({ hubUrl: hub.url, hubKey: stripLineBreaks(other.publicPem), dnsServers: [emptyDns.address] })
      .resolve(DOMAIN)
      .catch((error: Error) => error);
    assert.ok(wrong instanceof Error && /proof does not verify/.test(wrong.message), String(wrong));
  });
});
