import { Body, Controller, Delete, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError } from '../common/api-docs.js';
import { JsonBodyGuard } from '../common/json-body.guard.js';
import { RegistrationRateLimitGuard } from '../rate-limit/rate-limits.js';
import { RegistrationDto } from './registration.dto.js';
import { RegistrationService } from './registration.service.js';

/** The registration API, wire-compatible with Rocket.Chat: `POST /api/v1/peers`, and removal by `DELETE`. */
@ApiTags('peers')
@Controller('api/v1/peers')
export class RegistrationController {
  constructor(private readonly registrations: RegistrationService) {}

  @Post()
  @UseGuards(JsonBodyGuard, RegistrationRateLimitGuard)
  @ApiHeader({ name: 'x-federation-domain', required: false, description: 'Sent by Rocket.Chat servers; informational' })
  @ApiAcceptedResponse({
    description:
      'Pending. By email (the default): a confirmation email was queued to the contact; email_at says when it leaves (later than now when the ' +
      "domain's cooldown is running). By dns or http: what to publish, then POST verify_url (docs/ownership-proofs.md)",
    schema: {
      example: {
        status: 'pending', domain: 'chat.example.com', contact: 'webmaster@chat.example.com', expires_at: '2026-11-25T12:00:00.000Z',
        method: 'email', email_at: '2026-11-24T12:00:42.000Z',
      },
    },
  })
  @ApiOkResponse({ description: 'Already confirmed with exactly this URL and key: nothing to do, no email' })
  @ApiError(400, 'A field breaks a rule', 'public_key: RSA key has 512 bits; this hub requires at least 2048 (MIN_RSA_KEY_BITS)')
  @ApiError(413, 'Body too large', 'body: must not exceed 16384 bytes (BODY_LIMIT_BYTES)')
  @ApiError(415, 'Body not JSON', 'body: must be JSON (Content-Type: application/json)')
  @ApiError(429, 'A rate limit, the daily cap, or (dns/http only) the cooldown; see Retry-After', 'domain: chat.example.com already had 5 requests in 24 hours (RATE_DOMAIN_DAILY_CAP); retry in 3600 s')
  async register(
    @Body() body: RegistrationDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const answer = await this.registrations.register(body, request.ip ?? null);
    response.status(answer.httpStatus);
    return answer.body;
  }

  @Delete(':domain')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'A removal confirmation email was queued to the domain\'s contact' })
  @ApiError(404, 'Not registered', 'domain: other.example.com is not registered with this hub')
  @ApiError(429, 'A rate limit or email limit; see Retry-After', 'rate limit: too many registration requests from 192.0.2.1; retry in 30 s')
  @UseGuards(RegistrationRateLimitGuard)
  remove(@Param('domain') domain: string, @Req() request: Request) {
    return this.registrations.remove(domain, request.ip ?? null);
  }
}
