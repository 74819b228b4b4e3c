/**
 * C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys, the format of Go's golang.org/x/mod/sumdb/note:
 * text, a blank line, then lines "— <name> <base64(key id || signature)>". A key is named by its verifier key line
 * `<name>+<8 hex key id>+<base64(0x01 || 32-byte Ed25519 key)>`, the key id being the first 4 bytes of
 * SHA-256(name || "\n" || 0x01 || key).
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { LogVerificationError } from './errors.js';

const ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
/** Go's note.Open refuses notes with more signatures than this; so do we. */
const MAX_SIGNATURES = 100;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface Verifier {
  name: string;
  keyId: Buffer;
  key: KeyObject;
}

/** The verifier key line of an Ed25519 public key under `name`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  assertName(name);
  const raw = rawEd25519(publicKey);
  const id = keyIdOf(name, raw);
  return `${name}+${id.toString('hex')}+${Buffer.concat([Uint8Array.of(ED25519), raw]).toString('base64')}`;
}

/** Signs `text` (which must end in "\n") and returns the whole note. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  assertName(name);
  assertText(text);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('signNote needs an Ed25519 private key');
  const raw = rawEd25519(createPublicKey(privateKey));
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const blob = Buffer.concat([keyIdOf(name, raw), signature]).toString('base64');
  return `${text}\n${SIGNATURE_PREFIX}${name} ${blob}\n`;
}

/**
 * Opens a signed note: returns its text and the names of the known keys that signed it. Signatures by keys not in
 * `verifierKeys` are ignored (witness cosignatures, rotated keys), as the spec requires. Throws LogVerificationError
 * when the note is malformed, when a known key's signature does not verify, or when no known key signed it.
 */
export function openNote(note: string, verifierKeys: string[]): { text: string; signers: string[] } {
  const verifiers = verifierKeys.map(parseVerifierKey);
  if (typeof note !== 'string' || !note.endsWith('\n')) throw malformed('it does not end in a newline');
  const split = note.lastIndexOf('\n\n');
  if (split === -1) throw malformed('it has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  assertText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`it has more than ${MAX_SIGNATURES} signatures`);
  const signers: string[] = [];
  for (const line of lines) {
    const match = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) throw malformed('a signature line is not "— <name> <base64>"');
    const [, name, base64] = match as unknown as [string, string, string];
    const blob = strictBase64(base64);
    if (!blob || blob.length < 5) throw malformed('a signature is not valid base64 of key id and signature');
    const keyId = blob.subarray(0, 4);
    const known = verifiers.filter((v) => v.name === name && v.keyId.equals(keyId));
    if (known.length === 0) continue;
    if (!verify(null, Buffer.from(text, 'utf8'), known[0]!.key, blob.subarray(4))) {
      throw new LogVerificationError(`signed note: the signature by ${name}+${keyId.toString('hex')} does not verify`);
    }
    if (!signers.includes(name)) signers.push(name);
  }
  if (signers.length === 0) {
    throw new LogVerificationError('signed note: no signature by a known key (is the verifier key the right one?)');
  }
  return { text, signers };
}

/** Reads a verifier key line; throws LogVerificationError naming what is wrong with it. */
export function parseVerifierKey(line: string): Verifier {
  const bad = (why: string) => new LogVerificationError(`verifier key: ${why}`);
  if (typeof line !== 'string') throw bad('must be a string');
  // The base64 may itself hold "+": split at the first two only.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(line.trim());
  if (!match) throw bad('must be <name>+<8 hex digits>+<base64 key>');
  const [, name, hex, base64] = match as unknown as [string, string, string, string];
  if (!isName(name)) throw bad('the name must be non-empty, without spaces or "+"');
  if (!/^[0-9a-f]{8}$/.test(hex)) throw bad('the key id must be 8 lowercase hex digits');
  const key = strictBase64(base64);
  if (!key || key.length !== 33 || key[0] !== ED25519) throw bad('only Ed25519 keys (0x01 followed by 32 bytes) are supported');
  const raw = key.subarray(1);
  const keyId = keyIdOf(name, raw);
  if (keyId.toString('hex') !== hex) throw bad('the key id does not match the name and key');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return { name, keyId, key: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

function keyIdOf(name: string, raw: Uint8Array): Buffer {
  return createHash('sha256')
    .update(`${name}\n`, 'utf8')
    .update(Uint8Array.of(ED25519))
    .update(raw)
    .digest()
    .subarray(0, 4);
}

function rawEd25519(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new TypeError('signed notes here use Ed25519 keys only');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}

function strictBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function isName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/\p{C}/u.test(name);
}

function assertName(name: string): void {
  if (!isName(name)) throw new TypeError('a note key name must be non-empty, without spaces or "+"');
}

/** The note text: UTF-8 lines without control characters, ending in "\n" (the spec's rules for the text). */
function assertText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw malformed('its text must end in a newline');
  if (/[\p{Cc}]/u.test(text.replace(/\n/g, ''))) throw malformed('its text holds a control character');
  if (text.endsWith('\n\n')) throw malformed('its text ends in a blank line');
}

function malformed(why: string): LogVerificationError {
  return new LogVerificationError(`signed note is malformed: ${why}`);
}
