import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
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

/**
 * Delivers the outbox. Each message is claimed with FOR UPDATE SKIP LOCKED inside a transaction that lasts
 * until the send is recorded, so with several instances a message is sent by exactly one of them. A failed
 * send is retried with exponential back-off and marked dead after OUTBOX_MAX_ATTEMPTS. Nothing here may
 * crash the process: a database or SMTP outage only delays delivery.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private transport: MailTransport;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private draining: Promise<number> | undefined;

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
    this.outbox.onNudge(() => this.wake?.());
    this.listener.on('notification', (channel: string) => {
      if (channel === CHANNELS.outbox) this.wake?.();
    });
    this.running = true;
    this.loop = this.run();
  }

  /** Stop polling, let the message in hand finish, close the transport. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.transport?.close();
  }

  /** Delivers every message due now; returns how many were processed. One drain at a time per instance. */
  drain(): Promise<number> {
    this.draining ??= (async () => {
      let processed = 0;
      try {
        while (this.running && (await this.deliverOne())) processed++;
        return processed;
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async run(): Promise<void> {
    let errorDelay = this.config.outboxPollMs;
    while (this.running) {
      let delay = this.config.outboxPollMs;
      try {
        await this.drain();
        errorDelay = this.config.outboxPollMs;
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

  private deliverOne(): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [claimed] = (await manager.query(
        `SELECT id FROM mail_outbox
          WHERE status = 'queued' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED`,
      )) as Array<{ id: string }>;
      if (!claimed) return false;
      const message = await manager.findOneByOrFail(OutboxMessage, { id: claimed.id });
      await this.attempt(manager, message);
      return true;
    });
  }

  private async attempt(manager: EntityManager, message: OutboxMessage): Promise<void> {
    const attempt = message.attempts + 1;
    const log = { outboxId: message.id, kind: message.kind, domain: message.recipient.split('@')[1], attempt };
    await manager.query('SAVEPOINT deliver');
    try {
      const mail = await this.composer.compose(message, manager);
      if (!mail) {
        await manager.update(OutboxMessage, { id: message.id }, { status: 'cancelled' });
        this.metrics.mailAttempts.inc({ result: 'cancelled' });
        this.logger.log({ event: 'email_cancelled', ...log }, 'email no longer needed (request superseded, used or expired)');
        return;
      }
      await this.transport.send(mail);
      await manager.update(OutboxMessage, { id: message.id }, { status: 'sent', attempts: attempt, sentAt: new Date(), lastError: null });
      await manager.insert(MailAttempt, { outboxId: message.id, ok: true, error: null });
      this.metrics.mailAttempts.inc({ result: 'sent' });
      this.logger.log({ event: 'email_sent', transport: this.transport.kind, ...log }, 'email sent');
    } catch (error) {
      // Undo whatever composing stored (the minted token's hash): that link was never delivered.
      await manager.query('ROLLBACK TO SAVEPOINT deliver');
      const reason = describeSendError(error);
      const dead = attempt >= this.config.outboxMaxAttempts;
      const delay = retryDelaySeconds(attempt, this.config.outboxRetryBaseSeconds, this.config.outboxRetryMaxSeconds);
      await manager
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({
          status: dead ? 'dead' : 'queued',
          attempts: attempt,
          lastError: reason,
          nextAttemptAt: () => `now() + make_interval(secs => ${dead ? 0 : delay})`,
        })
        .where('id = :id', { id: message.id })
        .execute();
      await manager.insert(MailAttempt, { outboxId: message.id, ok: false, error: reason });
      this.metrics.mailAttempts.inc({ result: dead ? 'dead' : 'failed' });
      if (dead) this.logger.error({ event: 'email_dead', ...log, error: reason }, 'email undeliverable: gave up after the last attempt');
      else this.logger.warn({ event: 'email_failed', ...log, error: reason, retryInSeconds: delay }, 'email delivery failed; will retry');
    }
  }
}
