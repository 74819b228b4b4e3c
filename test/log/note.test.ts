/**
 * C2SP signed notes and tlog checkpoints.
 *
 * Published vectors:
 * - golang/mod, sumdb/note/note_test.go @ 02c991387e35f9e4c0a9b7ce137717055f8d716d: the keys of PeterNeumann
 *   (signer `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`, verifier
 *   `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`) and EnochRoot, and their signatures of the
 *   "If you think cryptography…" note (TestSign, TestOpen). Ed25519 is deterministic, so signing must give the same bytes.
 * - C2SP/C2SP, tlog-checkpoint.md @ 2793893976c835db049c194d8f2c4f946dcb70ba: the example checkpoint.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { FederationError } from '../../packages/client/src/errors.js';
import {
  formatCheckpoint,
  LogVerificationError,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../packages/client/src/log/index.js';

const PETER_SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VERIFIER = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** The Go signer key string is "PRIVATE+KEY+<name>+<id>+base64(0x01 || 32-byte seed)". */
function peterPrivateKey() {
  const seed = Buffer.from(PETER_SIGNER.split('+').slice(4).join('+'), 'base64').subarray(1);
  assert.equal(seed.length, 32);
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

describe('signed notes (golang.org/x/mod/sumdb/note vectors)', () => {
  it('derives the published verifier key from the published signer key', () => {
    assert.equal(verifierKey('PeterNeumann', createPublicKey(peterPrivateKey())), PETER_VERIFIER);
  });

  it('signs the note byte for byte as Go does', () => {
    assert.equal(signNote(TEXT, 'PeterNeumann', peterPrivateKey()), `${TEXT}\n${PETER_SIG}`);
  });

  it('opens the published note; signatures by unknown keys are ignored', () => {
    assert.deepEqual(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [PETER_VERIFIER]), { text: TEXT, signers: ['PeterNeumann'] });
    assert.deepEqual(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [PETER_VERIFIER, ENOCH_VERIFIER]), {
      text: TEXT,
      signers: ['PeterNeumann', 'EnochRoot'],
    });
  });

  it('refuses a note no known key signed, a bad signature and malformed notes', () => {
    const refuses = (note: string, keys = [PETER_VERIFIER]) =>
      assert.throws(() => openNote(note, keys), (error: unknown) => error instanceof LogVerificationError && error instanceof FederationError);
    refuses(`${TEXT}\n${ENOCH_SIG}`);
    refuses(`${TEXT}\n${PETER_SIG}`, [ENOCH_VERIFIER]);
    // Go's "invalid signature" case: four characters inserted into the signature.
    refuses(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`);
    // A changed text under the right signature.
    refuses(`${TEXT.replace('answer', 'ANSWER')}\n${PETER_SIG}`);
    // Go's badMsgs.
    for (const bad of [TEXT, `${TEXT}\n`, `${TEXT}\n${PETER_SIG.slice(0, -1)}`, `\u0001${TEXT}\n${PETER_SIG}`, `${TEXT}\n${PETER_SIG}Unexpected line.\n`]) {
      refuses(bad);
    }
    refuses(`${TEXT}\n${PETER_SIG.repeat(101)}`);
  });

  it('refuses the manglings of a verifier key that Go refuses', () => {
    assert.equal(parseVerifierKey(PETER_VERIFIER).name, 'PeterNeumann');
    const bytes = [...PETER_VERIFIER];
    for (let i = 0; i < bytes.length; i++) {
      const mangled = [...bytes];
      mangled[i] = String.fromCharCode(mangled[i]!.charCodeAt(0) + 1);
      assert.throws(() => parseVerifierKey(mangled.join('')), LogVerificationError, `char ${i} changed`);
    }
    assert.throws(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), LogVerificationError);
    assert.throws(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), LogVerificationError);
  });

  it('round-trips a fresh key, and its note fails under another key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const note = signNote('hub.example.com/fed\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', 'hub.example.com/fed', privateKey);
    assert.deepEqual(openNote(note, [verifierKey('hub.example.com/fed', publicKey)]).signers, ['hub.example.com/fed']);
    assert.throws(() => openNote(note, [verifierKey('hub.example.com/fed', other.publicKey)]), LogVerificationError);
    assert.throws(() => signNote('no newline', 'n', privateKey), LogVerificationError);
    assert.throws(() => signNote('text\n', 'bad name', privateKey), TypeError);
  });
});

describe('tlog checkpoints (C2SP tlog-checkpoint.md example)', () => {
  const EXAMPLE = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

  it('parses the published example and formats it back', () => {
    const checkpoint = parseCheckpoint(EXAMPLE);
    assert.equal(checkpoint.origin, 'example.com/behind-the-sofa');
    assert.equal(checkpoint.size, 20852163);
    assert.equal(checkpoint.root.toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    assert.deepEqual(checkpoint.extensions, []);
    assert.equal(formatCheckpoint(checkpoint), EXAMPLE);
    assert.deepEqual(parseCheckpoint(`${EXAMPLE}ext one\n`).extensions, ['ext one']);
  });

  it('refuses malformed checkpoints', () => {
    for (const bad of [
      EXAMPLE.slice(0, -1),
      'example.com\n20852163\n',
      '\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'example.com\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'example.com\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n',
      'example.com\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n',
      `${EXAMPLE}\n`,
    ]) {
      assert.throws(() => parseCheckpoint(bad), LogVerificationError, JSON.stringify(bad));
    }
  });
});
