import {
  normalizeDomain,
  normalizePeerUrl,
  type ParsedPublicKey,
  type PeerAnswer,
  parsePublicKey,
  ProtocolError,
  type RegistrationAccepted,
  type RegistrationConfirmed,
  type ProofMethod,
  type RegistrationRequest,
  type VerificationAnswer,
} from './protocol/index.js';
import { HubLogProofInvalid, HubUnavailable, InvalidPeerRecord, RegistrationRefused } from './errors.js';
import type { HubLogVerifier } from './hub-log-verifier.js';
import type { LogEntry } from './log/entry.js';
import { DEFAULT_HUB_TIMEOUT_MS, hubBase, hubMessage, hubRequest, maxAgeSeconds, retryAfterSeconds } from './http.js';
import { parseOwnPublicKey, type PublicKeyInput } from './key-input.js';
import { type ProofKeys, unverifiedExpiry, verifyProof } from './proof.js';

export type HubLookup =
  | {
      kind: 'found';
      url: string;
      key: ParsedPublicKey;
      /** Epoch ms after which the answer must not be used: the proof's exp or Cache-Control, whichever is first. */
      expiresAt: number;
      /** Whether the answer's proof was verified against the hub's keys (false when no keys were given). */
      proofVerified: boolean;
      /** The transparency log entry the answer rests on, when the log was checked (logVerifier). */
      logEntry?: LogEntry;
    }
  | { kind: 'not-found'; detail: string; maxAgeSeconds?: number };

export interface HubLookupOptions {
  timeoutMs?: number;
  /** When set, the proof must verify against these keys, or the answer is refused. */
  proofKeys?: ProofKeys;
  minRsaBits?: number;
  now?: () => number;
  /** When set, the answer's `log` evidence must hold (hub-log-verifier.ts), or the answer is refused. */
  logVerifier?: HubLogVerifier;
}

/** Hub answers without any caching hint are kept this long. */
const DEFAULT_HUB_MAX_AGE_SECONDS = 60;

/** `GET {hub}/api/v1/peers?search=<domain>`, checked field by field (and against its proof, when keys are given). */
export async function lookupOnHub(hubUrl: string, domain: string, options: HubLookupOptions = {}): Promise<HubLookup> {
  const base = hubBase(hubUrl);
  const now = options.now ?? Date.now;
  const response = await hubRequest(base, `/api/v1/peers?search=${encodeURIComponent(domain)}`, { method: 'GET' }, options.timeoutMs ?? DEFAULT_HUB_TIMEOUT_MS);
  const isHubJson = typeof (response.json as { statusCode?: unknown } | undefined)?.statusCode === 'number';
  if (response.status === 404 || response.status === 400) {
    // A 404 that is not the hub's JSON error is a wrong URL (a web server's page), not an answer about the domain.
    if (!isHubJson) throw new HubUnavailable(base, hubMessage(response), response.status);
    return { kind: 'not-found', detail: `the hub answered ${response.status}: ${hubMessage(response)}`, maxAgeSeconds: maxAgeSeconds(response.headers) };
  }
  if (response.status !== 200) {
    throw new HubUnavailable(base, hubMessage(response), response.status, retryAfterSeconds(response.headers, now()));
  }
  if (response.json === undefined) throw new HubUnavailable(base, 'answered 200 with something other than JSON (is the hub URL right?)', 200);

  const answer = checkAnswerShape(response.json, domain);
  let url: string;
  let key: ParsedPublicKey;
  try {
    if (normalizeDomain(answer.domain, { requirePublicSuffix: false, allowMixedScript: true }) !== domain) throw new ProtocolError('domain', `is ${answer.domain}, not the domain asked for`);
    url = normalizePeerUrl(answer.url);
    key = parsePublicKey(answer.public_key, { minRsaBits: options.minRsaBits, requiredBy: { who: 'this client', setting: 'minRsaBits' } });
  } catch (error) {
    if (error instanceof ProtocolError) throw new InvalidPeerRecord(domain, 'hub', error.message);
    throw error;
  }
  if (answer.fingerprint !== key.fingerprint) throw new InvalidPeerRecord(domain, 'hub', 'fingerprint does not match public_key');

  const expiries = [now() + (maxAgeSeconds(response.headers) ?? DEFAULT_HUB_MAX_AGE_SECONDS) * 1000];
  let signedLogIndex: number | undefined;
  if (options.proofKeys) {
    const claims = await verifyProof(answer, domain, options.proofKeys, base);
    expiries.push(claims.exp * 1000);
    signedLogIndex = claims.log_index;
  } else {
    const exp = unverifiedExpiry(answer.proof);
    if (exp !== undefined) expiries.push(exp * 1000);
  }
  const proofVerified = options.proofKeys !== undefined;
  if (!options.logVerifier) return { kind: 'found', url, key, expiresAt: Math.min(...expiries), proofVerified };
  const logEntry = await options.logVerifier.verifyAnswer(answer.log, {
    domain,
    url,
    publicKey: key.pem,
    fingerprint: key.fingerprint,
  });
  // The proof signs the entry's index: an answer whose log object was swapped for another entry's is refused too.
  if (signedLogIndex !== undefined && signedLogIndex !== logEntry.index) {
    throw new HubLogProofInvalid(base, `the proof signs log entry ${signedLogIndex}, the answer's log object is entry ${logEntry.index}`, domain);
  }
  return { kind: 'found', url, key, expiresAt: Math.min(...expiries), proofVerified, logEntry };
}

function checkAnswerShape(json: unknown, domain: string): PeerAnswer {
  const peer = (json as { peer?: unknown }).peer as Record<string, unknown> | undefined;
  if (!peer || typeof peer !== 'object') throw new InvalidPeerRecord(domain, 'hub', 'the answer is not {"peer":{…}}');
  for (const field of ['domain', 'url', 'public_key', 'fingerprint', 'confirmed_at', 'proof'] as const) {
    if (typeof peer[field] !== 'string') throw new InvalidPeerRecord(domain, 'hub', `${field} is missing or not a string`);
  }
  return peer as unknown as PeerAnswer;
}

export interface RegisterOptions {
  hubUrl: string;
  domain: string;
  url: string;
  /** The server's public key (any form parsePublicKey reads, or a KeyObject). Never the private key. */
  publicKey: PublicKeyInput;
  /** Which mailbox gets the confirmation link (e.g. hostmaster@example.com); the hub's default otherwise. */
  contact?: string;
  /**
   * How ownership is proven: `email` (the default, what Rocket.Chat does), `dns` (a TXT record) or `http` (a file on
   * the domain). For dns and http the pending answer says exactly what to publish; then call verifyWithHub.
   */
  method?: ProofMethod;
  timeoutMs?: number;
}

export type RegistrationResult = RegistrationAccepted | RegistrationConfirmed;

/**
 * `POST {hub}/api/v1/peers`, the call a Rocket.Chat server makes. Inputs are checked with the hub's own rules first,
 * so a mistake is reported without a round trip. Pending (202): a confirmation link went to `contact`.
 * Confirmed (200): the hub already has exactly this URL and key. Throws RegistrationRefused (4xx: the hub's message
 * names the field and the rule) or HubUnavailable (network, timeout, 429 with retryAfterSeconds, 5xx).
 */
export async function registerWithHub(options: RegisterOptions): Promise<RegistrationResult> {
  const body: RegistrationRequest = {
    domain: normalizeDomain(options.domain, { requirePublicSuffix: false }),
    url: normalizePeerUrl(options.url),
    // Checked for shape and for being a private key, not for size: the hub's MIN_RSA_KEY_BITS is the hub's call.
    public_key: parseOwnPublicKey(options.publicKey).pem,
    ...(options.contact === undefined ? {} : { contact: options.contact }),
    ...(options.method === undefined || options.method === 'email' ? {} : { method: options.method }),
  };
  const response = await hubRequest(options.hubUrl, '/api/v1/peers', { method: 'POST', body }, options.timeoutMs ?? DEFAULT_HUB_TIMEOUT_MS);
  const json = response.json as Partial<RegistrationResult> | undefined;
  if ((response.status === 202 && json?.status === 'pending') || (response.status === 200 && json?.status === 'confirmed')) {
    return json as RegistrationResult;
  }
  const base = hubBase(options.hubUrl);
  if (response.status === 429) {
    throw new HubUnavailable(base, hubMessage(response), 429, retryAfterSeconds(response.headers));
  }
  if (response.status >= 400 && response.status < 500 && typeof (json as { statusCode?: unknown })?.statusCode === 'number') {
    throw new RegistrationRefused(response.status, hubMessage(response));
  }
  throw new HubUnavailable(base, hubMessage(response), response.status);
}

export interface VerifyOptions {
  hubUrl: string;
  domain: string;
  /** The hub's check may take a few seconds (DNS, then HTTP with a 5 s time-out): default 20 s. */
  timeoutMs?: number;
}

const DEFAULT_VERIFY_TIMEOUT_MS = 20_000;

/**
 * `POST {hub}/api/v1/peers/{domain}/verify`: asks the hub to check the domain's dns or http challenge now. Resolves
 * with what the hub found: `confirmed`, or `pending` with the finding (e.g. "no TXT record (NXDOMAIN) at …") and when
 * it checks again by itself. Throws RegistrationRefused (no challenge: 404; used, replaced or expired: 410) or
 * HubUnavailable (network, timeout, 429 with retryAfterSeconds, 5xx).
 */
export async function verifyWithHub(options: VerifyOptions): Promise<VerificationAnswer> {
  const domain = normalizeDomain(options.domain, { requirePublicSuffix: false });
  const response = await hubRequest(
    options.hubUrl,
    `/api/v1/peers/${encodeURIComponent(domain)}/verify`,
    { method: 'POST' },
    options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS,
  );
  const json = response.json as Partial<VerificationAnswer> | undefined;
  if (response.status === 200 && (json?.status === 'confirmed' || json?.status === 'pending') && typeof json.finding === 'string') {
    return json as VerificationAnswer;
  }
  const base = hubBase(options.hubUrl);
  if (response.status === 429) throw new HubUnavailable(base, hubMessage(response), 429, retryAfterSeconds(response.headers));
  if (response.status >= 400 && response.status < 500 && typeof (json as { statusCode?: unknown })?.statusCode === 'number') {
    throw new RegistrationRefused(response.status, hubMessage(response));
  }
  throw new HubUnavailable(base, hubMessage(response), response.status);
}
