import { perfectSubtrees } from '../../packages/client/src/log/merkle.js';
import { eventually } from '../support/eventually.js';
import type { TestDatabase } from '../support/database.js';

const APPEND_ONLY = ['log_entries', 'log_nodes', 'log_checkpoints'];

/**
 * Rewrites a real hub's log in its database the way an operator with superuser rights could: the append-only
 * triggers are disabled, every entry from `size` on is deleted with the subtree hashes and checkpoints that cover
 * it, and the head is set back to `size` (its compact range read from the hashes that remain). The triggers are
 * enabled again, and the hub goes on appending, and signing checkpoints, over the rewritten history.
 */
export async function rewindLog(db: TestDatabase, size: number): Promise<void> {
  for (const table of APPEND_ONLY) await db.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
  try {
    await db.query(`DELETE FROM log_entries WHERE idx >= $1`, [size]);
    // A node (level, idx) covers the leaves idx·2^level … (idx+1)·2^level − 1.
    await db.query(`DELETE FROM log_nodes WHERE (idx + 1) * (2::numeric ^ level) > $1`, [size]);
    await db.query(`DELETE FROM log_checkpoints WHERE size > $1`, [size]);
    const peaks = perfectSubtrees(0, size);
    const rows = await db.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))`,
      [peaks.map((peak) => peak.level), peaks.map((peak) => peak.index)],
    );
    const hashes = peaks.map((peak) => rows.find((row) => row.level === peak.level && Number(row.idx) === peak.index)!.hash);
    await db.query(`UPDATE log_head SET size = $1, peaks = $2 WHERE id = 1`, [size, hashes]);
  } finally {
    for (const table of APPEND_ONLY) await db.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);
  }
}

/** The hub's current checkpoint note, once it covers at least `size` entries. */
export async function checkpointCovering(hubUrl: string, size: number, withinMs = 10_000): Promise<string> {
  let note = '';
  const covered = await eventually(async () => {
    note = await (await fetch(`${hubUrl}/api/v1/log/checkpoint`)).text();
    return Number(note.split('\n')[1]) >= size;
  }, withinMs);
  if (!covered) throw new Error(`the hub's checkpoint did not reach size ${size}: ${note}`);
  return note;
}

/** The tree size a checkpoint note states. */
export function sizeOf(note: string): number {
  return Number(note.split('\n')[1]);
}

/**
 * Hides entry `index` from the hub's listing of its domain's entries (`?domain=`), as a hub that wants an entry in
 * the tree but out of its owner's sight would: its searchable domain column is changed, its leaf (what the tree
 * commits to, what lookups serve) is left as it is.
 */
export async function hideEntry(db: TestDatabase, index: number): Promise<void> {
  await db.query(`ALTER TABLE log_entries DISABLE TRIGGER log_entries_append_only`);
  try {
    await db.query(`UPDATE log_entries SET domain = 'hidden.invalid' WHERE idx = $1`, [index]);
  } finally {
    await db.query(`ALTER TABLE log_entries ENABLE TRIGGER log_entries_append_only`);
  }
}
