/**
 * The checks a client makes on a hub's transparency-log evidence, pure (no network, no files): hub-log-verifier.ts
 * fetches what they need and keeps the state. Every failure is a HubLogProofInvalid or HubLogInconsistent.
 */
import { type CheckpointEvidence, HubLogInconsistent, HubLogProofInvalid } from './errors.js';
import { parseCheckpoint } from './log/checkpoint.js';
import { decodeLogEntry, type LogEntry } from './log/entry.js';
import { LogVerificationError } from './log/errors.js';
import { leafHash, verifyConsistency, verifyInclusion } from './log/merkle.js';
import { openNote, parseVerifierKey } from './log/note.js';
import type { PeerLogProof } from './protocol/index.js';

/** A checkpoint whose signature was verified. */
export interface VerifiedCheckpoint {
  /** The signed note as served. */
  note: string;
  origin: string;
  size: number;
  root: Buffer;
}

/** What the answer says the domain's record is; the log entry must say exactly the same. */
export interface AnsweredRecord {
  domain: string;
  url: string;
  /** Canonical SPKI PEM (parsePublicKey's). */
  publicKey: string;
  fingerprint: string;
}

/**
 * Opens a checkpoint note with the log's verifier keys. The note must be signed by one of them under the name that
 * is its origin (C2SP tlog-checkpoint: the key's name is the log's origin), so a checkpoint of another log signed by
 * the same operator is refused.
 */
export function openCheckpoint(note: unknown, logKeys: readonly string[], hubUrl: string, domain?: string): VerifiedCheckpoint {
  if (typeof note !== 'string') throw new HubLogProofInvalid(hubUrl, 'the checkpoint is missing or not text', domain);
  try {
    const { text, signers } = openNote(note, [...logKeys]);
    const checkpoint = parseCheckpoint(text);
    if (!signers.includes(checkpoint.origin)) {
      throw new LogVerificationError(`checkpoint: its origin ${checkpoint.origin} is not the name of the key that signed it (${signers.join(', ')})`);
    }
    return { note, origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root };
  } catch (error) {
    if (error instanceof LogVerificationError) throw new HubLogProofInvalid(hubUrl, error.message, domain);
    throw error;
  }
}

/** The log's name (origin) in a verifier key line; throws LogVerificationError for a malformed one. */
export function logKeyName(line: string): string {
  return parseVerifierKey(line).name;
}

/**
 * Checks `peer.log` against the answer: the leaf decodes to an entry for exactly this domain, URL and key, at the
 * index the answer names, and the inclusion proof leads from it to the root of the (already verified) checkpoint.
 * Returns the entry.
 */
export function verifyPeerInclusion(log: unknown, record: AnsweredRecord, checkpoint: VerifiedCheckpoint, hubUrl: string): LogEntry {
  const fail = (detail: string): never => {
    throw new HubLogProofInvalid(hubUrl, detail, record.domain);
  };
  const proof = log as Partial<PeerLogProof> | undefined;
  if (!proof || typeof proof !== 'object') return fail('the answer carries no log object');
  if (!Number.isSafeInteger(proof.index) || !Number.isSafeInteger(proof.tree_size)) fail('log.index and log.tree_size must be integers');
  if (typeof proof.leaf !== 'string') fail('log.leaf is missing');
  if (!Array.isArray(proof.inclusion) || !proof.inclusion.every((hash) => typeof hash === 'string')) fail('log.inclusion must be a list of base64 hashes');
  if (proof.tree_size !== checkpoint.size) fail(`the inclusion proof is for tree size ${proof.tree_size}, the checkpoint for ${checkpoint.size}`);

  const leaf = Buffer.from(proof.leaf!, 'base64');
  let entry: LogEntry;
  try {
    entry = decodeLogEntry(leaf);
  } catch (error) {
    if (error instanceof LogVerificationError) return fail(error.message);
    throw error;
  }
  if (entry.index !== proof.index) fail(`the leaf is entry ${entry.index}, the answer names entry ${proof.index}`);
  if (entry.action !== 'register' && entry.action !== 'update') fail(`the log entry ${entry.index} is a ${entry.action}, not a record to use`);
  if (entry.domain !== record.domain) fail(`the log entry ${entry.index} is for ${entry.domain}, not ${record.domain}`);
  if (entry.url !== record.url) fail(`the log entry ${entry.index} has URL ${entry.url}, the answer ${record.url}`);
  if (entry.fingerprint !== record.fingerprint || entry.publicKey !== record.publicKey) {
    fail(`the log entry ${entry.index} has another key (fingerprint ${entry.fingerprint}) than the answer (${record.fingerprint})`);
  }
  const path = proof.inclusion!.map((hash) => Buffer.from(hash, 'base64'));
  if (!verifyInclusion(entry.index, checkpoint.size, leafHash(leaf), path, checkpoint.root)) {
    fail(`the inclusion proof of entry ${entry.index} does not lead to the root of the checkpoint of size ${checkpoint.size}`);
  }
  return entry;
}

/** Which way round two checkpoints of one log must be proved consistent, if at all. */
export type ConsistencyStep =
  | { kind: 'same' }
  /** Ask the hub for PROOF(older.size, newer.size) and check it with checkConsistency. */
  | { kind: 'prove'; older: VerifiedCheckpoint; newer: VerifiedCheckpoint };

/**
 * Compares a served checkpoint with the newest one seen before. Equal size and root: nothing to prove. Equal size,
 * other root, or another origin: a contradiction, at once. Otherwise the smaller must be proved a prefix of the
 * larger (a hub instance a few seconds behind another serves an older checkpoint: that is fine if consistent).
 */
export function consistencyStep(seen: VerifiedCheckpoint, served: VerifiedCheckpoint, hubUrl: string): ConsistencyStep {
  if (seen.origin !== served.origin) {
    throw new HubLogProofInvalid(hubUrl, `the checkpoint is for the log ${served.origin}, not ${seen.origin} seen before`);
  }
  if (seen.size === served.size) {
    if (seen.root.equals(served.root)) return { kind: 'same' };
    throw inconsistent(hubUrl, seen, served, `two different roots for tree size ${seen.size}`);
  }
  return seen.size < served.size ? { kind: 'prove', older: seen, newer: served } : { kind: 'prove', older: served, newer: seen };
}

/** Checks the hub's consistency proof for a step; throws HubLogInconsistent (with both checkpoints) when it fails. */
export function checkConsistency(step: Extract<ConsistencyStep, { kind: 'prove' }>, proof: Uint8Array[], seen: VerifiedCheckpoint, hubUrl: string): void {
  const { older, newer } = step;
  if (!verifyConsistency(older.size, newer.size, proof, older.root, newer.root)) {
    const served = older === seen ? newer : older;
    throw inconsistent(hubUrl, seen, served, `the hub's consistency proof from size ${older.size} to ${newer.size} does not verify`);
  }
}

export function inconsistent(hubUrl: string, seen: VerifiedCheckpoint, served: VerifiedCheckpoint, detail: string): HubLogInconsistent {
  return new HubLogInconsistent(hubUrl, evidence(seen), evidence(served), detail);
}

export function evidence(checkpoint: VerifiedCheckpoint): CheckpointEvidence {
  return { note: checkpoint.note, origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root.toString('base64') };
}
