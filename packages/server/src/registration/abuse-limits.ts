import type { HubConfig } from '../config/hub-config.js';
import { TooManyRequestsException } from '../rate-limit/too-many-requests.exception.js';

const DAY_SECONDS = 86_400;

/** Confirmation emails a domain received in the last 24 hours (readDomainState reads it). */
export interface EmailHistory {
  today: number;
  /** Seconds since the latest one; null when there was none. */
  sinceLastSeconds: number | null;
  /** Seconds until the oldest of them leaves the 24-hour window; null when there was none. */
  untilOldestExpiresSeconds: number | null;
}

/**
 * Per-domain limits on confirmation emails, so the hub cannot be used to flood a webmaster's mailbox:
 * a cooldown between two emails and a daily cap. Every request sends exactly one email, so counting
 * requests counts emails. The history is exact across instances because a request is written only if the
 * domain is still as it was read (writeRequest). Owner notices (owner-notices/) are not confirmation emails and
 * belong to no request: they go to the previous contact after a change it must hear of, so these limits neither
 * count them nor hold them back (a hijacker must not be able to silence them by exhausting the cap first).
 */
export function assertEmailAllowed(
  config: Pick<HubConfig, 'rateDomainCooldownSeconds' | 'rateDomainDailyCap'>,
  domain: string,
  emails: EmailHistory,
): void {
  const cooldown = config.rateDomainCooldownSeconds;
  if (cooldown > 0 && emails.sinceLastSeconds !== null && emails.sinceLastSeconds < cooldown) {
    const wait = Math.max(1, Math.ceil(cooldown - emails.sinceLastSeconds));
    throw new TooManyRequestsException(
      `domain: a confirmation email was sent to ${domain} less than ${cooldown} s ago (RATE_DOMAIN_COOLDOWN_SECONDS); retry in ${wait} s`,
      wait,
      'domain_cooldown',
    );
  }
  if (emails.today >= config.rateDomainDailyCap) {
    const wait = Math.max(1, Math.ceil(emails.untilOldestExpiresSeconds ?? DAY_SECONDS));
    throw new TooManyRequestsException(
      `domain: ${domain} already received ${emails.today} confirmation emails in 24 hours (RATE_DOMAIN_DAILY_CAP); retry in ${wait} s`,
      wait,
      'domain_daily_cap',
    );
  }
}
