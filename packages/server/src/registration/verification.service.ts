import { Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { OutboxService } from '../mail/outbox.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Peer } from '../peer-record/peer.entity.js';
import type { ParsedPublicKey } from '@federation-hub/client/protocol';
import { assertRequestAllowed, emailDelaySeconds } from './abuse-limits.js';
import { type DomainState, readDomainState } from './domain-state.js';
import { lockDomain } from './domain-lock.js';
import { type NewProof, type NewRequest, writeRequest, type WrittenRequest } from './request-writer.js';
import type { ProofMethod, VerificationRequest } from './verification-request.entity.js';

export interface RegistrationInput {
  domain: string;
  url: string;
  key: ParsedPublicKey;
  contact: string;
  requesterIp: string | null;
  /** A dns or http challenge (its token minted by the caller, only the hash given here); absent: by email. */
  challenge?: { method: Exclude<ProofMethod, 'email'>; tokenHash: Buffer; httpId: string | null };
}

export type RegistrationOutcome =
  | {
      status: 'pending';
      request: VerificationRequest;
      /** A new request was written (false: an identical one was answered again). */
      emailQueued: boolean;
      /** When its email left or is due to leave (the end of the domain's cooldown); null for a challenge. */
      emailAt: Date | null;
    }
  | { status: 'confirmed'; peer: Peer };

/**
 * Creates the requests that only the domain's contact can confirm. Each one is written together with its
 * email (outbox) in one statement that supersedes exactly the pending request it was decided on, so that
 * concurrent requests for one domain leave one live request and one email (see decideAndWrite).
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
    const method: ProofMethod = input.challenge?.method ?? 'email';
    const decided = await this.decideAndWrite(input.domain, ({ peer, pending, pendingEmailAt, emails }): Decision<RegistrationOutcome> => {
      // Rocket.Chat registers again on every start: the same data for a confirmed domain changes nothing.
      if (peer && !peer.revokedAt && peer.url === input.url && peer.fingerprint === input.key.fingerprint) {
        return { answer: { status: 'confirmed', peer } };
      }
      const live = pending && pending.expiresAt.getTime() > Date.now() ? pending : null;
      if (method === 'email' && live && live.method === 'email' && live.action === 'register' && live.url === input.url &&
          live.fingerprint === input.key.fingerprint && live.contact === input.contact && this.withinCooldown(live)) {
        // An identical request whose email just went out (or is waiting for the cooldown): answer it again rather than mail twice.
        return { answer: { status: 'pending', request: live, emailQueued: false, emailAt: pendingEmailAt } };
      }
      assertRequestAllowed(this.config, input.domain, emails, method);
      return {
        create: {
          action: 'register',
          domain: input.domain,
          url: input.url,
          publicKey: input.key.pem,
          fingerprint: input.key.fingerprint,
          contact: input.contact,
          requesterIp: input.requesterIp,
        },
        proof: input.challenge
          ? { ...input.challenge, firstCheckSeconds: this.config.challengeRecheckBaseSeconds }
          : { method: 'email', delaySeconds: emailDelaySeconds(this.config, emails) },
      };
    });
    const outcome: RegistrationOutcome =
      'answer' in decided ? decided.answer : { status: 'pending', request: decided.created.request, emailQueued: true, emailAt: decided.created.emailAt };
    this.metrics.registrations.inc({
      outcome: outcome.status === 'confirmed' ? 'unchanged' : outcome.emailQueued ? 'pending' : 'repeated',
    });
    if (outcome.status === 'pending' && outcome.emailQueued) this.afterCommit(outcome.request, outcome.emailAt);
    return outcome;
  }

  async requestRemoval(domain: string, requesterIp: string | null): Promise<WrittenRequest> {
    const decided = await this.decideAndWrite(domain, ({ peer, emails }): Decision<never> => {
      if (!peer || peer.revokedAt) throw new NotFoundException(`domain: ${domain} is not registered with this hub`);
      assertRequestAllowed(this.config, domain, emails, 'email');
      return {
        create: { action: 'remove', domain, contact: peer.contact, requesterIp },
        proof: { method: 'email', delaySeconds: emailDelaySeconds(this.config, emails) },
      };
    });
    const written = 'created' in decided ? decided.created : decided.answer;
    this.afterCommit(written.request, written.emailAt);
    return written;
  }

  /**
   * Reads the domain's state, lets `decide` answer or ask for a new request, and writes that request with its
   * email (writeRequest). The first try takes no lock and no transaction, two round trips in all: the write
   * checks that the domain has not changed since it was read, and writes nothing if it has. Then the domain is
   * read and decided again under its lock, where only a confirmation landing in between can change it.
   */
  private async decideAndWrite<T>(domain: string, decide: (state: DomainState) => Decision<T>): Promise<{ answer: T } | { created: WrittenRequest }> {
    const attempt = async (manager: EntityManager) => {
      const state = await readDomainState(manager, domain);
      const decision = decide(state);
      if ('answer' in decision) return decision;
      const ttlHours = decision.proof.method === 'email' ? this.config.tokenTtlHours : this.config.challengeTtlHours;
      const created = await writeRequest(
        manager, state.pending?.id ?? null, decision.create, ttlHours, decision.proof, this.config.rateDomainCooldownSeconds,
      );
      return created ? { created } : null;
    };
    const first = await attempt(this.dataSource.manager).catch(nullOnConflict);
    if (first) return first;
    for (let retry = 1; retry <= LOCKED_RETRIES; retry++) {
      const locked = await this.dataSource
        .transaction(async (manager) => {
          await lockDomain(manager, domain);
          return attempt(manager);
        })
        .catch(nullOnConflict);
      if (locked) return locked;
    }
    this.logger.warn({ domain }, `gave up writing a request for ${domain} after ${LOCKED_RETRIES} conflicting changes`);
    throw new ServiceUnavailableException(`domain: ${domain} is changing; try again`);
  }

  private withinCooldown(request: VerificationRequest): boolean {
    return Date.now() - request.createdAt.getTime() < this.config.rateDomainCooldownSeconds * 1000;
  }

  private afterCommit(request: VerificationRequest, emailAt: Date | null): void {
    const proof = emailAt
      ? `confirmation email queued to ${request.contact}, leaving at ${emailAt.toISOString()}`
      : `${request.method} challenge issued`;
    this.logger.log(
      { event: `${request.action}_requested`, domain: request.domain, requestId: request.id, contact: request.contact, method: request.method },
      `${request.action} requested for ${request.domain}; ${proof}`,
    );
    if (emailAt) this.outbox.nudge();
  }
}

/** What a registration or removal decides from the domain's state: an answer, or a new request to write. */
type Decision<T> = { answer: T } | { create: NewRequest; proof: NewProof };

// Under the lock only a confirmation can change the domain between the read and the write, and each one uses up
// the pending request: a few tries are plenty.
const LOCKED_RETRIES = 5;

/** A unique violation: another pending request for the domain was written between the read and the write. */
function nullOnConflict(error: unknown): null {
  if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') return null;
  throw error;
}
