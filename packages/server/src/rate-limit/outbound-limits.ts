import { rateKey } from './client-address.js';
import { FixedWindowCounter } from './fixed-window.js';
import { type LimitName, TooManyRequestsException } from './too-many-requests.exception.js';

const TOTAL = 'all';

/**
 * The two limits on work that makes the hub reach out to servers a client names (DNS queries, HTTP fetches), so that
 * the hub cannot be used to scan or flood them: so many a minute per asking client (an IPv6 client by its network,
 * RATE_IPV6_PREFIX, like every per-IP limit) and so many in all. In each instance's memory. Past a limit: 429.
 * Used by the ownership checks (CheckRateLimits) and the federation tester, each with its own settings.
 */
export class OutboundLimits {
  private readonly perClient: FixedWindowCounter;
  private readonly total: FixedWindowCounter;

  constructor(
    perClientPerMinute: number,
    totalPerMinute: number,
    private readonly ipv6Prefix: number,
  ) {
    this.perClient = new FixedWindowCounter(perClientPerMinute, 60_000);
    this.total = new FixedWindowCounter(totalPerMinute, 60_000);
  }

  /** Counts one request of `ip`; `refusal` words the 429 from the seconds to wait. */
  client(ip: string, limit: LimitName, refusal: (retryAfterSeconds: number) => string): void {
    refuseOver(this.perClient, rateKey(ip, this.ipv6Prefix), limit, refusal);
  }

  /** Counts one piece of outbound work against the total. */
  all(limit: LimitName, refusal: (retryAfterSeconds: number) => string): void {
    refuseOver(this.total, TOTAL, limit, refusal);
  }
}

function refuseOver(counter: FixedWindowCounter, key: string, limit: LimitName, refusal: (retryAfterSeconds: number) => string): void {
  const { allowed, retryAfterSeconds } = counter.hit(key);
  if (!allowed) throw new TooManyRequestsException(refusal(retryAfterSeconds), retryAfterSeconds, limit);
}
