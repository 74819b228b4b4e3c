import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from '../common/api-docs.js';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { ChallengeChecks } from './challenge-checks.service.js';

/** The registrant's "check now" for a dns or http challenge; the hub also re-checks by itself. */
@ApiTags('peers')
@Controller('api/v1/peers')
export class VerifyController {
  constructor(
    private readonly checks: ChallengeChecks,
    private readonly domains: PeerDomains,
  ) {}

  @Post(':domain/verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Checks the domain\'s dns or http challenge now; answers what the hub found, and confirmed or still pending' })
  @ApiParam({ name: 'domain', description: 'The domain registered with "method": "dns" or "http"' })
  @ApiOkResponse({
    description: 'The check ran: status confirmed (the domain now resolves through the hub) or pending (the finding says why)',
    schema: {
      example: {
        status: 'pending', domain: 'chat.example.com', method: 'dns',
        finding: 'no TXT record (NXDOMAIN) at _federation-hub-challenge.chat.example.com',
        checked_at: '2026-12-01T12:00:00.000Z', expires_at: '2026-12-02T12:00:00.000Z', next_check_at: '2026-12-01T12:01:00.000Z',
      },
    },
  })
  @ApiError(404, 'No challenge', 'domain: chat.example.com has no dns or http challenge on this hub; register with "method": "dns" or "http" first')
  @ApiError(410, 'Used, replaced or expired', 'domain: the challenge for chat.example.com was already used (confirmed at 2026-12-01T12:00:00.000Z); it works once')
  @ApiError(429, 'Check limits; see Retry-After', 'rate limit: too many ownership checks asked from 192.0.2.1 (RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE); retry in 30 s')
  verify(@Param('domain') domain: string, @Req() request: Request) {
    return this.checks.verify(this.domains.normalize(domain), request.ip ?? 'unknown');
  }
}
