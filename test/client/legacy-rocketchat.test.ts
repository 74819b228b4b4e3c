import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import NodeRSA from 'node-rsa';
import { openLegacy, openLegacyBytes, sealLegacy, sealLegacyBytes, SealError } from '../../packages/client/src/index.js';
import { oaepLayer, typeOneLayer } from '../../packages/client/src/legacy-rocketchat.js';
import { generateTestKeyPair } from '../support/keys.js';

/**
 * The legacy codec against the real thing: fixtures made in this run by the npm package node-rsa 1.x (the major
 * version Rocket.Chat 3.x depends on, "node-rsa": "^1.0.5"), driven exactly as Rocket.Chat's
 * app/federation/server/lib/crypt.js drives it, with keys in the form Rocket.Chat stores them
 * (app/models/server/models/FederationKeys.js: PKCS#8 PEM, line breaks removed, loaded as `pkcs8-<type>-pem`).
 */

interface RocketChatServer {
  /** Exactly what FederationKeys stores: `exportKey('pkcs8-…-pem').replace(/\n|\r/g, '')`. */
  publicKey: string;
  privateKey: string;
}

/** A server's keys as Rocket.Chat makes them: `new NodeRSA({ b })` (Rocket.Chat 3.x used b: 512). */
function rocketChatKeys(bits: number): RocketChatServer {
  const key = new NodeRSA({ b: bits });
  return {
    publicKey: key.exportKey('pkcs8-public-pem').replace(/\n|\r/g, ''),
    privateKey: key.exportKey('pkcs8-private-pem').replace(/\n|\r/g, ''),
  };
}

const loadKey = (keyData: string, type: 'public' | 'private') => new NodeRSA(keyData, `pkcs8-${type}-pem`);

/** crypt.js encrypt(data, peerKey) from `sender`, then Meteor's HTTP.call body: JSON.stringify(buffer). */
function rocketChatSends(sender: RocketChatServer, peerKey: string, data: object | Buffer): string {
  const encrypted = loadKey(peerKey, 'public').encrypt(data);
  return JSON.stringify(loadKey(sender.privateKey, 'private').encryptPrivate(encrypted));
}

/** crypt.js decrypt(data, peerKey) on the receiving side, after the REST API parsed the JSON body; raw bytes. */
function rocketChatReceivesBytes(receiver: RocketChatServer, peerKey: string, body: string): Buffer {
  const payloadBuffer = Buffer.from(JSON.parse(body));
  const data = loadKey(peerKey, 'public').decryptPublic(payloadBuffer);
  return loadKey(receiver.privateKey, 'private').decrypt(data);
}

const SIZES = [512, 1024, 2048] as const;
const servers = new Map(SIZES.map((bits) => [bits, { alice: rocketChatKeys(bits), bob: rocketChatKeys(bits), eve: rocketChatKeys(bits) }]));

/** Payload sizes for a key of `bits`: 0 bytes, 1 byte, exactly one OAEP chunk (modulus − 42), one more, 100 KB. */
function payloadSizes(bits: number): Array<[string, number]> {
  const chunk = bits / 8 - 42;
  return [
    ['0 bytes', 0],
    ['1 byte', 1],
    [`one chunk exactly (${chunk} bytes)`, chunk],
    [`one chunk + 1 (${chunk + 1} bytes)`, chunk + 1],
    ['100 KB', 100 * 1024],
  ];
}

const NON_ASCII = {
  events: [{ type: 'msg', d: { msg: 'Grüße aus Zürich — 你好, мир, 👋🏽 and a "quote" \\ back', room: 'général', n: 42, ok: true, none: null } }],
};

for (const bits of SIZES) {
  const { alice, bob } = servers.get(bits)!;

  describe(`legacy-rocketchat, ${bits}-bit keys: NodeRSA (as Rocket.Chat) → the codec`, () => {
    for (const [what, size] of payloadSizes(bits)) {
      it(`${what}: openLegacyBytes gives back exactly the bytes NodeRSA sealed`, () => {
        const plaintext = randomBytes(size);
        const body = rocketChatSends(alice, bob.publicKey, plaintext);
        const opened = openLegacyBytes(Uint8Array.from(JSON.parse(body).data), bob.privateKey, alice.publicKey);
        assert.equal(opened.length, size);
        assert.ok(opened.equals(plaintext));
      });
    }

    it('non-ASCII JSON: openLegacy parses what crypt.js encrypt() posted', () => {
      const body = rocketChatSends(alice, bob.publicKey, NON_ASCII);
      assert.match(body, /^\{"type":"Buffer","data":\[\d+(,\d+)*\]\}$/, 'the wire form is the JSON of a Buffer');
      assert.deepEqual(openLegacy(JSON.parse(body), bob.privateKey, alice.publicKey), NON_ASCII);
      assert.deepEqual(openLegacy(body, bob.privateKey, alice.publicKey), NON_ASCII, 'the JSON text is read too');
    });
  });

  describe(`legacy-rocketchat, ${bits}-bit keys: the codec → NodeRSA (as Rocket.Chat)`, () => {
    for (const [what, size] of payloadSizes(bits)) {
      it(`${what}: crypt.js decrypt() reads what sealLegacyBytes sealed`, () => {
        const plaintext = randomBytes(size);
        const sealed = sealLegacyBytes(plaintext, alice.privateKey, bob.publicKey);
        const body = JSON.stringify(sealed);
        const opened = rocketChatReceivesBytes(bob, alice.publicKey, body);
        assert.equal(opened.length, size);
        assert.ok(opened.equals(plaintext));
      });
    }

    it('non-ASCII JSON: crypt.js decrypt() → JSON.parse(data.toString()) gives the payload', () => {
      const body = JSON.stringify(sealLegacy(NON_ASCII, alice.privateKey, bob.publicKey));
      assert.match(body, /^\{"type":"Buffer","data":\[\d+(,\d+)*\]\}$/);
      assert.deepEqual(JSON.parse(rocketChatReceivesBytes(bob, alice.publicKey, body).toString()), NON_ASCII);
    });
  });

  describe(`legacy-rocketchat, ${bits}-bit keys: the same chunks as NodeRSA`, () => {
    for (const [what, size] of payloadSizes(bits)) {
      it(`${what}: the type-1 layer is NodeRSA's encryptPrivate byte for byte, and the OAEP layer has its length`, () => {
        const plaintext = randomBytes(size);
        // OAEP is randomised, so its bytes cannot match; its chunking shows in the length.
        const ours = oaepLayer(plaintext, createPublicKey(pemOf(bob.publicKey, 'PUBLIC KEY')));
        const theirs = loadKey(bob.publicKey, 'public').encrypt(plaintext);
        assert.equal(ours.length, theirs.length);
        // PKCS#1 v1.5 type 1 is deterministic: same input, same key, same chunking → the same bytes.
        const signer = createPrivateKey(pemOf(alice.privateKey, 'PRIVATE KEY'));
        assert.ok(typeOneLayer(theirs, signer).equals(loadKey(alice.privateKey, 'private').encryptPrivate(theirs)));
      });
    }
  });
}

describe('legacy-rocketchat: wrong keys give a typed error, never garbage', () => {
  const { alice, bob, eve } = servers.get(1024)!;
  const fromAliceToBob = rocketChatSends(alice, bob.publicKey, NON_ASCII);

  const refusal = (work: () => unknown, reason: SealError['reason']) => {
    assert.throws(work, (error: unknown) => {
      assert.ok(error instanceof SealError, `expected a SealError, got ${String(error)}`);
      assert.equal(error.reason, reason);
      assert.equal(error.code, 'SEAL_ERROR');
      return true;
    });
  };

  it('the wrong receiver key (a misdelivered payload opened by eve): cannot-open', () => {
    refusal(() => openLegacy(fromAliceToBob, eve.privateKey, alice.publicKey), 'cannot-open');
  });

  it('the wrong sender key (bob thinks eve sent it): bad-signature', () => {
    refusal(() => openLegacy(fromAliceToBob, bob.privateKey, eve.publicKey), 'bad-signature');
  });

  it('a sender key of another size: bad-signature, before any RSA operation', () => {
    refusal(() => openLegacy(fromAliceToBob, bob.privateKey, servers.get(2048)!.alice.publicKey), 'bad-signature');
  });

  it('a receiver key of another size: cannot-open', () => {
    const toBig = sealLegacy(NON_ASCII, alice.privateKey, servers.get(2048)!.bob.publicKey);
    refusal(() => openLegacy(toBig, bob.privateKey, alice.publicKey), 'cannot-open');
  });

  it('any byte altered: an error, never a payload (property)', () => {
    const data: number[] = JSON.parse(fromAliceToBob).data;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: data.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const altered = data.slice();
        altered[index] = altered[index]! ^ flip;
        refusal(() => openLegacy({ type: 'Buffer', data: altered }, bob.privateKey, alice.publicKey), 'bad-signature');
      }),
      { numRuns: 50 },
    );
  });

  it('bodies that are not a Buffer JSON, or hold non-bytes: bad-payload', () => {
    for (const body of ['not json', { type: 'Buffer' }, { data: [1, 2] }, { type: 'Buffer', data: [1, 256] }, { type: 'Buffer', data: [1, 'a'] }, null]) {
      refusal(() => openLegacy(body, bob.privateKey, alice.publicKey), 'bad-payload');
    }
  });

  it('a payload that opens but is not JSON: bad-payload', () => {
    const body = rocketChatSends(alice, bob.publicKey, Buffer.from([0xff, 0xfe, 0x00]));
    refusal(() => openLegacy(body, bob.privateKey, alice.publicKey), 'bad-payload');
  });

  it('keys the format cannot use (EC, Ed25519) or cannot read: unsupported-key, naming whose', () => {
    const ec = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
    const ed = generateTestKeyPair({ type: 'ed25519' });
    refusal(() => sealLegacy(NON_ASCII, ec.privatePem, bob.publicKey), 'unsupported-key');
    refusal(() => sealLegacy(NON_ASCII, alice.privateKey, ed.publicPem), 'unsupported-key');
    refusal(() => openLegacy(fromAliceToBob, bob.privateKey, alice.publicKey.slice(0, 120)), 'unsupported-key');
    assert.throws(() => sealLegacy(NON_ASCII, 'not a key', bob.publicKey), { message: 'our private key could not be read (PEM PKCS#8, PKCS#1 or SEC1 expected)' });
  });
});

/** Rocket.Chat's stripped PEM back to lines, only for handing keys to node:crypto directly in this test. */
function pemOf(stripped: string, label: string): string {
  const body = stripped.replace(`-----BEGIN ${label}-----`, '').replace(`-----END ${label}-----`, '');
  return `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}
