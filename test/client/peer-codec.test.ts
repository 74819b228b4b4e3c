import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederationNode, LEGACY_ROCKETCHAT_CODEC, open, openLegacy, SealError, sealLegacy, seal } from '../../packages/client/src/index.js';
import { generateTestKeyPair } from '../support/keys.js';

const ours = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const rocketChat = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const modern = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const PAYLOAD = { events: [{ type: 'msg', text: 'ça va' }] };

function node(peerCodecs: Record<string, 'jose' | typeof LEGACY_ROCKETCHAT_CODEC> = {}) {
  return new FederationNode({ enabled: true, domain: 'ours.example.com', publicKey: ours.publicPem, discoveryMethod: 'dns' }, { privateKey: ours.privatePem, peerCodecs });
}

const wrongCodec = (error: unknown) => {
  assert.ok(error instanceof SealError);
  assert.equal(error.reason, 'wrong-codec');
  return true;
};

describe('FederationNode: the codec is chosen per peer and never downgraded silently', () => {
  it('jose unless told: sealFor gives a compact JWE that open() reads', async () => {
    const sealed = await node().sealFor('modern.example.org', PAYLOAD, modern.publicPem);
    assert.equal(sealed.codec, 'jose');
    assert.deepEqual(await open(sealed.body as string, modern.privatePem, ours.publicPem), PAYLOAD);
  });

  it('a peer set to legacy-rocketchat gets the Buffer JSON that openLegacy (and Rocket.Chat) reads', async () => {
    const sealed = await node({ 'rc.example.org': LEGACY_ROCKETCHAT_CODEC }).sealFor('RC.Example.org.', PAYLOAD, rocketChat.publicPem);
    assert.equal(sealed.codec, LEGACY_ROCKETCHAT_CODEC);
    assert.equal((sealed.body as { type: string }).type, 'Buffer');
    assert.deepEqual(openLegacy(sealed.body, rocketChat.privatePem, ours.publicPem), PAYLOAD);
  });

  it('a jose peer sending a legacy body is refused (wrong-codec), not opened with the weaker codec', async () => {
    const legacyBody = sealLegacy(PAYLOAD, rocketChat.privatePem, ours.publicPem);
    await assert.rejects(node().openFrom('rc.example.org', legacyBody, rocketChat.publicPem), wrongCodec);
  });

  it('a legacy peer sending a JWE is refused too: the operator changes the codec, the peer cannot', async () => {
    const token = await seal(PAYLOAD, rocketChat.privatePem, ours.publicPem);
    await assert.rejects(node({ 'rc.example.org': LEGACY_ROCKETCHAT_CODEC }).openFrom('rc.example.org', token, rocketChat.publicPem), wrongCodec);
    const switched = node();
    assert.deepEqual(await switched.openFrom('rc.example.org', token, rocketChat.publicPem), PAYLOAD);
    switched.setPeerCodec('rc.example.org', LEGACY_ROCKETCHAT_CODEC);
    assert.equal(switched.codecFor('rc.example.org'), LEGACY_ROCKETCHAT_CODEC);
    await assert.rejects(switched.openFrom('rc.example.org', token, rocketChat.publicPem), wrongCodec);
  });

  it('sealFor/openFrom without our private key say what is missing', async () => {
    const keyless = new FederationNode({ enabled: true, domain: 'ours.example.com', publicKey: ours.publicPem, discoveryMethod: 'dns' });
    await assert.rejects(keyless.sealFor('modern.example.org', PAYLOAD, modern.publicPem), /options\.privateKey is needed/);
  });
});
