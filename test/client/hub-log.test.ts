/**
 * The client's checks of a hub's log evidence (packages/client/src/hub-log.ts), as pure functions: a small log is
 * built here with the log's own pure code (leaf encoding, RFC 9162 proofs, C2SP signed notes), then its answers are
 * altered one way at a time.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { HubLogInconsistent, HubLogProofInvalid } from '../../packages/client/src/errors.js';
import {
  checkConsistency,
  consistencyStep,
  openCheckpoint,
  verifyPeerInclusion,
  type AnsweredRecord,
  type VerifiedCheckpoint,
} from '../../packages/client/src/hub-log.js';
import type { PeerLogProof } from '../../packages/client/src/protocol/index.js';
import { formatCheckpoint } from '../../packages/client/src/log/checkpoint.js';
import { encodeLogEntry, type LogEntry } from '../../packages/client/src/log/entry.js';
import { consistencyProof, inclusionProof, leafHash, merkleRoot } from '../../packages/client/src/log/merkle.js';
import { signNote, verifierKey } from '../../packages/client/src/log/note.js';
import { parsePublicKey } from '../../packages/client/src/protocol/public-key.js';

const HUB = 'http://127.0.0.1:1';
const ORIGIN = 'hub.test.example/fed';
const logKeys = generateKeyPairSync('ed25519');
const LOG_KEY = verifierKey(ORIGIN, logKeys.publicKey);
const otherKeys = generateKeyPairSync('ed25519');

const peerKeys = Array.from({ length: 3 }, () => parsePublicKey(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()));

/** A log of `count` entries: domain i % 3, each registering key i % 3. */
function buildLog(count: number) {
  const entries: LogEntry[] = Array.from({ length: count }, (_, index) => {
    const key = peerKeys[index % 3]!;
    return {
      index,
      time: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
      domain: `peer${index % 3}.example.org`,
      action: index < 3 ? 'register' : 'update',
      url: `https://peer${index % 3}.example.org`,
      fingerprint: key.fingerprint,
      previousIndex: index < 3 ? null : index - 3,
      reason: null,
      publicKey: key.pem,
    };
  });
  const leaves = entries.map(encodeLogEntry);
  const hashes = leaves.map(leafHash);
  const hashAt = (start: number, end: number) => merkleRoot(hashes.slice(start, end));
  const checkpoint = (size: number, key = logKeys.privateKey, origin = ORIGIN) =>
    signNote(formatCheckpoint({ origin, size, root: merkleRoot(hashes.slice(0, size)) }), origin, key);
  const proofFor = (index: number, size = count): PeerLogProof => ({
    index,
    tree_size: size,
    leaf: leaves[index]!.toString('base64'),
    inclusion: inclusionProof(index, size, hashAt).map((hash) => hash.toString('base64')),
    checkpoint: checkpoint(size),
  });
  return { entries, leaves, hashAt, checkpoint, proofFor };
}

function recordOf(entry: LogEntry): AnsweredRecord {
  return { domain: entry.domain, url: entry.url!, publicKey: entry.publicKey!, fingerprint: entry.fingerprint! };
}

const flipBit = (base64: string, byte = 0) => {
  const bytes = Buffer.from(base64, 'base64');
  bytes[byte]! ^= 0x01;
  return bytes.toString('base64');
};

describe('hub log checks: the checkpoint signature', () => {
  const log = buildLog(7);

  it('opens a checkpoint signed by the log key under its origin', () => {
    const checkpoint = openCheckpoint(log.checkpoint(7), [LOG_KEY], HUB);
    assert.equal(checkpoint.origin, ORIGIN);
    assert.equal(checkpoint.size, 7);
    assert.equal(checkpoint.note, log.checkpoint(7));
  });

  it('refuses a checkpoint signed by another key, altered text, another origin or no text', () => {
    assert.throws(() => openCheckpoint(log.checkpoint(7, otherKeys.privateKey), [LOG_KEY], HUB), HubLogProofInvalid);
    const altered = log.checkpoint(7).replace(`${ORIGIN}\n7\n`, `${ORIGIN}\n8\n`);
    assert.throws(() => openCheckpoint(altered, [LOG_KEY], HUB), (error: unknown) => error instanceof HubLogProofInvalid && /does not verify/.test(error.message));
    // Signed by the right key, but naming another log in its origin line.
    const foreign = signNote(formatCheckpoint({ origin: 'other.example', size: 1, root: Buffer.alloc(32) }), ORIGIN, logKeys.privateKey);
    assert.throws(() => openCheckpoint(foreign, [LOG_KEY], HUB), (error: unknown) => error instanceof HubLogProofInvalid && /origin other\.example/.test(error.message));
    assert.throws(() => openCheckpoint(undefined, [LOG_KEY], HUB, 'peer0.example.org'), (error: unknown) =>
      error instanceof HubLogProofInvalid && error.domain === 'peer0.example.org' && /missing/.test(error.message));
  });
});

describe('hub log checks: the inclusion of exactly this domain, URL and key', () => {
  const log = buildLog(7);
  const checkpoint = openCheckpoint(log.checkpoint(7), [LOG_KEY], HUB);

  it('accepts every entry that is a record, at its index, in the checkpoint', () => {
    for (let index = 0; index < 7; index++) {
      const entry = verifyPeerInclusion(log.proofFor(index), recordOf(log.entries[index]!), checkpoint, HUB);
      assert.deepEqual(entry, log.entries[index]);
    }
  });

  const refusals: Array<[string, (proof: PeerLogProof, record: AnsweredRecord) => [unknown, AnsweredRecord], RegExp]> = [
    ['a key swapped in the answer', (proof, record) => [proof, { ...record, publicKey: peerKeys[1]!.pem, fingerprint: peerKeys[1]!.fingerprint }], /another key/],
    ['the fingerprint alone swapped', (proof, record) => [proof, { ...record, fingerprint: peerKeys[1]!.fingerprint }], /another key/],
    ['another URL in the answer', (proof, record) => [proof, { ...record, url: 'https://evil.example.org' }], /URL/],
    ['another domain', (proof, record) => [proof, { ...record, domain: 'peer1.example.org' }], /is for peer0/],
    ['another entry of the same domain (a stale key)', (proof, record) => [{ ...log.proofFor(3), index: 6 }, record], /entry 3, the answer names entry 6/],
    ['a flipped bit in the leaf', (proof, record) => [{ ...proof, leaf: flipBit(proof.leaf, 40) }, record], /log entry|inclusion/],
    ['a flipped bit in a path element', (proof, record) => [{ ...proof, inclusion: [flipBit(proof.inclusion[0]!), ...proof.inclusion.slice(1)] }, record], /does not lead/],
    ['a path element dropped', (proof, record) => [{ ...proof, inclusion: proof.inclusion.slice(1) }, record], /does not lead/],
    ['a proof for another tree size', (proof, record) => [{ ...proof, tree_size: 6 }, record], /tree size 6/],
    ['no log object', (_proof, record) => [undefined, record], /no log object/],
    ['a log object without its leaf', (proof, record) => [{ ...proof, leaf: undefined }, record], /leaf is missing/],
  ];
  for (const [what, alter, message] of refusals) {
    it(`refuses ${what}`, () => {
      const [proof, record] = alter(log.proofFor(6), recordOf(log.entries[6]!));
      assert.throws(() => verifyPeerInclusion(proof, record, checkpoint, HUB), (error: unknown) => {
        assert.ok(error instanceof HubLogProofInvalid, String(error));
        assert.equal(error.code, 'HUB_LOG_PROOF_INVALID');
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('refuses a removal or revocation entry as the proof of a record', () => {
    const removal: LogEntry = { ...log.entries[0]!, index: 0, action: 'remove', url: null, fingerprint: null, publicKey: null };
    const leaf = encodeLogEntry(removal);
    const root = merkleRoot([leafHash(leaf)]);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 1, root }), ORIGIN, logKeys.privateKey);
    const single = openCheckpoint(note, [LOG_KEY], HUB);
    const proof: PeerLogProof = { index: 0, tree_size: 1, leaf: leaf.toString('base64'), inclusion: [], checkpoint: note };
    assert.throws(() => verifyPeerInclusion(proof, recordOf(log.entries[0]!), single, HUB), /is a remove, not a record/);
  });
});

describe('hub log checks: consistency with the newest checkpoint seen', () => {
  const log = buildLog(9);
  const at = (size: number): VerifiedCheckpoint => openCheckpoint(log.checkpoint(size), [LOG_KEY], HUB);

  it('needs nothing for the same checkpoint, and a proof from the smaller to the larger otherwise', () => {
    assert.deepEqual(consistencyStep(at(5), at(5), HUB), { kind: 'same' });
    const growing = consistencyStep(at(5), at(9), HUB);
    assert.equal(growing.kind, 'prove');
    const lagging = consistencyStep(at(9), at(5), HUB);
    assert.ok(lagging.kind === 'prove' && lagging.older.size === 5 && lagging.newer.size === 9, 'an instance behind: proved the other way round');
  });

  it('accepts a correct consistency proof for every pair of sizes', () => {
    for (let first = 1; first <= 9; first++) {
      for (let second = first + 1; second <= 9; second++) {
        const step = consistencyStep(at(first), at(second), HUB);
        assert.ok(step.kind === 'prove');
        checkConsistency(step, consistencyProof(first, second, log.hashAt), at(first), HUB);
      }
    }
  });

  it('raises HubLogInconsistent, with both signed checkpoints, for a rewritten log', () => {
    // The same first 4 entries, then a different 5th: a hub that rewrote history from index 4 on.
    const rewritten = buildLog(9);
    const forged = rewritten.entries.map((entry, index) => (index === 4 ? { ...entry, url: 'https://forged.example.org' } : entry));
    const forgedHashes = forged.map((entry) => leafHash(encodeLogEntry(entry)));
    const forgedNote = signNote(formatCheckpoint({ origin: ORIGIN, size: 9, root: merkleRoot(forgedHashes) }), ORIGIN, logKeys.privateKey);
    const seen = at(6);
    const served = openCheckpoint(forgedNote, [LOG_KEY], HUB);
    const step = consistencyStep(seen, served, HUB);
    assert.ok(step.kind === 'prove');
    const forgedProof = consistencyProof(6, 9, (start, end) => merkleRoot(forgedHashes.slice(start, end)));
    assert.throws(() => checkConsistency(step, forgedProof, seen, HUB), (error: unknown) => {
      assert.ok(error instanceof HubLogInconsistent);
      assert.equal(error.code, 'HUB_LOG_INCONSISTENT');
      assert.equal(error.seen.note, log.checkpoint(6));
      assert.equal(error.seen.size, 6);
      assert.equal(error.served.note, forgedNote);
      assert.equal(error.served.size, 9);
      assert.match(error.message, /size 6 root .* now size 9 root/);
      return true;
    });
  });

  it('raises HubLogInconsistent at once for two roots of one size', () => {
    const forged = signNote(formatCheckpoint({ origin: ORIGIN, size: 5, root: Buffer.alloc(32, 7) }), ORIGIN, logKeys.privateKey);
    assert.throws(() => consistencyStep(at(5), openCheckpoint(forged, [LOG_KEY], HUB), HUB), (error: unknown) =>
      error instanceof HubLogInconsistent && error.served.note === forged && /two different roots for tree size 5/.test(error.message));
  });

  it('refuses a proof with a flipped bit, whichever way round', () => {
    const step = consistencyStep(at(9), at(3), HUB);
    assert.ok(step.kind === 'prove');
    const proof = consistencyProof(3, 9, log.hashAt);
    checkConsistency(step, proof, at(9), HUB);
    for (let i = 0; i < proof.length; i++) {
      const broken = proof.map((hash, j) => (j === i ? Buffer.from(flipBit(hash.toString('base64'), 31), 'base64') : hash));
      assert.throws(() => checkConsistency(step, broken, at(9), HUB), (error: unknown) =>
        error instanceof HubLogInconsistent && error.seen.size === 9 && error.served.size === 3);
    }
  });
});
