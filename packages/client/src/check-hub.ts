import { formatFingerprint, normalizeDomain } from './protocol/index.js';
import { FederationError, HubUnavailable } from './errors.js';
import { parseOwnPublicKey, type PublicKeyInput } from './key-input.js';
import { lookupOnHub } from './hub-api.js';
import type { ProofKeys } from './proof.js';

/** Whether a hub answers for the domain, in the shape of a DNS check entry. */
export interface HubCheck {
  hubUrl: string;
  ok: boolean;
  found: string;
  expected: string;
  fix?: string;
  /** When the hub answered with a registration: its URL and key fingerprint (lowercase hex). */
  url?: string;
  fingerprint?: string;
  /** The hub could not be asked (unreachable, an error, an answer that is not the hub's): nothing is known. */
  couldNotCheck?: boolean;
}

export interface CheckHubOptions {
  hubUrl: string;
  timeoutMs?: number;
  /** This server's public key (any form parsePublicKey reads, or a KeyObject): the hub must serve this one. */
  publicKey?: PublicKeyInput;
  proofKeys?: ProofKeys;
  allowPrivateDomains?: boolean;
}

export async function checkHub(input: string, options: CheckHubOptions): Promise<HubCheck> {
  const domain = normalizeDomain(input, { requirePublicSuffix: !options.allowPrivateDomains });
  const register = `federation-hub register --hub ${options.hubUrl} --domain ${domain} --url <your URL> --public-key-file <public.pem>`;
  const expected = options.publicKey
    ? `a confirmed registration with this server's key (fingerprint ${formatFingerprint(parseOwnPublicKey(options.publicKey).fingerprint)})`
    : 'a confirmed registration';
  const base = { hubUrl: options.hubUrl, expected };
  try {
    const answer = await lookupOnHub(options.hubUrl, domain, { timeoutMs: options.timeoutMs, proofKeys: options.proofKeys, minRsaBits: 0 });
    if (answer.kind === 'not-found') {
      return { ...base, ok: false, found: answer.detail, fix: `register (then confirm the emailed link): ${register}` };
    }
    const found = `${answer.url}, key fingerprint ${formatFingerprint(answer.key.fingerprint)}`;
    const registered = { url: answer.url, fingerprint: answer.key.fingerprint };
    if (options.publicKey && parseOwnPublicKey(options.publicKey).fingerprint !== answer.key.fingerprint) {
      return { ...base, ok: false, found: `${found}: not this server's key`, fix: `register again with the current key: ${register}`, ...registered };
    }
    return { ...base, ok: true, found, ...registered };
  } catch (error) {
    if (!(error instanceof FederationError)) throw error;
    return { ...base, ok: false, found: error.message, fix: 'check the hub URL and that the hub is reachable', ...(error instanceof HubUnavailable ? { couldNotCheck: true } : {}) };
  }
}
