import type { IncomingMessage } from 'node:http';
import { Injectable, type CanActivate, type ExecutionContext, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HubConfig } from '../config/hub-config.js';
import { FixedWindowCounter } from './fixed-window.js';
import { TooManyRequestsException } from './too-many-requests.exception.js';

/**
 * Per-client-IP limits, kept in each instance's memory (so with N instances behind a balancer the effective
 * limit is up to N times the setting). The limits that protect third parties — emails per domain — are
 * enforced in PostgreSQL by the verification service, and hold across instances.
 */
@Injectable()
export class IpRateLimits {
  readonly requests: FixedWindowCounter;
  readonly registrations: FixedWindowCounter;
  /** Requests counted already (by the lookup fast path) when they reach the full path's middleware. */
  private readonly counted = new WeakSet<IncomingMessage>();

  constructor(config: HubConfig) {
    this.requests = new FixedWindowCounter(config.rateIpRequestsPerMinute, 60_000);
    this.registrations = new FixedWindowCounter(config.rateIpRegistrationsPerMinute, 60_000);
  }

  /**
   * The lookup fast path counted and allowed this request, then handed it to the full path (its database read
   * failed): the full path must not count it again.
   */
  countedAlready(request: IncomingMessage): void {
    this.counted.add(request);
  }

  checkRequest(request: IncomingMessage, ip: string): void {
    if (this.counted.has(request)) return;
    this.check(this.requests, ip, 'requests');
  }

  check(counter: FixedWindowCounter, ip: string, what: string): void {
    const { allowed, retryAfterSeconds } = counter.hit(ip);
    if (!allowed) {
      const limit = counter === this.requests ? 'ip_requests' : 'ip_registrations';
      throw new TooManyRequestsException(`rate limit: too many ${what} from ${ip}; retry in ${retryAfterSeconds} s`, retryAfterSeconds, limit);
    }
  }
}

/** Every request counts against RATE_IP_REQUESTS_PER_MINUTE. */
@Injectable()
export class RequestRateLimitMiddleware implements NestMiddleware {
  constructor(private readonly limits: IpRateLimits) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    this.limits.checkRequest(request, request.ip ?? 'unknown');
    next();
  }
}

/** Requests that send email (registration, removal) also count against RATE_IP_REGISTRATIONS_PER_MINUTE. */
@Injectable()
export class RegistrationRateLimitGuard implements CanActivate {
  constructor(private readonly limits: IpRateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    this.limits.check(this.limits.registrations, request.ip ?? 'unknown', 'registration requests');
    return true;
  }
}
