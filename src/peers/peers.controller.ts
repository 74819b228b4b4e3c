import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Options,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError, PEER_ANSWER_SCHEMA } from '../common/api-docs.js';
import { JsonBodyGuard } from '../common/json-body.guard.js';
import { ANY_ORIGIN, ReadOnlyCorsPreflight } from '../common/security-headers.js';
import { RegistrationRateLimitGuard } from '../rate-limit/rate-limits.js';
import { LookupService, NOT_FOUND_MAX_AGE_SECONDS, notFoundBody } from './lookup.service.js';
import { RegistrationDto } from './registration.dto.js';
import { RegistrationService } from './registration.service.js';


/**
 * The registration and lookup API, wire-compatible with Rocket.Chat: `POST /api/v1/peers` and
 * `GET /api/v1/peers?search=<domain>` answering `{ peer: { url, public_key, … } }` or 404.
 */
@ApiTags('peers')
@Controller('api/v1/peers')
export class PeersController {
  constructor(
    private readonly registrations: RegistrationService,
    private readonly lookups: LookupService,
  ) {}

  @Post()
  @UseGuards(JsonBodyGuard, RegistrationRateLimitGuard)
  @ApiHeader({ name: 'x-federation-domain', required: false, description: 'Sent by Rocket.Chat servers; informational' })
  @ApiAcceptedResponse({
    description: 'Pending: a confirmation email was queued to the contact',
    schema: { example: { status: 'pending', domain: 'chat.example.com', contact: 'webmaster@chat.example.com', expires_at: '2026-11-25T12:00:00.000Z' } },
  })
  @ApiOkResponse({ description: 'Already confirmed with exactly this URL and key: nothing to do, no email' })
  @ApiError(400, 'A field breaks a rule', 'public_key: RSA key has 512 bits; this hub requires at least 2048 (MIN_RSA_KEY_BITS)')
  @ApiError(413, 'Body too large', 'body: must not exceed 16384 bytes (BODY_LIMIT_BYTES)')
  @ApiError(415, 'Body not JSON', 'body: must be JSON (Content-Type: application/json)')
  @ApiError(429, 'A rate limit or email limit; see Retry-After', 'domain: a confirmation email was sent to chat.example.com less than 60 s ago (RATE_DOMAIN_COOLDOWN_SECONDS); retry in 42 s')
  async register(
    @Body() body: RegistrationDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const answer = await this.registrations.register(body, request.ip ?? null);
    response.status(answer.httpStatus);
    return answer.body;
  }

  @Get()
  @ApiQuery({ name: 'search', required: true, example: 'chat.example.com', description: 'Exact domain (normalised like registrations)' })
  @ApiOkResponse({ description: 'The confirmed peer, with a signed proof', schema: PEER_ANSWER_SCHEMA })
  @ApiError(400, 'search missing or not a domain name', 'search: is required (GET /api/v1/peers?search=<domain>)')
  @ApiError(404, 'Not registered or not confirmed', 'domain: other.example.com is not registered with this hub (or not confirmed yet)')
  async search(@Query() query: Record<string, unknown>, @Req() request: Request, @Res() response: Response) {
    response.set(...ANY_ORIGIN); // before validation: a browser must be able to read a 400 too
    const unknown = Object.keys(query).filter((key) => key !== 'search');
    if (unknown.length > 0) throw new BadRequestException(`${unknown[0]}: unknown query parameter (only "search" is accepted)`);
    if (query.search === undefined) {
      throw new BadRequestException('search: is required (GET /api/v1/peers?search=<domain>); listing peers needs the admin API');
    }
    if (typeof query.search !== 'string') throw new BadRequestException('search: must be given once, as a domain name');
    await this.respond(this.registrations.domain(query.search, 'search'), request, response);
  }

  @Get(':domain')
  @ApiOkResponse({ description: 'The confirmed peer, with a signed proof', schema: PEER_ANSWER_SCHEMA })
  @ApiError(404, 'Not registered or not confirmed', 'domain: other.example.com is not registered with this hub (or not confirmed yet)')
  async get(@Param('domain') domain: string, @Req() request: Request, @Res() response: Response) {
    response.set(...ANY_ORIGIN);
    await this.respond(this.registrations.domain(domain), request, response);
  }

  /** CORS preflight of the lookups (open to every origin, GET only); `:domain` also covers DELETE, which is not offered. */
  @Options()
  @ReadOnlyCorsPreflight()
  preflight(): void {}

  @Options(':domain')
  @ReadOnlyCorsPreflight()
  preflightByPath(): void {}

  @Delete(':domain')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'A removal confirmation email was queued to the domain\'s contact' })
  @ApiError(404, 'Not registered', 'domain: other.example.com is not registered with this hub')
  @ApiError(429, 'A rate limit or email limit; see Retry-After', 'rate limit: too many registration requests from 192.0.2.1; retry in 30 s')
  @UseGuards(RegistrationRateLimitGuard)
  remove(@Param('domain') domain: string, @Req() request: Request) {
    return this.registrations.remove(domain, request.ip ?? null);
  }

  private async respond(domain: string, request: Request, response: Response): Promise<void> {
    const answer = await this.lookups.find(domain);
    if (!answer) {
      response.set('Cache-Control', `public, max-age=${NOT_FOUND_MAX_AGE_SECONDS}`);
      throw new NotFoundException(notFoundBody(domain).message);
    }
    response.set({ ETag: answer.etag, 'Cache-Control': `public, max-age=${answer.maxAgeSeconds}` });
    if (request.headers['if-none-match'] === answer.etag) {
      response.status(304).end();
      return;
    }
    response.status(200).type('application/json').send(answer.bytes);
  }
}

