import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { orderSrv } from '../../packages/client/src/srv-order.js';

const srv = (target: string, priority: number, weight: number) => ({ target, priority, weight, port: 443 });

/** A deterministic PRNG (mulberry32), so the distribution test is exact and never flaky. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RFC 2782 ordering of SRV records', () => {
  it('sorts by priority, lowest first', () => {
    const ordered = orderSrv([srv('c', 30, 1), srv('a', 10, 1), srv('b', 20, 1)], () => 0.5);
    assert.deepEqual(ordered.map((record) => record.target), ['a', 'b', 'c']);
  });

  it('drops "." targets (service not offered)', () => {
    assert.deepEqual(orderSrv([srv('', 10, 1), srv('a', 20, 1)]).map((record) => record.target), ['a']);
  });

  it('is a permutation of the usable records (property)', () => {
    const record = fc.record({ target: fc.constantFrom('a', 'b', 'c', 'd'), priority: fc.nat(3), weight: fc.nat(10), port: fc.constant(443) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (records, draw) => {
        const ordered = orderSrv(records, () => draw);
        assert.equal(ordered.length, records.length);
        for (let i = 1; i < ordered.length; i++) assert.ok(ordered[i - 1]!.priority <= ordered[i]!.priority);
      }),
    );
  });

  it('within a priority, picks first in proportion to the weights (seeded draws)', () => {
    const random = seeded(42);
    const firsts = { light: 0, heavy: 0 };
    for (let i = 0; i < 10_000; i++) {
      const [first] = orderSrv([srv('light', 10, 10), srv('heavy', 10, 30)], random);
      firsts[first!.target as 'light' | 'heavy']++;
    }
    // Weights 10:30 → 11 of 41 integer draws select "light" (0..10), 30 select "heavy".
    assert.ok(firsts.light > 2_300 && firsts.light < 3_100, JSON.stringify(firsts));
    assert.equal(firsts.light + firsts.heavy, 10_000);
  });
});
