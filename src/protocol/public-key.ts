import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ProtocolError } from './errors.js';

export interface ParsedPublicKey {
  /** Canonical SPKI PEM: 64-character lines, trailing newline. */
  pem: string;
  /** Lowercase hex SHA-256 of the DER SPKI. */
  fingerprint: string;
  type: 'rsa' | 'ec' | 'ed25519';
  bits?: number;
  curve?: 'P-256' | 'P-384';
}

export interface PublicKeyOptions {
  /** Smallest RSA modulus accepted. Default 2048. */
  minRsaBits?: number;
  field?: string;
}

const MAX_INPUT = 16_384;
const ARMOUR = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const CURVES: Record<string, 'P-256' | 'P-384'> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/**
 * Parses a peer's public key as servers publish it: a PEM with or without its line breaks (Rocket.Chat strips
 * them), or the strings of a DNS TXT record to be concatenated. Accepts RSA ≥ minRsaBits, EC P-256/P-384 and
 * Ed25519. A private key is refused without ever repeating its content.
 */
export function parsePublicKey(input: unknown, options: PublicKeyOptions = {}): ParsedPublicKey {
  const field = options.field ?? 'public_key';
  const minRsaBits = options.minRsaBits ?? 2048;
  const fail = (rule: string): never => {
    throw new ProtocolError(field, rule);
  };
  const text = Array.isArray(input) && input.every((part) => typeof part === 'string') ? input.join('') : input;
  if (typeof text !== 'string') return fail('must be a string');
  if (text.length > MAX_INPUT) return fail(`must be at most ${MAX_INPUT} characters`);
  if (/PRIVATE KEY-----/.test(text)) return fail('is a private key; send only the public key (never share the private key)');
  if (/BEGIN CERTIFICATE/.test(text)) return fail('is a certificate; send the SPKI public key (-----BEGIN PUBLIC KEY-----)');

  const armour = ARMOUR.exec(text);
  if (!armour) return fail('must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)');
  const label = armour[1]!;
  if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') {
    return fail(`must be a PEM public key (-----BEGIN PUBLIC KEY-----), not "${label}"`);
  }
  const base64 = armour[2]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return fail('PEM body is not valid base64');

  let key: KeyObject;
  try {
    key = createPublicKey({
      key: Buffer.from(base64, 'base64'),
      format: 'der',
      type: label === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki',
    });
  } catch {
    return fail('could not be parsed as a public key (is it cut short?)');
  }

  const details = key.asymmetricKeyDetails ?? {};
  let description: Pick<ParsedPublicKey, 'type' | 'bits' | 'curve'>;
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < minRsaBits) fail(`RSA key has ${bits} bits; this hub requires at least ${minRsaBits} (MIN_RSA_KEY_BITS)`);
      description = { type: 'rsa', bits };
      break;
    }
    case 'ec': {
      const curve = CURVES[details.namedCurve ?? ''];
      if (!curve) return fail(`EC curve ${details.namedCurve ?? 'unknown'} is not supported; use P-256 or P-384`);
      description = { type: 'ec', curve };
      break;
    }
    case 'ed25519':
      description = { type: 'ed25519' };
      break;
    default:
      return fail(`${key.asymmetricKeyType ?? 'unknown'} keys are not supported; use RSA, EC P-256/P-384 or Ed25519`);
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    ...description,
  };
}

/** `ab12…` → `AB:12:…`, the way fingerprints are shown to people. */
export function formatFingerprint(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}
