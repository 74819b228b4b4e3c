import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { foldSubtrees, formatCheckpoint, verifierKey } from '@federation-hub/client';
import { HubConfig } from '../config/hub-config.js';
import { CHANNELS } from '../database/channels.js';
import { PgListener } from '../database/pg-listener.js';
import { SigningService } from '../signing/signing.service.js';
import { TransparencyLog } from './transparency-log.js';

/** Only one instance signs a given checkpoint; the others read it. */
const ADVISORY_LOCK_CHECKPOINT = 7_301_019;

export interface SignedCheckpoint {
  size: number;
  root: Buffer;
  /** The C2SP signed note, as served. */
  note: string;
}

/**
 * Signed checkpoints, shared by all instances through log_checkpoints, at most one per LOG_CHECKPOINT_SECONDS (by
 * the database's clock, the one clock all instances share) and only when the log has grown.
 *
 * Driven by notifications, so that an idle hub asks nothing: an append notifies every instance (hub_log_grew, at
 * its commit); each then looks at once, or when the newest checkpoint becomes old enough; the first to look after
 * that signs (an advisory lock makes it one) and notifies hub_log_checkpoint, on which every instance reads the new
 * checkpoint. While the LISTEN connection is down, a look every LOG_CHECKPOINT_SECONDS stands in for the
 * notifications (and its return, 'reset', triggers one).
 */
@Injectable()
export class Checkpoints implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(Checkpoints.name);
  private latest: SignedCheckpoint | null = null;
  private fallback?: NodeJS.Timeout;
  private due?: NodeJS.Timeout;
  private looking?: Promise<void>;
  private again = false;
  private stopped = false;
  private waiters: Array<() => void> = [];
  /** The verifier key line, published at /.well-known/federation-hub/log-key. */
  verifierKey = '';

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly signing: SigningService,
    private readonly log: TransparencyLog,
    private readonly listener: PgListener,
  ) {}

  async onModuleInit(): Promise<void> {
    this.verifierKey = verifierKey(this.config.logOrigin, this.signing.logPublicKey);
    this.listener.on('notification', (channel: string, payload: string) => {
      if (channel !== CHANNELS.logGrew && channel !== CHANNELS.logCheckpoint) return;
      // Nothing to look for when this instance already serves a checkpoint covering it (its own signature's
      // notification, an entry already checkpointed): every look takes a pooled connection.
      const known = this.latest?.size ?? -1;
      if (channel === CHANNELS.logCheckpoint ? Number(payload) <= known : Number(payload) < known) return;
      void this.look();
    });
    this.listener.on('reset', () => void this.look());
    await this.look();
    // Only while LISTEN is down are notifications missed; otherwise an idle hub takes no connection from the pool
    // for checkpoints (on a slow database such a look held one long enough to starve a request of its connection).
    this.fallback = setInterval(() => {
      if (!this.listener.connected) void this.look();
    }, this.config.logCheckpointSeconds * 1000);
    this.fallback.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.fallback);
    clearTimeout(this.due);
  }

  /** The newest checkpoint this instance knows (null only before the database first answered). */
  get current(): SignedCheckpoint | null {
    return this.latest;
  }

  /**
   * The newest checkpoint that includes entry `index`, waiting for the next one if needed (a lookup right after its
   * confirmation), at most `maxWaitMs`. Resolves null when none came by then.
   */
  async covering(index: number, maxWaitMs: number): Promise<SignedCheckpoint | null> {
    const deadline = Date.now() + maxWaitMs;
    while (!this.latest || this.latest.size <= index) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timeout);
          resolve();
        });
      });
    }
    return this.latest;
  }

  /** One look (concurrent calls share it, and one more runs after it if asked meanwhile). Never throws. */
  look(): Promise<void> {
    if (this.looking) {
      this.again = true;
      return this.looking;
    }
    this.looking = this.lookOnce()
      .catch((error: Error) => this.logger.warn({ err: error }, 'transparency log: checkpoint look failed; the next look retries'))
      .finally(() => {
        this.looking = undefined;
        for (const wake of this.waiters.splice(0)) wake();
        if (this.again && !this.stopped) {
          this.again = false;
          void this.look();
        }
      });
    return this.looking;
  }

  /** Reads the head and the newest checkpoint in one statement; signs when due, or schedules a look for then. */
  private async lookOnce(): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT h.size AS head_size, c.size, c.root, c.note,
              extract(epoch FROM c.created_at + make_interval(secs => $1) - now()) AS due_in
         FROM log_head h LEFT JOIN LATERAL (SELECT * FROM log_checkpoints ORDER BY size DESC LIMIT 1) c ON true
        WHERE h.id = 1`,
      [this.config.logCheckpointSeconds],
    )) as Array<{ head_size: string; size: string | null; root: Buffer | null; note: string | null; due_in: string | null }>;
    if (!row) throw new Error('log_head is missing: run the migrations');
    if (row.size !== null) this.adopt({ size: Number(row.size), root: row.root!, note: row.note! });
    const grew = row.size === null || Number(row.head_size) > Number(row.size);
    if (!grew) return;
    const dueInMs = row.due_in === null ? 0 : Number(row.due_in) * 1000;
    if (dueInMs > 0) {
      clearTimeout(this.due);
      this.due = setTimeout(() => void this.look(), Math.ceil(dueInMs) + 5);
      this.due.unref();
      return;
    }
    const signed = await this.dataSource.transaction(async (manager) => {
      const [locked] = (await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [ADVISORY_LOCK_CHECKPOINT])) as Array<{ locked: boolean }>;
      return locked?.locked ? this.sign(manager) : null;
    });
    if (signed) this.adopt(signed);
  }

  private adopt(checkpoint: SignedCheckpoint): void {
    if (!this.latest || checkpoint.size > this.latest.size) this.latest = checkpoint;
  }

  /** Signs the head as it is now (read again under the lock: another instance may have signed meanwhile). */
  private async sign(manager: EntityManager): Promise<SignedCheckpoint | null> {
    const head = await this.log.head(manager);
    const [last] = (await manager.query(
      `SELECT size, created_at > now() - make_interval(secs => $1) AS recent FROM log_checkpoints ORDER BY size DESC LIMIT 1`,
      [this.config.logCheckpointSeconds],
    )) as Array<{ size: string; recent: boolean }>;
    if (last && (Number(last.size) >= head.size || last.recent)) return null;
    const root = foldSubtrees(head.peaks);
    const note = this.signing.signLogNote(formatCheckpoint({ origin: this.config.logOrigin, size: head.size, root }), this.config.logOrigin);
    await manager.query(`INSERT INTO log_checkpoints (size, root, note) VALUES ($1, $2, $3)`, [head.size, root, note]);
    await manager.query('SELECT pg_notify($1, $2)', [CHANNELS.logCheckpoint, String(head.size)]);
    this.logger.log({ event: 'log-checkpoint', size: head.size }, `signed the log checkpoint at size ${head.size}`);
    return { size: head.size, root, note };
  }
}
