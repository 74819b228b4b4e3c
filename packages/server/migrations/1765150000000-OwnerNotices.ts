import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Owner notices (packages/server/src/owner-notices/): an email to the contact of a record that changed, queued in
 * the outbox in the same transaction as the change. It is about no verification request, so its facts (domain,
 * change, old and new fingerprint and URL: nothing secret) are kept with the message, composed at delivery.
 */
export class OwnerNotices1765150000000 implements MigrationInterface {
  name = 'OwnerNotices1765150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE mail_outbox ADD COLUMN notice jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE mail_outbox DROP COLUMN notice`);
  }
}
