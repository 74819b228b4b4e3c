import { tokenMatches } from '../registration/tokens.js';
import { CHALLENGE_VALUE_PREFIX } from './challenge-token.js';

/** What one check saw, in one line for the registrant ("no TXT record (NXDOMAIN) at …"). */
export interface Finding {
  passed: boolean;
  detail: string;
}

/** Does a published value carry the challenge's token? Compared by hash, in constant time (only the hash is stored). */
export function carriesToken(value: string, tokenHash: Buffer): boolean {
  return value.startsWith(CHALLENGE_VALUE_PREFIX) && tokenMatches(value.slice(CHALLENGE_VALUE_PREFIX.length), tokenHash);
}

/** A registrant's value, quoted for a finding: bounded, one line, control characters escaped. */
export function quote(value: string, max = 120): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
