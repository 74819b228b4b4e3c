import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { foldSubtrees, formatCheckpoint, verifierKey } from '@federation-hub/client';
import { HubConfig } from '../config/hub-config.js';
import { SigningService } from '../signing/signing.service.js';
import { TransparencyLog } from './transparency-log.js';

/**
 * How often each instance looks (one small indexed query): a checkpoint comes at most this late after it is due,
 * and every instance serves it at most this late after it was signed.
 */
const LOOK_EVERY_MS = 250;
/** Only one instance signs a given checkpoint; the others read it. */
const ADVISORY_LOCK_CHECKPOINT = 7_301_019;

export interface SignedCheckpoint {
  size: number;
  root: Buffer;
  /** The C2SP signed note, as served. */
  note: string;
}

/**
 * Signed checkpoints, shared by all instances through log_checkpoints. Every instance looks every 250 ms: when the
 * log has grown and the newest checkpoint is at least LOG_CHECKPOINT_SECONDS old (by the database's clock, the one
 * clock all instances share), one of them signs a new one; all of them serve the newest from the table. So a new
 * entry is in a checkpoint served by every instance within LOG_CHECKPOINT_SECONDS + 0.5 s.
 */
@Injectable()
export class Checkpoints implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(Checkpoints.name);
  private latest: SignedCheckpoint | null = null;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private waiters: Array<() => void> = [];
  /** The verifier key line, published at /.well-known/federation-hub/log-key. */
  verifierKey = '';

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly signing: SigningService,
    private readonly log: TransparencyLog,
  ) {}

  async onModuleInit(): Promise<void> {
    this.verifierKey = verifierKey(this.config.logOrigin, this.signing.logPublicKey);
    await this.tick().catch((error: Error) => this.logger.warn({ err: error }, 'first checkpoint read failed; retrying'));
    const everyMs = Math.min(LOOK_EVERY_MS, this.config.logCheckpointSeconds * 1000);
    this.timer = setInterval(() => void this.tick().catch((error: Error) => this.logger.warn({ err: error }, 'checkpoint tick failed')), everyMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The newest checkpoint this instance knows (null only before the database first answered). */
  get current(): SignedCheckpoint | null {
    return this.latest;
  }

  /**
   * The newest checkpoint that includes entry `index`, waiting for the next one if needed (a lookup right after its
   * confirmation). Resolves null after LOG_CHECKPOINT_SECONDS + 1 s without one (the database is then unreachable).
   */
  async covering(index: number): Promise<SignedCheckpoint | null> {
    const deadline = Date.now() + (this.config.logCheckpointSeconds + 1) * 1000;
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

  /** One look: sign a new checkpoint if one is due, then read the newest. Concurrent calls share one look. */
  tick(): Promise<void> {
    this.ticking ??= this.look().finally(() => {
      this.ticking = undefined;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    return this.ticking;
  }

  private async look(): Promise<void> {
    const newest = await this.dataSource.transaction(async (manager) => {
      const [due] = (await manager.query(
        `SELECT h.size AS head_size, c.size AS checkpoint_size,
                c.created_at IS NULL OR c.created_at <= now() - make_interval(secs => $1) AS old_enough
           FROM log_head h LEFT JOIN LATERAL (SELECT size, created_at FROM log_checkpoints ORDER BY size DESC LIMIT 1) c ON true
          WHERE h.id = 1`,
        [this.config.logCheckpointSeconds],
      )) as Array<{ head_size: string; checkpoint_size: string | null; old_enough: boolean }>;
      const grew = due && (due.checkpoint_size === null || Number(due.head_size) > Number(due.checkpoint_size));
      if (grew && due.old_enough) {
        const [locked] = (await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [ADVISORY_LOCK_CHECKPOINT])) as Array<{ locked: boolean }>;
        if (locked?.locked) await this.sign(manager);
      }
      const [row] = (await manager.query(`SELECT size, root, note FROM log_checkpoints ORDER BY size DESC LIMIT 1`)) as Array<{
        size: string;
        root: Buffer;
        note: string;
      }>;
      return row ? { size: Number(row.size), root: row.root, note: row.note } : null;
    });
    if (newest && (!this.latest || newest.size > this.latest.size)) this.latest = newest;
  }

  /** Signs the head as it is now (read again under the lock: another instance may have signed meanwhile). */
  private async sign(manager: EntityManager): Promise<void> {
    const head = await this.log.head(manager);
    const [last] = (await manager.query(`SELECT size FROM log_checkpoints ORDER BY size DESC LIMIT 1`)) as Array<{ size: string }>;
    if (last && Number(last.size) >= head.size) return;
    const root = foldSubtrees(head.peaks);
    const note = this.signing.signLogNote(formatCheckpoint({ origin: this.config.logOrigin, size: head.size, root }), this.config.logOrigin);
    await manager.query(`INSERT INTO log_checkpoints (size, root, note) VALUES ($1, $2, $3)`, [head.size, root, note]);
    this.logger.log({ event: 'log-checkpoint', size: head.size }, `signed the log checkpoint at size ${head.size}`);
  }
}
