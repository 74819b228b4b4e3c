import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { CHANNELS } from '../database/channels.js';
import { PgListener } from '../database/pg-listener.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MailAttempt } from './mail-attempt.entity.js';
import { MailComposer } from './mail-composer.js';
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
  private draining: Promise<number> | undefined;
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
    private readonly listener: PgListener,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.transport = createMailTransport(this.config);
    this.outbox.onNudge(() => this.poke());
    this.listener.on('notification', (channel: string) => {
      if (channel === CHANNELS.outbox) this.poke();
    });
    this.running = true;
    this.loop = this.run();
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Stop polling, let the message in hand finish, close the transport. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.transport?.close();
  }

  /**
   * Delivers every message due now, up to OUTBOX_CONCURRENCY at a time; resolves with how many were processed
   * once every lane has finished (rejects if one failed, e.g. the database is down). One drain at a time per instance.
   *
   * Lanes open as work turns up: one to begin with, and one more each time a lane claims a message, up to the
   * limit; a lane that finds nothing due closes. Every queued email wakes every instance (NOTIFY), so opening all
   * lanes at once would cost an empty claim per lane and instance for each email while delivery keeps pace.
   */
  drain(): Promise<number> {
    this.draining ??= new Promise<number>((resolve, reject) => {
      let processed = 0;
      let open = 0;
      let failure: { error: unknown } | undefined;
      const openLane = () => {
        open++;
        void (async () => {
          try {
            const onClaimed = () => {
              if (open < this.config.outboxConcurrency && !failure) openLane();
            };
            while (this.running && !failure && (await this.deliverOne(onClaimed))) processed++;
          } catch (error) {
            failure ??= { error };
          }
          if (--open > 0) return;
          this.draining = undefined;
          if (failure) reject(failure.error);
          else resolve(processed);
        })();
      };
      openLane();
    });
    return this.draining;
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
   * Claims one due message and composes it in a short transaction that also moves the message's next attempt
   * a lease into the future, so no other instance takes it while it is being sent; then sends outside any
   * transaction and records the outcome. A crash mid-send leaves the message to be retried when the lease ends.
   * The link's token is committed before the email leaves, so it works the moment the email arrives.
   */
  private async deliverOne(onClaimed: () => void): Promise<boolean> {
    let leased: { id: string; lease: string } | undefined;
    const claim = await this.dataSource
      .transaction(async (manager) => {
        // Claim and lease in one statement: the next attempt moves a lease into the future and counts the attempt.
        // (Wrapped in a SELECT because TypeORM answers a bare UPDATE with [rows, count].)
        const [claimed] = (await manager.query(
          `WITH claimed AS (
             UPDATE mail_outbox
                SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
              WHERE id = (SELECT id FROM mail_outbox
                           WHERE status = 'queued' AND next_attempt_at <= now()
                           ORDER BY next_attempt_at, id
                           LIMIT 1
                           FOR UPDATE SKIP LOCKED)
             RETURNING id, request_id, kind, recipient, attempts, next_attempt_at::text AS lease
           )
           SELECT * FROM claimed`,
          [SEND_LEASE_SECONDS],
        )) as Array<{ id: string; request_id: string | null; kind: string; recipient: string; attempts: number; lease: string }>;
        if (!claimed) return undefined;
        leased = { id: claimed.id, lease: claimed.lease };
        const message = Object.assign(new OutboxMessage(), {
          id: claimed.id,
          requestId: claimed.request_id,
          kind: claimed.kind,
          recipient: claimed.recipient,
          attempts: claimed.attempts,
          status: 'queued' as const,
        });
        const mail = await this.composer.compose(message, manager);
        if (!mail) {
          // Not an attempt: nothing was sent.
          await manager.query(`UPDATE mail_outbox SET status = 'cancelled', attempts = attempts - 1 WHERE id = $1`, [message.id]);
        }
        return { message, mail, lease: claimed.lease };
      })
      .catch((error: unknown) => {
        // The claim may have committed even so (a COMMIT whose answer was lost).
        if (leased) this.unrecorded.set(leased.id, { lease: leased.lease, sent: false });
        throw error;
      });
    if (!claim) return false;
    onClaimed();
    const { message, mail, lease } = claim;
    const attempt = message.attempts;
    const log = { outboxId: message.id, kind: message.kind, domain: message.recipient.split('@')[1], attempt };
    if (!mail) {
      this.metrics.mailAttempts.inc({ result: 'cancelled' });
      this.logger.log({ event: 'email_cancelled', ...log }, 'email no longer needed (request superseded, used or expired)');
      return true;
    }
    const remember = (sent: boolean) => (error: unknown) => {
      this.unrecorded.set(message.id, { lease, sent });
      throw error;
    };
    try {
      await this.transport.send(mail);
    } catch (error) {
      await this.recordFailure(message, attempt, describeSendError(error), log).catch(remember(false));
      return true;
    }
    await this.recordSent(message.id).catch(remember(true));
    this.logger.log({ event: 'email_sent', transport: this.transport.kind, ...log }, 'email sent');
    return true;
  }

  /** One statement (atomic without a transaction): the message is sent, and the attempt is recorded. */
  private async recordSent(id: string): Promise<void> {
    await this.dataSource.query(
      `WITH sent AS (
         UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1 AND status <> 'sent' RETURNING id
       )
       INSERT INTO mail_attempts (outbox_id, ok, error) SELECT id, true, NULL FROM sent`,
      [id],
    );
    this.metrics.mailAttempts.inc({ result: 'sent' });
  }

  /** Writes what an outage left unrecorded (see `unrecorded`); throws while the database is still away. */
  private async writeUnrecordedOutcomes(): Promise<void> {
    for (const [id, { lease, sent }] of this.unrecorded) {
      if (sent) {
        await this.recordSent(id);
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

  private async recordFailure(message: OutboxMessage, attempt: number, reason: string, log: Record<string, unknown>): Promise<void> {
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
