import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSource, ILike, In } from 'typeorm';
import { MailAttempt } from '../mail/mail-attempt.entity.js';
import { OutboxMessage } from '../mail/outbox.entity.js';
import { OutboxService } from '../mail/outbox.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { noticePreviousOwner } from '../owner-notices/owner-notice.js';
import { PeerEvents } from '../peer-record/peer-events.js';
import { Peer } from '../peer-record/peer.entity.js';
import { VerificationRequest } from '../registration/verification-request.entity.js';
import { lockDomain } from '../registration/domain-lock.js';
import { TransparencyLog } from '../transparency-log/transparency-log.js';

const DEFAULT_PAGE_SIZE = 50;

/** What an operator can see and do: list and inspect peers, revoke one, and handle undeliverable email. */
@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly events: PeerEvents,
    private readonly metrics: MetricsService,
    private readonly log: TransparencyLog,
  ) {}

  async listPeers(page = 1, perPage = DEFAULT_PAGE_SIZE, domainFilter?: string) {
    const escaped = domainFilter?.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`);
    const [peers, total] = await this.dataSource.getRepository(Peer).findAndCount({
      where: escaped ? { domain: ILike(`%${escaped}%`) } : {},
      order: { domain: 'ASC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
    return { page, per_page: perPage, total, items: peers.map(summary) };
  }

  async showPeer(domain: string) {
    const peer = await this.dataSource.getRepository(Peer).findOneBy({ domain });
    const requests = await this.dataSource.getRepository(VerificationRequest).find({ where: { domain }, order: { createdAt: 'DESC' }, take: 50 });
    if (!peer && requests.length === 0) throw new NotFoundException(`domain: ${domain} is unknown to this hub`);
    const emails = requests.length
      ? await this.dataSource.getRepository(OutboxMessage).find({ where: { requestId: In(requests.map((r) => r.id)) }, order: { id: 'DESC' } })
      : [];
    const attempts = emails.length
      ? await this.dataSource.getRepository(MailAttempt).find({ where: { outboxId: In(emails.map((e) => e.id)) }, order: { id: 'ASC' } })
      : [];
    return {
      peer: peer ? { ...summary(peer), public_key: peer.publicKey } : null,
      requests: requests.map((r) => ({
        id: r.id,
        action: r.action,
        status: r.status,
        url: r.url,
        fingerprint: r.fingerprint,
        contact: r.contact,
        requester_ip: r.requesterIp,
        created_at: r.createdAt.toISOString(),
        expires_at: r.expiresAt.toISOString(),
        completed_at: r.completedAt?.toISOString() ?? null,
      })),
      emails: emails.map((email) => ({
        ...outboxSummary(email),
        attempts: attempts
          .filter((attempt) => attempt.outboxId === email.id)
          .map((attempt) => ({ at: attempt.attemptedAt.toISOString(), ok: attempt.ok, error: attempt.error })),
      })),
    };
  }

  async revoke(domain: string, reason: string) {
    const revoked = await this.dataSource.transaction(async (manager) => {
      await lockDomain(manager, domain);
      const found = await manager.findOneBy(Peer, { domain });
      if (!found) throw new NotFoundException(`domain: ${domain} is not registered with this hub`);
      // The record as it was before the revocation.
      const previous = { ...found };
      const alreadyRevoked = found.revokedAt !== null;
      found.revokedAt = new Date();
      found.revokedReason = reason;
      await manager.save(found);
      // Logged once, in this transaction: revoking a revoked peer again changes nothing lookups return.
      const logged = alreadyRevoked ? null : await this.log.append(manager, { domain, action: 'revoke', reason }, found.revokedAt);
      // The record's contact hears of it, in this same transaction (not again for a peer already revoked).
      const noticed = alreadyRevoked ? false : await noticePreviousOwner(manager, previous, { action: 'revoke', reason }, { at: found.revokedAt, logIndex: logged?.index ?? null });
      await this.events.changed(manager, domain);
      return { found, noticed };
    });
    this.events.committed(domain);
    if (revoked.noticed) this.outbox.nudge();
    this.metrics.revocations.inc();
    this.logger.log({ event: 'revoked', domain, reason }, `${domain} revoked by an operator`);
    return summary(revoked.found);
  }

  async deadEmails() {
    return { items: (await this.outbox.listDead()).map(outboxSummary) };
  }

  async requeue(id: string) {
    const message = await this.outbox.requeue(id);
    if (!message) throw new NotFoundException(`id: no dead email with id ${id}`);
    return outboxSummary(message);
  }
}

function summary(peer: Peer) {
  return {
    domain: peer.domain,
    url: peer.url,
    fingerprint: peer.fingerprint,
    contact: peer.contact,
    confirmed_at: peer.confirmedAt.toISOString(),
    revoked_at: peer.revokedAt?.toISOString() ?? null,
    revoked_reason: peer.revokedReason,
  };
}

function outboxSummary(message: OutboxMessage) {
  return {
    id: String(message.id),
    kind: message.kind,
    recipient: message.recipient,
    status: message.status,
    attempts: message.attempts,
    last_error: message.lastError,
    created_at: message.createdAt.toISOString(),
    sent_at: message.sentAt?.toISOString() ?? null,
  };
}
