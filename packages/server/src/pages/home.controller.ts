import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ProtocolError } from '@federation-hub/client/protocol';
import { type HubIdentity, hubIdentity, PAGE_HEADERS } from '../common/page-layout.js';
import { HubConfig } from '../config/hub-config.js';
import { LookupService } from '../lookup/lookup.service.js';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { FAVICON_SVG } from './favicon.js';
import { homePage, type LookupView } from './home-page.js';

/** `/`: what this hub is, who runs it, a lookup form (`GET /?domain=…`, answered here, no script) and how to register. */
@ApiExcludeController()
@Controller()
export class HomeController {
  private readonly hub: HubIdentity;

  constructor(
    private readonly config: HubConfig,
    private readonly domains: PeerDomains,
    private readonly lookups: LookupService,
  ) {
    this.hub = hubIdentity(config);
  }

  @Get()
  async home(@Query('domain') domain: unknown, @Res() response: Response): Promise<void> {
    const view = await this.lookup(domain);
    const status = view.kind === 'invalid' ? 400 : view.kind === 'not-found' ? 404 : 200;
    const settings = { contactLocalParts: this.config.contactLocalParts, tokenTtlHours: this.config.tokenTtlHours };
    response.status(status).set(PAGE_HEADERS).type('html').send(homePage(this.hub, settings, view));
  }

  @Get(['favicon.svg', 'favicon.ico'])
  favicon(@Res() response: Response): void {
    response.status(200).set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON_SVG);
  }

  private async lookup(raw: unknown): Promise<LookupView> {
    if (raw === undefined || raw === '') return { kind: 'none' };
    const input = Array.isArray(raw) ? String(raw[0]) : String(raw);
    let domain: string;
    try {
      domain = this.domains.normalize(input.trim(), 'domain');
    } catch (error) {
      if (error instanceof ProtocolError) return { kind: 'invalid', input, message: error.message };
      throw error;
    }
    const answer = await this.lookups.find(domain);
    if (!answer) return { kind: 'not-found', domain };
    return { kind: 'found', domain, answer: JSON.parse(answer.bytes.toString('utf8')) };
  }
}
