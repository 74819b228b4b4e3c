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
  emails: EmailHistory;
}

type JsonRow = Record<string, unknown>;

interface DomainStateRow {
  peer: JsonRow | null;
  pending: JsonRow | null;
  today: number;
  since_last: number | null;
  until_oldest_expires: number | null;
}

// An aggregate without GROUP BY: always exactly one row.
const READ_DOMAIN_STATE = new PreparedStatement<DomainStateRow>(
  'read_domain_state',
  `SELECT (SELECT to_jsonb(p) FROM peers p WHERE p.domain = $1) AS peer,
          (SELECT to_jsonb(r) FROM verification_requests r WHERE r.domain = $1 AND r.status = 'pending') AS pending,
          count(*)::int AS today,
          extract(epoch FROM clock_timestamp() - max(created_at))::float AS since_last,
          extract(epoch FROM min(created_at) + interval '1 day' - clock_timestamp())::float AS until_oldest_expires
     FROM verification_requests
    WHERE domain = $1 AND created_at > clock_timestamp() - interval '1 day'`,
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
    emails: { today: row.today, sinceLastSeconds: row.since_last, untilOldestExpiresSeconds: row.until_oldest_expires },
  };
}
