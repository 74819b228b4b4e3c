import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { open, seal, SealError, SEALED_PAYLOAD_TYPE } from '../../packages/client/src/index.js';
import { generateTestKeyPair, type TestKeyPair } from '../support/keys.js';

const rsa = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const rsaPeer = generateTestKeyPair({ type: 'rsa', bits: 3072 });
const p256 = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const p384 = generateTestKeyPair({ type: 'ec', curve: 'P-384' });
const ed25519 = generateTestKeyPair({ type: 'ed25519' });
const rsa512 = generateTestKeyPair({ type: 'rsa', bits: 512 });
const secp256k1 = generateTestKeyPair({ type: 'ec', curve: 'secp256k1' });

const PAYLOAD = { event: 'message', room: 'général', text: 'hello 👋', at: 1764000000 };

function innerHeader(token: string, recipient: TestKeyPair): Promise<Record<string, unknown>> {
  // Peel the JWE with the recipient's key to look at the inner JWS header, as the recipient would.
  return import('jose').then(async ({ compactDecrypt }) => {
    const { plaintext } = await compactDecrypt(token, (await import('node:crypto')).createPrivateKey(recipient.privatePem));
    return decodeProtectedHeader(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
  });
}

describe('seal/open: sign with ours, encrypt to theirs', () => {
  const PAIRS: Array<[string, TestKeyPair, TestKeyPair, string, string]> = [
    ['RSA → RSA', rsa, rsaPeer, 'PS256', 'RSA-OAEP-256'],
    ['EC P-256 → EC P-384', p256, p384, 'ES256', 'ECDH-ES+A256KW'],
    ['EC P-384 → RSA', p384, rsa, 'ES384', 'RSA-OAEP-256'],
    ['Ed25519 → EC P-256', ed25519, p256, 'EdDSA', 'ECDH-ES+A256KW'],
  ];
  for (const [what, sender, recipient, signing, wrapping] of PAIRS) {
    it(`${what}: ${signing} inside ${wrapping}/A256GCM, opened by the recipient only`, async () => {
      const token = await seal(PAYLOAD, sender.privatePem, recipient.publicPem);
      assert.equal(token.split('.').length, 5, 'a compact JWE');
      const outer = decodeProtectedHeader(token);
      assert.equal(outer.alg, wrapping);
      assert.equal(outer.enc, 'A256GCM');
      assert.equal(outer.cty, 'JOSE');
      const inner = await innerHeader(token, recipient);
      assert.equal(inner.alg, signing);
      assert.equal(inner.typ, SEALED_PAYLOAD_TYPE);
      assert.ok(!token.includes('hello'), 'the payload is not readable in the token');
      assert.deepEqual(await open(token, recipient.privatePem, sender.publicPem), PAYLOAD);
    });
  }

  it('a third party cannot open it', async () => {
    const token = await seal(PAYLOAD, rsa.privatePem, p256.publicPem);
    const stranger = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
    await assert.rejects(open(token, stranger.privatePem, rsa.publicPem), (error: unknown) => {
      assert.ok(error instanceof SealError);
      assert.equal(error.reason, 'cannot-open');
      assert.match(error.message, /^sealed for another key \([0-9A-F:]+\), not ours \([0-9A-F:]+\)$/);
      return true;
    });
  });

  it('a payload signed by someone else than the expected peer is refused', async () => {
    const token = await seal(PAYLOAD, p384.privatePem, rsa.publicPem);
    await assert.rejects(open(token, rsa.privatePem, p256.publicPem), (error: unknown) => {
      assert.ok(error instanceof SealError);
      assert.equal(error.reason, 'bad-signature');
      return true;
    });
  });

  it('a token altered in transit does not open', async () => {
    const token = await seal(PAYLOAD, rsa.privatePem, p256.publicPem);
    const parts = token.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 0xff;
    parts[3] = ciphertext.toString('base64url');
    await assert.rejects(open(parts.join('.'), p256.privatePem, rsa.publicPem), { name: 'SealError', reason: 'cannot-open' });
  });
});

describe('seal/open refuse keys too weak or unfit, saying why', () => {
  it('our 512-bit RSA key', async () => {
    await assert.rejects(seal(PAYLOAD, rsa512.privatePem, p256.publicPem), (error: unknown) => {
      assert.ok(error instanceof SealError);
      assert.equal(error.reason, 'weak-key');
      assert.equal(
        error.message,
        'our RSA key has 512 bits; sealing needs at least 2048: smaller RSA keys can be factored (512-bit ones in hours on rented machines), which would let anyone read and forge the payloads',
      );
      return true;
    });
  });

  it("the peer's 512-bit RSA key", async () => {
    await assert.rejects(seal(PAYLOAD, p256.privatePem, rsa512.publicPem), {
      name: 'SealError',
      message: /^the peer's RSA key has 512 bits; sealing needs at least 2048/,
    });
  });

  it("a peer whose key is Ed25519 (signature-only) cannot receive sealed payloads", async () => {
    await assert.rejects(seal(PAYLOAD, p256.privatePem, ed25519.publicPem), {
      name: 'SealError',
      message:
        "the peer's key is Ed25519, a signature-only key: nothing can be encrypted to it. Receiving sealed payloads needs an RSA (≥ 2048 bits) or EC P-256/P-384 key.",
    });
  });

  it('a secp256k1 key', async () => {
    await assert.rejects(seal(PAYLOAD, secp256k1.privatePem, p256.publicPem), {
      name: 'SealError',
      message: 'our ec secp256k1 key cannot sign; use RSA ≥ 2048, EC P-256/P-384 or Ed25519',
    });
  });

  it('a public key where our private key belongs, without echoing it', async () => {
    await assert.rejects(seal(PAYLOAD, p256.publicPem, rsa.publicPem), (error: unknown) => {
      assert.ok(error instanceof SealError);
      assert.equal(error.message, 'our private key could not be read (PEM PKCS#8, PKCS#1 or SEC1 expected)');
      return true;
    });
  });

  it('undefined is not a payload', async () => {
    await assert.rejects(seal(undefined, rsa.privatePem, p256.publicPem), { name: 'SealError', reason: 'bad-payload' });
  });
});
