import { Injectable, Logger } from '@nestjs/common';
import { checkDns, checkHub, type DnsCheckReport, type HubCheck } from '@federation-hub/client';
import { HubConfig } from '../config/hub-config.js';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { OutboundLimits } from '../rate-limit/outbound-limits.js';
import { buildReport, type FederationTestReport } from './federation-report.js';

/** Per query and DNS server: long enough for a slow resolver, short enough that a dead one is reported quickly. */
const DNS_TIMEOUT_MS = 2000;
const HUB_TIMEOUT_MS = 3000;
/** Results kept at most; the oldest goes first. */
const CACHE_ENTRIES = 1000;

export interface TesterResult {
  report: FederationTestReport;
  /** True when the report was made earlier (within CHECK_CACHE_SECONDS) and reused. */
  cached: boolean;
}

/**
 * Runs the federation tester: the client library's checkDns (against DNS_SERVERS) and checkHub (against this very
 * hub) on the hub's side. Every check that reaches out counts against a per-IP and a global limit, and results are
 * reused for CHECK_CACHE_SECONDS, so the page cannot be turned into a way to flood DNS servers. Concurrent tests of
 * one domain share one run.
 */
@Injectable()
export class FederationTester {
  private readonly logger = new Logger(FederationTester.name);
  private readonly limits: OutboundLimits;
  private readonly cache = new Map<string, { expiresAt: number; report: FederationTestReport }>();
  private readonly inFlight = new Map<string, Promise<FederationTestReport>>();

  constructor(
    private readonly config: HubConfig,
    private readonly domains: PeerDomains,
  ) {
    this.limits = new OutboundLimits(config.rateTesterChecksPerIpPerMinute, config.rateTesterChecksPerMinute, config.rateIpv6Prefix);
  }

  /** Throws ProtocolError (400) for a name that is not a domain, TooManyRequestsException (429) past a limit. */
  async test(rawDomain: string, clientIp: string, selfUrl: string): Promise<TesterResult> {
    const domain = this.domains.normalize(rawDomain, 'domain');
    const cached = this.cache.get(domain);
    if (cached && cached.expiresAt > Date.now()) return { report: cached.report, cached: true };
    const running = this.inFlight.get(domain);
    if (running) return { report: await running, cached: false };

    this.limits.client(clientIp, 'check_ip', (retry) => `rate limit: too many federation tests from ${clientIp} (RATE_TESTER_CHECKS_PER_IP_PER_MINUTE); retry in ${retry} s`);
    this.limits.all('check_global', (retry) => `rate limit: too many federation tests on this hub right now (RATE_TESTER_CHECKS_PER_MINUTE); retry in ${retry} s`);
    const run = this.run(domain, selfUrl).finally(() => this.inFlight.delete(domain));
    this.inFlight.set(domain, run);
    const report = await run;
    this.remember(domain, report);
    return { report, cached: false };
  }


  private async run(domain: string, selfUrl: string): Promise<FederationTestReport> {
    const allowPrivateDomains = !this.config.requirePublicSuffix;
    const [dns, hub] = await Promise.all([
      checkDns(domain, {
        dnsServers: this.config.dnsServers,
        timeoutMs: DNS_TIMEOUT_MS,
        minRsaBits: this.config.minRsaKeyBits,
        allowPrivateDomains,
      }).catch((error: unknown) => this.dnsNotAsked(domain, error)),
      checkHub(domain, { hubUrl: selfUrl, timeoutMs: HUB_TIMEOUT_MS, allowPrivateDomains }),
    ]);
    return buildReport(dns, this.asPublic(hub, selfUrl), this.config.publicUrl, new Date());
  }

  /** No DNS server could be asked at all (none configured and none in the system's settings). */
  private dnsNotAsked(domain: string, error: unknown): DnsCheckReport {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ err: error, domain }, `federation test: DNS could not be asked: ${message}`);
    return {
      domain,
      ok: false,
      entries: [{ record: 'public-key', name: domain, type: 'TXT', ok: false, found: `DNS could not be asked (${message})`, expected: 'an answer from DNS', couldNotCheck: true }],
      unanswered: ['public-key'],
    };
  }

  /** The hub was asked on its own listening address; people know it by its public URL. */
  private asPublic(check: HubCheck, selfUrl: string): HubCheck {
    const publicUrl = this.config.publicUrl;
    const swap = (text: string | undefined) => text?.split(selfUrl).join(publicUrl);
    return { ...check, hubUrl: publicUrl, found: swap(check.found)!, expected: swap(check.expected)!, ...(check.fix ? { fix: swap(check.fix) } : {}) };
  }

  private remember(domain: string, report: FederationTestReport): void {
    if (this.config.checkCacheSeconds === 0) return;
    this.cache.delete(domain);
    this.cache.set(domain, { expiresAt: Date.now() + this.config.checkCacheSeconds * 1000, report });
    while (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }
}
