import { BadRequestException, Controller, Get, NotFoundException, Options, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError, PEER_ANSWER_SCHEMA } from '../common/api-docs.js';
import { ANY_ORIGIN, ReadOnlyCorsPreflight } from '../common/security-headers.js';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { LookupService, NOT_FOUND_MAX_AGE_SECONDS, notFoundBody } from './lookup.service.js';

/**
 * The lookup API, wire-compatible with Rocket.Chat: `GET /api/v1/peers?search=<domain>` answering
 * `{ peer: { url, public_key, … } }` or 404. Canonical lookups are answered before Nest by the fast path
 * (lookup-fast-path.ts); these handlers serve the rest with the same bytes.
 */
@ApiTags('peers')
@Controller('api/v1/peers')
export class LookupController {
  constructor(
    private readonly domains: PeerDomains,
    private readonly lookups: LookupService,
  ) {}

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
    await this.respond(this.domains.normalize(query.search, 'search'), request, response);
  }

  @Get(':domain')
  @ApiOkResponse({ description: 'The confirmed peer, with a signed proof', schema: PEER_ANSWER_SCHEMA })
  @ApiError(404, 'Not registered or not confirmed', 'domain: other.example.com is not registered with this hub (or not confirmed yet)')
  async get(@Param('domain') domain: string, @Req() request: Request, @Res() response: Response) {
    response.set(...ANY_ORIGIN);
    await this.respond(this.domains.normalize(domain), request, response);
  }

  /** CORS preflight of the lookups (open to every origin, GET only); `:domain` also covers DELETE, which is not offered. */
  @Options()
  @ReadOnlyCorsPreflight()
  preflight(): void {}

  @Options(':domain')
  @ReadOnlyCorsPreflight()
  preflightByPath(): void {}

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

