import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The hub's Prometheus metrics. One registry per application (not prom-client's global one), so that
 * several hubs in one process — the tests — do not mix their figures.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'hub_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'hub_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly registrations = new Counter({
    name: 'hub_registrations_total',
    help: 'Registration requests accepted, by outcome (pending: email queued; unchanged: already confirmed with the same data; repeated: identical pending request)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly confirmations = new Counter({
    name: 'hub_confirmations_total',
    help: 'Confirmation links applied, by action (register, remove)',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: 'hub_rejections_total',
    help: 'Requests refused with a 4xx, by reason (field or rule family)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'hub_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly mailAttempts = new Counter({
    name: 'hub_mail_send_attempts_total',
    help: 'Email delivery attempts, by result (sent, failed, dead, cancelled)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: 'hub_connections_refused_total',
    help: 'Connections closed on arrival because their client address had MAX_CONNECTIONS_PER_IP open already',
    registers: [this.registry],
  });
  readonly databaseOutages = new Counter({
    name: 'hub_database_outages_total',
    help: 'Times the database became unavailable (each outage counted once, however many requests it failed with 503)',
    registers: [this.registry],
  });
  readonly revocations = new Counter({
    name: 'hub_revocations_total',
    help: 'Peers revoked through the admin API',
    registers: [this.registry],
  });
  readonly ownershipChecks = new Counter({
    name: 'hub_ownership_checks_total',
    help: 'DNS and HTTP ownership checks the hub made, by method (dns, http), trigger (verify, background) and result (passed, failed)',
    labelNames: ['method', 'trigger', 'result'] as const,
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    // Registered (so collected) before the outbox gauge: a scrape reads the pool before its own outbox query
    // queues for a connection, which would otherwise always show as one waiting client.
    const pool = () => (dataSource.driver as unknown as { master?: PgPool }).master;
    new Gauge({
      name: 'hub_db_pool_connections',
      help: 'Primary database pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const current = pool();
        if (!current) return;
        this.set({ state: 'total' }, current.totalCount);
        this.set({ state: 'idle' }, current.idleCount);
        this.set({ state: 'waiting' }, current.waitingCount);
      },
    });
    new Gauge({
      name: 'hub_outbox_messages',
      help: 'Emails in the outbox by status (queued = not yet delivered)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const rows = (await dataSource.query(`SELECT status, count(*)::int AS n FROM mail_outbox GROUP BY status`)) as Array<{ status: string; n: number }>;
          for (const row of rows) this.set({ status: row.status }, row.n);
        } catch {
          // Database away: the gauge is simply absent from this scrape; /readyz says why.
        }
      },
    });
  }
}
