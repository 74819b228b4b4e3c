import { constants, type KeyObject, privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt } from 'node:crypto';
import { SealError } from './errors.js';
import { importPrivateKey, importPublicKey, type PrivateKeyInput, type PublicKeyInput } from './key-input.js';

/**
 * The `legacy-rocketchat` codec: the payload format of Rocket.Chat's own federation (3.x), byte-compatible both
 * ways, on node:crypto alone. Use it ONLY for a peer that runs Rocket.Chat's federation code; between peers that
 * both speak it, `seal`/`open` (JOSE) is the default, because this format is weak (below).
 *
 * What Rocket.Chat does (RocketChat/Rocket.Chat app/federation/server/lib/crypt.js, encrypt/decrypt):
 *   data = FederationKeys.loadKey(peerKey, 'public').encrypt(data)      // layer 1, to the peer's public key
 *   return FederationKeys.getPrivateKey().encryptPrivate(data)          // layer 2, with the sender's private key
 * and the receiver reverses it: `decryptPublic` with the sender's public key, then `decrypt` with its own private key,
 * then `JSON.parse(data.toString())`.
 *
 * What NodeRSA 1.x makes of those calls (rzcoder/node-rsa 1.1.1, src/NodeRSA.js, src/libs/rsa.js,
 * src/encryptEngines/io.js, src/schemes/oaep.js, src/schemes/pkcs1.js):
 * - the default encryption scheme is `pkcs1_oaep` with hash `sha1` (NodeRSA.js DEFAULT_ENCRYPTION_SCHEME and
 *   encryptionSchemeOptions); on Node the io.js engine calls `crypto.publicEncrypt` with RSA_PKCS1_OAEP_PADDING
 *   (OpenSSL's default OAEP hash and MGF1: SHA-1) and `crypto.privateEncrypt` with RSA_PKCS1_PADDING (PKCS#1 v1.5
 *   block type 1: 00 01 FF…FF 00 data) for `encryptPrivate`;
 * - an object payload is `JSON.stringify`-ed, UTF-8 (NodeRSA.js $getDataForEncrypt);
 * - RSAKey.encrypt cuts its input into `ceil(length / max)` chunks (at least one, so an empty input is one empty
 *   chunk) of equal size `ceil(length / count)` — not into full chunks of `max` — and concatenates the encrypted
 *   blocks, each exactly the modulus size. `max` is the key's *encryption scheme's* maxMessageLength, which is
 *   OAEP's `modulus bytes − 2·20 − 2 = − 42` for BOTH layers: encryptPrivate uses the same RSAKey.encrypt, so the
 *   type-1 layer is also cut at modulus bytes − 42, not at the − 11 PKCS#1 v1.5 itself would allow;
 * - RSAKey.decrypt cuts its input into blocks of exactly the modulus size (anything else is "Incorrect data").
 * On the wire (app/federation/server/lib/http.js, federationRequest): Meteor's HTTP.call sends
 * `JSON.stringify(buffer)`, i.e. the JSON of a Node Buffer `{"type":"Buffer","data":[…bytes…]}`, as
 * application/json, with the sender's domain in the `x-federation-domain` header; the receiver does
 * `Buffer.from(bodyParams)`.
 *
 * What it protects, plainly:
 * - Confidentiality against anyone without the receiver's private key: layer 1 is RSA-OAEP to the receiver. A
 *   misdelivered payload cannot be read elsewhere. But OAEP here uses SHA-1 (still not broken for OAEP, but
 *   deprecated), keys as small as Rocket.Chat 3.x's 512-bit default (app/models/server/models/FederationKeys.js:
 *   `new NodeRSA({ b: 512 })`) can be factored in hours, and every chunk is encrypted on its own.
 * - NO authenticated encryption: the chunks are independent RSA blocks with no MAC over the whole. Whoever holds the
 *   sender's private key, or any earlier payload, can drop, reorder or replay blocks; the result may still open.
 * - The type-1 layer is not a modern signature: it is raw PKCS#1 v1.5 "private encrypt" of ciphertext, with no
 *   hash, no context and no binding to the receiver, the time or the sender's domain. It shows the blocks went
 *   through the sender's private key, and anyone can strip it with the sender's PUBLIC key — it hides nothing. The
 *   sender's domain travels unauthenticated in a header.
 * - No replay protection at all: the same body can be posted again and will open again.
 * `seal` (JOSE: a PS256/ES256/EdDSA JWS nested in an RSA-OAEP-256/ECDH-ES JWE with AES-256-GCM, RSA ≥ 2048) has
 * none of these weaknesses, which is why it stays the default and why this codec is only ever used for a peer the
 * caller has said speaks it (FederationNode.setPeerCodec): never as a fallback when JOSE fails.
 *
 * Cost: every block is one RSA operation (a 100 KB payload between 2048-bit keys is ≈ 1 000 of them, ≈ 16 000
 * with 512-bit keys), so bound the size of the bodies you accept before calling openLegacy.
 *
 * Node 24: privateEncrypt/publicDecrypt with RSA_PKCS1_PADDING (the type-1 layer) work — Node's Marvin-attack
 * mitigation only changes privateDecrypt with RSA_PKCS1_PADDING (type-2 decryption, which answers garbage rather
 * than an error), and this codec never calls that: its privateDecrypt is OAEP, which fails loudly on a wrong key.
 */

export const LEGACY_ROCKETCHAT_CODEC = 'legacy-rocketchat';
/** The header Rocket.Chat names the sending domain in (app/federation/server/lib/http.js). */
export const LEGACY_DOMAIN_HEADER = 'x-federation-domain';

/** The JSON of a Node Buffer, as Rocket.Chat posts it. */
export interface LegacyBody {
  type: 'Buffer';
  data: number[];
}

/** NodeRSA's OAEP overhead with SHA-1: 2·hLen + 2 (rzcoder/node-rsa src/schemes/oaep.js maxMessageLength). */
const OAEP_SHA1_OVERHEAD = 2 * 20 + 2;
/** Rocket.Chat 3.x generated 512-bit keys; nothing smaller was ever produced, and smaller ones are refused. */
export const MIN_LEGACY_RSA_BITS = 512;

/** Encrypts a JSON payload exactly as Rocket.Chat's crypt.js encrypt() does; post the result as JSON. */
export function sealLegacy(payload: unknown, ourPrivateKey: PrivateKeyInput, peerPublicKey: PublicKeyInput): LegacyBody {
  const json = JSON.stringify(payload);
  if (json === undefined) throw new SealError('bad-payload', 'payload must be a JSON value (not undefined or a function)');
  const sealed = sealLegacyBytes(Buffer.from(json, 'utf8'), ourPrivateKey, peerPublicKey);
  return { type: 'Buffer', data: Array.from(sealed) };
}

/**
 * Decrypts a body from a Rocket.Chat peer (the parsed JSON `{"type":"Buffer","data":[…]}`, its JSON text, or the
 * bytes) and parses the JSON payload. Throws SealError: `bad-signature` when the outer layer does not open with
 * the peer's public key (another sender, or altered), `cannot-open` when the inner one does not open with ours (not
 * for us), `bad-payload` when what opens is not UTF-8 JSON. Never returns anything else.
 */
export function openLegacy<T = unknown>(body: unknown, ourPrivateKey: PrivateKeyInput, peerPublicKey: PublicKeyInput): T {
  const plaintext = openLegacyBytes(bodyBytes(body), ourPrivateKey, peerPublicKey);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
    return JSON.parse(text) as T;
  } catch {
    throw new SealError('bad-payload', 'the opened payload is not UTF-8 JSON');
  }
}

/** The two layers over raw bytes (what NodeRSA does to a Buffer). */
export function sealLegacyBytes(plaintext: Uint8Array, ourPrivateKey: PrivateKeyInput, peerPublicKey: PublicKeyInput): Buffer {
  const signer = legacyKey(importPrivateKey(ourPrivateKey), 'our');
  const recipient = legacyKey(importPublicKey(peerPublicKey, "the peer's"), "the peer's");
  return typeOneLayer(oaepLayer(plaintext, recipient), signer);
}

export function openLegacyBytes(sealed: Uint8Array, ourPrivateKey: PrivateKeyInput, peerPublicKey: PublicKeyInput): Buffer {
  const ours = legacyKey(importPrivateKey(ourPrivateKey), 'our');
  const sender = legacyKey(importPublicKey(peerPublicKey, "the peer's"), "the peer's");
  const senderBlock = modulusBytes(sender);
  if (sealed.length === 0 || sealed.length % senderBlock !== 0) {
    throw new SealError(
      'bad-signature',
      `a legacy payload from this peer is a whole number of ${senderBlock}-byte blocks (its key's size); ${sealed.length} bytes came: another sender's key, or cut short`,
    );
  }
  let inner: Buffer;
  try {
    inner = Buffer.concat(blocks(sealed, senderBlock).map((block) => publicDecrypt({ key: sender, padding: constants.RSA_PKCS1_PADDING }, block)));
  } catch {
    throw new SealError('bad-signature', "the outer (type-1) layer does not open with the peer's public key: not sent with that key, or altered");
  }
  const ourBlock = modulusBytes(ours);
  if (inner.length === 0 || inner.length % ourBlock !== 0) {
    throw new SealError('cannot-open', `not encrypted to our key: the inner layer is ${inner.length} bytes, not a whole number of our ${ourBlock}-byte blocks`);
  }
  try {
    return Buffer.concat(
      blocks(inner, ourBlock).map((block) => privateDecrypt({ key: ours, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, block)),
    );
  } catch {
    throw new SealError('cannot-open', 'not encrypted to our key (RSA-OAEP does not open with it): misdelivered, or sealed for another key');
  }
}

/** Layer 1: NodeRSA `encrypt` — RSA-OAEP (SHA-1) to the recipient, in NodeRSA's chunks. */
export function oaepLayer(plaintext: Uint8Array, recipient: KeyObject): Buffer {
  const max = modulusBytes(recipient) - OAEP_SHA1_OVERHEAD;
  return Buffer.concat(
    nodeRsaChunks(plaintext, max).map((chunk) => publicEncrypt({ key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, chunk)),
  );
}

/** Layer 2: NodeRSA `encryptPrivate` — PKCS#1 v1.5 type 1 with the sender's key, also in chunks of modulus − 42. */
export function typeOneLayer(data: Uint8Array, signer: KeyObject): Buffer {
  const max = modulusBytes(signer) - OAEP_SHA1_OVERHEAD;
  return Buffer.concat(nodeRsaChunks(data, max).map((chunk) => privateEncrypt({ key: signer, padding: constants.RSA_PKCS1_PADDING }, chunk)));
}

/** rzcoder/node-rsa src/libs/rsa.js RSAKey.prototype.encrypt: equal-sized chunks, at least one. */
function nodeRsaChunks(buffer: Uint8Array, max: number): Uint8Array[] {
  const count = Math.ceil(buffer.length / max) || 1;
  if (count === 1) return [buffer];
  const size = Math.ceil(buffer.length / count || 1);
  return Array.from({ length: count }, (_, index) => buffer.subarray(index * size, (index + 1) * size));
}

function blocks(buffer: Uint8Array, size: number): Uint8Array[] {
  return Array.from({ length: buffer.length / size }, (_, index) => buffer.subarray(index * size, (index + 1) * size));
}

function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

function legacyKey<K extends KeyObject>(key: K, whose: string): K {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SealError('unsupported-key', `${whose} key is ${key.asymmetricKeyType ?? 'unknown'}; the legacy Rocket.Chat format is RSA only`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_LEGACY_RSA_BITS) {
    throw new SealError('weak-key', `${whose} RSA key has ${bits} bits; the legacy Rocket.Chat format needs at least ${MIN_LEGACY_RSA_BITS}`);
  }
  return key;
}

function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new SealError('bad-payload', 'a legacy body is the JSON of a Buffer: {"type":"Buffer","data":[…]}');
    }
  }
  const candidate = value as Partial<LegacyBody> | null;
  if (!candidate || typeof candidate !== 'object' || candidate.type !== 'Buffer' || !Array.isArray(candidate.data)) {
    throw new SealError('bad-payload', 'a legacy body is the JSON of a Buffer: {"type":"Buffer","data":[…]}');
  }
  const data = candidate.data;
  // Buffer.from would silently wrap 256 to 0 and read "a" as 0: refuse anything that is not a byte.
  for (let index = 0; index < data.length; index++) {
    const byte = data[index];
    if (!Number.isInteger(byte) || (byte as number) < 0 || (byte as number) > 255) {
      throw new SealError('bad-payload', `data[${index}] is not a byte (an integer 0..255)`);
    }
  }
  return Uint8Array.from(data);
}
