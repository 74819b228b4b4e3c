import { Injectable } from '@nestjs/common';
import { normalizeDomain } from '@federation-hub/client/protocol';
import { HubConfig } from '../config/hub-config.js';

/** The domain-name rule with this hub's settings, shared by registration, lookups and the admin API. */
@Injectable()
export class PeerDomains {
  constructor(private readonly config: HubConfig) {}

  normalize(raw: unknown, field = 'domain'): string {
    return normalizeDomain(raw, {
      requirePublicSuffix: this.config.requirePublicSuffix,
      allowMixedScript: this.config.allowMixedScriptNames,
      field,
    });
  }
}
