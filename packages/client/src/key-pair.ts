import { generateKeyPairSync } from 'node:crypto';

export interface FederationKeyPairOptions {
  /** rsa (default: what Rocket.Chat peers expect) or ec (P-256). */
  type?: 'rsa' | 'ec';
  /** RSA modulus size. Default 3072. */
  bits?: number;
}

export interface FederationKeyPair {
  /** PKCS#8 PEM: keep it secret. */
  privateKey: string;
  /** SPKI PEM: what DNS and the hub publish. */
  publicKey: string;
}

/** A new key pair for a chat server, as `federation-hub keygen` writes it. */
export function generateFederationKeyPair(options: FederationKeyPairOptions = {}): FederationKeyPair {
  const generated =
    (options.type ?? 'rsa') === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: options.bits ?? 3072 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: generated.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: generated.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
