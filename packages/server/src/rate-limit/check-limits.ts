import { Injectable } from '@nestjs/common';
import { HubConfig } from '../config/hub-config.js';
import { rateKey } from './client-address.js';
import { FixedWindowCounter } from './fixed-window.js';
import { TooManyRequestsException } from './too-many-requests.exception.js';

const GLOBAL = 'all';

/**
 * Limits on the ownership checks the hub makes (DNS queries, HTTP fetches a registrant aims), so that the hub cannot
 * be used to scan or flood someone else's server: RATE_OWNERSHIP_CHECKS_PER_MINUTE in all, background re-checks included, and
 * RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE per client asking for /verify. In each instance's memory, like the other IP limits.
 */
@Injectable()
export class CheckRateLimits {
  private readonly all: FixedWindowCounter;
  private readonly perIp: FixedWindowCounter;

  constructor(private readonly config: HubConfig) {
    this.all = new FixedWindowCounter(config.rateOwnershipChecksPerMinute, 60_000);
    this.perIp = new FixedWindowCounter(config.rateIpOwnershipChecksPerMinute, 60_000);
  }

  /** A client asking for a check: 429 past its limit. */
  checkClient(ip: string): void {
    // Keyed like every per-IP limit: an IPv6 client by its network (RATE_IPV6_PREFIX).
    const { allowed, retryAfterSeconds } = this.perIp.hit(rateKey(ip, this.config.rateIpv6Prefix));
    if (!allowed) {
      throw new TooManyRequestsException(
        `rate limit: too many ownership checks asked from ${ip} (RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE); retry in ${retryAfterSeconds} s`,
        retryAfterSeconds,
        'ip_checks',
      );
    }
  }

  /** One check about to leave the hub: 429 past the hub's own limit. */
  checkHub(): void {
    const { allowed, retryAfterSeconds } = this.all.hit(GLOBAL);
    if (!allowed) {
      throw new TooManyRequestsException(
        `rate limit: the hub makes at most ${this.config.rateOwnershipChecksPerMinute} ownership checks a minute (RATE_OWNERSHIP_CHECKS_PER_MINUTE); retry in ${retryAfterSeconds} s`,
        retryAfterSeconds,
        'hub_checks',
      );
    }
  }
}
