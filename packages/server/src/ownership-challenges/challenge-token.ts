import { randomBytes } from 'node:crypto';
import type { ChallengeInstructions } from '@federation-hub/client/protocol';
import { mintToken } from '../registration/tokens.js';
import type { ChallengeMethod } from './ownership-challenge.entity.js';

/** The TXT record's owner name is this label under the domain (as ACME's `_acme-challenge`). */
export const DNS_CHALLENGE_LABEL = '_federation-hub-challenge';
/** Both methods publish the same value: this prefix and the token. */
export const CHALLENGE_VALUE_PREFIX = 'federation-hub-verification=';
export const WELL_KNOWN_PREFIX = '/.well-known/federation-hub/';

export interface MintedChallenge {
  method: ChallengeMethod;
  /** Given to the registrant once, in the 202 answer; never stored. */
  token: string;
  tokenHash: Buffer;
  /** The HTTP challenge's path segment (public); null for dns. */
  httpId: string | null;
}

/** A fresh challenge: a 256-bit token (tokens.ts) and, for http, a 128-bit path id. */
export function mintChallenge(method: ChallengeMethod): MintedChallenge {
  const { token, hash } = mintToken();
  return { method, token, tokenHash: hash, httpId: method === 'http' ? randomBytes(16).toString('base64url') : null };
}

export const dnsChallengeName = (domain: string) => `${DNS_CHALLENGE_LABEL}.${domain}`;
export const challengeValue = (token: string) => `${CHALLENGE_VALUE_PREFIX}${token}`;
/** Port 80; the check follows a redirect to https on the same domain (docs/ownership-proofs.md). */
export const httpChallengeUrl = (domain: string, httpId: string) => `http://${domain}${WELL_KNOWN_PREFIX}${httpId}`;

/** What the registrant must publish, exactly. */
export function challengeInstructions(domain: string, challenge: MintedChallenge): ChallengeInstructions {
  const value = challengeValue(challenge.token);
  return challenge.method === 'dns'
    ? { dns: { name: dnsChallengeName(domain), type: 'TXT', value } }
    : { http: { url: httpChallengeUrl(domain, challenge.httpId!), body: value, content_type: 'text/plain' } };
}
