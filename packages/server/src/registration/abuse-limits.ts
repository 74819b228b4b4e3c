import type { HubConfig } from '../config/hub-config.js';
import { TooManyRequestsException } from '../rate-limit/too-many-requests.exception.js';
import type { ProofMethod } from './verification-request.entity.js';

const DAY_SECONDS = 86_400;

/** A domain's requests and emails in the last 24 hours (readDomainState reads it). */
export interface EmailHistory {
  /** Requests of every method: each one is counted against the daily cap. */
  today: number;
  /** Seconds since the latest request of any method; null when there was none. */
  sinceLastSeconds: number | null;
  /**
   * Seconds since the latest email that left or may be leaving, or the latest dns/http challenge (the cooldown
   * counts every method); null when there was none. An email queued for later that a new request cancels does not
   * count: the new request's email takes its place.
   */
  sinceLastEmailSeconds: number | null;
  /** Seconds until the oldest request leaves the 24-hour window; null when there was none. */
  untilOldestExpiresSeconds: number | null;
}

type Limits = Pick<HubConfig, 'rateDomainCooldownSeconds' | 'rateDomainDailyCap'>;

/**
 * Per-domain limits, so the hub cannot be used to flood a webmaster's mailbox or have itself aimed at a domain over
 * and over: a daily cap on requests of every method (429), and a cooldown. Within the cooldown a dns or http
 * challenge is refused (429), but an email request is accepted and its email waits for the cooldown's end
 * (emailDelaySeconds): Rocket.Chat disables federation for good on any 4xx to its registration. The history is exact
 * across instances because a request is written only if the domain is still as it was read (writeRequest).
 * Owner notices (owner-notices/) are not confirmation emails and belong to no request: they go to the previous
 * contact after a change it must hear of, so these limits neither count them nor hold them back (a hijacker must not
 * be able to silence them by exhausting the cap first).
 */
export function assertRequestAllowed(config: Limits, domain: string, history: EmailHistory, method: ProofMethod): void {
  const cooldown = config.rateDomainCooldownSeconds;
  if (method !== 'email' && cooldown > 0 && history.sinceLastSeconds !== null && history.sinceLastSeconds < cooldown) {
    const wait = Math.max(1, Math.ceil(cooldown - history.sinceLastSeconds));
    throw new TooManyRequestsException(
      `domain: ${domain} had a request less than ${cooldown} s ago (RATE_DOMAIN_COOLDOWN_SECONDS); retry in ${wait} s`,
      wait,
      'domain_cooldown',
    );
  }
  if (history.today >= config.rateDomainDailyCap) {
    const wait = Math.max(1, Math.ceil(history.untilOldestExpiresSeconds ?? DAY_SECONDS));
    throw new TooManyRequestsException(
      `domain: ${domain} already had ${history.today} requests in 24 hours (RATE_DOMAIN_DAILY_CAP); retry in ${wait} s`,
      wait,
      'domain_daily_cap',
    );
  }
}

/** How long a new request's email must wait so that the domain gets at most one email per cooldown (0: now). */
export function emailDelaySeconds(config: Limits, history: EmailHistory): number {
  const cooldown = config.rateDomainCooldownSeconds;
  if (cooldown <= 0 || history.sinceLastEmailSeconds === null) return 0;
  return Math.max(0, cooldown - history.sinceLastEmailSeconds);
}
