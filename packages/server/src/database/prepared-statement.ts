/** Anything TypeORM runs raw SQL on: an EntityManager (in a transaction or not), a QueryRunner, the DataSource. */
interface SqlRunner {
  query(query: string, parameters?: unknown[]): Promise<unknown>;
}

const declared = new Map<string, PreparedStatement<unknown>>();

/** Every statement declared so far (by the modules imported so far): what the plan test examines. */
export function preparedStatements(): ReadonlyMap<string, PreparedStatement<unknown>> {
  return declared;
}

/**
 * A statement of a hot path that PostgreSQL parses and plans once per connection instead of on every call.
 *
 * Why: a registration's two statements spent more time being planned than being executed (pg_stat_statements
 * under registration load: 0.62 ms of planning against 0.42 ms of execution per registration), and every
 * lookup that misses the cache paid the same for its one-row read.
 *
 * How it behaves: pg parses a named statement once per pooled connection; PostgreSQL plans it per call for the
 * first five calls, then keeps one generic plan when that plan looks no worse (plan_cache_mode = auto). That plan
 * is made from the statistics of that moment (on a young database, next to none) and serves the connection until
 * the table's statistics change. So every table such a statement reads must be reached through an index keyed by
 * its parameters, leaving the planner no plan that scans by a status or a date alone:
 * test/foundation/prepared-statements.test.ts checks the generic plan of every one of them.
 *
 * It runs through TypeORM like any other raw query (same QueryFailedError, same query runner and pool): TypeORM
 * hands its query argument to pg's client.query as it is, and pg takes a { name, text } config there.
 * A connection pooler in front of PostgreSQL must keep prepared statements per server connection (PgBouncer
 * >= 1.21 with max_prepared_statements, or session pooling): see the README's Operations.
 */
export class PreparedStatement<Row> {
  private readonly config: { name: string; text: string };

  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    // Two statements under one name would fail on the second's first use, on whichever connection had the first.
    if (declared.has(name)) throw new Error(`prepared statement ${name} is declared twice`);
    declared.set(name, this);
    this.config = { name, text };
  }

  async run(on: SqlRunner, values: unknown[]): Promise<Row[]> {
    // pg copies the config before adding the values, so one object serves every call.
    return (await on.query(this.config as unknown as string, values)) as Row[];
  }
}
