import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { isDatabaseUnavailable } from './availability.js';

interface EmittingPool {
  on(event: 'connect', listener: () => void): void;
}

/**
 * Tells apart "the database is away" (answer 503) from other failures, and logs an outage once, as a warning, when
 * it starts, and once more when it ends, rather than every request it fails as an error. An outage starts with the
 * first failure whose code says the database is unavailable, and ends when the pool next opens a connection (during
 * an outage no connection opens; after it the pool replaces the broken ones at once).
 */
@Injectable()
export class DatabaseOutage implements OnApplicationBootstrap {
  private readonly logger = new Logger('Database');
  private since: number | undefined;
  private failures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const driver = this.dataSource.driver as unknown as { master?: EmittingPool };
    driver.master?.on('connect', () => this.recovered());
  }

  /** Whether the error means the database is away; the first such error of an outage is logged. */
  check(error: unknown): boolean {
    if (!isDatabaseUnavailable(error)) return false;
    this.failures++;
    if (this.since === undefined) {
      this.since = Date.now();
      this.metrics.databaseOutages.inc();
      const code = (error as { code?: unknown }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
      this.logger.warn({ event: 'database_unavailable', code }, 'database unavailable: answering 503 until it is back');
    }
    return true;
  }

  get inOutage(): boolean {
    return this.since !== undefined;
  }

  private recovered(): void {
    if (this.since === undefined) return;
    this.logger.warn(
      { event: 'database_available', outageMs: Date.now() - this.since, failures: this.failures },
      'database available again',
    );
    this.since = undefined;
    this.failures = 0;
  }
}
