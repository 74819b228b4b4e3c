import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { type ParsedPublicKey, parsePublicKey, ProtocolError, publicKeyObject } from './protocol/index.js';
import { SealError } from './errors.js';

/**
 * The ONE way the client reads a key it is handed (seal, open, sealLegacy, openLegacy, FederationNode,
 * registerWithHub, the resolver's hubKey…), so that every function accepts the same forms:
 *
 * - a public key in every form the protocol's parsePublicKey reads (canonical PEM; Rocket.Chat's PEM with its line
 *   breaks removed or replaced by spaces; literal `\n` escapes; CRLF; PKCS#1 `RSA PUBLIC KEY`; the strings of a
 *   TXT record; the bare base64 of a DER SPKI), or a KeyObject (a private KeyObject gives its public half);
 * - a private key as PEM PKCS#8, PKCS#1 or SEC1, with or without its line breaks (Rocket.Chat keeps its private
 *   key as PKCS#8 PEM with the line breaks removed: app/models/server/models/FederationKeys.js in
 *   RocketChat/Rocket.Chat 3.x, `exportKey('pkcs8-private-pem').replace(/\n|\r/g, '')`), with `\n` escapes, as
 *   bare base64 DER, or a KeyObject.
 *
 * No message ever repeats the input: it may be a private key.
 */
export type PublicKeyInput = string | readonly string[] | KeyObject;
export type PrivateKeyInput = string | KeyObject;

/** Builds the error a caller wants for an unreadable key; SealError('unsupported-key') by default. */
export type KeyErrorFactory = (message: string) => Error;

const sealError: KeyErrorFactory = (message) => new SealError('unsupported-key', message);

export function importPublicKey(input: PublicKeyInput, whose: string, fail: KeyErrorFactory = sealError): KeyObject {
  if (input instanceof KeyObject) return input.type === 'private' ? createPublicKey(input) : input;
  try {
    return publicKeyObject(input, `${whose} public key`);
  } catch (error) {
    if (error instanceof ProtocolError) throw fail(`${whose} public key ${error.rule}`);
    throw error;
  }
}

/**
 * This server's own public key, read with the protocol's rules but no size floor (the hub's MIN_RSA_KEY_BITS is the
 * hub's call): canonical PEM and fingerprint. Throws ProtocolError, like parsePublicKey.
 */
export function parseOwnPublicKey(input: PublicKeyInput): ParsedPublicKey {
  const text = input instanceof KeyObject ? importPublicKey(input, "this server's").export({ type: 'spki', format: 'pem' }).toString() : input;
  return parsePublicKey(text, { minRsaBits: 0 });
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function importPrivateKey(input: PrivateKeyInput, whose = 'our', fail: KeyErrorFactory = sealError): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') throw fail(`${whose} key must be a private key`);
    return input;
  }
  const unreadable = () => fail(`${whose} private key could not be read (PEM PKCS#8, PKCS#1 or SEC1 expected)`);
  if (typeof input !== 'string') throw unreadable();
  const text = input.replace(/\\[rn]/g, '\n').trim();
  const armour = PEM.exec(text);
  try {
    if (armour && /PRIVATE KEY$/.test(armour[1]!)) {
      // The body in 64-character lines, as OpenSSL wants it: undoes Rocket.Chat's removed line breaks. Headers of
      // an encrypted PKCS#1 PEM (Proc-Type, DEK-Info) would be lost this way, so such a key is read as it is.
      const body = armour[2]!.replace(/\s+/g, '');
      const pem = BASE64.test(body) ? `-----BEGIN ${armour[1]}-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END ${armour[1]}-----\n` : text;
      return createPrivateKey(pem);
    }
    if (armour) throw unreadable();
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        return createPrivateKey({ key: der, format: 'der', type });
      } catch {
        // not this encoding
      }
    }
  } catch {
    // OpenSSL's own message may quote the input; ours never does.
  }
  throw unreadable();
}
