import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ProtocolError } from '@federation-hub/client/protocol';
import { ApiError } from '../common/api-docs.js';
import { type HubIdentity, hubIdentity, PAGE_HEADERS } from '../common/page-layout.js';
import { HubConfig } from '../config/hub-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TooManyRequestsException } from '../rate-limit/too-many-requests.exception.js';
import { CHECK_REPORT_EXAMPLE } from './check-report.schema.js';
import { FederationTester } from './federation-tester.service.js';
import { testerProblemPage, testerReportPage, testerStartPage } from './tester-page.js';

/** The address this hub was reached on: the tester asks the hub itself there, not through its public URL. */
function selfUrl(request: Request): string {
  const address = (request.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${request.socket.localPort}`;
}

/** The federation tester: `/check/<domain>` for people, `GET /api/v1/check/<domain>` its JSON twin. */
@ApiTags('federation tester')
@Controller()
export class TesterController {
  private readonly hub: HubIdentity;

  constructor(
    private readonly tester: FederationTester,
    private readonly metrics: MetricsService,
    config: HubConfig,
  ) {
    this.hub = hubIdentity(config);
  }

  /** The form; `?domain=` (the form's GET) redirects to the result page. */
  @Get('check')
  @ApiExcludeEndpoint()
  start(@Query('domain') domain: unknown, @Res() response: Response): void {
    if (typeof domain === 'string' && domain.trim() !== '') {
      response.redirect(303, `/check/${encodeURIComponent(domain.trim())}`);
      return;
    }
    this.page(response, 200, testerStartPage(this.hub));
  }

  @Get('check/:domain')
  @ApiExcludeEndpoint()
  async report(@Param('domain') domain: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    try {
      const { report, cached } = await this.tester.test(domain, request.ip ?? 'unknown', selfUrl(request));
      this.page(response, 200, testerReportPage(this.hub, report, cached));
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.page(response, 400, testerProblemPage(this.hub, 'Not a domain name', error.message, domain));
        return;
      }
      if (error instanceof TooManyRequestsException) {
        this.metrics.rateLimited.inc({ limit: error.limit });
        response.set('Retry-After', String(error.retryAfterSeconds));
        this.page(response, 429, testerProblemPage(this.hub, 'Too many tests', `${error.message}. Nothing was checked.`, domain));
        return;
      }
      throw error;
    }
  }

  @Get('api/v1/check/:domain')
  @ApiOperation({
    summary: 'Federation tester: checks the DNS records of a chat server and its registration with this hub',
    description:
      'Runs the client library\'s checkDns (against DNS_SERVERS) and checkHub (against this hub). One row per record with ' +
      'status ok / wrong / could-not-check (DNS gave no answer: nothing is known, it is not "wrong"), what was found, what is ' +
      'expected and the fix (zone_line: the record to add, in zone-file syntax). verdict: dns-and-hub, dns, hub, none or ' +
      'could-not-check. Results are reused for CHECK_CACHE_SECONDS; checks that reach out are limited per IP ' +
      '(RATE_TESTER_CHECKS_PER_IP_PER_MINUTE) and for all clients (RATE_TESTER_CHECKS_PER_MINUTE).',
  })
  @ApiParam({ name: 'domain', example: 'chat.example.com' })
  @ApiOkResponse({ description: 'The report (also when the set-up is wrong: the verdict says so)', schema: { example: CHECK_REPORT_EXAMPLE } })
  @ApiError(400, 'Not a domain name', 'domain: must be a domain name (e.g. chat.example.com)')
  @ApiError(429, 'Too many tests; see Retry-After', 'rate limit: too many federation tests from 192.0.2.1 (RATE_TESTER_CHECKS_PER_IP_PER_MINUTE); retry in 42 s')
  async json(@Param('domain') domain: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const { report, cached } = await this.tester.test(domain, request.ip ?? 'unknown', selfUrl(request));
    response.status(200).set('Cache-Control', 'no-store').json({ ...report, cached });
  }

  private page(response: Response, status: number, html: string): void {
    response.status(status).set(PAGE_HEADERS).type('html').send(html);
  }
}
