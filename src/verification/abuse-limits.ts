import type { EntityManager } from 'typeorm';
import type { HubConfig } from '../config/hub-config.js';
import { TooManyRequestsException } from '../rate-limit/too-many-requests.exception.js';

const DAY_SECONDS = 86_400;

/**
 * Per-domain limits on confirmation emails, so the hub cannot be used to flood a webmaster's mailbox:
 * a cooldown between two emails and a daily cap. Every request sends exactly one email, so counting
 * requests counts emails. Runs inside the transaction that holds the domain's advisory lock, which is
 * what makes it exact across instances.
 */
export async function assertEmailAllowed(manager: EntityManager, config: HubConfig, domain: string): Promise<void> {
  const [row] = (await manager.query(
    `SELECT count(*)::int AS today,
            extract(epoch FROM now() - max(created_at))::float AS since_last,
            extract(epoch FROM min(created_at) + interval '1 day' - now())::float AS until_oldest_expires
       FROM verification_requests
      WHERE domain = $1 AND created_at > now() - interval '1 day'`,
    [domain],
  )) as Array<{ today: number; since_last: number | null; until_oldest_expires: number | null }>;
  if (!row) return;
  const cooldown = config.rateDomainCooldownSeconds;
  if (row.since_last !== null && row.since_last < cooldown) {
    const wait = Math.max(1, Math.ceil(cooldown - row.since_last));
    throw new TooManyRequestsException(
      `domain: a confirmation email was sent to ${domain} less than ${cooldown} s ago (RATE_DOMAIN_COOLDOWN_SECONDS); retry in ${wait} s`,
      wait,
      'domain_cooldown',
    );
  }
  if (row.today >= config.rateDomainDailyCap) {
    const wait = Math.max(1, Math.ceil(row.until_oldest_expires ?? DAY_SECONDS));
    throw new TooManyRequestsException(
      `domain: ${domain} already received ${row.today} confirmation emails in 24 hours (RATE_DOMAIN_DAILY_CAP); retry in ${wait} s`,
      wait,
      'domain_daily_cap',
    );
  }
}
