import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import proxyAddr from 'proxy-addr';
import { InFlightWork } from './common/in-flight.js';
import { createRootLogger } from './common/logging.js';
import { createLookupFastPath } from './lookup/lookup-fast-path.js';
import { LookupService } from './lookup/lookup.service.js';
import { PeerDomains } from './peer-record/peer-domains.js';
import { IpRateLimits } from './rate-limit/rate-limits.js';
import { AppModule } from './app.module.js';
import { installFrontDoor } from './common/front-door.js';
import { answerUnparsableRequests, HttpErrorFilter } from './common/http-error.filter.js';
import { canonicalIp } from './rate-limit/client-address.js';
import { setupOpenApi } from './common/openapi.js';
import { hubIdentity } from './common/page-layout.js';
import { securityHeaders } from './common/security-headers.js';
import { createValidationPipe } from './common/validation.js';
import type { HubConfig } from './config/hub-config.js';
import { runMigrations } from './database/data-source.js';
import { MetricsService } from './metrics/metrics.service.js';
import { DatabaseOutage } from './database/outage.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';

export interface RunningHub {
  readonly app: INestApplication;
  readonly config: HubConfig;
  /** Base URL the hub listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  close(): Promise<void>;
}

type Log = (message: string) => void;

// main.ts exits after 10 s whatever happens; in-flight requests get most of that.
const SHUTDOWN_GRACE_MS = 7_000;

/**
 * Everything `npm start` does, reusable by tests: embedded PostgreSQL when DATABASE_URL is unset,
 * migrations, then the Nest application listening on HOST:PORT.
 */
export async function startHub(config: HubConfig, log: Log = (line) => console.log(line)): Promise<RunningHub> {
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    const directory = join(config.dataDir, 'postgres');
    embedded = await startEmbeddedPostgres({ directory, port: config.embeddedPostgresPort, log });
    log(`embedded PostgreSQL started in ${directory} on 127.0.0.1:${config.embeddedPostgresPort} (DATABASE_URL unset)`);
    config = config.with({ databaseUrl: embedded.url });
  }
  try {
    const applied = await runMigrations({ url: config.databaseUrl! }).catch((error: unknown) => {
      throw new Error(`cannot reach the database at DATABASE_URL=${withoutPassword(config.databaseUrl!)}: ${describeError(error)}`);
    });
    if (applied.length > 0) log(`migrations applied: ${applied.join(', ')}`);
    const app = await createHubApp(config);
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address() as { port: number };
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host}:${address.port}`;
    let closed: Promise<void> | undefined;
    return {
      app,
      config,
      url,
      close: () => (closed ??= shutdown(app, embedded, log)),
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Graceful stop: the HTTP server stops accepting connections and lets requests in flight finish (idle
 * keep-alive connections are closed as they go idle); handlers whose clients have gone away finish too, since they
 * may still be writing; then Nest stops (the outbox worker finishes the message in hand), and the pool and the
 * embedded database close. Connections still busy after the grace period are cut.
 */
async function shutdown(app: INestApplication, embedded: EmbeddedDatabase | undefined, log: Log): Promise<void> {
  const server = app.getHttpServer() as Server;
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  try {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!(await app.get(InFlightWork).settled(deadline - Date.now()))) log('shutdown: request handlers still running after the grace period');
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(force);
  }
  if (embedded) {
    await embedded.stop();
    log('embedded PostgreSQL stopped');
  }
}

/** The configured Nest application, not yet listening (supertest uses it directly). */
export async function createHubApp(config: HubConfig): Promise<NestExpressApplication> {
  const logger = createRootLogger(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.set('trust proxy', trustProxySetting(config.trustProxy));
  app.disable('x-powered-by');
  // Lookups set their own strong ETag; Express's automatic weak ETags on other answers add nothing.
  app.set('etag', false);
  app.use(securityHeaders());
  app.useBodyParser('json', { limit: config.bodyLimitBytes, strict: true });
  app.useGlobalFilters(new HttpErrorFilter(app.get(MetricsService), app.get(DatabaseOutage)));
  app.useGlobalPipes(createValidationPipe());
  setupOpenApi(app, hubIdentity(config));
  installFrontDoorAndFastPath(app, logger, config);
  answerUnparsableRequests(app.getHttpServer() as Server);
  return app;
}

/**
 * What a request meets before Express: the front door (refusals from prebuilt bytes: a missing Host, the per-IP
 * limits, the connection cap and time-outs; front-door.ts), then the lookup fast path (lookups of canonical names,
 * lookup-fast-path.ts), then Express and Nest for everything else.
 */
function installFrontDoorAndFastPath(app: NestExpressApplication, logger: PinoLogger, config: HubConfig): void {
  const server = app.getHttpServer() as Server;
  const express = app.getHttpAdapter().getInstance() as ((request: IncomingMessage, response: ServerResponse) => void) & {
    get(setting: string): (address: string, hop: number) => boolean;
    request: object;
  };
  const domains = app.get(PeerDomains);
  const trust = express.get('trust proxy fn');
  const clientIp = clientAddress(config, trust);
  // One client address everywhere: Express's request.ip (rate-limit guard, stored and mailed requester IP) is the
  // same, and undefined rather than anything that is not an IP (nothing else is stored or mailed).
  Object.defineProperty(express.request, 'ip', {
    configurable: true,
    enumerable: true,
    get(this: IncomingMessage) {
      return clientIp(this);
    },
  });
  const fastPath = createLookupFastPath({
    lookups: app.get(LookupService),
    metrics: app.get(MetricsService),
    inFlight: app.get(InFlightWork),
    logger,
    normalizeDomain: (raw, field) => domains.normalize(raw, field),
    fullPath: (request, response) => express(request, response),
  });
  installFrontDoor(server, {
    config,
    limits: app.get(IpRateLimits),
    metrics: app.get(MetricsService),
    // Limits need a key even without an address (a socket already closed): such requests share one.
    clientIp: (request) => clientIp(request) ?? 'unknown',
    isTrustedProxy: (address) => config.trustProxy !== undefined && trust(address, 0),
    next: (request, response) => {
      if (!fastPath(request, response)) express(request, response);
    },
  });
}

/** The URL as it may be printed: the password, if any, becomes ***. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) return [(error as { code?: string }).code, error.message].filter(Boolean).join(' ');
  return String(error);
}

/**
 * The client's address: the socket's peer, or with TRUST_PROXY the address X-Forwarded-For gives through the
 * trusted proxies. Only a valid IP is ever used, in one spelling (canonicalIp): a forwarded value that is not an IP
 * is ignored and the socket's address used instead.
 */
function clientAddress(config: HubConfig, trust: (address: string, hop: number) => boolean): (request: IncomingMessage) => string | undefined {
  const cache = new WeakMap<IncomingMessage, string | undefined>();
  const bySocket = new WeakMap<object, string | undefined>();
  const socketIp = (request: IncomingMessage) => {
    if (bySocket.has(request.socket)) return bySocket.get(request.socket);
    const ip = canonicalIp(request.socket.remoteAddress);
    bySocket.set(request.socket, ip);
    return ip;
  };
  // Without TRUST_PROXY the client is the socket's peer: what proxy-addr answers then too, after parsing
  // X-Forwarded-For for nothing (1.4% of the hub's CPU under hot lookups).
  if (!config.trustProxy) return socketIp;
  return (request) => {
    if (cache.has(request)) return cache.get(request);
    const ip = canonicalIp(proxyAddr(request, trust)) ?? socketIp(request);
    cache.set(request, ip);
    return ip;
  };
}

/** Client IPs come from the socket unless TRUST_PROXY names the proxies (addresses, CIDRs or a hop count). */
function trustProxySetting(value: string | undefined): boolean | number | string[] {
  if (!value) return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((item) => item.trim());
}
