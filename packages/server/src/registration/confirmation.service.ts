import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { Peer } from '../peer-record/peer.entity.js';
import { PeerEvents } from '../peer-record/peer-events.js';
import { isWellFormedToken, hashToken, tokenMatches } from './tokens.js';
import { VerificationRequest } from './verification-request.entity.js';
import { VerificationToken } from './verification-token.entity.js';

/** Why a link cannot be used: unknown (404), expired (410) or already used/replaced (410). */
export type LinkProblem = 'unknown' | 'expired' | 'used' | 'superseded';

export type LinkState = { ok: true; request: VerificationRequest } | { ok: false; problem: LinkProblem; request?: VerificationRequest };

export type ConfirmationResult =
  | { ok: true; request: VerificationRequest; peer: Peer | null }
  | { ok: false; problem: LinkProblem; request?: VerificationRequest };

/**
 * Reads and applies confirmation links. Reading (GET) never changes anything — mail scanners prefetch links;
 * applying (POST) happens once, in one transaction.
 */
@Injectable()
export class ConfirmationService {
  private readonly logger = new Logger(ConfirmationService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PeerEvents,
    private readonly metrics: MetricsService,
  ) {}

  inspect(token: string): Promise<LinkState> {
    return this.dataSource.transaction((manager) => this.find(manager, token, false));
  }

  async confirm(token: string): Promise<ConfirmationResult> {
    const result = await this.dataSource.transaction(async (manager): Promise<ConfirmationResult> => {
      const state = await this.find(manager, token, true);
      if (!state.ok) return state;
      const peer = await this.apply(manager, state.request);
      return { ok: true, request: state.request, peer };
    });
    if (result.ok) this.applied(result.request, 'email');
    return result;
  }

  /**
   * Applies a request its proof has just confirmed, whatever the proof: an emailed link (confirm) or a dns/http
   * challenge that passed (ownership-challenges/). The one place a confirmed request changes the peers, so that
   * whatever must accompany every change is written here, in the same transaction. The caller holds the request's
   * row lock and has checked that it is pending and unexpired; it calls applied() once the transaction committed.
   */
  async apply(manager: EntityManager, request: VerificationRequest): Promise<Peer | null> {
    let peer: Peer | null = null;
    if (request.action === 'register') {
      peer = manager.create(Peer, {
        domain: request.domain,
        url: request.url!,
        publicKey: request.publicKey!,
        fingerprint: request.fingerprint!,
        contact: request.contact,
        confirmedAt: new Date(),
        revokedAt: null,
        revokedReason: null,
      });
      await manager.upsert(Peer, peer, ['domain']);
    } else {
      await manager.delete(Peer, { domain: request.domain });
    }
    request.status = 'confirmed';
    request.completedAt = new Date();
    await manager.save(request);
    await this.events.changed(manager, request.domain);
    return peer;
  }

  /** After apply()'s transaction committed: other instances' caches, metrics, the log line. */
  applied(request: VerificationRequest, proof: 'email' | 'dns' | 'http'): void {
    this.events.committed(request.domain);
    this.metrics.confirmations.inc({ action: request.action });
    const event = request.action === 'register' ? 'confirmed' : 'removed';
    this.logger.log(
      { event, domain: request.domain, requestId: request.id, fingerprint: request.fingerprint, proof },
      `${request.domain} ${event}`,
    );
  }

  private async find(manager: EntityManager, token: string, lock: boolean): Promise<LinkState> {
    if (!isWellFormedToken(token)) return { ok: false, problem: 'unknown' };
    const stored = await manager.findOneBy(VerificationToken, { tokenHash: hashToken(token) });
    if (!stored || !tokenMatches(token, stored.tokenHash)) return { ok: false, problem: 'unknown' };
    const request = await manager.findOne(VerificationRequest, {
      where: { id: stored.requestId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!request) return { ok: false, problem: 'unknown' };
    if (request.status === 'confirmed' || request.status === 'cancelled') return { ok: false, problem: 'used', request };
    if (request.status === 'superseded') return { ok: false, problem: 'superseded', request };
    if (request.expiresAt.getTime() <= Date.now()) return { ok: false, problem: 'expired', request };
    return { ok: true, request };
  }
}
