import { Injectable } from '@nestjs/common';
import { HubConfig } from '../config/hub-config.js';
import { defaultContact, normalizeContact, normalizePeerUrl, parsePublicKey, type RegistrationAccepted } from '@federation-hub/client/protocol';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { challengeInstructions, mintChallenge } from '../ownership-challenges/challenge-token.js';
import { VerificationService } from './verification.service.js';
import type { RegistrationDto } from './registration.dto.js';

export type RegistrationAnswer =
  | { httpStatus: 202; body: RegistrationAccepted }
  | { httpStatus: 200; body: { status: 'confirmed'; domain: string; url: string; fingerprint: string; confirmed_at: string } };

/** Applies the federation rules to a registration, then hands it to verification. */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly config: HubConfig,
    private readonly verification: VerificationService,
    private readonly domains: PeerDomains,
  ) {}

  async register(dto: RegistrationDto, requesterIp: string | null): Promise<RegistrationAnswer> {
    const domain = this.domains.normalize(dto.domain);
    const url = normalizePeerUrl(dto.url);
    const key = parsePublicKey(dto.public_key, { minRsaBits: this.config.minRsaKeyBits });
    const contact =
      dto.contact === undefined
        ? defaultContact(domain, this.config.contactLocalParts)
        : normalizeContact(dto.contact, domain, this.config.contactLocalParts);

    const method = dto.method ?? 'email';
    const challenge = method === 'email' ? undefined : mintChallenge(method);
    const outcome = await this.verification.requestRegistration({ domain, url, key, contact, requesterIp,
      challenge: challenge && { method: challenge.method, tokenHash: challenge.tokenHash, httpId: challenge.httpId },
    });
    if (outcome.status === 'confirmed') {
      const { peer } = outcome;
      return {
        httpStatus: 200,
        body: { status: 'confirmed', domain, url: peer.url, fingerprint: peer.fingerprint, confirmed_at: peer.confirmedAt.toISOString() },
      };
    }
    const { request } = outcome;
    const pending = { status: 'pending' as const, domain, contact: request.contact, expires_at: request.expiresAt.toISOString() };
    if (!challenge) {
      // A Rocket.Chat body gets what it always got, plus when its email leaves (Rocket.Chat ignores the extra fields).
      return { httpStatus: 202, body: { ...pending, method: 'email', ...(outcome.emailAt ? { email_at: outcome.emailAt.toISOString() } : {}) } };
    }
    return {
      httpStatus: 202,
      body: {
        ...pending,
        method,
        ...challengeInstructions(domain, challenge),
        verify_url: `${this.config.publicUrl}/api/v1/peers/${encodeURIComponent(domain)}/verify`,
      },
    };
  }

  async remove(rawDomain: string, requesterIp: string | null) {
    const domain = this.domains.normalize(rawDomain);
    const { request, emailAt } = await this.verification.requestRemoval(domain, requesterIp);
    return {
      status: 'pending' as const, action: 'remove' as const, domain, contact: request.contact, expires_at: request.expiresAt.toISOString(),
      ...(emailAt ? { email_at: emailAt.toISOString() } : {}),
    };
  }

}
