import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Proof of ownership by DNS or HTTP as well as by email (docs/ownership-proofs.md):
 * - verification_requests.method: how the request is to be proven (every existing request was by email);
 * - ownership_challenges: the challenge of a dns or http request, with only a hash of its token, and the background
 *   re-check's schedule and lease (several instances never check one challenge at once).
 * An email that must wait for the domain's cooldown needs no new column: it is queued with its next_attempt_at
 * (the outbox's "not before") at the end of the cooldown.
 */
export class OwnershipChallenges1765200000000 implements MigrationInterface {
  name = 'OwnershipChallenges1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE verification_requests ADD COLUMN method text NOT NULL DEFAULT 'email' CHECK (method IN ('email', 'dns', 'http'))`,
    );
    await db.query(`
      CREATE TABLE ownership_challenges (
        request_id      uuid PRIMARY KEY REFERENCES verification_requests (id) ON DELETE CASCADE,
        method          text NOT NULL CHECK (method IN ('dns', 'http')),
        token_hash      bytea NOT NULL,
        http_id         text UNIQUE,
        active          boolean NOT NULL DEFAULT true,
        checks          integer NOT NULL DEFAULT 0,
        next_check_at   timestamptz NOT NULL,
        leased_until    timestamptz,
        last_checked_at timestamptz,
        last_finding    text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CHECK (method = 'dns' OR http_id IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX ownership_challenges_due ON ownership_challenges (next_check_at) WHERE active`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS ownership_challenges`);
    await db.query(`ALTER TABLE verification_requests DROP COLUMN IF EXISTS method`);
  }
}
