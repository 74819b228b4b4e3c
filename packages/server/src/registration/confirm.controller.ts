import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError } from '../common/api-docs.js';
import { type HubIdentity, hubIdentity } from '../common/page-layout.js';
import { HubConfig } from '../config/hub-config.js';
import { toErrorBody } from '../common/http-error.filter.js';
import { HttpException } from '@nestjs/common';
import { confirmedPage, PAGE_HEADERS, problemMessage, problemPage, problemStatus, reviewPage } from './confirmation-pages.js';
import { ConfirmationService, type LinkProblem } from './confirmation.service.js';
import type { VerificationRequest } from './verification-request.entity.js';

const TOKEN_PARAM = { name: 'token', description: 'The one-time token from the emailed link (256 bits, base64url)' };

/**
 * The webmaster's side: GET shows the request with a Confirm button and changes nothing (mail scanners
 * prefetch links); POST applies it. HTML for people, JSON for `Accept: application/json`.
 */
@ApiTags('confirmation')
@Controller('confirm')
export class ConfirmController {
  private readonly hub: HubIdentity;

  constructor(
    private readonly confirmations: ConfirmationService,
    config: HubConfig,
  ) {
    this.hub = hubIdentity(config);
  }

  @Get(':token')
  @ApiOperation({ summary: 'Review page of a request (action, domain, URL, key fingerprint, contact, expiry); changes nothing' })
  @ApiParam(TOKEN_PARAM)
  @ApiProduces('text/html', 'application/json')
  @ApiOkResponse({ description: 'HTML page with a Confirm button (a form POSTing to this same URL)' })
  @ApiError(404, 'Unknown token', 'token: link not found. This confirmation link is not valid. Check that it was copied whole from the email.')
  @ApiError(410, 'Expired, already used or replaced by a newer request', 'token: link already used. This confirmation link was already used; it works only once. Nothing more to do.')
  async review(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const state = await this.confirmations.inspect(token);
    if (!state.ok) return this.problem(state.problem, request, response, state.request);
    this.send(response, 200, reviewPage(this.hub, state.request, request.originalUrl));
  }

  @Post(':token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Applies the request once: result page, or JSON with Accept: application/json' })
  @ApiParam(TOKEN_PARAM)
  @ApiProduces('text/html', 'application/json')
  @ApiOkResponse({
    description: 'Applied: the domain is confirmed (or removed); lookups change on every instance within a second',
    schema: {
      example: { status: 'confirmed', action: 'register', domain: 'chat.example.com', url: 'https://chat.example.com', fingerprint: '3bcb…', confirmed_at: '2026-11-24T12:00:00.000Z' },
    },
  })
  @ApiError(404, 'Unknown token', 'token: link not found. This confirmation link is not valid. Check that it was copied whole from the email.')
  @ApiError(410, 'Expired, already used or replaced by a newer request', 'token: link replaced. A newer request was made for this domain, so this link no longer works. Use the link in the most recent email.')
  async confirm(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const result = await this.confirmations.confirm(token);
    if (!result.ok) return this.problem(result.problem, request, response, result.request);
    const { request: done, peer } = result;
    if (wantsJson(request)) {
      response.status(200).json({
        status: done.action === 'register' ? 'confirmed' : 'removed',
        action: done.action,
        domain: done.domain,
        ...(peer ? { url: peer.url, fingerprint: peer.fingerprint, confirmed_at: peer.confirmedAt.toISOString() } : {}),
      });
      return;
    }
    this.send(response, 200, confirmedPage(this.hub, done));
  }

  private problem(problem: LinkProblem, request: Request, response: Response, about?: VerificationRequest): void {
    const status = problemStatus(problem);
    if (wantsJson(request)) {
      response.status(status).json(toErrorBody(new HttpException(problemMessage(problem), status)));
      return;
    }
    this.send(response, status, problemPage(this.hub, problem, about));
  }

  private send(response: Response, status: number, page: string): void {
    response.status(status).set(PAGE_HEADERS).type('html').send(page);
  }
}

function wantsJson(request: Request): boolean {
  return request.accepts(['html', 'json']) === 'json';
}
