import type { EntityManager } from 'typeorm';
import { hydrate } from '../database/hydrate.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import { Peer } from '../peer-record/peer.entity.js';
import type { EmailHistory } from './abuse-limits.js';
import { VerificationRequest } from './verification-request.entity.js';

/** What a registration or removal decides on: the confirmed peer, the pending request and the recent emails. */
export interface DomainState {
  peer: Peer | null;
  /** The domain's pending request, expired or not (at most one: a unique partial index). */
  pending: VerificationRequest | null;
  /** When the pending request's email left or is due to leave (null: it has none, e.g. a dns or http challenge). */
  pendingEmailAt: Date | null;
  emails: EmailHistory;
}

type JsonRow = Record<string, unknown>;

interface DomainStateRow {
  peer: JsonRow | null;
  pending: JsonRow | null;
  pending_email_at: string | null;
  today: number;
  since_last: number | null;
  since_last_email: number | null;
  until_oldest_expires: number | null;
}

// Always exactly one row. The latest email "that left or may be leaving" is a sent one (sent_at), or one a worker has
// claimed and whose lease (or retry time) has not passed: it may be on its way this instant, even if a newer request
// cancelled it meanwhile (the worker still records it as sent), so it counts as now. A queued email never tried
// belongs to the pending request, which the new request supersedes, cancelling it: the new email takes its place.
const READ_DOMAIN_STATE = new PreparedStatement<DomainStateRow>(
  'read_domain_state',
  `WITH recent AS (
     SELECT id, method, created_at FROM verification_requests
      WHERE domain = $1 AND created_at > clock_timestamp() - interval '1 day'
   ), pending AS (
     SELECT r.* FROM verification_requests r WHERE r.domain = $1 AND r.status = 'pending'
   )
   SELECT (SELECT to_jsonb(p) FROM peers p WHERE p.domain = $1) AS peer,
          (SELECT to_jsonb(pending) FROM pending) AS pending,
          (SELECT coalesce(o.sent_at, o.next_attempt_at)::text FROM mail_outbox o JOIN pending ON o.request_id = pending.id
            WHERE o.status IN ('queued', 'sent') LIMIT 1) AS pending_email_at,
          (SELECT count(*)::int FROM recent) AS today,
          (SELECT extract(epoch FROM clock_timestamp() - max(created_at))::float FROM recent) AS since_last,
          (SELECT extract(epoch FROM clock_timestamp() - max(at))::float FROM (
             SELECT (SELECT max(CASE WHEN o.status = 'sent' THEN o.sent_at ELSE clock_timestamp() END) FROM mail_outbox o
                      WHERE o.request_id = recent.id
                        AND (o.status = 'sent' OR (o.status IN ('queued', 'cancelled') AND o.attempts > 0 AND o.next_attempt_at > clock_timestamp()))) AS at
               FROM recent
             UNION ALL
             SELECT created_at FROM recent WHERE method <> 'email'
           ) AS departures) AS since_last_email,
          (SELECT extract(epoch FROM min(created_at) + interval '1 day' - clock_timestamp())::float FROM recent) AS until_oldest_expires`,
);

/**
 * Reads a domain's state in one round trip (registration makes one request per call, so round trips are its
 * cost). One statement sees one snapshot; what a caller decides from it is written by writeRequest, which
 * writes nothing if the domain changed in between.
 *
 * Ages are measured from clock_timestamp(), not now(): now() is when the transaction began, which under the
 * domain's lock can be before a request that committed while this one waited, so that request would look
 * younger than zero.
 */
export async function readDomainState(manager: EntityManager, domain: string): Promise<DomainState> {
  const [row] = (await READ_DOMAIN_STATE.run(manager, [domain])) as [DomainStateRow];
  return {
    peer: hydrate(manager, Peer, row.peer),
    pending: hydrate(manager, VerificationRequest, row.pending),
    pendingEmailAt: row.pending_email_at === null ? null : new Date(row.pending_email_at),
    emails: {
      today: row.today,
      sinceLastSeconds: row.since_last,
      sinceLastEmailSeconds: row.since_last_email,
      untilOldestExpiresSeconds: row.until_oldest_expires,
    },
  };
}
