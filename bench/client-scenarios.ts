/**
 * The client library against the bench hub: resolve() answered from its cache (ops/s, an in-process loop), and
 * many concurrent resolve() calls of one cold domain, with the DNS queries counted at a loopback DNS server
 * (test/support/dns-server.ts) and the hub requests at a counting HTTP proxy in front of the hub
 * (test/client/hub-proxy.ts). The DNS zone is empty, so every resolve falls back to the hub.
 */
import { FederationResolver } from '../packages/client/src/index.js';
import { startHubProxy } from '../test/client/hub-proxy.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { lookupPath } from './scenarios.js';
import { peerDomain } from './seed.js';

export interface ClientFigures {
  cacheHit: { opsPerSecond: number; ops: number; seconds: number };
  coldConcurrent: {
    calls: number;
    /** Calls that resolved to the peer (the others threw). */
    resolved: number;
    milliseconds: number;
    dnsQueries: number;
    hubRequests: number;
    /** What one resolve() of another cold domain asks: the "one set". */
    oneSet: { dnsQueries: number; hubRequests: number };
  };
}

export async function clientScenarios(hubUrl: string, options: { loopSeconds: number; concurrency: number }): Promise<ClientFigures> {
  const dns = await startDnsServer({});
  const proxy = await startHubProxy(hubUrl);
  try {
    const jwks = await (await fetch(`${hubUrl}/.well-known/jwks.json`)).json();
    const resolver = () =>
      new FederationResolver({ hubUrl: proxy.url, dnsServers: [dns.address], allowPrivateDomains: true, hubJwks: jwks, timeoutMs: 10_000 });
    const dnsQueriesFor = (domain: string) => dns.received.filter((query) => query.name.endsWith(`.${domain}`) || query.name === domain).length;
    const hubRequestsFor = (domain: string) => proxy.count(lookupPath(domain));

    // Cache hit: one resolver, one domain already resolved.
    const warm = resolver();
    await warm.resolve(peerDomain(2));
    let ops = 0;
    const started = performance.now();
    const until = started + options.loopSeconds * 1000;
    while (ops % 1024 !== 0 || performance.now() < until) {
      await warm.resolve(peerDomain(2));
      ops++;
    }
    const seconds = (performance.now() - started) / 1000;

    // One set: what a single cold resolve() asks.
    await resolver().resolve(peerDomain(3));
    const oneSet = { dnsQueries: dnsQueriesFor(peerDomain(3)), hubRequests: hubRequestsFor(peerDomain(3)) };

    // Many concurrent calls for one cold domain, on a fresh resolver.
    const cold = resolver();
    const coldStarted = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: options.concurrency }, () => cold.resolve(peerDomain(4))));
    const milliseconds = performance.now() - coldStarted;
    const resolved = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.domain === peerDomain(4)).length;

    return {
      cacheHit: { opsPerSecond: ops / seconds, ops, seconds },
      coldConcurrent: {
        calls: options.concurrency,
        resolved,
        milliseconds,
        dnsQueries: dnsQueriesFor(peerDomain(4)),
        hubRequests: hubRequestsFor(peerDomain(4)),
        oneSet,
      },
    };
  } finally {
    await proxy.close();
    await dns.close();
  }
}
