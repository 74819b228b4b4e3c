import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DnsUnavailable,
  FederationResolver,
  type FederationResolverOptions,
  InvalidPeerRecord,
  NotAllowed,
  PeerNotFound,
} from '../../packages/client/src/index.js';
import { ProtocolError, splitTxtValue } from '../../packages/client/src/protocol/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { manualClock, mergeZones, peerZone } from './fixtures.js';

const rsa = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const rsa4096 = generateTestKeyPair({ type: 'rsa', bits: 4096 });
const rsa1024 = generateTestKeyPair({ type: 'rsa', bits: 1024 });
const ec = generateTestKeyPair({ type: 'ec', curve: 'P-256' });

const ZONE = mergeZones(
  peerZone('https.example.com', { https: [{ target: 'chat.https.example.com', port: 8443, ttl: 600 }], key: rsa.publicPem, ttl: 300 }),
  peerZone('port443.example.com', { https: [{ target: 'chat.port443.example.com', port: 443 }], key: ec.publicPem }),
  peerZone('both.example.com', { https: [{ target: 'secure.both.example.com' }], http: [{ target: 'plain.both.example.com', port: 80 }], key: ec.publicPem }),
  peerZone('http.example.com', { http: [{ target: 'chat.http.example.com', port: 3000 }], key: ec.publicPem }),
  peerZone('legacy-http.example.com', { tcp: [{ target: 'chat.legacy-http.example.com', port: 3000 }], protocol: 'http', key: ec.publicPem }),
  peerZone('legacy.example.com', { tcp: [{ target: 'chat.legacy.example.com', port: 443 }], key: ec.publicPem }),
  peerZone('legacy-bad.example.com', { tcp: [{ target: 'chat.legacy-bad.example.com' }], protocol: 'ftp', key: ec.publicPem }),
  peerZone('cut.example.com', { https: [{}], key: [[stripLineBreaks(rsa.publicPem).slice(0, 255)]] }),
  peerZone('records.example.com', { https: [{}], key: splitTxtValue(stripLineBreaks(rsa.publicPem)).map((part) => [part]) }),
  peerZone('nokey.example.com', { https: [{}] }),
  peerZone('weak.example.com', { https: [{}], key: rsa1024.publicPem }),
  peerZone('big.example.com', { https: [{}], key: rsa4096.publicPem }),
  peerZone('dot.example.com', { https: [{ target: '.' }], key: ec.publicPem }),
  peerZone('priorities.example.com', {
    https: [
      { priority: 20, weight: 1000, target: 'backup.priorities.example.com' },
      { priority: 10, weight: 1, target: 'primary.priorities.example.com' },
    ],
    key: ec.publicPem,
  }),
  peerZone('weights.example.com', {
    https: [
      { priority: 10, weight: 1, target: 'light.weights.example.com' },
      { priority: 10, weight: 3, target: 'heavy.weights.example.com' },
    ],
    key: ec.publicPem,
  }),
  peerZone('ttl.example.com', { https: [{ ttl: 60 }], key: ec.publicPem, ttl: 120 }),
  peerZone('coalesce.example.com', { https: [{}], key: ec.publicPem }),
);

describe('resolve() through DNS on a real server on loopback', () => {
  let dns: TestDnsServer;
  const resolver = (options: FederationResolverOptions = {}) =>
    new FederationResolver({ dnsServers: [dns.address], timeoutMs: 1000, ...options });

  before(async () => {
    dns = await startDnsServer(ZONE, { negativeTtl: 5 });
  });
  after(() => dns.close());
  beforeEach(() => dns.resetCounts());

  it('SRV _https + the key split across strings of one record → the URL, the canonical key and the TTL', async () => {
    const clock = manualClock();
    const peer = await resolver({ now: clock.now }).resolve('HTTPS.example.com.');
    assert.deepEqual(peer, {
      domain: 'https.example.com',
      url: 'https://chat.https.example.com:8443',
      publicKey: rsa.publicPem,
      source: 'dns',
      expiresAt: new Date(clock.now() + 300_000),
    });
  });

  it('drops the default port', async () => {
    assert.equal((await resolver().resolve('port443.example.com')).url, 'https://chat.port443.example.com');
  });

  it('prefers _https and then never asks for _http', async () => {
    assert.equal((await resolver().resolve('both.example.com')).url, 'https://secure.both.example.com');
    assert.equal(dns.count('_rocketchat._http.both.example.com'), 0);
  });

  it('falls back to SRV _http → an http:// URL', async () => {
    assert.equal((await resolver().resolve('http.example.com')).url, 'http://chat.http.example.com:3000');
    assert.equal(dns.count('_rocketchat._https.http.example.com', 'SRV'), 1);
  });

  it('legacy SRV _tcp with TXT rocketchat-tcp-protocol "http" (asked as TXT, never as SRV)', async () => {
    assert.equal((await resolver().resolve('legacy-http.example.com')).url, 'http://chat.legacy-http.example.com:3000');
    assert.equal(dns.count('rocketchat-tcp-protocol.legacy-http.example.com', 'TXT'), 1);
    assert.equal(dns.count('rocketchat-tcp-protocol.legacy-http.example.com', 'SRV'), 0);
  });

  it('legacy SRV _tcp without the protocol TXT means https', async () => {
    assert.equal((await resolver().resolve('legacy.example.com')).url, 'https://chat.legacy.example.com');
    assert.equal(dns.count('rocketchat-tcp-protocol.legacy.example.com', 'TXT'), 1);
  });

  it('legacy SRV _tcp with a protocol TXT that is neither http nor https is refused, naming the record', async () => {
    await assert.rejects(resolver().resolve('legacy-bad.example.com'), (error: unknown) => {
      assert.ok(error instanceof InvalidPeerRecord);
      assert.equal(error.source, 'dns');
      assert.equal(error.message, 'legacy-bad.example.com: invalid DNS record: rocketchat-tcp-protocol.legacy-bad.example.com: value "ftp" is neither "http" nor "https"');
      return true;
    });
  });

  it('a key cut at 255 characters by the DNS provider is refused as such', async () => {
    await assert.rejects(resolver().resolve('cut.example.com'), (error: unknown) => {
      assert.ok(error instanceof InvalidPeerRecord);
      assert.match(error.message, /rocketchat-public-key\.cut\.example\.com: the key is cut short \(255 characters, no -----END PUBLIC KEY-----\)/);
      return true;
    });
  });

  it('a key split into several records (instead of several strings of one record) is refused as such', async () => {
    await assert.rejects(resolver().resolve('records.example.com'), (error: unknown) => {
      assert.ok(error instanceof InvalidPeerRecord);
      assert.match(error.message, /the key is split into 2 TXT records; .* must be ONE record made of several strings/);
      return true;
    });
  });

  it('an SRV without a key TXT is not usable', async () => {
    await assert.rejects(resolver().resolve('nokey.example.com'), /nokey\.example\.com: invalid DNS record: rocketchat-public-key\.nokey\.example\.com: no TXT record holds the public key/);
  });

  it('validates the key like the hub: RSA 1024 refused by default, accepted with minRsaBits 1024', async () => {
    await assert.rejects(resolver().resolve('weak.example.com'), /RSA key has 1024 bits; this client requires at least 2048 \(minRsaBits\)/);
    assert.equal((await resolver({ minRsaBits: 1024 }).resolve('weak.example.com')).publicKey, rsa1024.publicPem);
  });

  it('a 4096-bit key (a 1 kB TXT answer) resolves', async () => {
    assert.equal((await resolver().resolve('big.example.com')).publicKey, rsa4096.publicPem);
  });

  it('no record at all and no hub → PeerNotFound', async () => {
    await assert.rejects(resolver().resolve('nothing.example.com'), (error: unknown) => {
      assert.ok(error instanceof PeerNotFound);
      assert.equal(error.code, 'PEER_NOT_FOUND');
      assert.equal(
        error.message,
        'nothing.example.com: not found (no SRV record _rocketchat._https, _rocketchat._http or _rocketchat._tcp for nothing.example.com; no hub configured)',
      );
      return true;
    });
  });

  it('an SRV target of "." means the service is not offered', async () => {
    await assert.rejects(resolver().resolve('dot.example.com'), PeerNotFound);
  });

  it('lowest priority first, whatever the weights', async () => {
    for (const draw of [0, 0.5, 0.999]) {
      assert.equal((await resolver({ random: () => draw }).resolve('priorities.example.com')).url, 'https://primary.priorities.example.com');
    }
  });

  it('weighted choice within a priority (RFC 2782 running sums)', async () => {
    // Weights 1 and 3: the draw is an integer in [0, 4]; 0 and 1 select the light record, 2 to 4 the heavy one.
    const urlFor = async (draw: number) => (await resolver({ random: () => draw }).resolve('weights.example.com')).url;
    assert.equal(await urlFor(0), 'https://light.weights.example.com');
    assert.equal(await urlFor(0.39), 'https://light.weights.example.com');
    assert.equal(await urlFor(0.41), 'https://heavy.weights.example.com');
    assert.equal(await urlFor(0.99), 'https://heavy.weights.example.com');
  });

  it('caches an answer for the smallest TTL of its records, then asks again', async () => {
    const clock = manualClock();
    const cached = resolver({ now: clock.now });
    const first = await cached.resolve('ttl.example.com');
    assert.equal(first.expiresAt.getTime(), clock.now() + 60_000);
    clock.advance(59_000);
    await cached.resolve('ttl.example.com');
    assert.equal(dns.count('_rocketchat._https.ttl.example.com', 'SRV'), 1);
    clock.advance(2_000);
    await cached.resolve('ttl.example.com');
    assert.equal(dns.count('_rocketchat._https.ttl.example.com', 'SRV'), 2);
  });

  it('caches "not found" briefly (negativeTtlMs), then asks again', async () => {
    const clock = manualClock();
    const cached = resolver({ now: clock.now, negativeTtlMs: 10_000 });
    await assert.rejects(cached.resolve('unknown.example.com'), PeerNotFound);
    await assert.rejects(cached.resolve('unknown.example.com'), PeerNotFound);
    assert.equal(dns.count('_rocketchat._https.unknown.example.com'), 1);
    clock.advance(10_001);
    await assert.rejects(cached.resolve('unknown.example.com'), PeerNotFound);
    assert.equal(dns.count('_rocketchat._https.unknown.example.com'), 2);
  });

  it('concurrent resolve() calls for one domain share one set of queries (counted at the DNS server)', async () => {
    const shared = resolver();
    const answers = await Promise.all(Array.from({ length: 20 }, () => shared.resolve('coalesce.example.com')));
    assert.ok(answers.every((answer) => answer === answers[0]));
    assert.equal(dns.count('_rocketchat._https.coalesce.example.com', 'SRV'), 1);
    assert.equal(dns.count('rocketchat-public-key.coalesce.example.com', 'TXT'), 1);
    assert.equal(dns.received.length, 2);
  });

  it('forget() drops a cached answer', async () => {
    const cached = resolver();
    await cached.resolve('coalesce.example.com');
    cached.forget('coalesce.example.com');
    await cached.resolve('coalesce.example.com');
    assert.equal(dns.count('_rocketchat._https.coalesce.example.com'), 2);
  });

  it('allowlist: a domain outside it is refused without any query; one inside resolves', async () => {
    const allowing = resolver({ allowlist: ['HTTPS.example.com'] });
    await assert.rejects(allowing.resolve('http.example.com'), (error: unknown) => {
      assert.ok(error instanceof NotAllowed);
      assert.equal(error.message, 'http.example.com: not in the allowlist of servers to communicate with');
      return true;
    });
    assert.equal(dns.received.length, 0);
    assert.equal((await allowing.resolve('https.example.com')).source, 'dns');
  });

  it('refuses input that is not a domain name before any query', async () => {
    await assert.rejects(resolver().resolve('https://chat.example.com'), ProtocolError);
    assert.equal(dns.received.length, 0);
  });
});

describe('resolve() when DNS misbehaves', () => {
  it('a server that never answers → DnsUnavailable after the timeout, not remembered', async () => {
    const silent = await startDnsServer(ZONE, { silent: ['_rocketchat._https.https.example.com'] });
    try {
      const resolver = new FederationResolver({ dnsServers: [silent.address], timeoutMs: 200 });
      await assert.rejects(resolver.resolve('https.example.com'), (error: unknown) => {
        assert.ok(error instanceof DnsUnavailable);
        assert.match(error.message, /^https\.example\.com: DNS unavailable: DNS SRV query for _rocketchat\._https\.https\.example\.com failed: .*no answer over UDP within 200 ms/);
        return true;
      });
      await assert.rejects(resolver.resolve('https.example.com'), DnsUnavailable);
      assert.equal(silent.count('_rocketchat._https.https.example.com'), 2);
    } finally {
      await silent.close();
    }
  });

  it('answers that only fit over TCP (UDP truncated) still resolve', async () => {
    const truncating = await startDnsServer(ZONE, { truncateUdp: true });
    try {
      const peer = await new FederationResolver({ dnsServers: [truncating.address] }).resolve('big.example.com');
      assert.equal(peer.publicKey, rsa4096.publicPem);
      assert.equal(truncating.count('rocketchat-public-key.big.example.com', 'TXT', 'tcp'), 1);
    } finally {
      await truncating.close();
    }
  });
});
