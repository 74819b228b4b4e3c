import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toErrorBody } from '../common/http-error.filter.js';
import { HttpException } from '@nestjs/common';
import { confirmedPage, PAGE_HEADERS, problemMessage, problemPage, problemStatus, reviewPage } from './confirmation-pages.js';
import { ConfirmationService, type LinkProblem } from './confirmation.service.js';

/**
 * The webmaster's side: GET shows the request with a Confirm button and changes nothing (mail scanners
 * prefetch links); POST applies it. HTML for people, JSON for `Accept: application/json`.
 */
@Controller('confirm')
export class ConfirmController {
  constructor(private readonly confirmations: ConfirmationService) {}

  @Get(':token')
  async review(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const state = await this.confirmations.inspect(token);
    if (!state.ok) return this.problem(state.problem, request, response);
    this.send(response, 200, reviewPage(state.request, request.originalUrl));
  }

  @Post(':token')
  async confirm(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const result = await this.confirmations.confirm(token);
    if (!result.ok) return this.problem(result.problem, request, response);
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
    this.send(response, 200, confirmedPage(done));
  }

  private problem(problem: LinkProblem, request: Request, response: Response): void {
    const status = problemStatus(problem);
    if (wantsJson(request)) {
      response.status(status).json(toErrorBody(new HttpException(problemMessage(problem), status)));
      return;
    }
    this.send(response, status, problemPage(problem));
  }

  private send(response: Response, status: number, page: string): void {
    response.status(status).set(PAGE_HEADERS).type('html').send(page);
  }
}

function wantsJson(request: Request): boolean {
  return request.accepts(['html', 'json']) === 'json';
}
