import { consistencyProof, foldSubtrees, inclusionProof, perfectSubtrees, type SubtreeReader } from '@federation-hub/client';

/** Anything TypeORM runs raw SQL on: an EntityManager, a QueryRunner, the DataSource. */
export interface SqlRunner {
  query(query: string, parameters?: unknown[]): Promise<unknown>;
}

const ZERO = Buffer.alloc(32);

/**
 * Builds proofs from log_nodes. A proof's ranges are known from the sizes alone, so a first, dry run of the pure
 * proof builder lists them; their perfect subtrees (at most 2·log2 n) are read in ONE indexed query; the second run
 * folds them. No proof ever scans the log.
 */
export async function buildProof(
  db: SqlRunner,
  build: (hashAt: SubtreeReader) => Buffer[],
  alsoLeaf?: number,
): Promise<{ proof: Buffer[]; leafHash?: Buffer }> {
  const ranges: Array<[number, number]> = [];
  build((start, end) => {
    ranges.push([start, end]);
    return ZERO;
  });
  const wanted = new Map<string, { level: number; index: number }>();
  // The leaf's own hash rides in the same query when asked for.
  if (alsoLeaf !== undefined) wanted.set(`0:${alsoLeaf}`, { level: 0, index: alsoLeaf });
  for (const [start, end] of ranges) {
    for (const node of perfectSubtrees(start, end)) wanted.set(`${node.level}:${node.index}`, node);
  }
  const nodes = await readNodes(db, [...wanted.values()]);
  const proof = build((start, end) => foldSubtrees(perfectSubtrees(start, end).map((node) => nodes.get(`${node.level}:${node.index}`)!)));
  return { proof, leafHash: alsoLeaf === undefined ? undefined : nodes.get(`0:${alsoLeaf}`) };
}

/** The audit path of entry `index` in the tree of `treeSize` entries, and the entry's leaf hash: one query. */
export async function inclusionFromStore(db: SqlRunner, index: number, treeSize: number): Promise<{ proof: Buffer[]; leafHash: Buffer }> {
  const { proof, leafHash } = await buildProof(db, (hashAt) => inclusionProof(index, treeSize, hashAt), index);
  return { proof, leafHash: leafHash! };
}

export async function consistencyFromStore(db: SqlRunner, first: number, second: number): Promise<Buffer[]> {
  return (await buildProof(db, (hashAt) => consistencyProof(first, second, hashAt))).proof;
}

async function readNodes(db: SqlRunner, wanted: Array<{ level: number; index: number }>): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (wanted.length === 0) return found;
  const rows = (await db.query(
    // LATERAL: one primary-key probe per wanted node, whatever the planner guesses of unnest's size. Not a
    // PreparedStatement: planned on a young log (a few nodes), its generic plan is a sequential scan of log_nodes
    // (test/foundation/prepared-statements showed it), and that plan would then serve the connection at any size.
    `SELECT wanted.level, wanted.idx, n.hash
       FROM unnest($1::smallint[], $2::bigint[]) AS wanted (level, idx)
       CROSS JOIN LATERAL (SELECT hash FROM log_nodes WHERE level = wanted.level AND idx = wanted.idx) AS n`,
    [wanted.map((node) => node.level), wanted.map((node) => String(node.index))],
  )) as Array<{ level: number; idx: string; hash: Buffer }>;
  for (const row of rows) found.set(`${row.level}:${row.idx}`, row.hash);
  // Every perfect subtree below the log's size exists once its last leaf is committed; a gap is a broken store.
  if (found.size !== wanted.length) throw new Error(`log_nodes lacks ${wanted.length - found.size} node(s) of a proof`);
  return found;
}
