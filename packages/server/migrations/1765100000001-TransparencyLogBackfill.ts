import type { MigrationInterface, QueryRunner } from 'typeorm';
import { perfectSubtrees } from '@federation-hub/client';

/**
 * Logs the peers confirmed before the log existed, so that every lookup answer carries a log object from the first
 * start on: one `register` entry per unrevoked peer, in the order of their confirmation, timed at it, built in SQL
 * (the canonical leaf text of packages/client/src/log/entry.ts, the leaf and subtree hashes with sha256()), in the
 * migration's transaction. Revoked peers are not logged (lookups do not return them). Runs on an empty log only.
 */
export class TransparencyLogBackfill1765100000001 implements MigrationInterface {
  name = 'TransparencyLogBackfill1765100000001';

  async up(db: QueryRunner): Promise<void> {
    const [head] = (await db.query(`SELECT size FROM log_head WHERE id = 1 FOR UPDATE`)) as Array<{ size: string }>;
    if (Number(head!.size) !== 0) return;
    await db.query(`
      INSERT INTO log_entries (idx, domain, leaf, key_since)
      SELECT n - 1, domain,
             convert_to(
               'federation-hub-log-entry/v1' || E'\\n' ||
               'index ' || (n - 1) || E'\\n' ||
               'time ' || to_char(confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || E'\\n' ||
               'domain ' || domain || E'\\n' ||
               'action register' || E'\\n' ||
               'url ' || url || E'\\n' ||
               'fingerprint ' || fingerprint || E'\\n' ||
               'previous -' || E'\\n' ||
               'reason -' || E'\\n' ||
               -- The stored PEM is canonical (64-character lines): its body without armour and newlines is the DER's base64.
               'key ' || replace(replace(replace(public_key, '-----BEGIN PUBLIC KEY-----', ''), '-----END PUBLIC KEY-----', ''), E'\\n', '') || E'\\n',
               'UTF8'),
             date_trunc('milliseconds', confirmed_at)
        FROM (SELECT p.*, row_number() OVER (ORDER BY confirmed_at, domain) AS n FROM peers p WHERE revoked_at IS NULL) AS ordered`);
    const [{ count }] = (await db.query(`SELECT count(*)::bigint AS count FROM log_entries`)) as Array<{ count: string }>;
    const size = Number(count);
    if (size === 0) return;
    await db.query(`INSERT INTO log_nodes (level, idx, hash) SELECT 0, idx, sha256('\\x00'::bytea || leaf) FROM log_entries`);
    for (let level = 1; Math.floor(size / 2 ** level) > 0; level++) {
      await db.query(
        `INSERT INTO log_nodes (level, idx, hash)
         SELECT $1, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
           FROM log_nodes l JOIN log_nodes r ON r.level = $2 AND r.idx = l.idx + 1
          WHERE l.level = $2 AND l.idx % 2 = 0`,
        [level, level - 1],
      );
    }
    const peaks = perfectSubtrees(0, size);
    const rows = (await db.query(
      `SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))`,
      [peaks.map((peak) => peak.level), peaks.map((peak) => String(peak.index))],
    )) as Array<{ level: number; idx: string; hash: Buffer }>;
    const hashes = peaks.map((peak) => rows.find((row) => row.level === peak.level && Number(row.idx) === peak.index)!.hash);
    await db.query(`UPDATE log_head SET size = $1, peaks = $2 WHERE id = 1`, [size, hashes]);
  }

  async down(db: QueryRunner): Promise<void> {
    // Entries are never deleted while the log stands; reverting the log itself (the previous migration) drops it.
    void db;
  }
}
