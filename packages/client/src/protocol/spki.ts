/**
 * A strict reader for the DER SubjectPublicKeyInfo of the key types the protocol accepts, turning it into a JWK.
 *
 * Why: OpenSSL 3's DER decoder and encoder are slow (≈140 µs to read an RSA-2048 SPKI and ≈170 µs to write it back
 * on the reference machine), while importing the same key as a JWK takes ≈5 µs. Registration reads one key per
 * request, so parsePublicKey reads the common shapes here and hands OpenSSL a JWK. The JWK import still validates
 * the key (an EC point must lie on its curve).
 *
 * Only canonical input is read: the components are encoded again exactly as OpenSSL writes them, and anything
 * whose bytes differ (BER lengths, padded integers, trailing bytes, other algorithm parameters, compressed EC
 * points, PKCS#1) returns undefined, so the caller falls back to OpenSSL and its canonical export. The input
 * bytes are therefore the canonical DER whenever a JWK is returned.
 */

const RSA_ALGORITHM = hex('300d06092a864886f70d0101010500');
const ED25519_ALGORITHM = hex('300506032b6570');
const EC_ALGORITHMS = [
  { crv: 'P-256', coordinateBytes: 32, algorithm: hex('301306072a8648ce3d020106082a8648ce3d030107') },
  { crv: 'P-384', coordinateBytes: 48, algorithm: hex('301006072a8648ce3d020106052b81040022') },
] as const;

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;

export type SpkiJwk =
  | { kty: 'RSA'; n: string; e: string }
  | { kty: 'EC'; crv: 'P-256' | 'P-384'; x: string; y: string }
  | { kty: 'OKP'; crv: 'Ed25519'; x: string };

/** The JWK of a canonical DER SPKI RSA, EC P-256/P-384 (uncompressed point) or Ed25519 key; undefined otherwise. */
export function spkiToJwk(der: Uint8Array): SpkiJwk | undefined {
  const outer = readElement(der, 0, SEQUENCE);
  if (!outer || outer.end !== der.length) return undefined;
  const algorithm = readElement(der, outer.start, SEQUENCE);
  if (!algorithm) return undefined;
  const algorithmBytes = der.subarray(outer.start, algorithm.end);
  const bitString = readElement(der, algorithm.end, BIT_STRING);
  if (!bitString || bitString.end !== outer.end || der[bitString.start] !== 0) return undefined;
  const keyBytes = der.subarray(bitString.start + 1, bitString.end);

  let jwk: SpkiJwk | undefined;
  let encodedKey: Uint8Array = keyBytes;
  if (equalBytes(algorithmBytes, RSA_ALGORITHM)) {
    const rsa = readRsaPublicKey(keyBytes);
    if (!rsa) return undefined;
    jwk = { kty: 'RSA', n: base64url(rsa.n), e: base64url(rsa.e) };
    encodedKey = element(SEQUENCE, concat(integer(rsa.n), integer(rsa.e)));
  } else if (equalBytes(algorithmBytes, ED25519_ALGORITHM)) {
    if (keyBytes.length !== 32) return undefined;
    jwk = { kty: 'OKP', crv: 'Ed25519', x: base64url(keyBytes) };
  } else {
    const curve = EC_ALGORITHMS.find((candidate) => equalBytes(algorithmBytes, candidate.algorithm));
    const size = curve?.coordinateBytes ?? 0;
    if (!curve || keyBytes.length !== 1 + 2 * size || keyBytes[0] !== 0x04) return undefined;
    jwk = { kty: 'EC', crv: curve.crv, x: base64url(keyBytes.subarray(1, 1 + size)), y: base64url(keyBytes.subarray(1 + size)) };
  }
  const canonical = element(SEQUENCE, concat(algorithmBytes, element(BIT_STRING, concat(Uint8Array.of(0), encodedKey))));
  return equalBytes(canonical, der) ? jwk : undefined;
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, as unsigned big-endian magnitudes. */
function readRsaPublicKey(bytes: Uint8Array): { n: Uint8Array; e: Uint8Array } | undefined {
  const sequence = readElement(bytes, 0, SEQUENCE);
  if (!sequence || sequence.end !== bytes.length) return undefined;
  const modulus = readElement(bytes, sequence.start, INTEGER);
  const exponent = modulus && readElement(bytes, modulus.end, INTEGER);
  if (!modulus || !exponent || exponent.end !== sequence.end) return undefined;
  return { n: magnitude(bytes.subarray(modulus.start, modulus.end)), e: magnitude(bytes.subarray(exponent.start, exponent.end)) };
}

interface Element {
  /** Offset of the contents. */
  start: number;
  /** Offset just past the contents. */
  end: number;
}

/** One tag-length-value at `offset` with the expected tag; lengths up to 4 bytes (keys are far smaller). */
function readElement(bytes: Uint8Array, offset: number, tag: number): Element | undefined {
  if (bytes[offset] !== tag || offset + 2 > bytes.length) return undefined;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > bytes.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    start += count;
  }
  const end = start + length;
  return end <= bytes.length ? { start, end } : undefined;
}

function element(tag: number, contents: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), encodeLength(contents.length), contents);
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const digits: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  return Uint8Array.of(0x80 | digits.length, ...digits);
}

/** A non-negative INTEGER in minimal two's complement: a leading zero byte only when the top bit is set. */
function integer(magnitudeBytes: Uint8Array): Uint8Array {
  const body = magnitudeBytes.length === 0 ? Uint8Array.of(0) : magnitudeBytes[0]! & 0x80 ? concat(Uint8Array.of(0), magnitudeBytes) : magnitudeBytes;
  return element(INTEGER, body);
}

/** INTEGER contents → unsigned magnitude without leading zero bytes (a negative number survives the strip and then fails the re-encoding). */
function magnitude(contents: Uint8Array): Uint8Array {
  let first = 0;
  while (first < contents.length - 1 && contents[first] === 0) first++;
  return contents.subarray(first);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}
