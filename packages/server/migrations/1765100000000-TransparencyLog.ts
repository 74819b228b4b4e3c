import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transparency log (docs/transparency-log.md):
 * - log_entries: one row per change to what lookups return; `leaf` holds the canonical entry bytes (the Merkle
 *   leaf), the other columns are what the hub searches by (domain) or derives once (key_since);
 * - log_nodes: the hash of every perfect subtree (level 0 = leaf hashes), so that any proof is O(log n) key reads;
 * - log_head: one row, the tree size and its compact range (the hashes of the perfect subtrees that make up the
 *   whole tree, largest first); its row lock serialises appends across connections and instances;
 * - log_checkpoints: the signed checkpoints, shared by all instances.
 * Entries, nodes and checkpoints are append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */
export class TransparencyLog1765100000000 implements MigrationInterface {
  name = 'TransparencyLog1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE log_entries (
        idx       bigint PRIMARY KEY CHECK (idx >= 0),
        domain    text NOT NULL,
        leaf      bytea NOT NULL,
        key_since timestamptz
      )`);
    await db.query(`CREATE INDEX log_entries_domain ON log_entries (domain, idx)`);
    await db.query(`
      CREATE TABLE log_nodes (
        level smallint NOT NULL CHECK (level >= 0 AND level < 64),
        idx   bigint NOT NULL CHECK (idx >= 0),
        hash  bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, idx)
      )`);
    await db.query(`
      CREATE TABLE log_head (
        id    smallint PRIMARY KEY CHECK (id = 1),
        size  bigint NOT NULL CHECK (size >= 0),
        peaks bytea[] NOT NULL
      )`);
    await db.query(`INSERT INTO log_head (id, size, peaks) VALUES (1, 0, '{}')`);
    await db.query(`
      CREATE TABLE log_checkpoints (
        size       bigint PRIMARY KEY CHECK (size >= 0),
        root       bytea NOT NULL CHECK (length(root) = 32),
        note       text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE FUNCTION log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the transparency log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['log_entries', 'log_nodes', 'log_checkpoints']) {
      await db.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION log_refuse_change()`);
      await db.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION log_refuse_change()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['log_checkpoints', 'log_head', 'log_nodes', 'log_entries']) await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP FUNCTION IF EXISTS log_refuse_change()`);
  }
}
