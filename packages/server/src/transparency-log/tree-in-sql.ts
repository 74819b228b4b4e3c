import { perfectSubtrees } from '@federation-hub/client';

type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/**
 * Builds the tree over log entries 0…size-1 written in bulk by SQL (the backfill migration, the bench's seed): the
 * leaf hashes and every perfect subtree's hash with PostgreSQL's sha256(), level by level (RFC 9162: leaf
 * H(0x00 ‖ leaf), node H(0x01 ‖ left ‖ right)), then the head's size and peaks, as appends would have left them.
 */
export async function buildTreeInSql(query: Query, size: number): Promise<void> {
  await query(`INSERT INTO log_nodes (level, idx, hash) SELECT 0, idx, sha256('\\x00'::bytea || leaf) FROM log_entries`);
  for (let level = 1; Math.floor(size / 2 ** level) > 0; level++) {
    await query(
      `INSERT INTO log_nodes (level, idx, hash)
       SELECT $1, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
         FROM log_nodes l JOIN log_nodes r ON r.level = $2 AND r.idx = l.idx + 1
        WHERE l.level = $2 AND l.idx % 2 = 0`,
      [level, level - 1],
    );
  }
  const peaks = perfectSubtrees(0, size);
  const rows = (await query(
    `SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))`,
    [peaks.map((peak) => peak.level), peaks.map((peak) => String(peak.index))],
  )) as Array<{ level: number; idx: string; hash: Buffer }>;
  const hashes = peaks.map((peak) => rows.find((row) => row.level === peak.level && Number(row.idx) === peak.index)!.hash);
  await query(`UPDATE log_head SET size = $1, peaks = $2 WHERE id = 1`, [size, hashes]);
}
