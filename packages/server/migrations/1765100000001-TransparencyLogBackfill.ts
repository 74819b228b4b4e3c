import type { MigrationInterface, QueryRunner } from 'typeorm';
import { buildTreeInSql } from '../src/transparency-log/tree-in-sql.js';

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
    await buildTreeInSql((sql, parameters) => db.query(sql, parameters), size);
  }

  async down(db: QueryRunner): Promise<void> {
    // Entries are never deleted while the log stands; reverting the log itself (the previous migration) drops it.
    void db;
  }
}
