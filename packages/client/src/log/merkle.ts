/**
 * RFC 9162 §2.1 Merkle tree hashing, proofs and their verification (the tree of RFC 6962, unchanged).
 * Sizes and indices are plain numbers: every operation below uses arithmetic, not 32-bit bit operators, so that
 * trees beyond 2^31 leaves stay correct up to Number.MAX_SAFE_INTEGER.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

/** Reads MTH(D[start:end]), the hash of the subtree over leaves start … end-1 (end exclusive). */
export type SubtreeReader = (start: number, end: number) => Buffer;

/** SHA-256(0x00 || leaf): the leaf hash, domain-separated from interior nodes against second preimages. */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(Uint8Array.of(0)).update(leaf).digest();
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** The empty tree's root: SHA-256 of nothing. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** MTH over the given leaf hashes (RFC 9162 §2.1.1). */
export function merkleRoot(leafHashes: Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return emptyRoot();
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

function subtreeRoot(hashes: Uint8Array[], start: number, end: number): Buffer {
  if (end - start === 1) return Buffer.from(hashes[start]!);
  const k = largestPowerOfTwoBelow(end - start);
  return nodeHash(subtreeRoot(hashes, start, start + k), subtreeRoot(hashes, start + k, end));
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect (complete, aligned) subtrees whose hashes make up MTH(D[start:end]), left to right, as
 * `{ level, index }` = leaves index·2^level … (index+1)·2^level − 1. Every range that appears in an RFC 9162 proof
 * starts on a multiple of a power of two at least as large as itself, so MTH of it is the right fold of these.
 * A store that keeps every perfect subtree's hash (level 0 = the leaf hashes) thus serves any proof from
 * O(log n) rows.
 */
export function perfectSubtrees(start: number, end: number): Array<{ level: number; index: number }> {
  const nodes: Array<{ level: number; index: number }> = [];
  let at = start;
  while (at < end) {
    let size = 1;
    let level = 0;
    while (at % (size * 2) === 0 && at + size * 2 <= end) {
      size *= 2;
      level += 1;
    }
    nodes.push({ level, index: at / size });
    at += size;
  }
  return nodes;
}

/** MTH of a range from the hashes of its perfect subtrees (perfectSubtrees' order): the right fold. */
export function foldSubtrees(hashes: Uint8Array[]): Buffer {
  if (hashes.length === 0) return emptyRoot();
  let acc: Buffer = Buffer.from(hashes[hashes.length - 1]!);
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** PATH(index, D[0:treeSize]) of RFC 9162 §2.1.3.1, the audit path, leaf level first. */
export function inclusionProof(index: number, treeSize: number, hashAt: SubtreeReader): Buffer[] {
  assertSize(treeSize, 'treeSize');
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new RangeError(`index ${index} is outside a tree of size ${treeSize}`);
  }
  const path: Buffer[] = [];
  let start = 0;
  let end = treeSize;
  let m = index;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m < k) {
      path.push(hashAt(start + k, end));
      end = start + k;
    } else {
      path.push(hashAt(start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1; empty when first is 0 or equals second. */
export function consistencyProof(first: number, second: number, hashAt: SubtreeReader): Buffer[] {
  assertSize(first, 'first');
  assertSize(second, 'second');
  if (first > second) throw new RangeError(`first ${first} exceeds second ${second}`);
  if (first === 0 || first === second) return [];
  const proof: Buffer[] = [];
  let start = 0;
  let end = second;
  let m = first;
  let complete = true; // SUBPROOF's b: whether the subtree at hand is one the verifier already knows
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(hashAt(start, end));
      break;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      proof.push(hashAt(start + k, end));
      end = start + k;
    } else {
      proof.push(hashAt(start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  return proof.reverse();
}

/** RFC 9162 §2.1.3.2: does `proof` show leafHash at index in the tree of treeSize leaves with this root? */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leafHashValue: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leafHashValue) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHashValue);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves (firstRoot) is a prefix of the tree of `second`
 * leaves (secondRoot)? Equal sizes need equal roots and an empty proof; the empty tree (first = 0, whose root must
 * be SHA-256 of nothing) is a prefix of every tree, with an empty proof.
 */
export function verifyConsistency(
  first: number,
  second: number,
  proof: Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!isSize(first) || !isSize(second) || first > second) return false;
  if (!isHash(firstRoot) || !isHash(secondRoot) || !proof.every(isHash)) return false;
  if (first === second) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (first === 0) return proof.length === 0 && emptyRoot().equals(firstRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && largestPowerOfTwoBelow(n * 2) === n;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(value: Uint8Array): boolean {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function assertSize(n: number, name: string): void {
  if (!isSize(n)) throw new RangeError(`${name} must be a non-negative safe integer`);
}
