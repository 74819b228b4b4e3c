import type { EntityManager } from 'typeorm';
import { hydrate } from '../database/hydrate.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import { CONFIRMATION_MAIL_KIND } from './confirmation-mail.composer.js';
import { domainLockId, domainLockKey } from './domain-lock.js';
import { VerificationRequest } from './verification-request.entity.js';

export type NewRequest = Pick<VerificationRequest, 'action' | 'domain' | 'contact' | 'requesterIp'> &
  Partial<Pick<VerificationRequest, 'url' | 'publicKey' | 'fingerprint'>>;

/**
 * How the new request is to be proven: its email, due after `delaySeconds` (the domain's cooldown; 0 for now), or
 * a dns/http challenge (ownership-challenges/), whose first background check is due after `firstCheckSeconds`.
 */
export type NewProof =
  | { method: 'email'; delaySeconds: number }
  | { method: 'dns' | 'http'; tokenHash: Buffer; httpId: string | null; firstCheckSeconds: number };

export interface WrittenRequest {
  request: VerificationRequest;
  /** When its email is due to leave; null for a challenge. */
  emailAt: Date | null;
}

// Parameters: $1-$8 the request and its lifetime, $9 the domain's lock key, $10 the request superseded, $11 the email's kind,
// $12 the proof method, $13 the email's delay (s), $14-$16 a challenge's token hash, HTTP id and first check (s), $17 the
// domain's cooldown (s): the superseded request's email may have been claimed by a worker since the caller read the
// domain (its attempts, as the cancelling UPDATE returns them, are the row's latest), and then it may be leaving now.
// A delayed email is queued with its next attempt at the end of the cooldown: the outbox worker sends nothing before
// next_attempt_at, so the outbox needs no other "not before".
// Prepared, so planned once for any parameters (prepared-statement.ts): every table is read by the domain or by
// $10, whatever the statistics say. Keyed by status, the generic plan made on a young database read every pending
// request per registration (`id = $10 AND status = 'pending'` through the pending-only index: 5-9 ms a registration
// after a few thousand). So the superseded request is also matched by `domain = $2` (it is the domain's pending
// one), and its email is cancelled by CASE, only if still queued, rather than by a status condition, which let the
// plan read every queued email through the due-mail index. That update runs only once a request was superseded.
const WRITE_REQUEST = new PreparedStatement<{ request: Record<string, unknown>; email_at: string | null }>(
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
     RETURNING attempts
   ), request AS (
     INSERT INTO verification_requests (action, domain, url, public_key, fingerprint, contact, requester_ip, status, expires_at, method)
     SELECT $1, $2, $3, $4, $5, $6, $7, 'pending', now() + make_interval(hours => $8), $12
      WHERE (SELECT free FROM guard) AND ($10::uuid IS NULL OR EXISTS (SELECT 1 FROM superseded))
     RETURNING *
   ), queued AS (
     INSERT INTO mail_outbox (kind, request_id, recipient, status, next_attempt_at)
     SELECT $11, id, contact, 'queued',
            clock_timestamp() + make_interval(secs => greatest($13::float8,
              CASE WHEN EXISTS (SELECT 1 FROM cancelled WHERE attempts > 0) THEN $17::float8 ELSE 0 END))
       FROM request WHERE $12 = 'email'
     RETURNING next_attempt_at
   ), challenge AS (
     INSERT INTO ownership_challenges (request_id, method, token_hash, http_id, next_check_at)
     SELECT id, $12, $14, $15, now() + make_interval(secs => $16::float8) FROM request WHERE $12 <> 'email'
     RETURNING request_id
   )
   SELECT to_jsonb(request) AS request, (SELECT next_attempt_at::text FROM queued) AS email_at
     FROM request WHERE EXISTS (SELECT 1 FROM queued) OR EXISTS (SELECT 1 FROM challenge)`,
);

/**
 * Writes a new request and queues its email (or writes its challenge), in one statement, and so atomically without a transaction:
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
  proof: NewProof = { method: 'email', delaySeconds: 0 },
  cooldownSeconds = 0,
): Promise<WrittenRequest | null> {
  const email = proof.method === 'email';
  const [row] = await WRITE_REQUEST.run(manager, [
    request.action, request.domain, request.url ?? null, request.publicKey ?? null, request.fingerprint ?? null, request.contact,
    request.requesterIp, ttlHours, domainLockKey(request.domain), supersede, CONFIRMATION_MAIL_KIND,
    proof.method, email ? proof.delaySeconds : 0, email ? null : proof.tokenHash, email ? null : proof.httpId,
    email ? 0 : proof.firstCheckSeconds, cooldownSeconds,
  ]);
  if (!row) return null;
  return { request: hydrate(manager, VerificationRequest, row.request), emailAt: row.email_at === null ? null : new Date(row.email_at) };
}
