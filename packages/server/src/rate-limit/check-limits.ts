import { Injectable } from '@nestjs/common';
import { HubConfig } from '../config/hub-config.js';
import { OutboundLimits } from './outbound-limits.js';

/**
 * Limits on the ownership checks the hub makes (DNS queries, HTTP fetches a registrant aims):
 * RATE_OWNERSHIP_CHECKS_PER_MINUTE in all, background re-checks included, and RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE
 * per client asking for /verify.
 */
@Injectable()
export class CheckRateLimits {
  private readonly limits: OutboundLimits;

  constructor(private readonly config: HubConfig) {
    this.limits = new OutboundLimits(config.rateIpOwnershipChecksPerMinute, config.rateOwnershipChecksPerMinute, config.rateIpv6Prefix);
  }

  /** A client asking for a check: 429 past its limit. */
  checkClient(ip: string): void {
    this.limits.client(ip, 'ip_checks', (retry) => `rate limit: too many ownership checks asked from ${ip} (RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE); retry in ${retry} s`);
  }

  /** One check about to leave the hub: 429 past the hub's own limit. */
  checkHub(): void {
    this.limits.all(
      'hub_checks',
      (retry) =>
        `rate limit: the hub makes at most ${this.config.rateOwnershipChecksPerMinute} ownership checks a minute (RATE_OWNERSHIP_CHECKS_PER_MINUTE); retry in ${retry} s`,
    );
  }
}
