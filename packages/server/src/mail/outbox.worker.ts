import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MailAttempt } from './mail-attempt.entity.js';
import { type ComposedMail, MailComposer } from './mail-composer.js';
import { OutboxMessage } from './outbox.entity.js';
import { OutboxService } from './outbox.service.js';
import { describeSendError, retryDelaySeconds } from './retry.js';
import { createMailTransport, type MailTransport } from './transport.js';

const ERROR_BACKOFF_MAX_MS = 10_000;
// Longer than the SMTP transport's worst case (connect + greeting + socket timeouts).
const SEND_LEASE_SECONDS = 120;

/**
 * Delivers the outbox. Each message is claimed with FOR UPDATE SKIP LOCKED and leased, so with several
 * instances a message is sent by exactly one of them. A failed send is retried with exponential back-off and
 * marked dead after OUTBOX_MAX_ATTEMPTS. Nothing here may crash the process: a database or SMTP outage only
 * delays delivery.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private transport: MailTransport;
  private running = false;
  private wake: (() => void) | undefined;
  /** Set by a wake-up; a wake-up during a drain makes the loop look again at once instead of sleeping. */
  private woken = false;
  private loop: Promise<void> | undefined;
  /**
   * Outcomes the database went away before they could be written, by message id; written as soon as it answers
   * again (writeUnrecordedOutcomes). Without this, an outage at the wrong moment left a message leased until
   * SEND_LEASE_SECONDS ran out:
   * - a claim whose transaction failed after the claim statement returned (at COMMIT, say) may have committed: its
   *   lease is released, so the email goes out as soon as the database is back;
   * - a failed send whose failure could not be recorded is released the same way, and retried at once (that
   *   attempt, never recorded, does not count);
   * - an email that left but could not be recorded as sent is recorded then, instead of being sent again.
   * A release matches the exact lease this instance wrote, so it never touches another instance's claim.
   */
  private readonly unrecorded = new Map<string, { lease: string; sent: boolean }>();

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly composer: MailComposer,
    private readonly outbox: OutboxService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.transport = createMailTransport(this.config);
    this.outbox.onNudge(() => this.poke());
    this.running = true;
    this.loop = this.run();
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Stop polling, let the batch in hand finish, close the transport. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.transport?.close();
  }

  /**
   * Delivers every message due now, in batches of up to OUTBOX_CONCURRENCY sent at once (rejects if the database
   * failed). Only the worker's loop calls it, so there is one drain at a time per instance.
   *
   * A batch is claimed, composed, and later recorded as sent, in one statement each, whatever its size: under load
   * the messages that queue while one batch is out leave together in the next, so the database's share of an email
   * falls as the rate rises. A quiet hub sends batches of one, as soon as each email is queued.
   */
  private async drain(): Promise<void> {
    while (this.running && (await this.deliverBatch()) > 0);
  }

  private async run(): Promise<void> {
    let errorDelay = this.config.outboxPollMs;
    while (this.running) {
      let delay = this.config.outboxPollMs;
      this.woken = false;
      try {
        await this.writeUnrecordedOutcomes();
        await this.drain();
        errorDelay = this.config.outboxPollMs;
        // Something was queued after the drain's last look: look again now rather than after a poll interval.
        if (this.woken) continue;
      } catch (error) {
        this.logger.warn({ err: describeSendError(error) }, 'outbox worker: database unavailable; retrying');
        errorDelay = Math.min(errorDelay * 2, ERROR_BACKOFF_MAX_MS);
        delay = errorDelay;
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * Claims up to OUTBOX_CONCURRENCY due messages and composes them in a short transaction that also moves their
   * next attempt a lease into the future, so no other instance takes them while they are being sent; then sends
   * them at once, outside any transaction, and records the outcomes. A crash mid-send leaves the messages to be
   * retried when the lease ends. The links' tokens are committed before the emails leave, so each works the moment
   * its email arrives. Resolves with the number of messages claimed.
   */
  private async deliverBatch(): Promise<number> {
    const leased: ClaimedMessage[] = [];
    const claimed = await this.dataSource
      .transaction(async (manager) => {
        // Claim and lease in one statement: the next attempt moves a lease into the future and counts the attempt.
        // (Wrapped in a SELECT because TypeORM answers a bare UPDATE with [rows, count].)
        const rows = (await manager.query(
          `WITH claimed AS (
             UPDATE mail_outbox
                SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
              WHERE id IN (SELECT id FROM mail_outbox
                            WHERE status = 'queued' AND next_attempt_at <= now()
                            ORDER BY next_attempt_at, id
                            LIMIT $2
                            FOR UPDATE SKIP LOCKED)
             RETURNING id, request_id, kind, recipient, attempts, next_attempt_at::text AS lease
           )
           SELECT * FROM claimed ORDER BY id`,
          [SEND_LEASE_SECONDS, this.config.outboxConcurrency],
        )) as Array<{ id: string; request_id: string | null; kind: string; recipient: string; attempts: number; lease: string }>;
        if (rows.length === 0) return [];
        for (const row of rows) {
          const message = Object.assign(new OutboxMessage(), {
            id: row.id,
            requestId: row.request_id,
            kind: row.kind,
            recipient: row.recipient,
            attempts: row.attempts,
            status: 'queued' as const,
          });
          leased.push({ message, lease: row.lease, mail: null });
        }
        const mails = await this.composer.compose(leased.map((claim) => claim.message), manager);
        leased.forEach((claim, i) => (claim.mail = mails[i] ?? null));
        const cancelled = leased.filter((claim) => !claim.mail).map((claim) => claim.message.id);
        if (cancelled.length > 0) {
          // Not an attempt: nothing was sent.
          await manager.query(`UPDATE mail_outbox SET status = 'cancelled', attempts = attempts - 1 WHERE id = ANY($1::bigint[])`, [cancelled]);
        }
        return leased;
      })
      .catch((error: unknown) => {
        // The claim may have committed even so (a COMMIT whose answer was lost).
        this.rememberUnrecorded(leased, false);
        throw error;
      });
    if (claimed.length === 0) return 0;

    const sent: ClaimedMessage[] = [];
    const outcomes = await Promise.allSettled(
      claimed.map(async (claim) => {
        if (!claim.mail) {
          this.metrics.mailAttempts.inc({ result: 'cancelled' });
          this.logger.log({ event: 'email_cancelled', ...logFields(claim.message) }, 'email no longer needed (request superseded, used or expired)');
          return;
        }
        try {
          await this.transport.send(claim.mail);
        } catch (error) {
          await this.recordFailure(claim.message, describeSendError(error)).catch((recordError: unknown) => {
            this.rememberUnrecorded([claim], false);
            throw recordError;
          });
          return;
        }
        sent.push(claim);
      }),
    );
    if (sent.length > 0) {
      await this.recordSent(sent.map((claim) => claim.message.id)).catch((error: unknown) => {
        this.rememberUnrecorded(sent, true);
        throw error;
      });
      for (const { message } of sent) {
        this.logger.log({ event: 'email_sent', transport: this.transport.kind, ...logFields(message) }, 'email sent');
      }
    }
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return claimed.length;
  }

  /** One statement (atomic without a transaction): the messages are sent, and their attempts are recorded. */
  private async recordSent(ids: string[]): Promise<void> {
    await this.dataSource.query(
      `WITH sent AS (
         UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL
          WHERE id = ANY($1::bigint[]) AND status <> 'sent' RETURNING id
       )
       INSERT INTO mail_attempts (outbox_id, ok, error) SELECT id, true, NULL FROM sent`,
      [ids],
    );
    this.metrics.mailAttempts.inc({ result: 'sent' }, ids.length);
  }

  private rememberUnrecorded(claims: readonly ClaimedMessage[], sent: boolean): void {
    for (const { message, lease } of claims) this.unrecorded.set(message.id, { lease, sent });
  }

  /** Writes what an outage left unrecorded (see `unrecorded`); throws while the database is still away. */
  private async writeUnrecordedOutcomes(): Promise<void> {
    for (const [id, { lease, sent }] of this.unrecorded) {
      if (sent) {
        await this.recordSent([id]);
        this.logger.log({ event: 'email_sent', outboxId: id, transport: this.transport.kind }, 'email sent (recorded once the database was back)');
      } else {
        await this.dataSource.query(
          `UPDATE mail_outbox SET next_attempt_at = now(), attempts = attempts - 1
            WHERE id = $1 AND status = 'queued' AND next_attempt_at = $2::timestamptz`,
          [id, lease],
        );
      }
      this.unrecorded.delete(id);
    }
  }

  private async recordFailure(message: OutboxMessage, reason: string): Promise<void> {
    const attempt = message.attempts;
    const log = logFields(message);
    const dead = attempt >= this.config.outboxMaxAttempts;
    const delay = retryDelaySeconds(attempt, this.config.outboxRetryBaseSeconds, this.config.outboxRetryMaxSeconds);
    await this.dataSource.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({
          status: dead ? 'dead' : 'queued',
          lastError: reason,
          nextAttemptAt: () => `now() + make_interval(secs => ${dead ? 0 : delay})`,
        })
        // A message cancelled while it was being sent stays cancelled.
        .where('id = :id AND status = :queued', { id: message.id, queued: 'queued' })
        .execute();
      await manager.insert(MailAttempt, { outboxId: message.id, ok: false, error: reason });
    });
    this.metrics.mailAttempts.inc({ result: dead ? 'dead' : 'failed' });
    if (dead) this.logger.error({ event: 'email_dead', ...log, error: reason }, 'email undeliverable: gave up after the last attempt');
    else this.logger.warn({ event: 'email_failed', ...log, error: reason, retryInSeconds: delay }, 'email delivery failed; will retry');
  }
}

interface ClaimedMessage {
  message: OutboxMessage;
  /** The lease this instance wrote (next_attempt_at as text, microseconds intact). */
  lease: string;
  mail: ComposedMail | null;
}

function logFields(message: OutboxMessage) {
  return { outboxId: message.id, kind: message.kind, domain: message.recipient.split('@')[1], attempt: message.attempts };
}
