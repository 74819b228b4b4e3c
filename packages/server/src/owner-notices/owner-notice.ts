import type { EntityManager } from 'typeorm';
import type { Peer } from '../peer-record/peer.entity.js';

export const OWNER_NOTICE_MAIL_KIND = 'owner-notice';

/** What happened to a confirmed record, as the notice reports it. */
export type RecordChange =
  /** A registration was confirmed over an existing record: a new key, URL or contact (or the same, after a revocation). */
  | { action: 'update'; url: string; fingerprint: string; contact: string }
  /** A confirmed removal. */
  | { action: 'remove' }
  /** An operator revoked the record. */
  | { action: 'revoke'; reason: string };

/**
 * The facts a notice is written from, stored with the outbox message (`mail_outbox.notice`). They hold nothing
 * secret (what lookups already serve, plus the previous contact), so unlike a confirmation email the notice can be
 * composed from the outbox row alone, whenever it is delivered.
 */
export interface OwnerNoticeFacts {
  domain: string;
  action: RecordChange['action'];
  /** ISO 8601: when the change took effect. */
  at: string;
  /** The transparency log entry that records the change, when the caller knows it. */
  logIndex: number | null;
  previous: { url: string; fingerprint: string; contact: string; revoked: boolean };
  /** The new record (update only). */
  next: { url: string; fingerprint: string; contact: string } | null;
  /** The operator's reason (revoke only). */
  reason: string | null;
}

/** What changed between the previous record and the new one, in the order a reader cares about. */
export function changedFields(facts: OwnerNoticeFacts): Array<'key' | 'url' | 'contact' | 'reinstated'> {
  if (!facts.next) return [];
  const fields: Array<'key' | 'url' | 'contact' | 'reinstated'> = [];
  if (facts.next.fingerprint !== facts.previous.fingerprint) fields.push('key');
  if (facts.next.url !== facts.previous.url) fields.push('url');
  if (facts.next.contact !== facts.previous.contact) fields.push('contact');
  if (fields.length === 0 && facts.previous.revoked) fields.push('reinstated');
  return fields;
}

export function noticeFacts(previous: Peer, change: RecordChange, when: { at: Date; logIndex?: number | null }): OwnerNoticeFacts {
  return {
    domain: previous.domain,
    action: change.action,
    at: when.at.toISOString(),
    logIndex: when.logIndex ?? null,
    previous: { url: previous.url, fingerprint: previous.fingerprint, contact: previous.contact, revoked: previous.revokedAt !== null },
    next: change.action === 'update' ? { url: change.url, fingerprint: change.fingerprint, contact: change.contact } : null,
    reason: change.action === 'revoke' ? change.reason : null,
  };
}

/**
 * Queues the notice to the contact of the record being replaced, removed or revoked. Call it inside the
 * transaction that makes the change, so that the notice exists exactly when the change does: a change that rolls
 * back leaves no notice, and a committed one cannot lose it. `previous` is the record as it was before the change
 * (null for a first registration: nobody to tell). The notice is a mail of its own kind, with no verification
 * request, so the per-domain confirmation limits (abuse-limits.ts), which count requests, never hold it back, and it
 * never counts against them.
 */
export async function noticePreviousOwner(
  manager: EntityManager,
  previous: Peer | null,
  change: RecordChange,
  when: { at: Date; logIndex?: number | null },
): Promise<boolean> {
  if (!previous) return false;
  const facts = noticeFacts(previous, change, when);
  if (change.action === 'update' && changedFields(facts).length === 0) return false;
  await manager.query(`INSERT INTO mail_outbox (kind, recipient, status, notice) VALUES ($1, $2, 'queued', $3::jsonb)`, [
    OWNER_NOTICE_MAIL_KIND,
    previous.contact,
    JSON.stringify(facts),
  ]);
  return true;
}
