import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hub's tables:
 * - peers: confirmed domains, the only thing lookups read;
 * - verification_requests: pending registrations/updates/removals awaiting the webmaster's click;
 * - verification_tokens: SHA-256 hashes of the links sent (a fresh token per delivery, so no raw token is ever stored);
 * - mail_outbox + mail_attempts: emails written in the same transaction as their request, delivered by a worker;
 * - signing_keys: the hub's Ed25519 key for signed lookup answers, when not supplied by HUB_SIGNING_KEY.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE peers (
        domain         text PRIMARY KEY,
        url            text NOT NULL,
        public_key     text NOT NULL,
        fingerprint    text NOT NULL,
        contact        text NOT NULL,
        confirmed_at   timestamptz NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        revoked_at     timestamptz,
        revoked_reason text
      )`);
    await db.query(`
      CREATE TABLE verification_requests (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        action       text NOT NULL CHECK (action IN ('register', 'remove')),
        domain       text NOT NULL,
        url          text,
        public_key   text,
        fingerprint  text,
        contact      text NOT NULL,
        requester_ip text,
        status       text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'confirmed', 'superseded', 'cancelled')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL,
        completed_at timestamptz,
        CHECK (action = 'remove' OR (url IS NOT NULL AND public_key IS NOT NULL AND fingerprint IS NOT NULL))
      )`);
    // At most one live request per domain: a newer one supersedes the older in the same transaction.
    await db.query(
      `CREATE UNIQUE INDEX verification_requests_one_pending ON verification_requests (domain) WHERE status = 'pending'`,
    );
    await db.query(`CREATE INDEX verification_requests_domain_created ON verification_requests (domain, created_at DESC)`);
    await db.query(`CREATE INDEX verification_requests_expires ON verification_requests (expires_at)`);
    await db.query(`
      CREATE TABLE verification_tokens (
        token_hash bytea PRIMARY KEY,
        request_id uuid NOT NULL REFERENCES verification_requests (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX verification_tokens_request ON verification_tokens (request_id)`);
    await db.query(`
      CREATE TABLE mail_outbox (
        id              bigserial PRIMARY KEY,
        request_id      uuid REFERENCES verification_requests (id) ON DELETE CASCADE,
        kind            text NOT NULL,
        recipient       text NOT NULL,
        status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'dead', 'cancelled')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz
      )`);
    await db.query(`CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'queued'`);
    await db.query(`CREATE INDEX mail_outbox_request ON mail_outbox (request_id)`);
    await db.query(`
      CREATE TABLE mail_attempts (
        id           bigserial PRIMARY KEY,
        outbox_id    bigint NOT NULL REFERENCES mail_outbox (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        ok           boolean NOT NULL,
        error        text
      )`);
    await db.query(`CREATE INDEX mail_attempts_outbox ON mail_attempts (outbox_id)`);
    await db.query(`
      CREATE TABLE signing_keys (
        kid             text PRIMARY KEY,
        private_pkcs8   text NOT NULL,
        public_jwk      jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['signing_keys', 'mail_attempts', 'mail_outbox', 'verification_tokens', 'verification_requests', 'peers']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
