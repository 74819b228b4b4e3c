import { createPublicKey, type KeyObject } from 'node:crypto';
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, decodeProtectedHeader } from 'jose';
import { fingerprintOf, formatFingerprint } from './protocol/index.js';
import { SealError } from './errors.js';
import { importPrivateKey as privateKey, importPublicKey, type PrivateKeyInput, type PublicKeyInput } from './key-input.js';

/**
 * The seed's "double encryption" (sign with our private key, encrypt to the peer's public key) with modern,
 * standard primitives: a JWS (our signature over the JSON payload) nested in a JWE (encrypted to the peer).
 *
 *   signature  RSA ≥ 2048 → PS256 · EC P-256 → ES256 · EC P-384 → ES384 · Ed25519 → EdDSA
 *   key wrap   RSA ≥ 2048 → RSA-OAEP-256 · EC P-256/P-384 → ECDH-ES+A256KW · Ed25519 → refused (see below)
 *   content    A256GCM
 *
 * Ed25519 is a signature-only key: nothing can be encrypted to it (the X25519 conversion some libraries offer
 * reuses one key for two purposes and is not a JOSE algorithm), so a peer whose key is Ed25519 can send sealed
 * payloads but not receive them. RSA keys under 2048 bits are refused on both sides.
 */

const MIN_RSA_BITS = 2048;
const CONTENT_ENCRYPTION = 'A256GCM';
/** `typ` of the inner JWS, so a sealed payload cannot be confused with another JOSE object signed by the same key. */
export const SEALED_PAYLOAD_TYPE = 'federation-payload+jws';

export async function seal(payload: unknown, ourPrivateKey: PrivateKeyInput, peerPublicKey: PublicKeyInput): Promise<string> {
  const signer = privateKey(ourPrivateKey);
  const recipient = importPublicKey(peerPublicKey, "the peer's");
  const signing = signatureAlgorithm(signer, 'our');
  const wrapping = encryptionAlgorithm(recipient);
  const json = JSON.stringify(payload);
  if (json === undefined) throw new SealError('bad-payload', 'payload must be a JSON value (not undefined or a function)');

  const signed = await new CompactSign(new TextEncoder().encode(json))
    .setProtectedHeader({ alg: signing, typ: SEALED_PAYLOAD_TYPE, kid: keyId(createPublicKey(signer)) })
    .sign(signer);
  return new CompactEncrypt(new TextEncoder().encode(signed))
    .setProtectedHeader({ alg: wrapping, enc: CONTENT_ENCRYPTION, cty: 'JOSE', kid: keyId(recipient) })
    .encrypt(recipient);
}

/** Decrypts with our private key, then verifies the peer's signature; returns the payload. */
export async function open<T = unknown>(token: string, ourPrivateKey: PrivateKeyInput, peerPublicKey: PublicKeyInput): Promise<T> {
  const ours = privateKey(ourPrivateKey);
  const sender = importPublicKey(peerPublicKey, "the peer's");
  const wrapping = encryptionAlgorithm(createPublicKey(ours), 'our');
  const signing = signatureAlgorithm(sender, 'peer');

  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new SealError('cannot-open', 'not a sealed payload (a compact JWE was expected)');
  }
  const ourId = keyId(createPublicKey(ours));
  if (typeof header.kid === 'string' && header.kid !== ourId) {
    throw new SealError('cannot-open', `sealed for another key (${formatFingerprint(header.kid.slice(0, 64))}), not ours (${formatFingerprint(ourId)})`);
  }
  let signed: Uint8Array;
  try {
    ({ plaintext: signed } = await compactDecrypt(token, ours, {
      keyManagementAlgorithms: [wrapping],
      contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
    }));
  } catch (error) {
    throw new SealError('cannot-open', `could not decrypt: ${(error as Error).message}`);
  }
  let payload: Uint8Array;
  try {
    const verified = await compactVerify(new TextDecoder().decode(signed), sender, { algorithms: [signing] });
    if (verified.protectedHeader.typ !== SEALED_PAYLOAD_TYPE) throw new Error(`typ is not ${SEALED_PAYLOAD_TYPE}`);
    payload = verified.payload;
  } catch (error) {
    throw new SealError('bad-signature', `not signed by the peer's key: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(new TextDecoder().decode(payload)) as T;
  } catch {
    throw new SealError('bad-payload', 'the signed payload is not JSON');
  }
}

function keyId(key: KeyObject): string {
  return fingerprintOf(key.export({ type: 'spki', format: 'pem' }).toString());
}

function rsaBits(key: KeyObject, whose: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new SealError(
      'weak-key',
      `${whose} RSA key has ${bits} bits; sealing needs at least ${MIN_RSA_BITS}: smaller RSA keys can be factored ` +
        '(512-bit ones in hours on rented machines), which would let anyone read and forge the payloads',
    );
  }
}

function curve(key: KeyObject): 'P-256' | 'P-384' | undefined {
  const named = key.asymmetricKeyDetails?.namedCurve;
  return named === 'prime256v1' ? 'P-256' : named === 'secp384r1' ? 'P-384' : undefined;
}

function signatureAlgorithm(key: KeyObject, whose: 'our' | 'peer'): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      rsaBits(key, whose === 'our' ? 'our' : "the peer's");
      return 'PS256';
    case 'ec': {
      const named = curve(key);
      if (named === 'P-256') return 'ES256';
      if (named === 'P-384') return 'ES384';
      break;
    }
    case 'ed25519':
      return 'EdDSA';
  }
  throw new SealError('unsupported-key', `${whose === 'our' ? 'our' : "the peer's"} ${describe(key)} key cannot sign; use RSA ≥ 2048, EC P-256/P-384 or Ed25519`);
}

function encryptionAlgorithm(key: KeyObject, whose: 'our' | 'peer' = 'peer'): 'RSA-OAEP-256' | 'ECDH-ES+A256KW' {
  const owner = whose === 'our' ? 'our' : "the peer's";
  switch (key.asymmetricKeyType) {
    case 'rsa':
      rsaBits(key, owner);
      return 'RSA-OAEP-256';
    case 'ec':
      if (curve(key)) return 'ECDH-ES+A256KW';
      break;
    case 'ed25519':
      throw new SealError(
        'unsupported-key',
        `${owner} key is Ed25519, a signature-only key: nothing can be encrypted to it. ` +
          'Receiving sealed payloads needs an RSA (≥ 2048 bits) or EC P-256/P-384 key.',
      );
  }
  throw new SealError('unsupported-key', `${owner} ${describe(key)} key cannot receive sealed payloads; use RSA ≥ 2048 or EC P-256/P-384`);
}

function describe(key: KeyObject): string {
  const named = key.asymmetricKeyDetails?.namedCurve;
  return named ? `${key.asymmetricKeyType} ${named}` : String(key.asymmetricKeyType);
}
