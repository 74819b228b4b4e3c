import { HttpException, HttpStatus } from '@nestjs/common';

export type LimitName =
  | 'ip_requests'
  | 'ip_registrations'
  | 'domain_cooldown'
  | 'domain_daily_cap'
  | 'check_ip'
  | 'check_global'
  | 'ip_checks'
  | 'hub_checks';

/** 429 with `Retry-After`; the error filter sets the header and counts the refusal under `limit`. */
export class TooManyRequestsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly limit: LimitName,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
