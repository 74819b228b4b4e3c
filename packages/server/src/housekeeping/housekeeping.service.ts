import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';

const INTERVAL_MS = 60 * 60_000;
const FIRST_RUN_DELAY_MS = 60_000;
const ADVISORY_LOCK_HOUSEKEEPING = 7_301_003;

export interface PurgeCounts {
  expiredRequests: number;
  finishedRequests: number;
  deliveredEmails: number;
}

/**
 * Hourly clean-up: expired pending requests (kept a day, because the per-domain email limits count them),
 * finished requests and delivered emails older than RETENTION_DAYS. With several instances only one does
 * the work each time (a try-lock; the others skip).
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HousekeepingService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const run = () => {
      this.runOnce().catch((error) => this.logger.warn({ err: error }, 'housekeeping failed; will retry'));
      this.timer = setTimeout(run, INTERVAL_MS).unref();
    };
    this.timer = setTimeout(run, FIRST_RUN_DELAY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  async runOnce(): Promise<PurgeCounts | null> {
    const counts = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [ADVISORY_LOCK_HOUSEKEEPING]);
      if (!locked) return null;
      const retention = `${this.config.retentionDays} days`;
      const expired = await manager.query(
        `DELETE FROM verification_requests
          WHERE status = 'pending' AND expires_at < now() AND created_at < now() - interval '1 day'`,
      );
      const finished = await manager.query(
        `DELETE FROM verification_requests
          WHERE status <> 'pending' AND coalesce(completed_at, created_at) < now() - $1::interval`,
        [retention],
      );
      const delivered = await manager.query(
        `DELETE FROM mail_outbox WHERE status IN ('sent', 'cancelled') AND coalesce(sent_at, created_at) < now() - $1::interval`,
        [retention],
      );
      return { expiredRequests: expired[1] ?? 0, finishedRequests: finished[1] ?? 0, deliveredEmails: delivered[1] ?? 0 };
    });
    if (counts) this.logger.log({ event: 'housekeeping', ...counts }, 'housekeeping done');
    return counts;
  }
}
