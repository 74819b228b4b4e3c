import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  describePublicKey,
  fingerprintOf,
  formatFingerprint,
  MAX_PUBLIC_KEY_INPUT,
  MAX_RSA_KEY_BITS,
  parsePublicKey,
  ProtocolError,
  splitTxtValue,
} from '../../packages/client/src/protocol/index.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';

const rsa2048 = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const rsa1024 = generateTestKeyPair({ type: 'rsa', bits: 1024 });
const rsa512 = generateTestKeyPair({ type: 'rsa', bits: 512 });
const p256 = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const p384 = generateTestKeyPair({ type: 'ec', curve: 'P-384' });
const secp256k1 = generateTestKeyPair({ type: 'ec', curve: 'secp256k1' });
const ed25519 = generateTestKeyPair({ type: 'ed25519' });

function expectedFingerprint(pem: string): string {
  return createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex');
}

function refusal(work: () => unknown): ProtocolError {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ProtocolError, nothing was thrown');
}

/** Every base64 line of a PEM body, so a test can prove none of it leaked into a message. */
function bodyChunks(pem: string): string[] {
  return pem
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .flatMap((line) => line.match(/.{1,16}/g) ?? []);
}

describe('parsePublicKey accepts the forms servers publish', () => {
  it('standard PEM: canonical PEM, fingerprint, type and size', () => {
    const parsed = parsePublicKey(rsa2048.publicPem);
    assert.equal(parsed.pem, rsa2048.publicPem);
    assert.match(parsed.pem, /^-----BEGIN PUBLIC KEY-----\n(?:[A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----\n$/);
    assert.equal(parsed.fingerprint, expectedFingerprint(rsa2048.publicPem));
    assert.match(parsed.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(parsed.type, 'rsa');
    assert.equal(parsed.bits, 2048);
    assert.equal(parsed.curve, undefined);
  });

  it('the canonical PEM is byte for byte what OpenSSL exports, for every key type and size', () => {
    const keys = [rsa512, rsa1024, rsa2048, p256, p384, ed25519, generateTestKeyPair({ type: 'rsa', bits: 4096 })];
    for (const key of keys) {
      const openssl = createPublicKey(key.publicPem).export({ type: 'spki', format: 'pem' }).toString();
      assert.equal(parsePublicKey(stripLineBreaks(key.publicPem), { minRsaBits: 512 }).pem, openssl);
    }
  });

  it("Rocket.Chat's stored form (line breaks stripped) gives back the canonical PEM", () => {
    const stripped = stripLineBreaks(rsa2048.publicPem);
    assert.ok(!stripped.includes('\n'));
    const parsed = parsePublicKey(stripped);
    assert.equal(parsed.pem, rsa2048.publicPem);
    assert.equal(parsed.fingerprint, expectedFingerprint(rsa2048.publicPem));
  });

  it('line breaks replaced by spaces, CRLF, literal \\n escapes and surrounding blanks', () => {
    for (const variant of [
      rsa2048.publicPem.replace(/\n/g, ' '),
      rsa2048.publicPem.replace(/\n/g, '\r\n'),
      rsa2048.publicPem.replace(/\n/g, '\\n'),
      `\n\n  ${rsa2048.publicPem}  \n`,
    ]) {
      assert.equal(parsePublicKey(variant).pem, rsa2048.publicPem);
    }
  });

  it('the strings of a TXT record, concatenated', () => {
    const strings = splitTxtValue(stripLineBreaks(rsa2048.publicPem));
    assert.ok(strings.length >= 2);
    assert.ok(strings.every((part) => part.length <= 255));
    assert.equal(parsePublicKey(strings).pem, rsa2048.publicPem);
  });

  it('PKCS#1 RSA PUBLIC KEY, converted to SPKI', () => {
    const pkcs1 = createPublicKey(rsa2048.publicPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
    const parsed = parsePublicKey(pkcs1);
    assert.equal(parsed.pem, rsa2048.publicPem);
    assert.equal(parsed.fingerprint, expectedFingerprint(rsa2048.publicPem));
  });

  it('bare base64 of the DER SPKI, without armour', () => {
    const bare = createPublicKey(p256.publicPem).export({ type: 'spki', format: 'der' }).toString('base64');
    assert.equal(parsePublicKey(bare).pem, p256.publicPem);
  });

  it('EC P-256 and P-384, Ed25519', () => {
    assert.deepEqual(
      [p256, p384, ed25519].map((pair) => {
        const { type, curve, bits } = parsePublicKey(pair.publicPem);
        return { type, curve, bits };
      }),
      [
        { type: 'ec', curve: 'P-256', bits: undefined },
        { type: 'ec', curve: 'P-384', bits: undefined },
        { type: 'ed25519', curve: undefined, bits: undefined },
      ],
    );
  });

  it('describes keys for people', () => {
    assert.equal(describePublicKey(parsePublicKey(rsa2048.publicPem)), 'RSA 2048-bit');
    assert.equal(describePublicKey(parsePublicKey(p384.publicPem)), 'EC P-384');
    assert.equal(describePublicKey(parsePublicKey(ed25519.publicPem)), 'Ed25519');
  });
});

describe('RSA size against minRsaBits', () => {
  it('refuses 512 bits by default with the exact message', () => {
    assert.equal(
      refusal(() => parsePublicKey(rsa512.publicPem)).message,
      'public_key: RSA key has 512 bits; this hub requires at least 2048 (MIN_RSA_KEY_BITS)',
    );
  });
  it('refuses 1024 bits by default, accepts it with minRsaBits 1024', () => {
    assert.equal(
      refusal(() => parsePublicKey(rsa1024.publicPem)).message,
      'public_key: RSA key has 1024 bits; this hub requires at least 2048 (MIN_RSA_KEY_BITS)',
    );
    assert.equal(parsePublicKey(rsa1024.publicPem, { minRsaBits: 1024 }).bits, 1024);
  });
  it('a legacy network setting 512 accepts 512, 1024 and 2048', () => {
    for (const [pair, bits] of [
      [rsa512, 512],
      [rsa1024, 1024],
      [rsa2048, 2048],
    ] as const) {
      assert.equal(parsePublicKey(pair.publicPem, { minRsaBits: 512 }).bits, bits);
    }
  });
  it('names who requires the size when that is not the hub', () => {
    assert.equal(
      refusal(() => parsePublicKey(rsa1024.publicPem, { field: 'peer key', requiredBy: { who: 'this client', setting: 'minRsaBits' } })).message,
      'peer key: RSA key has 1024 bits; this client requires at least 2048 (minRsaBits)',
    );
  });
});

describe('parsePublicKey refuses with the rule in words', () => {
  const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const CASES: Array<[what: string, input: unknown, message: string]> = [
    ['a number', 5, 'public_key: must be a string'],
    ['an array with a number', ['-----BEGIN', 5], 'public_key: must be a string or an array of strings'],
    ['text that is not a key', 'not a key', 'public_key: must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)'],
    ['secp256k1', secp256k1.publicPem, 'public_key: EC curve secp256k1 is not supported; use P-256 or P-384'],
    ['DSA', dsa, 'public_key: dsa keys are not supported; use RSA (at least 2048 bits), EC P-256/P-384 or Ed25519'],
    ['X25519', x25519, 'public_key: x25519 keys are not supported; use RSA (at least 2048 bits), EC P-256/P-384 or Ed25519'],
    ['RSA-PSS', rsaPss, 'public_key: rsa-pss keys are not supported; use RSA (at least 2048 bits), EC P-256/P-384 or Ed25519'],
    [
      'a certificate',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'public_key: is a certificate; send the SPKI public key (-----BEGIN PUBLIC KEY-----)',
    ],
    [
      'an OpenSSH public key',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host',
      'public_key: is an OpenSSH public key; convert it with `ssh-keygen -e -m PKCS8 -f key.pub`',
    ],
    [
      'a PGP key',
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----',
      'public_key: must be a PEM public key (-----BEGIN PUBLIC KEY-----), not "PGP PUBLIC KEY BLOCK"',
    ],
    [
      'a key cut at 255 characters (END missing)',
      stripLineBreaks(rsa2048.publicPem).slice(0, 255),
      'public_key: is cut short: "-----END PUBLIC KEY-----" is missing (a DNS provider may have truncated it at 255 characters)',
    ],
    [
      'a key with its middle missing',
      `-----BEGIN PUBLIC KEY-----${stripLineBreaks(rsa2048.publicPem).slice(26, 200)}-----END PUBLIC KEY-----`,
      'public_key: could not be parsed as a public key (is it cut short or altered?)',
    ],
    [
      'a body that is not base64',
      '-----BEGIN PUBLIC KEY-----\nnot*base64!\n-----END PUBLIC KEY-----',
      'public_key: PEM body is not valid base64',
    ],
    ['two keys', `${p256.publicPem}${p384.publicPem}`, 'public_key: must contain exactly one key'],
    [
      'mismatched armour',
      '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----',
      'public_key: has a malformed PEM armour; expected -----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----',
    ],
    [
      'base64 that is no key',
      randomBytes(120).toString('base64'),
      'public_key: is neither a PEM public key nor the base64 of a DER SPKI public key',
    ],
    ['input over the size cap', 'A'.repeat(MAX_PUBLIC_KEY_INPUT + 1), `public_key: must be at most ${MAX_PUBLIC_KEY_INPUT} characters`],
  ];
  for (const [what, input, message] of CASES) {
    it(`${what}: ${message}`, () => {
      const error = refusal(() => parsePublicKey(input));
      assert.equal(error.message, message);
      assert.equal(error.field, 'public_key');
    });
  }
});

describe('private keys are refused without repeating them', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const openssh = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(180).toString('base64').match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  const KINDS: Array<[what: string, text: string | string[]]> = [
    ['PKCS#8 (BEGIN PRIVATE KEY)', rsa.export({ type: 'pkcs8', format: 'pem' }).toString()],
    ['PKCS#1 (BEGIN RSA PRIVATE KEY)', rsa.export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['SEC1 (BEGIN EC PRIVATE KEY)', ec.export({ type: 'sec1', format: 'pem' }).toString()],
    ['Ed25519 PKCS#8', ed.export({ type: 'pkcs8', format: 'pem' }).toString()],
    [
      'encrypted PKCS#8',
      rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }).toString(),
    ],
    ['OpenSSH', openssh],
    ['stripped of its line breaks', stripLineBreaks(rsa.export({ type: 'pkcs8', format: 'pem' }).toString())],
    ['split into TXT strings', splitTxtValue(stripLineBreaks(ec.export({ type: 'pkcs8', format: 'pem' }).toString()))],
    ['bare base64 PKCS#8 DER', rsa.export({ type: 'pkcs8', format: 'der' }).toString('base64')],
    ['bare base64 SEC1 DER', ec.export({ type: 'sec1', format: 'der' }).toString('base64')],
  ];
  for (const [what, text] of KINDS) {
    it(what, () => {
      const error = refusal(() => parsePublicKey(text));
      assert.equal(error.message, 'public_key: is a private key; send only the public key (never share the private key)');
      const joined = Array.isArray(text) ? text.join('') : text;
      const chunks = joined.includes('-----') ? bodyChunks(joined.replace(/-----(?!\n)/g, '-----\n')) : joined.match(/.{1,16}/g)!;
      assert.ok(chunks.length > 4);
      for (const chunk of chunks) assert.ok(!error.message.includes(chunk), 'the message repeats key material');
      assert.ok(!String(error.stack).includes(chunks[1]!), 'the stack repeats key material');
    });
  }
});

describe('fingerprints', () => {
  it('fingerprintOf gives the SHA-256 of the DER SPKI for every accepted form', () => {
    const expected = expectedFingerprint(p384.publicPem);
    assert.equal(fingerprintOf(p384.publicPem), expected);
    assert.equal(fingerprintOf(stripLineBreaks(p384.publicPem)), expected);
    assert.equal(fingerprintOf(splitTxtValue(stripLineBreaks(p384.publicPem), 50)), expected);
  });

  it('formatFingerprint groups uppercase pairs with colons', () => {
    assert.equal(formatFingerprint('ab12cd'), 'AB:12:CD');
    const formatted = formatFingerprint(fingerprintOf(ed25519.publicPem));
    assert.match(formatted, /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('a stripped or re-split PEM has the fingerprint of the original (property)', () => {
    const keys = [rsa2048, p256, p384, ed25519].map((pair) => pair.publicPem);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.integer({ min: 1, max: 255 }), fc.constantFrom('', ' ', '\n', '\r\n'), (pem, size, joiner) => {
        const stripped = stripLineBreaks(pem);
        const fingerprint = parsePublicKey(pem).fingerprint;
        assert.equal(parsePublicKey(stripped).fingerprint, fingerprint);
        assert.equal(parsePublicKey(splitTxtValue(stripped, size)).fingerprint, fingerprint);
        assert.equal(parsePublicKey(pem.replace(/\n/g, joiner)).fingerprint, fingerprint);
      }),
      { numRuns: 200 },
    );
  });
});

describe('RSA size: at most MAX_RSA_KEY_BITS', () => {
  // A public key of any modulus length, without generating primes (slow at these sizes): only the size is under test.
  const rsaOfBits = (bits: number) => {
    const modulus = randomBytes(bits / 8);
    modulus[0]! |= 0x80;
    modulus[modulus.length - 1]! |= 1;
    const jwk = { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' };
    return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  };

  it('accepts 8192 bits and refuses 8200 and 90,000 with the rule', () => {
    assert.equal(MAX_RSA_KEY_BITS, 8192);
    assert.equal(parsePublicKey(rsaOfBits(8192)).bits, 8192);
    assert.equal(refusal(() => parsePublicKey(rsaOfBits(8200))).message, 'public_key: RSA key has 8200 bits; at most 8192 are accepted');
    assert.equal(refusal(() => parsePublicKey(rsaOfBits(90_000))).message, 'public_key: RSA key has 90000 bits; at most 8192 are accepted');
  });
});
