import type { EntityManager } from 'typeorm';
import { hydrate } from '../database/hydrate.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import { CONFIRMATION_MAIL_KIND } from './confirmation-mail.composer.js';
import { domainLockId, domainLockKey } from './domain-lock.js';
import { VerificationRequest } from './verification-request.entity.js';

export type NewRequest = Pick<VerificationRequest, 'action' | 'domain' | 'contact' | 'requesterIp'> &
  Partial<Pick<VerificationRequest, 'url' | 'publicKey' | 'fingerprint'>>;

// Parameters: $1-$8 the request and its lifetime, $9 the domain's lock key, $10 the request superseded, $11 the email's kind.
// Prepared, so planned once for any parameters (prepared-statement.ts): every table is read by the domain or by
// $10, whatever the statistics say. Keyed by status, the generic plan made on a young database read every pending
// request per registration (`id = $10 AND status = 'pending'` through the pending-only index: 5-9 ms a registration
// after a few thousand). So the superseded request is also matched by `domain = $2` (it is the domain's pending
// one), and its email is cancelled by CASE, only if still queued, rather than by a status condition, which let the
// plan read every queued email through the due-mail index. That update runs only once a request was superseded.
const WRITE_REQUEST = new PreparedStatement<{ request: Record<string, unknown> }>(
  'write_request',
  `WITH guard AS (
     SELECT pg_try_advisory_xact_lock(${domainLockId('$9')}) AS free
   ), superseded AS (
     UPDATE verification_requests SET status = 'superseded', completed_at = now()
      WHERE id = $10::uuid AND domain = $2 AND status = 'pending' AND (SELECT free FROM guard)
     RETURNING id
   ), cancelled AS (
     UPDATE mail_outbox SET status = CASE status WHEN 'queued' THEN 'cancelled' ELSE status END
      WHERE request_id = $10::uuid AND EXISTS (SELECT 1 FROM superseded)
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
);

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
  const [row] = await WRITE_REQUEST.run(manager, [
    request.action, request.domain, request.url ?? null, request.publicKey ?? null, request.fingerprint ?? null, request.contact,
    request.requesterIp, ttlHours, domainLockKey(request.domain), supersede, CONFIRMATION_MAIL_KIND,
  ]);
  return row ? hydrate(manager, VerificationRequest, row.request) : null;
}
