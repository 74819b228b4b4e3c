import { GoneException, Injectable, Logger, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { DnsClient } from '@federation-hub/client';
import type { VerificationAnswer } from '@federation-hub/client/protocol';
import { DataSource, type EntityManager } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { retryDelaySeconds } from '../mail/retry.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Peer } from '../peer-record/peer.entity.js';
import { CheckRateLimits } from '../rate-limit/check-limits.js';
import { type Applied, ConfirmationService } from '../registration/confirmation.service.js';
import { VerificationRequest } from '../registration/verification-request.entity.js';
import { checkDnsChallenge } from './dns-check.js';
import type { Finding } from './finding.js';
import { checkHttpChallenge } from './http-check.js';
import { OwnershipChallenge } from './ownership-challenge.entity.js';
import { safeFetch } from './safe-fetch.js';

/** Longer than a check's worst case (DNS time-outs, then 5 s for port 80 and 5 s for 443). */
const LEASE_SECONDS = 60;
/** How long a /verify waits for another instance's check of the same challenge before answering what is known. */
const WAIT_FOR_OTHER_MS = 20_000;

/** A challenge this instance holds the lease of (`lease` is leased_until as text, microseconds intact). */
export interface ClaimedChallenge {
  requestId: string;
  lease: string;
}

export type CheckOutcome =
  | { kind: 'checked'; finding: Finding; challenge: OwnershipChallenge; request: VerificationRequest; peer: Peer | null }
  /** The request is no longer pending or has expired: nothing was checked, the challenge is retired. */
  | { kind: 'retired' };

/**
 * Runs ownership checks and records them. Every check of a challenge happens under its lease, taken with one
 * conditional UPDATE, so two instances (or a /verify and the background re-check) never check one challenge at the
 * same moment; the request is applied through ConfirmationService.apply, exactly as a confirmed email is, in the
 * transaction that retires the challenge, so it is applied once and the challenge is single use.
 */
@Injectable()
export class ChallengeChecks implements OnApplicationBootstrap {
  private readonly logger = new Logger(ChallengeChecks.name);
  private dnsClient: DnsClient | undefined;

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly confirmations: ConfirmationService,
    private readonly limits: CheckRateLimits,
    private readonly metrics: MetricsService,
  ) {}

  /** Made on first use: a host without resolvers (and no DNS_SERVERS) still starts, and only its checks fail. */
  private get dns(): DnsClient {
    return (this.dnsClient ??= new DnsClient({ servers: this.config.dnsServers }));
  }

  onApplicationBootstrap(): void {
    if (this.config.allowPrivateNetworkChecks) {
      this.logger.warn(
        { event: 'private_network_checks' },
        'ALLOW_PRIVATE_NETWORK_CHECKS=true: ownership checks may reach loopback, private and link-local addresses; for private deployments and tests only',
      );
    }
  }

  /** POST /api/v1/peers/:domain/verify: checks the domain's live challenge now and says what the hub found. */
  async verify(domain: string, clientIp: string): Promise<VerificationAnswer> {
    this.limits.checkClient(clientIp);
    const request = await this.liveChallenge(domain);
    const claim = await this.claim(request.id);
    if (!claim) return this.answerAfterOther(domain, request.id);
    const outcome = await this.checkClaimed(claim, 'verify').catch(async (error: unknown) => {
      await this.release(claim);
      throw error;
    });
    if (outcome.kind === 'retired') throw new GoneException(`domain: the challenge for ${domain} expired at ${request.expiresAt.toISOString()}; register again`);
    return answer(domain, outcome.request, outcome.challenge, outcome.peer);
  }

  /** The domain's latest request, which must be a pending, unexpired dns or http challenge (404/410 otherwise). */
  private async liveChallenge(domain: string): Promise<VerificationRequest> {
    const request = await this.dataSource.getRepository(VerificationRequest).findOne({ where: { domain }, order: { createdAt: 'DESC' } });
    const challenge = request && request.method !== 'email'
      ? await this.dataSource.getRepository(OwnershipChallenge).findOneBy({ requestId: request.id })
      : null;
    if (!request || !challenge) {
      throw new NotFoundException(`domain: ${domain} has no dns or http challenge on this hub; register with "method": "dns" or "http" first`);
    }
    if (request.status === 'confirmed') {
      throw new GoneException(`domain: the challenge for ${domain} was already used (confirmed at ${request.completedAt?.toISOString()}); it works once`);
    }
    if (request.status !== 'pending') throw new GoneException(`domain: the challenge for ${domain} was replaced by a newer request`);
    if (request.expiresAt.getTime() <= Date.now()) {
      throw new GoneException(`domain: the challenge for ${domain} expired at ${request.expiresAt.toISOString()}; register again`);
    }
    return request;
  }

  /** Takes the challenge's lease, or null when another check holds it (or it is retired). */
  private async claim(requestId: string): Promise<ClaimedChallenge | null> {
    const rows = (await this.dataSource.query(
      `WITH claimed AS (
         UPDATE ownership_challenges SET leased_until = clock_timestamp() + make_interval(secs => $2)
          WHERE request_id = $1 AND active AND (leased_until IS NULL OR leased_until < clock_timestamp())
         RETURNING request_id, leased_until::text AS lease
       ) SELECT * FROM claimed`,
      [requestId, LEASE_SECONDS],
    )) as Array<{ request_id: string; lease: string }>;
    return rows[0] ? { requestId: rows[0].request_id, lease: rows[0].lease } : null;
  }

  /** Claims up to `limit` challenges due for their background re-check (FOR UPDATE SKIP LOCKED: instances share the work). */
  async claimDue(limit: number): Promise<ClaimedChallenge[]> {
    const rows = (await this.dataSource.query(
      `WITH claimed AS (
         UPDATE ownership_challenges SET leased_until = clock_timestamp() + make_interval(secs => $1)
          WHERE request_id IN (SELECT request_id FROM ownership_challenges
                                WHERE active AND next_check_at <= now() AND (leased_until IS NULL OR leased_until < clock_timestamp())
                                ORDER BY next_check_at LIMIT $2
                                FOR UPDATE SKIP LOCKED)
         RETURNING request_id, leased_until::text AS lease
       ) SELECT * FROM claimed`,
      [LEASE_SECONDS, limit],
    )) as Array<{ request_id: string; lease: string }>;
    return rows.map((row) => ({ requestId: row.request_id, lease: row.lease }));
  }

  /** Gives a lease back unused (the hub's check limit was reached, or the check failed unexpectedly). */
  async release(claim: ClaimedChallenge): Promise<void> {
    await this.dataSource.query(
      `UPDATE ownership_challenges SET leased_until = NULL WHERE request_id = $1 AND leased_until = $2::timestamptz`,
      [claim.requestId, claim.lease],
    );
  }

  /**
   * Checks a challenge this instance holds the lease of, and records the finding: passed, the request is applied and
   * the challenge retired; failed, the next background check is scheduled with back-off. The hub's own check limit
   * applies (429 past it).
   */
  async checkClaimed(claim: ClaimedChallenge, trigger: 'verify' | 'background'): Promise<CheckOutcome> {
    const challenge = await this.dataSource.getRepository(OwnershipChallenge).findOneByOrFail({ requestId: claim.requestId });
    const request = await this.dataSource.getRepository(VerificationRequest).findOneByOrFail({ id: claim.requestId });
    if (request.status !== 'pending' || request.expiresAt.getTime() <= Date.now()) {
      await this.dataSource.query(`UPDATE ownership_challenges SET active = false, leased_until = NULL WHERE request_id = $1`, [claim.requestId]);
      return { kind: 'retired' };
    }
    this.limits.checkHub();
    const finding = await this.runCheck(request.domain, challenge);
    this.metrics.ownershipChecks.inc({ method: challenge.method, trigger, result: finding.passed ? 'passed' : 'failed' });
    const recorded = await this.dataSource.transaction(async (manager) => this.record(manager, claim, finding));
    if (recorded.applied) this.confirmations.applied(recorded.request, challenge.method, recorded.applied);
    this.logger.log(
      { event: 'ownership_check', domain: request.domain, method: challenge.method, passed: finding.passed, applied: recorded.applied !== undefined },
      `${challenge.method} check of ${request.domain}: ${finding.detail}`,
    );
    return { kind: 'checked', finding, challenge: recorded.challenge, request: recorded.request, peer: recorded.applied?.peer ?? null };
  }

  /** Never throws: whatever stops a check (no resolver configured, say) is its finding, not a 500. */
  private async runCheck(domain: string, challenge: OwnershipChallenge): Promise<Finding> {
    try {
      return await this.check(domain, challenge);
    } catch (error) {
      this.logger.error({ err: error, domain }, 'ownership check could not run');
      return { passed: false, detail: `the hub could not run the check: ${(error as Error).message}` };
    }
  }

  private check(domain: string, challenge: OwnershipChallenge): Promise<Finding> {
    if (challenge.method === 'dns') return checkDnsChallenge(this.dns, domain, challenge.tokenHash);
    const fetch = (url: string) =>
      safeFetch(url, {
        resolve: async (host) => (await this.dns.addresses(host)).records,
        allowPrivate: this.config.allowPrivateNetworkChecks,
        portOverride: this.config.httpCheckPort,
        userAgent: `FederationHub/1 (ownership check; +${this.config.publicUrl})`,
      });
    return checkHttpChallenge(fetch, domain, challenge.httpId!, challenge.tokenHash, { httpsFallback: this.config.httpCheckPort === undefined });
  }

  /**
   * In one transaction, under the request's row lock (as an emailed confirmation takes it): applies the request if the
   * check passed and it is still pending and unexpired; records the finding and the next check. `applied` is undefined
   * when nothing was applied.
   */
  private async record(manager: EntityManager, claim: ClaimedChallenge, finding: Finding) {
    const request = await manager.findOneOrFail(VerificationRequest, { where: { id: claim.requestId }, lock: { mode: 'pessimistic_write' } });
    const challenge = await manager.findOneOrFail(OwnershipChallenge, { where: { requestId: claim.requestId }, lock: { mode: 'pessimistic_write' } });
    const live = request.status === 'pending' && request.expiresAt.getTime() > Date.now() && challenge.active;
    let applied: Applied | undefined;
    if (live && finding.passed) applied = await this.confirmations.apply(manager, request);
    challenge.checks += 1;
    challenge.lastCheckedAt = new Date();
    challenge.lastFinding = finding.detail;
    challenge.leasedUntil = null;
    challenge.active = live && !finding.passed;
    const delay = retryDelaySeconds(challenge.checks, this.config.challengeRecheckBaseSeconds, this.config.challengeRecheckMaxSeconds);
    challenge.nextCheckAt = new Date(Date.now() + delay * 1000);
    await manager.save(challenge);
    return { request, challenge, applied };
  }

  /** Another check of this challenge is running: wait for it, then answer with what it found. */
  private async answerAfterOther(domain: string, requestId: string): Promise<VerificationAnswer> {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    const challenges = this.dataSource.getRepository(OwnershipChallenge);
    let challenge = await challenges.findOneByOrFail({ requestId });
    while (challenge.active && challenge.leasedUntil && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      challenge = await challenges.findOneByOrFail({ requestId });
    }
    const request = await this.dataSource.getRepository(VerificationRequest).findOneByOrFail({ id: requestId });
    const peer = request.status === 'confirmed' ? await this.peerOf(domain) : null;
    return answer(domain, request, challenge, peer);
  }

  private async peerOf(domain: string): Promise<Peer | null> {
    const rows = (await this.dataSource.query(`SELECT url, fingerprint, confirmed_at FROM peers WHERE domain = $1`, [domain])) as Array<{
      url: string; fingerprint: string; confirmed_at: Date;
    }>;
    return rows[0] ? ({ url: rows[0].url, fingerprint: rows[0].fingerprint, confirmedAt: new Date(rows[0].confirmed_at) } as Peer) : null;
  }
}

function answer(domain: string, request: VerificationRequest, challenge: OwnershipChallenge, peer: Peer | null): VerificationAnswer {
  const confirmed = request.status === 'confirmed';
  return {
    status: confirmed ? 'confirmed' : 'pending',
    domain,
    method: challenge.method,
    finding: challenge.lastFinding ?? 'not checked yet',
    checked_at: (challenge.lastCheckedAt ?? new Date()).toISOString(),
    expires_at: request.expiresAt.toISOString(),
    ...(confirmed ? {} : challenge.active ? { next_check_at: challenge.nextCheckAt.toISOString() } : {}),
    ...(confirmed && peer ? { url: peer.url, fingerprint: peer.fingerprint, confirmed_at: peer.confirmedAt.toISOString() } : {}),
  };
}
