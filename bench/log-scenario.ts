/**
 * The transparency log at scale (`BENCH_ONLY=log npm run bench` runs it alone): a log of 1,000,000 entries seeded
 * with SQL — the canonical leaf bytes built by string concatenation, the leaf hashes and every perfect subtree's
 * hash computed by PostgreSQL's sha256(), level by level — then the proof endpoints under load, the hot lookup of
 * a peer with a log object beside one without (hot: from the cache; cold: the cache off), and the log's storage
 * per entry.
 */
import {
  decodeLogEntry,
  foldSubtrees,
  leafHash,
  openNote,
  parseCheckpoint,
  perfectSubtrees,
  verifyConsistency,
  verifyInclusion,
} from '../packages/client/src/log/index.js';
import { createTestDatabase, type TestDatabase } from '../test/support/database.js';
import { buildTreeInSql } from '../packages/server/src/transparency-log/tree-in-sql.js';
import { startBenchHub } from './hub.js';
import { runLoad, type LoadFigures } from './load.js';
import type { MailSink } from './mail-sink.js';
import { hotLookup, type Load, lookupPath } from './scenarios.js';
import type autocannon from 'autocannon';
import { BENCH_ZONE, type BenchKey, seedPeers } from './seed.js';

export interface LogFigures {
  entries: number;
  /** Seconds to seed the entries and every subtree hash with SQL (the peers table not included). */
  seedSeconds: number;
  inclusion: LoadFigures;
  consistency: LoadFigures;
  /** The same hub, the same moment: a peer whose answer carries the log object, and one whose answer has none. */
  hotWithLog: LoadFigures;
  hotWithoutLog: LoadFigures;
  /**
   * Cache off (LOOKUP_CACHE_ENTRIES=0): every lookup reads the database and builds its answer. With the log object
   * (random peers of the logged ones: entry read and decoded, inclusion proof read) and without (random peers of
   * UNLOGGED_PEERS never logged).
   */
  coldWithLog: LoadFigures;
  coldWithoutLog: LoadFigures;
  /** Bytes on disk (tables, indexes, TOAST) per entry: log_entries, log_nodes, and both. */
  bytesPerEntry: { entries: number; nodes: number; total: number };
}

/** Peers seeded without any log entry, as if confirmed before the log existed (no backfill). */
const UNLOGGED_PEERS = 10_000;
const unloggedDomain = (n: number) => `unlogged${n}.${BENCH_ZONE}`;
const UNLOGGED_DOMAIN = unloggedDomain(1);

export async function logScenario(options: { entries: number; load: Load; key: BenchKey; mail: MailSink; log: (line: string) => void }): Promise<LogFigures> {
  const { entries, load, key, mail, log } = options;
  const db = await createTestDatabase('bench_log');
  // Fast checkpoints so that the one over the seeded log comes at once.
  const hub = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url, env: { LOG_CHECKPOINT_SECONDS: '1' } });
  try {
    await seedPeers(db, key, 1, entries);
    await db.query(
      `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at)
       SELECT 'unlogged' || n || '.${BENCH_ZONE}', 'https://unlogged' || n || '.${BENCH_ZONE}', $1, $2,
              'webmaster@unlogged' || n || '.${BENCH_ZONE}', now()
         FROM generate_series(1, $3::int) AS n`,
      [key.pem, key.fingerprint, UNLOGGED_PEERS],
    );
    const seedSeconds = await seedLog(db, key, entries);
    log(`log: seeded ${entries} entries and their subtree hashes with SQL in ${seedSeconds.toFixed(1)} s`);
    const checkpoint = await waitForCheckpoint(hub.url, entries);
    await verifySample(db, hub.url, checkpoint, entries);
    log(`log: the hub's checkpoint of size ${entries} and sample proofs verify with the client's pure functions`);

    const inclusion = await runLoad({
      ...load,
      url: `${hub.url}/api/v1/log/proof/inclusion?index=0&tree_size=${entries}`,
      expectStatus: 200,
      setupRequest: (request) => ({
        ...request,
        path: `/api/v1/log/proof/inclusion?index=${Math.floor(Math.random() * entries)}&tree_size=${entries}`,
      }),
    });
    const consistency = await runLoad({
      ...load,
      url: `${hub.url}/api/v1/log/proof/consistency?first=1&second=${entries}`,
      expectStatus: 200,
      setupRequest: (request) => ({
        ...request,
        path: `/api/v1/log/proof/consistency?first=${1 + Math.floor(Math.random() * (entries - 1))}&second=${entries}`,
      }),
    });
    // Alternating halves, so that both hot figures come from the same moments of this shared machine.
    const half: Load = { ...load, seconds: Math.max(1, Math.round(load.seconds / 2)), warmupSeconds: load.warmupSeconds };
    const withLog: LoadFigures[] = [];
    const withoutLog: LoadFigures[] = [];
    for (let round = 0; round < 2; round++) {
      withLog.push(await hotLookup(hub.url, half, `peer1.${BENCH_ZONE}`));
      withoutLog.push(await hotLookup(hub.url, half, UNLOGGED_DOMAIN));
    }
    const uncached = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url, env: { LOOKUP_CACHE_ENTRIES: '0' } });
    const coldWith: LoadFigures[] = [];
    const coldWithout: LoadFigures[] = [];
    try {
      const random = (domain: (n: number) => string, count: number) => ({
        ...half,
        url: uncached.url + lookupPath(domain(1)),
        expectStatus: 200,
        setupRequest: (request: autocannon.Request) => ({ ...request, path: lookupPath(domain(1 + Math.floor(Math.random() * count))) }),
      });
      for (let round = 0; round < 2; round++) {
        coldWith.push(await runLoad(random((n) => `peer${n}.${BENCH_ZONE}`, entries)));
        coldWithout.push(await runLoad(random(unloggedDomain, UNLOGGED_PEERS)));
      }
    } finally {
      await uncached.stop();
    }
    const [sizes] = await db.query<{ entries: string; nodes: string }>(
      `SELECT pg_total_relation_size('log_entries') AS entries, pg_total_relation_size('log_nodes') AS nodes`,
    );
    const perEntry = (bytes: number) => Math.round(bytes / entries);
    return {
      entries,
      seedSeconds,
      inclusion,
      consistency,
      hotWithLog: average(withLog),
      hotWithoutLog: average(withoutLog),
      coldWithLog: average(coldWith),
      coldWithoutLog: average(coldWithout),
      bytesPerEntry: {
        entries: perEntry(Number(sizes!.entries)),
        nodes: perEntry(Number(sizes!.nodes)),
        total: perEntry(Number(sizes!.entries) + Number(sizes!.nodes)),
      },
    };
  } finally {
    await hub.stop();
    await db.drop();
  }
}

/**
 * Entries 0…count-1 for peers 1…count, as the hub would have logged their registrations (one per millisecond from
 * 2026-01-01), then the subtree hashes level by level, then the head. Returns the seconds it took.
 */
export async function seedLog(db: TestDatabase, key: BenchKey, count: number): Promise<number> {
  const started = performance.now();
  const der = key.pem.replace(/-----[A-Z ]+-----|\n/g, '');
  await db.query(
    `INSERT INTO log_entries (idx, domain, leaf, key_since)
     SELECT n - 1, 'peer' || n || '.${BENCH_ZONE}',
            convert_to(
              'federation-hub-log-entry/v1' || E'\\n' ||
              'index ' || (n - 1) || E'\\n' ||
              'time ' || to_char(timestamp '2026-01-01' + (n - 1) * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || E'\\n' ||
              'domain peer' || n || '.${BENCH_ZONE}' || E'\\n' ||
              'action register' || E'\\n' ||
              'url https://peer' || n || '.${BENCH_ZONE}' || E'\\n' ||
              'fingerprint ' || $1 || E'\\n' ||
              'previous -' || E'\\n' ||
              'reason -' || E'\\n' ||
              'key ' || $2 || E'\\n', 'UTF8'),
            (timestamp '2026-01-01' + (n - 1) * interval '1 millisecond') AT TIME ZONE 'UTC'
       FROM generate_series(1, $3::int) AS n`,
    [key.fingerprint, der, count],
  );
  await buildTreeInSql((sql, parameters) => db.query(sql, parameters), count);
  // As an append does: the hubs sign a checkpoint when told the log grew (checkpoints.ts).
  await db.query(`SELECT pg_notify('hub_log_grew', $1)`, [String(count - 1)]);
  await db.query('VACUUM (ANALYZE) log_entries, log_nodes');
  const seconds = (performance.now() - started) / 1000;
  // As seedPeers does for peers: a log that has been serving proofs has its tree in shared_buffers (232 B per
  // entry); without this a 10 s run measures first reads from disk.
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    await db.query(`SELECT pg_prewarm('log_nodes'), pg_prewarm('log_nodes_pkey'), pg_prewarm('log_entries_domain')`);
  } catch (error) {
    console.log(`pg_prewarm unavailable (${(error as Error).message}): the log starts outside shared_buffers`);
  }
  return seconds;
}

async function waitForCheckpoint(hubUrl: string, size: number): Promise<{ root: Buffer; note: string }> {
  const key = (await (await fetch(`${hubUrl}/.well-known/federation-hub/log-key`)).text()).trim();
  for (let attempt = 0; attempt < 100; attempt++) {
    const note = await (await fetch(`${hubUrl}/api/v1/log/checkpoint`)).text();
    const checkpoint = parseCheckpoint(openNote(note, [key]).text);
    if (checkpoint.size === size) return { root: checkpoint.root, note };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the hub made no checkpoint of size ${size}`);
}

/** The SQL-seeded hashes must be the tree the hub and its clients compute: proofs checked end to end. */
async function verifySample(db: TestDatabase, hubUrl: string, checkpoint: { root: Buffer }, size: number): Promise<void> {
  const b64 = (value: string) => Buffer.from(value, 'base64');
  const { peer } = (await (await fetch(`${hubUrl}/api/v1/peers?search=peer1.${BENCH_ZONE}`)).json()) as {
    peer: { log: { index: number; tree_size: number; leaf: string; inclusion: string[] } | null };
  };
  if (!peer.log) throw new Error('the lookup answer of a logged peer has no log object');
  const leaf = b64(peer.log.leaf);
  decodeLogEntry(leaf); // the SQL-built leaf is canonical, or this throws
  if (!verifyInclusion(peer.log.index, size, leafHash(leaf), peer.log.inclusion.map(b64), checkpoint.root)) {
    throw new Error('the lookup answer of peer1 does not verify against the checkpoint');
  }
  // An older tree's root, folded from its perfect subtrees, must be consistent with the signed one.
  const first = Math.max(1, Math.floor(size / 3));
  const peaks = perfectSubtrees(0, first);
  const rows = await db.query<{ level: number; idx: string; hash: Buffer }>(
    `SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))`,
    [peaks.map((peak) => peak.level), peaks.map((peak) => String(peak.index))],
  );
  const firstRoot = foldSubtrees(peaks.map((peak) => rows.find((row) => row.level === peak.level && Number(row.idx) === peak.index)!.hash));
  const consistency = (await (await fetch(`${hubUrl}/api/v1/log/proof/consistency?first=${first}&second=${size}`)).json()) as { proof: string[] };
  if (!verifyConsistency(first, size, consistency.proof.map(b64), firstRoot, checkpoint.root)) {
    throw new Error(`the consistency proof ${first} → ${size} does not verify`);
  }
}

function average(runs: LoadFigures[]): LoadFigures {
  const total = runs.reduce((sum, run) => sum + run.requests, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return {
    ...runs[0]!,
    requestsPerSecond: total / seconds,
    p50: Math.max(...runs.map((run) => run.p50)),
    p99: Math.max(...runs.map((run) => run.p99)),
    requests: total,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    timeouts: runs.reduce((sum, run) => sum + run.timeouts, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    unexpected: runs.reduce((sum, run) => sum + run.unexpected, 0),
    seconds,
  };
}

export function printLogFigures(figures: LogFigures): void {
  const line = (name: string, run: LoadFigures) =>
    console.log(`  ${name.padEnd(34)} ${run.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  failures ${run.errors + run.timeouts + run.unexpected}`);
  console.log(`\nTransparency log, ${figures.entries.toLocaleString('en')} entries (seeded with SQL in ${figures.seedSeconds.toFixed(1)} s)`);
  line('inclusion proof (random index)', figures.inclusion);
  line('consistency proof (random first)', figures.consistency);
  line('hot lookup with the log object', figures.hotWithLog);
  line('hot lookup without one', figures.hotWithoutLog);
  line('cold lookup (cache off) with the log', figures.coldWithLog);
  line('cold lookup (cache off) without', figures.coldWithoutLog);
  console.log(
    `  storage per entry: ${figures.bytesPerEntry.total} B (log_entries ${figures.bytesPerEntry.entries} B, log_nodes ${figures.bytesPerEntry.nodes} B)`,
  );
}
