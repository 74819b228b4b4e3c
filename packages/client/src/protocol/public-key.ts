import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ProtocolError } from './errors.js';
import { spkiToJwk } from './spki.js';

export interface ParsedPublicKey {
  /** Canonical SPKI PEM: 64-character lines, trailing newline. */
  pem: string;
  /** Lowercase hex SHA-256 of the DER SPKI. */
  fingerprint: string;
  type: 'rsa' | 'ec' | 'ed25519';
  /** RSA modulus length. */
  bits?: number;
  curve?: 'P-256' | 'P-384';
}

export interface PublicKeyOptions {
  /** Smallest RSA modulus accepted. Default 2048. */
  minRsaBits?: number;
  /** Field name used in error messages. Default `public_key`. */
  field?: string;
  /**
   * Who imposes `minRsaBits` and through which setting, for the "too small" message.
   * Default `{ who: 'this hub', setting: 'MIN_RSA_KEY_BITS' }`.
   */
  requiredBy?: { who: string; setting: string };
}

/** Longer input is refused unread: a 16384-bit RSA key, the largest anyone uses, is under 3 KiB of PEM. */
export const MAX_PUBLIC_KEY_INPUT = 16_384;

/**
 * Largest RSA modulus accepted, whatever the settings: each use of a larger key costs far more CPU (a 90,000-bit key
 * took 12.7 ms to check) and OpenSSL refuses to encrypt to one over 16,384 bits; nobody needs more than 8,192.
 */
export const MAX_RSA_KEY_BITS = 8192;

const PUBLIC_KEY_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const CURVES: Record<string, 'P-256' | 'P-384'> = { prime256v1: 'P-256', secp384r1: 'P-384' };
const PRIVATE_MARKERS = /PRIVATE KEY|PuTTY-User-Key-File|Private-Lines:/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses a peer's public key as servers publish it:
 * - a PEM SPKI key (`-----BEGIN PUBLIC KEY-----`), with or without its line breaks (Rocket.Chat stores it with the
 *   newlines stripped, sometimes with spaces in their place), or with literal `\n` escapes;
 * - a PKCS#1 `-----BEGIN RSA PUBLIC KEY-----`, converted to SPKI;
 * - the strings of a DNS TXT record (an array), concatenated first;
 * - the bare base64 of a DER SPKI key, without armour: accepted because it is unambiguous (it must still decode
 *   to a public key that passes every rule below) and operators paste it that way.
 * Accepts RSA ≥ minRsaBits, EC P-256/P-384 and Ed25519. A private key is refused, and no message ever repeats
 * any part of the input, so nothing secret can reach an API answer or a log line.
 */
export function parsePublicKey(input: unknown, options: PublicKeyOptions = {}): ParsedPublicKey {
  const field = options.field ?? 'public_key';
  const fail = (rule: string): never => {
    throw new ProtocolError(field, rule);
  };
  const { key, der } = decodePublicKey(input, fail);
  const details = key.asymmetricKeyDetails ?? {};
  let description: Pick<ParsedPublicKey, 'type' | 'bits' | 'curve'>;
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      const minRsaBits = options.minRsaBits ?? 2048;
      const { who, setting } = options.requiredBy ?? { who: 'this hub', setting: 'MIN_RSA_KEY_BITS' };
      if (bits < minRsaBits) fail(`RSA key has ${bits} bits; ${who} requires at least ${minRsaBits} (${setting})`);
      if (bits > MAX_RSA_KEY_BITS) fail(`RSA key has ${bits} bits; at most ${MAX_RSA_KEY_BITS} are accepted`);
      const exponent = details.publicExponent ?? 0n;
      if (exponent < 3n || exponent % 2n === 0n) fail('RSA public exponent must be odd and at least 3 (65537 is usual)');
      description = { type: 'rsa', bits };
      break;
    }
    case 'ec': {
      const curve = CURVES[details.namedCurve ?? ''];
      if (!curve) return fail(`EC curve ${details.namedCurve ?? '(unknown)'} is not supported; use P-256 or P-384`);
      description = { type: 'ec', curve };
      break;
    }
    case 'ed25519':
      description = { type: 'ed25519' };
      break;
    default:
      return fail(
        `${key.asymmetricKeyType ?? 'unknown'} keys are not supported; use RSA (at least ${options.minRsaBits ?? 2048} bits), EC P-256/P-384 or Ed25519`,
      );
  }
  return { ...canonical(der), ...description };
}

/** The fingerprint (lowercase hex SHA-256 of the DER SPKI) of any public key in the forms parsePublicKey reads. */
export function fingerprintOf(pem: string | string[]): string {
  const { der } = decodePublicKey(pem, (rule) => {
    throw new ProtocolError('public_key', rule);
  });
  return canonical(der).fingerprint;
}

/**
 * The key object of a public key in any form parsePublicKey reads, without its rules on type and size: for code
 * that has its own rules (seal, the legacy codec, the hub's proof key) but must read exactly the same forms.
 * Throws ProtocolError (naming `field`) for input that is not a readable public key.
 */
export function publicKeyObject(input: unknown, field = 'public_key'): KeyObject {
  return decodePublicKey(input, (rule) => {
    throw new ProtocolError(field, rule);
  }).key;
}

/** `ab12…` → `AB:12:…`, the way fingerprints are shown to people. */
export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * The fingerprint in eight groups of four bytes (`AB:CD:EF:01 23:45:67:89 …`): how the hub's pages and emails and
 * `federation-hub fingerprint` show it, so a person compares it group by group.
 */
export function groupFingerprint(hex: string): string[] {
  const pairs = formatFingerprint(hex).split(':');
  const groups: string[] = [];
  for (let index = 0; index < pairs.length; index += 4) groups.push(pairs.slice(index, index + 4).join(':'));
  return groups;
}

/** "RSA 2048-bit", "EC P-256", "Ed25519": for messages and the command line. */
export function describePublicKey(key: Pick<ParsedPublicKey, 'type' | 'bits' | 'curve'>): string {
  if (key.type === 'rsa') return `RSA ${key.bits}-bit`;
  if (key.type === 'ec') return `EC ${key.curve}`;
  return 'Ed25519';
}

function canonical(der: Buffer): Pick<ParsedPublicKey, 'pem' | 'fingerprint'> {
  // The PEM is the DER's base64 in 64-character lines, exactly as OpenSSL writes it.
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return {
    pem: `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/** A key and its canonical DER SPKI encoding. */
interface DecodedKey {
  key: KeyObject;
  der: Buffer;
}

/**
 * DER → key: the common canonical SPKI shapes through a JWK (their bytes are already canonical), anything else
 * through OpenSSL's decoder and one canonical export (each ≈30× slower; see spki.ts). Throws on an unreadable key.
 */
function importDer(der: Buffer, type: 'spki' | 'pkcs1'): DecodedKey {
  const jwk = type === 'spki' ? spkiToJwk(der) : undefined;
  if (jwk) return { key: createPublicKey({ key: jwk, format: 'jwk' }), der };
  const key = createPublicKey({ key: der, format: 'der', type });
  return { key, der: key.export({ type: 'spki', format: 'der' }) };
}

/** Text → key, without any policy on the key's type or size. */
function decodePublicKey(input: unknown, fail: (rule: string) => never): DecodedKey {
  let text: unknown = input;
  if (Array.isArray(input)) {
    if (!input.every((part) => typeof part === 'string')) return fail('must be a string or an array of strings');
    text = input.join('');
  }
  if (typeof text !== 'string') return fail('must be a string');
  if (text.length > MAX_PUBLIC_KEY_INPUT) return fail(`must be at most ${MAX_PUBLIC_KEY_INPUT} characters`);
  if (PRIVATE_MARKERS.test(text)) return fail('is a private key; send only the public key (never share the private key)');
  if (/BEGIN CERTIFICATE/.test(text)) return fail('is a certificate; send the SPKI public key (-----BEGIN PUBLIC KEY-----)');
  text = text.replace(/\\[rn]/g, '\n').trim();
  if (/^(?:ssh-rsa|ssh-ed25519|ecdsa-sha2-\S+) /.test(text as string)) {
    return fail('is an OpenSSH public key; convert it with `ssh-keygen -e -m PKCS8 -f key.pub`');
  }
  const pem = text as string;
  const begins = pem.match(/-----BEGIN /g)?.length ?? 0;
  if (begins > 1) return fail('must contain exactly one key');
  return begins === 0 ? fromBareBase64(pem, fail) : fromPem(pem, fail);
}

function fromPem(text: string, fail: (rule: string) => never): DecodedKey {
  const armour = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!armour) {
    const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
    const end = `-----END ${label}-----`;
    const endAt = text.lastIndexOf('-----END');
    // Cut short: no END line at all, or only the beginning of it (the value stops inside the END line).
    if (label && (endAt === -1 || (end.startsWith(text.slice(endAt)) && text.slice(endAt) !== end))) {
      return fail(`is cut short: "-----END ${label}-----" is missing (a DNS provider may have truncated it at 255 characters)`);
    }
    return fail('has a malformed PEM armour; expected -----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----');
  }
  const label = armour[1]!;
  if (!PUBLIC_KEY_LABELS.has(label)) return fail(`must be a PEM public key (-----BEGIN PUBLIC KEY-----), not "${label}"`);
  const body = armour[2]!.replace(/\s+/g, '');
  if (!BASE64.test(body)) return fail('PEM body is not valid base64');
  try {
    return importDer(Buffer.from(body, 'base64'), label === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki');
  } catch {
    return fail('could not be parsed as a public key (is it cut short or altered?)');
  }
}

function fromBareBase64(text: string, fail: (rule: string) => never): DecodedKey {
  const body = text.replace(/\s+/g, '');
  if (!BASE64.test(body) || body.length < 40) {
    return fail('must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)');
  }
  const der = Buffer.from(body, 'base64');
  try {
    return importDer(der, 'spki');
  } catch {
    // Armour-less private keys are refused as such, not as "unparseable", so the sender learns what went wrong.
    if (isPrivateDer(der)) return fail('is a private key; send only the public key (never share the private key)');
    return fail('is neither a PEM public key nor the base64 of a DER SPKI public key');
  }
}

function isPrivateDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}
