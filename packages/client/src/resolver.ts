import { normalizeDomain } from './protocol/index.js';
import { AnswerCache } from './answer-cache.js';
import { DEFAULT_DNS_TIMEOUT_MS, DnsClient } from './dns/client.js';
import { type DnsDiscovery, discoverViaDns } from './dns-discovery.js';
import { DnsUnavailable, HubUnavailable, InvalidPeerRecord, NotAllowed, PeerNotFound } from './errors.js';
import { DEFAULT_HUB_TIMEOUT_MS, hubBase } from './http.js';
import { lookupOnHub } from './hub-api.js';
import type { PublicKeyInput } from './key-input.js';
import { type HubLogOptions, HubLogVerifier } from './hub-log-verifier.js';
import { type HubJwks, proofKeys, type ProofKeys } from './proof.js';

/** What resolve() answers: where the peer is and the key its payloads are sealed with. */
export interface ResolvedPeer {
  domain: string;
  /** Base URL, canonical (no trailing slash, default port dropped). */
  url: string;
  /** SPKI PEM, canonical. */
  publicKey: string;
  source: 'dns' | 'hub';
  /**
   * For an answer from the hub: whether its signed proof was verified against the hub's keys (hubJwks/hubKey).
   * Without them the answer is taken on trust of the HTTPS connection alone. Absent for DNS answers.
   */
  proofVerified?: boolean;
  /**
   * For an answer from the hub, with the log check on (logKey): the index of the transparency log entry the answer
   * was proved included at, under a signed checkpoint consistent with every checkpoint seen before. Absent otherwise.
   */
  logIndex?: number;
  /** Until when this answer may be used: the DNS TTL, or the hub proof's exp / Cache-Control. */
  expiresAt: Date;
}

export interface FederationResolverOptions extends HubLogOptions {
  /** The hub asked when DNS has no usable record. Without it, DNS only. */
  hubUrl?: string;
  /** Recursive resolvers (`host` or `host:port`). Default: the system's. */
  dnsServers?: string[];
  /** Deadline of each network step (one DNS query to one server, one hub request). Default 3000 ms. */
  timeoutMs?: number;
  /** Only these domains resolve; any other is refused (NotAllowed) before any query. Default: every domain. */
  allowlist?: string[];
  /** The hub's signing keys (pinned JWKS, or the URL of its JWKS); hub answers must then carry a valid proof. */
  hubJwks?: HubJwks;
  /** Alternatively, the hub's Ed25519 public key (any form the protocol reads, or a KeyObject). */
  hubKey?: PublicKeyInput;
  /** Smallest RSA peer key accepted. Default 2048. */
  minRsaBits?: number;
  /** How long "not found" (and an unusable record) is remembered. Default 30 s. */
  negativeTtlMs?: number;
  /** Longest any answer is kept, whatever its TTL says. Default 1 day. */
  maxTtlMs?: number;
  /** Domains kept in memory. Default 10 000. */
  cacheEntries?: number;
  /** Accept peer domains without a public suffix (test networks such as `chat.internal`). Default false. */
  allowPrivateDomains?: boolean;
  /** For tests: the clock (epoch ms) and the SRV weighted draw in [0, 1). */
  now?: () => number;
  random?: () => number;
}

const DEFAULT_NEGATIVE_TTL_MS = 30_000;
const DEFAULT_MAX_TTL_MS = 86_400_000;

/**
 * Finds a peer's URL and public key: DNS first (SRV + TXT), the hub as fallback. Answers are cached for their TTL,
 * "not found" briefly, and concurrent resolve() calls for one domain share one set of queries.
 */
export class FederationResolver {
  private readonly dns: DnsClient;
  private readonly hubUrl: string | undefined;
  private readonly timeoutMs: number;
  private readonly allowlist: Set<string> | undefined;
  private readonly keys: ProofKeys | undefined;
  private readonly log: HubLogVerifier | undefined;
  private readonly cache: AnswerCache<ResolvedPeer>;
  private readonly now: () => number;

  constructor(private readonly options: FederationResolverOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? Math.max(DEFAULT_DNS_TIMEOUT_MS, DEFAULT_HUB_TIMEOUT_MS);
    this.dns = new DnsClient({ servers: options.dnsServers, timeoutMs: this.timeoutMs });
    this.hubUrl = options.hubUrl === undefined ? undefined : hubBase(options.hubUrl);
    this.allowlist = options.allowlist && new Set(options.allowlist.map((domain) => this.normalize(domain, 'allowlist')));
    this.keys = proofKeys({ hubJwks: options.hubJwks, hubKey: options.hubKey, timeoutMs: this.timeoutMs });
    if (this.keys && !this.hubUrl) throw new TypeError('hubJwks/hubKey are set but hubUrl is not');
    const checksLog = options.logKey !== undefined || options.trustLogKeyOnFirstUse === true;
    if (!checksLog && options.logStateFile !== undefined) throw new TypeError('logStateFile is set but logKey (or trustLogKeyOnFirstUse) is not');
    if (checksLog && !this.hubUrl) throw new TypeError('logKey/trustLogKeyOnFirstUse are set but hubUrl is not');
    this.log = checksLog ? new HubLogVerifier(this.hubUrl!, { ...options, timeoutMs: this.timeoutMs }) : undefined;
    this.now = options.now ?? Date.now;
    this.cache = new AnswerCache(options.cacheEntries ?? 10_000, this.now);
  }

  /**
   * Throws ProtocolError (not a domain name), NotAllowed, PeerNotFound, InvalidPeerRecord, HubUnavailable,
   * DnsUnavailable, and with the log check HubLogProofInvalid or HubLogInconsistent (carrying both checkpoints);
   * every one a FederationError except the first.
   */
  async resolve(input: string): Promise<ResolvedPeer> {
    const domain = this.normalize(input, 'domain');
    if (this.allowlist && !this.allowlist.has(domain)) throw new NotAllowed(domain);
    return this.cache.get(domain, () => this.lookup(domain), (error) => this.keepErrorUntil(error));
  }

  /** Forgets one domain's cached answer (or all), e.g. after a peer reported a key change. */
  forget(domain?: string): void {
    this.cache.delete(domain === undefined ? undefined : this.normalize(domain, 'domain'));
  }

  private normalize(domain: string, field: string): string {
    return normalizeDomain(domain, { field, requirePublicSuffix: !this.options.allowPrivateDomains });
  }

  private async lookup(domain: string): Promise<{ value: ResolvedPeer; keepUntil: number }> {
    const dns = await discoverViaDns(this.dns, domain, { minRsaBits: this.options.minRsaBits, random: this.options.random });
    if (dns.kind === 'found') {
      const expiresAt = this.now() + this.capped(dns.ttlSeconds * 1000);
      return this.answer({ domain, url: dns.url, publicKey: dns.key.pem, source: 'dns', expiresAt: new Date(expiresAt) });
    }
    if (!this.hubUrl) throw this.dnsOnlyFailure(domain, dns);

    let hub;
    try {
      hub = await lookupOnHub(this.hubUrl, domain, {
        timeoutMs: this.timeoutMs,
        proofKeys: this.keys,
        logVerifier: this.log,
        minRsaBits: this.options.minRsaBits,
        now: this.now,
      });
    } catch (error) {
      if (error instanceof HubUnavailable && dns.kind !== 'failed') {
        throw new HubUnavailable(error.hubUrl, `${error.message.replace(/^hub \S+ unavailable: /, '')}; DNS: ${dns.detail}`, error.status, error.retryAfterSeconds);
      }
      throw error;
    }
    if (hub.kind === 'found') {
      const expiresAt = Math.min(hub.expiresAt, this.now() + this.capped(Infinity));
      return this.answer({
        domain,
        url: hub.url,
        publicKey: hub.key.pem,
        source: 'hub',
        proofVerified: hub.proofVerified,
        ...(hub.logEntry ? { logIndex: hub.logEntry.index } : {}),
        expiresAt: new Date(expiresAt),
      });
    }
    const hubSays = `the hub ${this.hubUrl} does not know it`;
    if (dns.kind === 'failed') throw new DnsUnavailable(domain, `${dns.detail}; ${hubSays}`);
    if (dns.kind === 'unusable') throw new InvalidPeerRecord(domain, 'dns', `${dns.detail}; ${hubSays}`);
    throw new PeerNotFound(domain, `${dns.detail}; ${hubSays}`);
  }

  private dnsOnlyFailure(domain: string, dns: Exclude<DnsDiscovery, { kind: 'found' }>): Error {
    if (dns.kind === 'failed') return new DnsUnavailable(domain, dns.detail);
    if (dns.kind === 'unusable') return new InvalidPeerRecord(domain, 'dns', dns.detail);
    return new PeerNotFound(domain, `${dns.detail}; no hub configured`);
  }

  private answer(peer: ResolvedPeer): { value: ResolvedPeer; keepUntil: number } {
    return { value: peer, keepUntil: peer.expiresAt.getTime() };
  }

  private capped(ms: number): number {
    return Math.min(ms, this.options.maxTtlMs ?? DEFAULT_MAX_TTL_MS);
  }

  /** Definite answers ("not found", a broken record) are remembered briefly; outages are not remembered at all. */
  private keepErrorUntil(error: Error): number | undefined {
    if (error instanceof PeerNotFound || error instanceof InvalidPeerRecord) {
      return this.now() + (this.options.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS);
    }
    return undefined;
  }
}
