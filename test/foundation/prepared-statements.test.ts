import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runMigrations } from '../../packages/server/src/database/data-source.js';
import { PreparedStatement, preparedStatements } from '../../packages/server/src/database/prepared-statement.js';
// The whole application, so that every module that declares a prepared statement has declared it.
import '../../packages/server/src/app.module.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Parameters to plan each statement with (a generic plan does not depend on them, but EXECUTE needs them).
const SAMPLE_PARAMETERS: Record<string, unknown[]> = {
  read_answered_peer: ['peer7.plan.example'],
  read_domain_state: ['peer7.plan.example'],
  write_request: [
    'register', 'new.plan.example', 'https://new.plan.example', 'PEM', 'SHA256:x', 'webmaster@new.plan.example', null, 24,
    'domain:new.plan.example', '00000000-0000-4000-8000-000000000000', 'confirmation', 'email', 0, null, null, 0, 60,
  ],
};

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

// The plan nodes that read a table or an index (a bitmap heap scan reads through its bitmap index scans).
const TABLE_READS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Index Scan']);

/** How the plan reads: "Index Scan on peers using peers_pkey ((domain = $1))", "Seq Scan on peers (no index condition)", … */
function reads(node: PlanNode): string[] {
  const type = node['Node Type'];
  const own = TABLE_READS.has(type)
    ? [`${type}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${node['Index Name'] ? ` using ${node['Index Name']}` : ''} (${node['Index Cond'] ?? 'no index condition'})`]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(reads)];
}

// PreparedStatement explains why: a generic plan is made once, possibly from a young database's statistics, and
// then serves every call on its connection.
describe('prepared statements: every generic plan reads through an index keyed by the parameters', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let seeded = 0;

  /** Peers, and pending requests with their queued emails, numbered up to `count` (never analyzed). */
  async function grow(count: number): Promise<void> {
    await db.query(
      `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at)
       SELECT 'peer' || n || '.plan.example', 'https://peer' || n || '.plan.example', 'PEM', 'SHA256:' || n,
              'webmaster@peer' || n || '.plan.example', now()
         FROM generate_series($1::int, $2::int) AS n`,
      [seeded + 1, count],
    );
    await db.query(
      `WITH request AS (
         INSERT INTO verification_requests (action, domain, url, public_key, fingerprint, contact, status, expires_at)
         SELECT 'register', 'r' || n || '.plan.example', 'https://r' || n || '.plan.example', 'PEM', 'SHA256:' || n,
                'webmaster@r' || n || '.plan.example', 'pending', now() + interval '1 day'
           FROM generate_series($1::int, $2::int) AS n
         RETURNING id, contact
       )
       INSERT INTO mail_outbox (kind, request_id, recipient, status) SELECT 'confirmation', id, contact, 'queued' FROM request`,
      [seeded + 1, count],
    );
    seeded = count;
  }

  before(async () => {
    db = await createTestDatabase('prepared_statements');
    await runMigrations({ url: db.url });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('SET plan_cache_mode = force_generic_plan');
  });
  after(async () => {
    await client?.end();
    await db.drop();
  });

  it('knows sample parameters for every statement the hub declares', () => {
    assert.deepEqual([...preparedStatements().keys()].sort(), Object.keys(SAMPLE_PARAMETERS).sort());
  });

  // The first generic plans are made early, when the tables hold a few rows (that is when a read by status looked
  // cheapest), and again as they grow.
  for (const rows of [20, 5_000]) {
    for (const [name, parameters] of Object.entries(SAMPLE_PARAMETERS)) {
      it(`${name}, with ${rows} rows per table: no sequential scan, no index read without an index condition`, async () => {
        if (seeded < rows) await grow(rows);
        const statement = preparedStatements().get(name) as PreparedStatement<unknown>;
        await client.query(`PREPARE ${name}_${rows} AS ${statement.text}`);
        const literals = parameters.map((value) => (value === null ? 'NULL' : client.escapeLiteral(String(value))));
        const [{ 'QUERY PLAN': plan }] = (await client.query(`EXPLAIN (FORMAT JSON) EXECUTE ${name}_${rows}(${literals.join(', ')})`))
          .rows as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
        const tableReads = reads(plan[0].Plan);
        assert.ok(tableReads.length > 0, 'the plan reads no table at all');
        const unkeyed = tableReads.filter((read) => read.startsWith('Seq Scan') || read.endsWith('(no index condition)'));
        assert.deepEqual(unkeyed, [], `generic plan of ${name} reads:\n${tableReads.join('\n')}`);
      });
    }
  }
});
