import type { EntityManager } from 'typeorm';
import { hydrate } from '../database/hydrate.js';
import { CONFIRMATION_MAIL_KIND } from './confirmation-mail.composer.js';
import { domainLockId, domainLockKey } from './domain-lock.js';
import { VerificationRequest } from './verification-request.entity.js';

export type NewRequest = Pick<VerificationRequest, 'action' | 'domain' | 'contact' | 'requesterIp'> &
  Partial<Pick<VerificationRequest, 'url' | 'publicKey' | 'fingerprint'>>;

/**
 * Writes a new request and queues its email, in one statement, and so atomically without a transaction:
 * - only if the domain's lock (domain-lock.ts) is free, or already held by this transaction;
 * - superseding `supersede`, the pending request the caller decided on, and cancelling its unsent email — and
 *   only if that request is still pending; with no `supersede`, the unique index on pending requests refuses
 *   a second one (23505).
 * It returns null, having written nothing, when the domain changed since the caller read it: the caller reads
 * and decides again. The statement spans the verification and outbox tables because the request and its email
 * must be one write, and a registration costs one round trip per statement.
 */
export async function writeRequest(
  manager: EntityManager,
  supersede: string | null,
  request: NewRequest,
  ttlHours: number,
): Promise<VerificationRequest | null> {
  const [row] = (await manager.query(
    `WITH guard AS (
       SELECT pg_try_advisory_xact_lock(${domainLockId('$9')}) AS free
     ), superseded AS (
       UPDATE verification_requests SET status = 'superseded', completed_at = now()
        WHERE id = $10::uuid AND status = 'pending' AND (SELECT free FROM guard)
       RETURNING id
     ), cancelled AS (
       UPDATE mail_outbox SET status = 'cancelled' WHERE request_id IN (SELECT id FROM superseded) AND status = 'queued'
     ), request AS (
       INSERT INTO verification_requests (action, domain, url, public_key, fingerprint, contact, requester_ip, status, expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, 'pending', now() + make_interval(hours => $8)
        WHERE (SELECT free FROM guard) AND ($10::uuid IS NULL OR EXISTS (SELECT 1 FROM superseded))
       RETURNING *
     ), queued AS (
       INSERT INTO mail_outbox (kind, request_id, recipient, status)
       SELECT $11, id, contact, 'queued' FROM request
       RETURNING id
     )
     SELECT to_jsonb(request) AS request FROM request, queued`,
    [
      request.action, request.domain, request.url ?? null, request.publicKey ?? null, request.fingerprint ?? null, request.contact,
      request.requesterIp, ttlHours, domainLockKey(request.domain), supersede, CONFIRMATION_MAIL_KIND,
    ],
  )) as Array<{ request: Record<string, unknown> }>;
  return row ? hydrate(manager, VerificationRequest, row.request) : null;
}
