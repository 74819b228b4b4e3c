import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, type JSONWebKeySet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { type PeerAnswer, PROOF_JWS_TYPE, type ProofClaims } from './protocol/index.js';
import { HubUnavailable, InvalidPeerRecord } from './errors.js';
import { importPublicKey, type PublicKeyInput } from './key-input.js';

/**
 * The hub's keys for checking a lookup answer's `proof`:
 * - a JWKS object: keys pinned in the client's configuration (strongest: a hub impersonator cannot swap them);
 * - a URL (string or URL) of a JWKS, typically `<hub>/.well-known/jwks.json`: fetched, cached and refreshed by jose;
 * - `hubKey`: the hub's Ed25519 public key, in any form the protocol reads (PEM with or without line breaks…).
 */
export type HubJwks = JSONWebKeySet | URL | string;

export interface ProofKeyOptions {
  hubJwks?: HubJwks;
  hubKey?: PublicKeyInput;
  timeoutMs: number;
}

export type ProofKeys = JWTVerifyGetKey | KeyObject;

const ALGORITHMS = ['EdDSA', 'Ed25519'];
/** Clock difference tolerated between the hub and this server. */
const CLOCK_TOLERANCE_SECONDS = 60;

export function proofKeys(options: ProofKeyOptions): ProofKeys | undefined {
  if (options.hubKey !== undefined) {
    const key = importPublicKey(options.hubKey, "the hub's", (message) => new TypeError(`hubKey: ${message}`));
    if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`hubKey must be the hub's Ed25519 public key, not ${key.asymmetricKeyType}`);
    return key;
  }
  const jwks = options.hubJwks;
  if (jwks === undefined) return undefined;
  if (typeof jwks === 'string' || jwks instanceof URL) {
    return createRemoteJWKSet(new URL(jwks), { timeoutDuration: options.timeoutMs });
  }
  return createLocalJWKSet(jwks);
}

const SIGNED_FIELDS = ['domain', 'url', 'public_key', 'fingerprint', 'confirmed_at'] as const;

/**
 * Verifies the hub's signature over the answer and that it signed exactly this answer: a valid proof for other
 * values (replayed from another domain, or an answer altered on the way) is refused. Returns the claims.
 */
export async function verifyProof(answer: PeerAnswer, domain: string, keys: ProofKeys, hubUrl: string): Promise<ProofClaims> {
  let claims: ProofClaims;
  try {
    const verified = await jwtVerify<ProofClaims>(answer.proof, keys as JWTVerifyGetKey, {
      algorithms: ALGORITHMS,
      typ: PROOF_JWS_TYPE,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', ...SIGNED_FIELDS],
    });
    claims = verified.payload;
  } catch (error) {
    if (isUnreachableKeySet(error)) {
      throw new HubUnavailable(hubUrl, `could not fetch the hub's signing keys: ${(error as Error).message}`);
    }
    throw new InvalidPeerRecord(domain, 'hub', `proof does not verify: ${(error as Error).message}`);
  }
  for (const field of SIGNED_FIELDS) {
    if (claims[field] !== answer[field]) throw new InvalidPeerRecord(domain, 'hub', `proof does not match the answer: ${field} differs`);
  }
  return claims;
}

function isUnreachableKeySet(error: unknown): boolean {
  // jose reports a JWKS it could not get as a timeout, a generic JOSEError (not 200, not JSON), JWKSInvalid (not a
  // key set), or the fetch's own error; a proof that fails against keys it did get has a specific code instead.
  if (!(error instanceof errors.JOSEError)) return true;
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC';
}

/** The proof's `exp` (seconds), read without verification: only ever used to shorten how long an answer is cached. */
export function unverifiedExpiry(proof: unknown): number | undefined {
  if (typeof proof !== 'string') return undefined;
  try {
    const { exp } = decodeJwt(proof);
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
