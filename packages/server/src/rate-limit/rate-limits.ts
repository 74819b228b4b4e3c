import type { IncomingMessage } from 'node:http';
import { Injectable, type CanActivate, type ExecutionContext, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HubConfig } from '../config/hub-config.js';
import { rateKey } from './client-address.js';
import { FixedWindowCounter } from './fixed-window.js';
import { type LimitName, TooManyRequestsException } from './too-many-requests.exception.js';

export interface LimitVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
  /** What was counted: the IPv4 address, or the IPv6 network (RATE_IPV6_PREFIX). */
  key: string;
  limit: LimitName;
}

/**
 * Per-client-IP limits, kept in each instance's memory (so with N instances behind a balancer the effective
 * limit is up to N times the setting). The limits that protect third parties — emails per domain — are
 * enforced in PostgreSQL by the verification service, and hold across instances.
 *
 * Requests are counted where they arrive, before Express (see front-door.ts), which answers the refusals from
 * prebuilt bytes; the middleware and guard below count only what the front door did not (routes it does not know).
 */
@Injectable()
export class IpRateLimits {
  readonly requests: FixedWindowCounter;
  readonly registrations: FixedWindowCounter;
  private readonly ipv6Prefix: number;
  /** Requests the front door counted already, per counter. */
  private readonly counted = new Map<FixedWindowCounter, WeakSet<IncomingMessage>>();

  constructor(config: HubConfig) {
    this.requests = new FixedWindowCounter(config.rateIpRequestsPerMinute, 60_000);
    this.registrations = new FixedWindowCounter(config.rateIpRegistrationsPerMinute, 60_000);
    this.ipv6Prefix = config.rateIpv6Prefix;
    this.counted.set(this.requests, new WeakSet()).set(this.registrations, new WeakSet());
  }

  /** The key an address is counted under: IPv6 by its network (RATE_IPV6_PREFIX). */
  keyOf(ip: string): string {
    return rateKey(ip, this.ipv6Prefix);
  }

  /** Counts one hit of the request against the counter, once however many layers ask. */
  hit(counter: FixedWindowCounter, request: IncomingMessage | undefined, ip: string): LimitVerdict {
    const key = this.keyOf(ip);
    const limit: LimitName = counter === this.requests ? 'ip_requests' : 'ip_registrations';
    const seen = request ? this.counted.get(counter) : undefined;
    if (seen?.has(request!)) return { allowed: true, retryAfterSeconds: 0, key, limit };
    seen?.add(request!);
    return { ...counter.hit(key), key, limit };
  }

  check(counter: FixedWindowCounter, ip: string, what: string, request?: IncomingMessage): void {
    const verdict = this.hit(counter, request, ip);
    if (!verdict.allowed) throw new TooManyRequestsException(refusalMessage(verdict, what), verdict.retryAfterSeconds, verdict.limit);
  }
}

export function refusalMessage(verdict: LimitVerdict, what: string): string {
  return `rate limit: too many ${what} from ${verdict.key}; retry in ${verdict.retryAfterSeconds} s`;
}

/** Every request counts against RATE_IP_REQUESTS_PER_MINUTE (here only if the front door did not count it). */
@Injectable()
export class RequestRateLimitMiddleware implements NestMiddleware {
  constructor(private readonly limits: IpRateLimits) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    this.limits.check(this.limits.requests, request.ip ?? 'unknown', 'requests', request);
    next();
  }
}

/** Requests that send email (registration, removal) also count against RATE_IP_REGISTRATIONS_PER_MINUTE. */
@Injectable()
export class RegistrationRateLimitGuard implements CanActivate {
  constructor(private readonly limits: IpRateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    this.limits.check(this.limits.registrations, request.ip ?? 'unknown', 'registration requests', request);
    return true;
  }
}
