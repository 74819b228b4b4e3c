import type { EntityManager } from 'typeorm';

/**
 * A domain's transaction-scoped advisory lock: the one identity every writer of a domain's requests uses, whether it
 * waits for the lock (lockDomain) or writes only while nobody holds it (writeRequest).
 */
export function domainLockId(parameter: string): string {
  return `hashtextextended(${parameter}, 7301)`;
}

/** The value to bind for domainLockId's parameter. */
export const domainLockKey = (domain: string) => `domain:${domain}`;

/** Serialises work on one domain across connections and instances, for the length of the transaction. */
export async function lockDomain(manager: EntityManager, domain: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(${domainLockId('$1')})`, [domainLockKey(domain)]);
}
