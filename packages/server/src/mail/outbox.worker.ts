import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { DatabaseOutage } from '../database/outage.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DomainBackoff, recipientDomain } from './domain-backoff.js';
import { MailAttempt } from './mail-attempt.entity.js';
import { type ComposedMail, MailComposer } from './mail-composer.js';
import { OutboxMessage } from './outbox.entity.js';
import { OutboxService } from './outbox.service.js';
import { describeSendError, retryDelaySeconds } from './retry.js';
import { createMailTransport, type MailLane, type MailTransport, SEND_TIMEOUT_CODE } from './transport.js';

const ERROR_BACKOFF_MAX_MS = 10_000;
// On shutdown, sends in flight get this long to finish (main.ts exits after 10 s whatever happens); a send cut
// short is sent again when its lease ends (at least once, see docs/hardening.md).
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * Delivers the outbox on OUTBOX_CONCURRENCY lanes. Each lane sends one message at a time on its own SMTP connection,
 * and takes the next due message as soon as it is free: a message that hangs holds only its own lane (until its
 * time-outs release it), and the other lanes go on.
 *
 * Each message is claimed with FOR UPDATE SKIP LOCKED and leased for OUTBOX_LEASE_SECONDS, so with several
 * instances a message is sent by one of them; while it is being sent its lease is renewed every third of that, so
 * the lease can be short and a crashed instance's messages are taken over within it. A failed send is retried with
 * exponential back-off and marked dead after OUTBOX_MAX_ATTEMPTS; a recipient domain whose sends time out is backed
 * off on its own (DomainBackoff). Nothing here may crash the process: a database or SMTP outage only delays delivery.
 *
 * At least once: a message is recorded as sent after the SMTP server accepted it. An instance that dies between
 * the two (the server's "250" and the record, one statement for every message accepted meanwhile) leaves it to be
 * sent again when its lease ends.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private transport: MailTransport;
  private readonly freeLanes: MailLane[] = [];
  private readonly allLanes: MailLane[] = [];
  /** Messages being sent, by id: what the lease renewal extends. */
  private readonly inFlight = new Map<string, ClaimedMessage>();
  private readonly sends = new Set<Promise<void>>();
  private backoff: DomainBackoff;
  private running = false;
  private wake: (() => void) | undefined;
  /** Set by a wake-up (new email, a lane freed); a wake-up while the loop works makes it look again at once. */
  private woken = false;
  private loop: Promise<void> | undefined;
  private renewal: NodeJS.Timeout | undefined;
  /** Sent messages waiting for their record: written together, one statement for all accepted meanwhile. */
  private pendingSent: ClaimedMessage[] = [];
  private flushing: Promise<void> | undefined;
  /**
   * Outcomes the database went away before they could be written, by message id; written as soon as it answers
   * again (writeUnrecordedOutcomes). Without this, an outage at the wrong moment left a message leased until its
   * lease ran out:
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
    private readonly outage: DatabaseOutage,
  ) {}

  onApplicationBootstrap(): void {
    this.transport = createMailTransport(this.config);
    this.backoff = new DomainBackoff(this.config.outboxRetryBaseSeconds, this.config.outboxRetryMaxSeconds);
    for (let lane = 0; lane < this.config.outboxConcurrency; lane++) this.allLanes.push(this.transport.openLane());
    this.freeLanes.push(...this.allLanes);
    this.outbox.onNudge(() => this.poke());
    this.running = true;
    this.renewal = setInterval(() => void this.renewLeases(), (this.config.outboxLeaseSeconds * 1000) / 3);
    this.renewal.unref();
    this.loop = this.run();
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Stop claiming, give the sends in flight a few seconds and record them, close the lanes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.sends]), new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    await this.flushing;
    clearInterval(this.renewal);
    for (const lane of this.allLanes) lane.close();
  }

  private async run(): Promise<void> {
    let errorDelay = this.config.outboxPollMs;
    while (this.running) {
      let delay = this.config.outboxPollMs;
      this.woken = false;
      try {
        await this.writeUnrecordedOutcomes();
        const free = this.freeLanes.length;
        // Every free lane got a message: more may be due, for the lanes that free up next.
        if (free > 0 && (await this.claimAndStart(free)) === free) this.woken = true;
        errorDelay = this.config.outboxPollMs;
      } catch (error) {
        if (!this.outage.check(error)) this.logger.warn({ err: describeSendError(error) }, 'outbox worker: claim failed; retrying');
        errorDelay = Math.min(errorDelay * 2, ERROR_BACKOFF_MAX_MS);
        delay = errorDelay;
      }
      if (!this.running) break;
      // Something was queued, or a lane freed, since this look: look again now rather than after a poll interval.
      if (this.woken && this.freeLanes.length > 0) continue;
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
   * Claims up to `count` due messages (none of a backed-off domain) and composes them in a short transaction that
   * also moves their next attempt a lease into the future, so no other instance takes them while they are being
   * sent; then starts each on a free lane, outside any transaction. The links' tokens are committed before the
   * emails leave, so each works the moment its email arrives. Resolves with the number of messages claimed.
   */
  private async claimAndStart(count: number): Promise<number> {
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
                              AND lower(split_part(recipient, '@', 2)) <> ALL($3::text[])
                            ORDER BY next_attempt_at, id
                            LIMIT $2
                            FOR UPDATE SKIP LOCKED)
             RETURNING id, request_id, kind, recipient, attempts, next_attempt_at::text AS lease
           )
           SELECT * FROM claimed ORDER BY id`,
          [this.config.outboxLeaseSeconds, count, this.backoff.backedOff()],
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
    for (const claim of claimed) {
      if (!claim.mail) {
        this.metrics.mailAttempts.inc({ result: 'cancelled' });
        this.logger.log({ event: 'email_cancelled', ...logFields(claim.message) }, 'email no longer needed (request superseded, used or expired)');
        continue;
      }
      const lane = this.freeLanes.pop()!;
      this.inFlight.set(claim.message.id, claim);
      const send = this.sendOnLane(lane, claim, claim.mail).finally(() => {
        this.sends.delete(send);
        this.inFlight.delete(claim.message.id);
        this.freeLanes.push(lane);
        this.poke();
      });
      this.sends.add(send);
    }
    return claimed.length;
  }

  /** One message on one lane; never rejects (every outcome is recorded, or remembered until it can be). */
  private async sendOnLane(lane: MailLane, claim: ClaimedMessage, mail: ComposedMail): Promise<void> {
    const domain = recipientDomain(claim.message.recipient);
    try {
      await lane.send(mail);
    } catch (error) {
      let reason = describeSendError(error);
      if ((error as { code?: unknown }).code === SEND_TIMEOUT_CODE) {
        const seconds = this.backoff.timedOut(domain);
        reason = `${reason} (time-out; ${domain} backed off for ${seconds} s)`;
      }
      await this.recordFailure(claim.message, reason).catch((recordError: unknown) => {
        this.rememberUnrecorded([claim], false);
        if (!this.outage.check(recordError)) this.logger.warn({ err: describeSendError(recordError) }, 'outbox worker: could not record a failed send');
      });
      return;
    }
    this.backoff.succeeded(domain);
    this.pendingSent.push(claim);
    this.flushing ??= this.flushSent().finally(() => (this.flushing = undefined));
  }

  /** Records every sent message waiting for it, one statement per round; remembers them if the database is away. */
  private async flushSent(): Promise<void> {
    while (this.pendingSent.length > 0) {
      const batch = this.pendingSent;
      this.pendingSent = [];
      try {
        await this.recordSent(batch.map((claim) => claim.message.id));
      } catch (error) {
        this.rememberUnrecorded(batch, true);
        if (!this.outage.check(error)) this.logger.warn({ err: describeSendError(error) }, 'outbox worker: could not record sent emails');
        continue;
      }
      for (const { message } of batch) {
        this.logger.log({ event: 'email_sent', transport: this.transport.kind, ...logFields(message) }, 'email sent');
      }
    }
  }

  /**
   * Extends the lease of every message being sent, if it is still the lease this instance wrote (one statement).
   * A lease found taken (this instance was away from the database longer than a lease) is only logged: the other
   * instance may send that email too.
   */
  private async renewLeases(): Promise<void> {
    const claims = [...this.inFlight.values()];
    if (claims.length === 0) return;
    try {
      // (Wrapped in a SELECT because TypeORM answers a bare UPDATE with [rows, count].)
      const rows = (await this.dataSource.query(
        `WITH renewed AS (
           UPDATE mail_outbox m SET next_attempt_at = now() + make_interval(secs => $3)
             FROM unnest($1::bigint[], $2::timestamptz[]) AS c (id, lease)
            WHERE m.id = c.id AND m.next_attempt_at = c.lease AND m.status = 'queued'
            RETURNING m.id::text AS id, m.next_attempt_at::text AS lease
         )
         SELECT * FROM renewed`,
        [claims.map((claim) => claim.message.id), claims.map((claim) => claim.lease), this.config.outboxLeaseSeconds],
      )) as Array<{ id: string; lease: string }>;
      const renewed = new Map(rows.map((row) => [row.id, row.lease]));
      for (const claim of claims) {
        const lease = renewed.get(claim.message.id);
        if (lease) claim.lease = lease;
        else if (this.inFlight.has(claim.message.id)) {
          this.logger.warn({ event: 'email_lease_lost', ...logFields(claim.message) }, 'lease of an email being sent was lost; it may be sent twice');
        }
      }
    } catch (error) {
      this.outage.check(error);
    }
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
  /** The lease this instance wrote (next_attempt_at as text, microseconds intact); renewed while sending. */
  lease: string;
  mail: ComposedMail | null;
}

function logFields(message: OutboxMessage) {
  return { outboxId: message.id, kind: message.kind, domain: message.recipient.split('@')[1], attempt: message.attempts };
}
