import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt, exportJWK, type JSONWebKeySet } from 'jose';
import {
  DnsUnavailable,
  FederationResolver,
  type FederationResolverOptions,
  HubUnavailable,
  InvalidPeerRecord,
  PeerNotFound,
} from '../../packages/client/src/index.js';
import { parsePublicKey } from '../../packages/client/src/protocol/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { freePort } from '../support/ports.js';
import { mergeZones, peerZone } from './fixtures.js';
import { type HubProxy, startHubProxy } from './hub-proxy.js';

const onHub = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const other = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const inDns = generateTestKeyPair({ type: 'ec', curve: 'P-384' });

/** A confirmed peer, written the way the hub stores one after the webmaster clicked. */
async function insertPeer(hub: TestHub, domain: string, url: string, publicPem: string): Promise<void> {
  const { pem, fingerprint } = parsePublicKey(publicPem);
  await hub.db.query(
    `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at) VALUES ($1, $2, $3, $4, $5, now())`,
    [domain, url, pem, fingerprint, `webmaster@${domain}`],
  );
}

describe('resolve() falls back to a real hub and checks its proof', () => {
  let hub: TestHub;
  let proxy: HubProxy;
  let dns: TestDnsServer;
  let jwks: JSONWebKeySet;
  const resolver = (options: FederationResolverOptions = {}) =>
    new FederationResolver({ dnsServers: [dns.address], hubUrl: proxy.url, timeoutMs: 2000, ...options });

  before(async () => {
    hub = await startTestHub('client_resolve_hub', { PROOF_TTL_SECONDS: '600', LOOKUP_CACHE_SECONDS: '120' });
    proxy = await startHubProxy(hub.url);
    dns = await startDnsServer(
      mergeZones(
        peerZone('brokendns.example.com', { https: [{}], key: [[stripLineBreaks(onHub.publicPem).slice(0, 255)]] }),
        peerZone('both.example.com', { https: [{ target: 'dns.both.example.com' }], key: inDns.publicPem }),
        peerZone('brokenonly.example.com', { https: [{}], key: [['not a key']] }),
      ),
    );
    await insertPeer(hub, 'hubonly.example.com', 'https://chat.hubonly.example.com', onHub.publicPem);
    await insertPeer(hub, 'brokendns.example.com', 'https://chat.brokendns.example.com', onHub.publicPem);
    await insertPeer(hub, 'both.example.com', 'https://hub.both.example.com', onHub.publicPem);
    await insertPeer(hub, 'other.example.com', 'https://chat.other.example.com', other.publicPem);
    jwks = (await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  });
  after(async () => {
    await proxy.close();
    await dns.close();
    await hub.stop();
  });
  beforeEach(() => proxy.rewrite(undefined));

  it('no DNS record → the hub answer, until the earlier of the proof exp and Cache-Control', async () => {
    const before = Date.now();
    const peer = await resolver({ hubJwks: jwks }).resolve('hubonly.example.com');
    assert.equal(peer.domain, 'hubonly.example.com');
    assert.equal(peer.url, 'https://chat.hubonly.example.com');
    assert.equal(peer.publicKey, onHub.publicPem);
    assert.equal(peer.source, 'hub');
    // Cache-Control max-age is min(LOOKUP_CACHE_SECONDS 120, half the proof's 600 s) = 120 s; the proof lasts 600 s.
    assert.ok(peer.expiresAt.getTime() >= before + 119_000 && peer.expiresAt.getTime() <= Date.now() + 120_000, peer.expiresAt.toISOString());
    assert.equal(dns.count('_rocketchat._https.hubonly.example.com', 'SRV'), 1);
  });

  it('an SRV whose key was cut short by the DNS provider → the hub', async () => {
    const peer = await resolver().resolve('brokendns.example.com');
    assert.equal(peer.source, 'hub');
    assert.equal(peer.url, 'https://chat.brokendns.example.com');
    assert.equal(dns.count('rocketchat-public-key.brokendns.example.com', 'TXT'), 1);
  });

  it('a usable DNS record wins over the hub', async () => {
    const peer = await resolver().resolve('both.example.com');
    assert.equal(peer.source, 'dns');
    assert.equal(peer.url, 'https://dns.both.example.com');
    assert.equal(peer.publicKey, inDns.publicPem);
  });

  it('proof verified against the JWKS fetched from a URL, and against the hub key as PEM', async () => {
    assert.equal((await resolver({ hubJwks: `${hub.url}/.well-known/jwks.json` }).resolve('hubonly.example.com')).source, 'hub');
    const pem = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    assert.equal((await resolver({ hubKey: pem }).resolve('hubonly.example.com')).source, 'hub');
  });

  it('a proof signed by another key is refused', async () => {
    const stranger = await exportJWK(generateKeyPairSync('ed25519').publicKey);
    const pinned = { keys: [{ ...stranger, kid: jwks.keys[0]!.kid, alg: 'EdDSA', use: 'sig' }] };
    await assert.rejects(resolver({ hubJwks: pinned }).resolve('hubonly.example.com'), (error: unknown) => {
      assert.ok(error instanceof InvalidPeerRecord);
      assert.equal(error.source, 'hub');
      assert.match(error.message, /^hubonly\.example\.com: invalid hub answer: proof does not verify: signature verification failed$/);
      return true;
    });
  });

  it('an answer altered on the way (URL and key swapped, fingerprint fixed up) is refused: the proof no longer matches', async () => {
    const forged = parsePublicKey(other.publicPem);
    proxy.rewrite((body) => {
      const peer = body.peer as Record<string, unknown>;
      return { peer: { ...peer, url: 'https://evil.example.net', public_key: forged.pem, fingerprint: forged.fingerprint } };
    });
    await assert.rejects(resolver({ hubJwks: jwks }).resolve('hubonly.example.com'), {
      name: 'InvalidPeerRecord',
      message: 'hubonly.example.com: invalid hub answer: proof does not match the answer: url differs',
    });
  });

  it("another domain's genuine answer and proof, replayed, is refused", async () => {
    const stolen = await (await fetch(`${hub.url}/api/v1/peers?search=other.example.com`)).json();
    proxy.rewrite(() => stolen);
    await assert.rejects(resolver({ hubJwks: jwks }).resolve('hubonly.example.com'), {
      name: 'InvalidPeerRecord',
      message: 'hubonly.example.com: invalid hub answer: domain: is other.example.com, not the domain asked for',
    });
    const { domain } = decodeJwt((stolen as { peer: { proof: string } }).peer.proof);
    assert.equal(domain, 'other.example.com');
  });

  it('a fingerprint that does not match the key is refused even without hub keys', async () => {
    proxy.rewrite((body) => ({ peer: { ...(body.peer as object), fingerprint: '00'.repeat(32) } }));
    await assert.rejects(resolver().resolve('hubonly.example.com'), {
      message: 'hubonly.example.com: invalid hub answer: fingerprint does not match public_key',
    });
  });

  it('unknown to DNS and to the hub → PeerNotFound naming both', async () => {
    await assert.rejects(resolver().resolve('nobody.example.com'), (error: unknown) => {
      assert.ok(error instanceof PeerNotFound);
      assert.equal(
        error.message,
        `nobody.example.com: not found (no SRV record _rocketchat._https, _rocketchat._http or _rocketchat._tcp for nobody.example.com; the hub ${proxy.url} does not know it)`,
      );
      return true;
    });
  });

  it('a broken DNS record the hub cannot stand in for → InvalidPeerRecord from DNS', async () => {
    await assert.rejects(resolver().resolve('brokenonly.example.com'), (error: unknown) => {
      assert.ok(error instanceof InvalidPeerRecord);
      assert.equal(error.source, 'dns');
      assert.match(error.message, /rocketchat-public-key\.brokenonly\.example\.com: must be a PEM public key .*; the hub .* does not know it$/);
      return true;
    });
  });

  it('hub answers are cached and concurrent lookups share one hub request (counted at a proxy)', async () => {
    const shared = resolver({ hubJwks: jwks });
    const before = proxy.count('/api/v1/peers?search=hubonly.example.com');
    const answers = await Promise.all(Array.from({ length: 10 }, () => shared.resolve('hubonly.example.com')));
    await shared.resolve('hubonly.example.com');
    assert.ok(answers.every((answer) => answer === answers[0]));
    assert.equal(proxy.count('/api/v1/peers?search=hubonly.example.com') - before, 1);
  });

  it('a hub that is down → HubUnavailable, naming what DNS said', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(resolver({ hubUrl: closed }).resolve('hubonly.example.com'), (error: unknown) => {
      assert.ok(error instanceof HubUnavailable);
      assert.match(error.message, new RegExp(`^hub ${closed} unavailable: ECONNREFUSED.*; DNS: no SRV record`));
      return true;
    });
  });

  it('DNS down and the hub does not know the domain → DnsUnavailable; DNS down but the hub knows it → the hub answer', async () => {
    const silent = await startDnsServer({}, { silent: ['_rocketchat._https.hubonly.example.com', '_rocketchat._https.nobody.example.com'] });
    try {
      const cut = resolver({ dnsServers: [silent.address], timeoutMs: 300 });
      assert.equal((await cut.resolve('hubonly.example.com')).source, 'hub');
      await assert.rejects(cut.resolve('nobody.example.com'), DnsUnavailable);
    } finally {
      await silent.close();
    }
  });
});
