/**
 * RFC 9162 Merkle tree: hashing, proofs and their verification.
 *
 * Published vectors, copied byte for byte:
 * - transparency-dev/merkle, rfc6962/rfc6962_test.go @ 78493b07ef9b552e3379abf9e23d4da26fbe797c (TestRFC6962Hasher):
 *   the empty root, the empty leaf, leaf "L123456" and node ("N123", "N456").
 * - transparency-dev/merkle, proof/verify_test.go @ 02194e9afb6c1d95b5381350007963aa70fff472 (the vectors
 *   certificate-transparency-go inherited from the CT C++ tests): the 8 leaves, the roots of trees of size 1…8,
 *   inclusion proofs (leaf, size) = (1,8), (6,8), (3,3), (2,5) and consistency proofs (1,8), (6,8), (2,5), (6,7).
 *   Their leaf numbers are 1-based; RFC 9162 indices are those minus 1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  consistencyProof,
  emptyRoot,
  foldSubtrees,
  inclusionProof,
  leafHash,
  merkleRoot,
  nodeHash,
  perfectSubtrees,
  verifyConsistency,
  verifyInclusion,
} from '../../packages/client/src/log/index.js';

const hex = (value: string) => Buffer.from(value, 'hex');
const toHex = (value: Uint8Array) => Buffer.from(value).toString('hex');

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);
const INCLUSION: Array<{ leaf: number; size: number; proof: string[] }> = [
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY: Array<{ first: number; second: number; proof: string[] }> = [
  {
    first: 1,
    second: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    first: 2,
    second: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    first: 6,
    second: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const vectorLeafHashes = LEAVES.map((leaf) => leafHash(leaf));
const vectorReader = (start: number, end: number) => merkleRoot(vectorLeafHashes.slice(start, end));

/** A copy of `value` with one bit flipped: bit number `bit` (wrapping around the value's length). */
function flipped(value: Uint8Array, bit = 0): Buffer {
  const copy = Buffer.from(value);
  const at = Math.floor(bit / 8) % copy.length;
  copy[at] = copy[at]! ^ (1 << (bit % 8));
  return copy;
}

describe('RFC 6962 hashing (transparency-dev/merkle rfc6962_test.go)', () => {
  it('hashes the empty tree, the empty leaf, a leaf and a node as published', () => {
    assert.equal(toHex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(toHex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(toHex(leafHash(new Uint8Array())), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(toHex(leafHash(Buffer.from('L123456'))), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    assert.equal(
      toHex(nodeHash(Buffer.from('N123'), Buffer.from('N456'))),
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
  });
});

describe('RFC 9162 tree vectors (transparency-dev/merkle proof/verify_test.go)', () => {
  it('computes the published root of every tree of 1 to 8 leaves', () => {
    for (let size = 1; size <= 8; size++) {
      assert.equal(toHex(merkleRoot(vectorLeafHashes.slice(0, size))), toHex(ROOTS[size - 1]!), `size ${size}`);
    }
  });

  it('builds and verifies the published inclusion proofs, and refuses their corruptions', () => {
    for (const vector of INCLUSION) {
      const index = vector.leaf - 1;
      const root = ROOTS[vector.size - 1]!;
      const proof = inclusionProof(index, vector.size, vectorReader);
      assert.deepEqual(proof.map(toHex), vector.proof, `leaf ${vector.leaf} of ${vector.size}`);
      const published = vector.proof.map(hex);
      const leaf = vectorLeafHashes[index]!;
      assert.equal(verifyInclusion(index, vector.size, leaf, published, root), true);
      // The corruptions of verify_test.go's corruptInclusionProof.
      assert.equal(verifyInclusion(index - 1, vector.size, leaf, published, root), false, 'index - 1');
      assert.equal(verifyInclusion(index + 1, vector.size, leaf, published, root), false, 'index + 1');
      assert.equal(verifyInclusion(index ^ 2, vector.size, leaf, published, root), false, 'index ^ 2');
      assert.equal(verifyInclusion(index, vector.size * 2, leaf, published, root), false, 'size * 2');
      assert.equal(verifyInclusion(index, Math.floor(vector.size / 2), leaf, published, root), false, 'size / 2');
      assert.equal(verifyInclusion(index, vector.size, Buffer.from('WrongLeaf'), published, root), false, 'wrong leaf');
      assert.equal(verifyInclusion(index, vector.size, leaf, published, emptyRoot()), false, 'empty root');
      assert.equal(verifyInclusion(index, vector.size, leaf, [...published, root], root), false, 'trailing root');
      assert.equal(verifyInclusion(index, vector.size, leaf, [root, ...published], root), false, 'preceding root');
      assert.equal(verifyInclusion(index, vector.size, leaf, published.slice(0, -1), root), false, 'removed component');
    }
  });

  it('builds and verifies the published consistency proofs, and refuses their corruptions', () => {
    for (const vector of CONSISTENCY) {
      const proof = consistencyProof(vector.first, vector.second, vectorReader);
      assert.deepEqual(proof.map(toHex), vector.proof, `${vector.first} → ${vector.second}`);
      const published = vector.proof.map(hex);
      const [r1, r2] = [ROOTS[vector.first - 1]!, ROOTS[vector.second - 1]!];
      assert.equal(verifyConsistency(vector.first, vector.second, published, r1, r2), true);
      assert.equal(verifyConsistency(vector.first - 1, vector.second, published, r1, r2), false, 'first - 1');
      assert.equal(verifyConsistency(vector.first + 1, vector.second, published, r1, r2), false, 'first + 1');
      assert.equal(verifyConsistency(vector.first, vector.second * 2, published, r1, r2), false, 'second * 2');
      assert.equal(verifyConsistency(vector.first, vector.second, published, r2, r1), false, 'swapped roots');
      assert.equal(verifyConsistency(vector.first, vector.second, [], r1, r2), false, 'empty proof');
      assert.equal(verifyConsistency(vector.first, vector.second, [...published, r1], r1, r2), false, 'trailing root1');
      assert.equal(verifyConsistency(vector.first, vector.second, [published[0]!, ...published], r1, r2), false, 'preceding proof[0]');
      assert.equal(verifyConsistency(vector.first, vector.second, published.slice(0, -1), r1, r2), false, 'truncated');
    }
  });

  it('handles the trivial sizes as RFC 9162 does', () => {
    const some = ROOTS[2]!;
    assert.equal(verifyConsistency(0, 0, [], emptyRoot(), emptyRoot()), true);
    assert.equal(verifyConsistency(0, 5, [], emptyRoot(), ROOTS[4]!), true);
    assert.equal(verifyConsistency(0, 5, [], some, ROOTS[4]!), false, 'size 0 needs the empty root');
    assert.equal(verifyConsistency(3, 3, [], some, some), true);
    assert.equal(verifyConsistency(3, 3, [some], some, some), false, 'equal sizes take an empty proof');
    assert.equal(verifyConsistency(3, 3, [], some, ROOTS[3]!), false, 'equal sizes need equal roots');
    assert.equal(verifyConsistency(4, 3, [], some, some), false, 'time travel');
    assert.equal(verifyInclusion(0, 0, vectorLeafHashes[0]!, [], emptyRoot()), false, 'nothing is in the empty tree');
    assert.equal(verifyInclusion(0, 1, vectorLeafHashes[0]!, [], ROOTS[0]!), true);
    assert.equal(verifyInclusion(1, 1, vectorLeafHashes[0]!, [], ROOTS[0]!), false);
    assert.deepEqual(consistencyProof(0, 7, vectorReader), []);
    assert.deepEqual(consistencyProof(7, 7, vectorReader), []);
    assert.throws(() => inclusionProof(8, 8, vectorReader), RangeError);
    assert.throws(() => consistencyProof(8, 7, vectorReader), RangeError);
  });
});

describe('every proof of every small tree, built the way the hub builds them', () => {
  // The hub keeps only perfect subtrees (level 0 = leaf hashes) and answers hashAt by folding perfectSubtrees.
  const MAX = 300;
  const leafHashes = Array.from({ length: MAX }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const perfect: Buffer[][] = [leafHashes];
  while (perfect.at(-1)!.length > 1) {
    const below = perfect.at(-1)!;
    perfect.push(Array.from({ length: Math.floor(below.length / 2) }, (_, i) => nodeHash(below[2 * i]!, below[2 * i + 1]!)));
  }
  const hubReader = (start: number, end: number) =>
    foldSubtrees(perfectSubtrees(start, end).map(({ level, index }) => perfect[level]![index]!));
  const roots = Array.from({ length: MAX + 1 }, (_, size) => merkleRoot(leafHashes.slice(0, size)));

  it('reads every range root from perfect subtrees exactly as MTH computes it', () => {
    for (let end = 1; end <= MAX; end++) assert.ok(hubReader(0, end).equals(roots[end]!), `root of ${end}`);
    for (let start = 0; start < 64; start++) {
      for (let end = start + 1; end <= 64; end++) {
        const nodes = perfectSubtrees(start, end);
        assert.equal(nodes.reduce((sum, node) => sum + 2 ** node.level, 0), end - start);
      }
    }
  });

  it(`verifies the inclusion of every leaf in every tree of 1 to ${MAX} leaves; any flipped bit fails`, () => {
    let checked = 0;
    for (let size = 1; size <= MAX; size++) {
      const root = roots[size]!;
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, hubReader);
        const leaf = leafHashes[index]!;
        assert.equal(proof.length <= Math.ceil(Math.log2(size)), true);
        if (!verifyInclusion(index, size, leaf, proof, root)) assert.fail(`leaf ${index} of ${size} does not verify`);
        const bit = index + size;
        if (verifyInclusion(index, size, flipped(leaf, bit), proof, root)) assert.fail(`flipped leaf ${index}/${size}`);
        if (verifyInclusion(index, size, leaf, proof, flipped(root, bit))) assert.fail(`flipped root ${index}/${size}`);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map((hash, j) => (j === i ? flipped(hash, bit + i) : hash));
          if (verifyInclusion(index, size, leaf, bad, root)) assert.fail(`flipped path[${i}] ${index}/${size}`);
        }
        checked += 1;
      }
    }
    assert.equal(checked, (MAX * (MAX + 1)) / 2);
  });

  it('verifies consistency between every pair of sizes up to 100; any flipped bit fails', () => {
    let checked = 0;
    for (let second = 1; second <= 100; second++) {
      for (let first = 1; first <= second; first++) {
        const proof = consistencyProof(first, second, hubReader);
        const [r1, r2] = [roots[first]!, roots[second]!];
        if (!verifyConsistency(first, second, proof, r1, r2)) assert.fail(`${first} → ${second} does not verify`);
        const bit = first * 7 + second;
        if (verifyConsistency(first, second, proof, flipped(r1, bit), r2)) assert.fail(`flipped first root ${first} → ${second}`);
        if (verifyConsistency(first, second, proof, r1, flipped(r2, bit))) assert.fail(`flipped second root ${first} → ${second}`);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map((hash, j) => (j === i ? flipped(hash, bit + i) : hash));
          if (verifyConsistency(first, second, bad, r1, r2)) assert.fail(`flipped proof[${i}] ${first} → ${second}`);
        }
        if (first < second && verifyConsistency(first, second, proof, r2, r2)) assert.fail(`wrong first root ${first} → ${second}`);
        checked += 1;
      }
    }
    assert.equal(checked, (100 * 101) / 2);
  });
});
