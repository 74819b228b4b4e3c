import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxService } from '../mail/outbox.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { noticePreviousOwner } from '../owner-notices/owner-notice.js';
import { Peer } from '../peer-record/peer.entity.js';
import { PeerEvents } from '../peer-record/peer-events.js';
import { TransparencyLog, type Appended } from '../transparency-log/transparency-log.js';
import { isWellFormedToken, hashToken, tokenMatches } from './tokens.js';
import { VerificationRequest } from './verification-request.entity.js';
import { VerificationToken } from './verification-token.entity.js';

/** Why a link cannot be used: unknown (404), expired (410) or already used/replaced (410). */
export type LinkProblem = 'unknown' | 'expired' | 'used' | 'superseded';

export type LinkState = { ok: true; request: VerificationRequest } | { ok: false; problem: LinkProblem; request?: VerificationRequest };

/** What applying a request changed: the peer written (null for a removal), its log entry, whether a notice was queued. */
export interface Applied {
  peer: Peer | null;
  logged: Appended | null;
  noticed: boolean;
}

export type ConfirmationResult =
  | ({ ok: true; request: VerificationRequest } & Applied)
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
    private readonly log: TransparencyLog,
    private readonly outbox: OutboxService,
  ) {}

  inspect(token: string): Promise<LinkState> {
    return this.dataSource.transaction((manager) => this.find(manager, token, false));
  }

  async confirm(token: string): Promise<ConfirmationResult> {
    const result = await this.dataSource.transaction(async (manager): Promise<ConfirmationResult> => {
      const state = await this.find(manager, token, true);
      if (!state.ok) return state;
      const applied = await this.apply(manager, state.request);
      return { ok: true, request: state.request, ...applied };
    });
    if (result.ok) this.applied(result.request, 'email', result);
    return result;
  }

  /**
   * Applies a request its proof has just confirmed, whatever the proof: an emailed link (confirm) or a dns/http
   * challenge that passed (ownership-challenges/). The one place a confirmed request changes the peers, so that
   * whatever must accompany every change is written here, in the same transaction. The caller holds the request's
   * row lock and has checked that it is pending and unexpired; it calls applied() once the transaction committed.
   */
  async apply(manager: EntityManager, request: VerificationRequest): Promise<Applied> {
    // The record being replaced or removed, locked: the log tells a registration from an update by it.
    const previous = await manager.findOne(Peer, { where: { domain: request.domain }, lock: { mode: 'pessimistic_write' } });
    const now = new Date();
    let peer: Peer | null = null;
    // The log entry is written in this transaction: it exists exactly when the change does.
    let logged: Appended | null = null;
    if (request.action === 'register') {
      peer = manager.create(Peer, {
        domain: request.domain,
        url: request.url!,
        publicKey: request.publicKey!,
        fingerprint: request.fingerprint!,
        contact: request.contact,
        confirmedAt: now,
        revokedAt: null,
        revokedReason: null,
      });
      await manager.upsert(Peer, peer, ['domain']);
      logged = await this.log.append(
        manager,
        {
          domain: request.domain,
          action: previous && !previous.revokedAt ? 'update' : 'register',
          url: peer.url,
          publicKey: peer.publicKey,
          fingerprint: peer.fingerprint,
        },
        now,
      );
    } else {
      await manager.delete(Peer, { domain: request.domain });
      if (previous) logged = await this.log.append(manager, { domain: request.domain, action: 'remove' }, now);
    }
    // The contact of the record being replaced or removed hears of it, in this same transaction.
    const noticed = await noticePreviousOwner(
      manager,
      previous,
      request.action === 'register'
        ? { action: 'update', url: request.url!, fingerprint: request.fingerprint!, contact: request.contact }
        : { action: 'remove' },
      { at: logged?.time ?? now, logIndex: logged?.index ?? null },
    );
    request.status = 'confirmed';
    request.completedAt = now;
    await manager.save(request);
    await this.events.changed(manager, request.domain);
    return { peer, logged, noticed };
  }

  /** After apply()'s transaction committed: other instances' caches, the notice's delivery, metrics, the log line. */
  applied(request: VerificationRequest, proof: 'email' | 'dns' | 'http', outcome: Applied): void {
    this.events.committed(request.domain);
    if (outcome.noticed) this.outbox.nudge();
    this.metrics.confirmations.inc({ action: request.action });
    const event = request.action === 'register' ? 'confirmed' : 'removed';
    this.logger.log(
      { event, domain: request.domain, requestId: request.id, fingerprint: request.fingerprint, proof, logIndex: outcome.logged?.index ?? null },
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
