import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { OutboxService } from '../mail/outbox.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { hydrate } from '../database/hydrate.js';
import type { Peer } from '../peers/peer.entity.js';
import type { ParsedPublicKey } from '../protocol/public-key.js';
import { assertEmailAllowed } from './abuse-limits.js';
import { CONFIRMATION_MAIL_KIND } from './confirmation-mail.composer.js';
import { readDomainState } from './domain-state.js';
import { VerificationRequest } from './verification-request.entity.js';

export interface RegistrationInput {
  domain: string;
  url: string;
  key: ParsedPublicKey;
  contact: string;
  requesterIp: string | null;
}

export type RegistrationOutcome =
  | { status: 'pending'; request: VerificationRequest; emailQueued: boolean }
  | { status: 'confirmed'; peer: Peer };

/**
 * Creates the requests that only the domain's contact can confirm. Each one is written together with its
 * email (outbox) in one transaction, under a per-domain advisory lock so that concurrent requests for one
 * domain are serialised: one live request, one email.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly metrics: MetricsService,
  ) {}

  async requestRegistration(input: RegistrationInput): Promise<RegistrationOutcome> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      await lockDomain(manager, input.domain);
      const { peer, pending, emails } = await readDomainState(manager, input.domain);
      // Rocket.Chat registers again on every start: the same data for a confirmed domain changes nothing.
      if (peer && !peer.revokedAt && peer.url === input.url && peer.fingerprint === input.key.fingerprint) {
        return { status: 'confirmed' as const, peer };
      }
      const live = pending && pending.expiresAt.getTime() > Date.now() ? pending : null;
      if (live && live.action === 'register' && live.url === input.url && live.fingerprint === input.key.fingerprint &&
          live.contact === input.contact && this.withinCooldown(live)) {
        // An identical request whose email just went out: answer it again rather than mail twice.
        return { status: 'pending' as const, request: live, emailQueued: false };
      }
      assertEmailAllowed(this.config, input.domain, emails);
      const request = await this.createRequest(manager, pending, {
        action: 'register',
        domain: input.domain,
        url: input.url,
        publicKey: input.key.pem,
        fingerprint: input.key.fingerprint,
        contact: input.contact,
        requesterIp: input.requesterIp,
      });
      return { status: 'pending' as const, request, emailQueued: true };
    });
    this.metrics.registrations.inc({
      outcome: outcome.status === 'confirmed' ? 'unchanged' : outcome.emailQueued ? 'pending' : 'repeated',
    });
    this.afterCommit(outcome.status === 'pending' && outcome.emailQueued ? outcome.request : undefined);
    return outcome;
  }

  async requestRemoval(domain: string, requesterIp: string | null): Promise<VerificationRequest> {
    const request = await this.dataSource.transaction(async (manager) => {
      await lockDomain(manager, domain);
      const { peer, pending, emails } = await readDomainState(manager, domain);
      if (!peer || peer.revokedAt) throw new NotFoundException(`domain: ${domain} is not registered with this hub`);
      assertEmailAllowed(this.config, domain, emails);
      return this.createRequest(manager, pending, { action: 'remove', domain, contact: peer.contact, requesterIp });
    });
    this.afterCommit(request);
    return request;
  }

  /** Writes a new request and its email; `pending` (the domain's pending request, read under the lock) is superseded. */
  private async createRequest(
    manager: EntityManager,
    pending: VerificationRequest | null,
    fields: Pick<VerificationRequest, 'action' | 'domain' | 'contact' | 'requesterIp'> &
      Partial<Pick<VerificationRequest, 'url' | 'publicKey' | 'fingerprint'>>,
  ): Promise<VerificationRequest> {
    // At most one request per domain is pending (writers hold the domain's lock), so a new domain, the common
    // case, has nothing to supersede and needs no UPDATE.
    if (pending) {
      await manager.update(VerificationRequest, { id: pending.id, status: 'pending' }, { status: 'superseded', completedAt: () => 'now()' });
      await this.outbox.cancelForRequest(manager, pending.id);
    }

    const [{ request: row }] = (await manager.query(
      `INSERT INTO verification_requests (action, domain, url, public_key, fingerprint, contact, requester_ip, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', now() + make_interval(hours => $8))
       RETURNING to_jsonb(verification_requests) AS request`,
      [fields.action, fields.domain, fields.url ?? null, fields.publicKey ?? null, fields.fingerprint ?? null, fields.contact, fields.requesterIp,
        this.config.tokenTtlHours],
    )) as [{ request: Record<string, unknown> }];
    const request = hydrate(manager, VerificationRequest, row);
    await this.outbox.enqueue(manager, { kind: CONFIRMATION_MAIL_KIND, requestId: request.id, recipient: request.contact });
    return request;
  }

  private withinCooldown(request: VerificationRequest): boolean {
    return Date.now() - request.createdAt.getTime() < this.config.rateDomainCooldownSeconds * 1000;
  }

  private afterCommit(request: VerificationRequest | undefined): void {
    if (!request) return;
    this.logger.log(
      { event: `${request.action}_requested`, domain: request.domain, requestId: request.id, contact: request.contact },
      `${request.action} requested for ${request.domain}; confirmation email queued to ${request.contact}`,
    );
    this.outbox.nudge?.();
  }
}

/** Serialises work on one domain across connections and instances, for the length of the transaction. */
export async function lockDomain(manager: EntityManager, domain: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7301))`, [`domain:${domain}`]);
}
