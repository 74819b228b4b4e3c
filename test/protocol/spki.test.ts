import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePublicKey, ProtocolError } from '../../packages/client/src/protocol/index.js';
import { spkiToJwk } from '../../packages/client/src/protocol/spki.js';

const der = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });
const pemOf = (bytes: Uint8Array) =>
  `-----BEGIN PUBLIC KEY-----\n${Buffer.from(bytes).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
const spkiPem = { type: 'spki', format: 'pem' } as const;
const unusedPrivate = { type: 'pkcs8', format: 'pem' } as const;

const keys: Record<string, string> = {
  'RSA 1024, e=3': generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3, publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
  'RSA 2048': generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
  // 2056 bits: a modulus whose top byte does not fill a whole octet boundary the usual way.
  'RSA 2056': generateKeyPairSync('rsa', { modulusLength: 2056, publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
  'RSA 4096': generateKeyPairSync('rsa', { modulusLength: 4096, publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
  'EC P-256': generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
  'EC P-384': generateKeyPairSync('ec', { namedCurve: 'P-384', publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
  Ed25519: generateKeyPairSync('ed25519', { publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
};

/** What OpenSSL reads from the same bytes, or undefined when it refuses them. */
function openssl(bytes: Uint8Array): { jwk: JsonWebKey; der: Buffer } | undefined {
  try {
    const key = createPublicKey({ key: Buffer.from(bytes), format: 'der', type: 'spki' });
    return { jwk: key.export({ format: 'jwk' }), der: key.export({ type: 'spki', format: 'der' }) };
  } catch {
    return undefined;
  }
}

describe('spkiToJwk reads canonical SPKI exactly as OpenSSL does', () => {
  for (const [name, pem] of Object.entries(keys)) {
    it(`${name}: the JWK OpenSSL exports`, () => {
      assert.deepEqual(spkiToJwk(der(pem)), createPublicKey(pem).export({ format: 'jwk' }));
    });
  }

  it('an EC point off its curve reads as a JWK that the import then refuses, as OpenSSL refuses the DER', () => {
    const bytes = Buffer.from(der(keys['EC P-256']!));
    bytes[bytes.length - 1]! ^= 1;
    const jwk = spkiToJwk(bytes);
    assert.ok(jwk);
    assert.throws(() => createPublicKey({ key: jwk, format: 'jwk' }));
    assert.equal(openssl(bytes), undefined);
    assert.throws(() => parsePublicKey(pemOf(bytes)), (error: unknown) => error instanceof ProtocolError && /could not be parsed/.test(error.message));
  });
});

describe('spkiToJwk leaves every non-canonical or unknown shape to OpenSSL', () => {
  const ed = Buffer.from(der(keys.Ed25519!));
  const rsa = Buffer.from(der(keys['RSA 2048']!));
  const cases: Record<string, Uint8Array> = {
    'a long-form length where the short form fits': Buffer.concat([Buffer.from([0x30, 0x81, ed[1]!]), ed.subarray(2)]),
    'a byte after the key': Buffer.concat([ed, Buffer.from([0])]),
    'a bit string with unused bits': Buffer.from(ed.map((byte, i) => (i === 11 ? 1 : byte))),
    'an RSA modulus padded with an extra zero byte': paddedModulus(rsa),
    'RSA with absent algorithm parameters': rsaWithoutNull(rsa),
    'a compressed EC point': compressedPoint(Buffer.from(der(keys['EC P-256']!))),
    'secp256k1 (not a protocol curve)': der(
      generateKeyPairSync('ec', { namedCurve: 'secp256k1', publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey,
    ),
    'X25519 (not a signing key)': der(generateKeyPairSync('x25519', { publicKeyEncoding: spkiPem, privateKeyEncoding: unusedPrivate }).publicKey),
    empty: new Uint8Array(0),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    it(what, () => assert.equal(spkiToJwk(bytes), undefined));
  }

  it('parsePublicKey still reads what OpenSSL reads, and gives its canonical PEM and fingerprint', () => {
    for (const bytes of [cases['an RSA modulus padded with an extra zero byte']!, cases['a compressed EC point']!]) {
      const expected = openssl(bytes);
      if (!expected) {
        assert.throws(() => parsePublicKey(pemOf(bytes)), ProtocolError);
        continue;
      }
      assert.equal(parsePublicKey(pemOf(bytes)).pem, pemOf(expected.der));
    }
  });

  it('never throws, and agrees with OpenSSL whenever it answers (every prefix, random byte changes)', () => {
    const samples = Object.values(keys).map((pem) => Buffer.from(der(pem)));
    for (const sample of samples) {
      for (let length = 0; length < sample.length; length++) assert.equal(spkiToJwk(sample.subarray(0, length)), undefined);
    }
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        (sample, changes) => {
          const bytes = Buffer.from(sample);
          for (const change of changes) bytes[change.at % bytes.length] = change.value;
          const jwk = spkiToJwk(bytes);
          if (!jwk) return;
          let imported: JsonWebKey | undefined;
          try {
            imported = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' });
          } catch {
            imported = undefined;
          }
          const reference = openssl(bytes);
          assert.deepEqual(imported, reference?.jwk);
          // The input is canonical whenever a JWK comes back: OpenSSL would write exactly these bytes.
          if (reference) assert.ok(reference.der.equals(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** Rewrites an RSA SPKI with the modulus INTEGER given one more leading zero byte (valid BER, not DER). */
function paddedModulus(spki: Buffer): Uint8Array {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  const n = Buffer.concat([Buffer.from([0, 0]), Buffer.from(key.n!, 'base64url')]);
  const e = Buffer.from(key.e!, 'base64url');
  const rsaKey = tlv(0x30, Buffer.concat([tlv(0x02, n), tlv(0x02, e)]));
  return tlv(0x30, Buffer.concat([Buffer.from('300d06092a864886f70d0101010500', 'hex'), tlv(0x03, Buffer.concat([Buffer.from([0]), rsaKey]))]));
}

function rsaWithoutNull(spki: Buffer): Uint8Array {
  const algorithm = Buffer.from('300d06092a864886f70d0101010500', 'hex');
  const at = spki.indexOf(algorithm);
  const rest = spki.subarray(at + algorithm.length);
  return tlv(0x30, Buffer.concat([Buffer.from('300b06092a864886f70d010101', 'hex'), rest]));
}

function compressedPoint(spki: Buffer): Uint8Array {
  const point = spki.subarray(spki.length - 65);
  const compressed = Buffer.concat([Buffer.from([0x02 | (point[64]! & 1)]), point.subarray(1, 33)]);
  const algorithm = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');
  return tlv(0x30, Buffer.concat([algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), compressed]))]));
}

function tlv(tag: number, contents: Buffer): Buffer {
  const length = contents.length;
  const header =
    length < 0x80 ? Buffer.from([tag, length]) : length < 0x100 ? Buffer.from([tag, 0x81, length]) : Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, contents]);
}
