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

const COUNTED_AS_REQUEST = Symbol('counted against RATE_IP_REQUESTS_PER_MINUTE');
const COUNTED_AS_REGISTRATION = Symbol('counted against RATE_IP_REGISTRATIONS_PER_MINUTE');

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

  constructor(config: HubConfig) {
    this.requests = new FixedWindowCounter(config.rateIpRequestsPerMinute, 60_000);
    this.registrations = new FixedWindowCounter(config.rateIpRegistrationsPerMinute, 60_000);
    this.ipv6Prefix = config.rateIpv6Prefix;
  }

  /** The key an address is counted under: IPv6 by its network (RATE_IPV6_PREFIX). */
  keyOf(ip: string): string {
    return rateKey(ip, this.ipv6Prefix);
  }

  /** Counts one hit of the request against the counter, once however many layers ask. */
  hit(counter: FixedWindowCounter, request: IncomingMessage | undefined, ip: string): LimitVerdict {
    const key = this.keyOf(ip);
    const isRequests = counter === this.requests;
    const limit: LimitName = isRequests ? 'ip_requests' : 'ip_registrations';
    if (request) {
      // A mark on the request rather than a WeakSet of requests: a flood adds one per request, and weak
      // collections cost the garbage collector on every one of them.
      const mark = isRequests ? COUNTED_AS_REQUEST : COUNTED_AS_REGISTRATION;
      const marked = request as IncomingMessage & { [COUNTED_AS_REQUEST]?: true; [COUNTED_AS_REGISTRATION]?: true };
      if (marked[mark]) return { allowed: true, retryAfterSeconds: 0, key, limit };
      marked[mark] = true;
    }
    const { allowed, retryAfterSeconds } = counter.hit(key);
    return { allowed, retryAfterSeconds, key, limit };
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
