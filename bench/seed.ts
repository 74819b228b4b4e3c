/**
 * The benchmark's peers: `peer<N>.bench.example`, N = 1…count, inserted with one `generate_series` statement
 * (not through the API) as valid-looking confirmed rows sharing one real RSA-2048 key.
 */
import { execFileSync } from 'node:child_process';
import { parsePublicKey } from '../packages/client/src/protocol/public-key.js';
import type { TestDatabase } from '../test/support/database.js';
import { generateTestKeyPair } from '../test/support/keys.js';

/** `.example` has no public suffix: the bench hub runs with REQUIRE_PUBLIC_SUFFIX=false. */
export const BENCH_ZONE = 'bench.example';
export const peerDomain = (n: number) => `peer${n}.${BENCH_ZONE}`;
/** Never seeded: the 404 scenario asks for it. */
export const UNKNOWN_DOMAIN = `unknown.${BENCH_ZONE}`;

export interface BenchKey {
  /** Canonical SPKI PEM, as the hub stores it. */
  pem: string;
  fingerprint: string;
}

export function benchKey(): BenchKey {
  const { pem, fingerprint } = parsePublicKey(generateTestKeyPair({ type: 'rsa', bits: 2048 }).publicPem);
  return { pem, fingerprint };
}

/** Inserts peers first…last (inclusive) and settles the table; returns the seconds it took. */
export async function seedPeers(db: TestDatabase, key: BenchKey, first: number, last: number): Promise<number> {
  const started = performance.now();
  await db.query(
    `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at)
     SELECT 'peer' || n || '.${BENCH_ZONE}',
            'https://peer' || n || '.${BENCH_ZONE}',
            $1, $2,
            'webmaster@peer' || n || '.${BENCH_ZONE}',
            now() - (n % 10000) * interval '1 minute'
       FROM generate_series($3::int, $4::int) AS n`,
    [key.pem, key.fingerprint, first, last],
  );
  // Vacuum, analyze and checkpoint now, so that autovacuum and a checkpoint do not land in the middle of a
  // measurement.
  await db.query('VACUUM (ANALYZE)');
  await db.query('CHECKPOINT');
  // And let the kernel write those pages out now rather than during the next scenario (about a gigabyte of
  // table and WAL after a million rows; its writeback competes for the same two cores).
  if (new URL(db.url).hostname === '127.0.0.1') execFileSync('sync');
  await prewarm(db);
  return (performance.now() - started) / 1000;
}

/**
 * Reads the peers table and its index into shared_buffers, as a registry that has been serving lookups for a while
 * would have them (in production, pg_prewarm's autoprewarm keeps that across restarts). Without it the bench's
 * cold lookups at 1,000,000 peers would spend their rounds on first reads, which a 20 s run cannot amortise.
 */
async function prewarm(db: TestDatabase): Promise<void> {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  } catch (error) {
    console.log(`pg_prewarm unavailable (${(error as Error).message}): the peers table starts outside shared_buffers`);
    return;
  }
  await db.query(`SELECT pg_prewarm('peers'), pg_prewarm('peers_pkey')`);
}
