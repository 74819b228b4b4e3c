import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HubConfig } from '../config/hub-config.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { canonicalIp } from '../rate-limit/client-address.js';
import { type IpRateLimits, type LimitVerdict, refusalMessage } from '../rate-limit/rate-limits.js';
import { type PrebuiltAnswer, prebuiltError, sendPrebuilt, sendPrebuiltError } from './prebuilt-answers.js';

export interface FrontDoorDeps {
  config: HubConfig;
  limits: IpRateLimits;
  metrics: MetricsService;
  /** The client's address as the hub keeps it (TRUST_PROXY, only valid IPs; see clientAddress). */
  clientIp: (request: IncomingMessage) => string;
  /** Whether the socket's peer is a trusted proxy (its connections carry many clients: not capped). */
  isTrustedProxy: (address: string) => boolean;
  /** What comes after the door: the lookup fast path, else Express and Nest. */
  next: (request: IncomingMessage, response: ServerResponse) => void;
}

const REGISTRATION_PATH = '/api/v1/peers';
const MAX_REFUSALS = 2_000;

/**
 * Everything the hub refuses before Express sees a request, because refusing must cost less than serving (a 429
 * that went through Express and Nest cost 6× a cached lookup, and made the flood worse for everyone else):
 * - a request without Host (HTTP/1.1) gets the JSON 400 instead of Node's bare one;
 * - every request counts against RATE_IP_REQUESTS_PER_MINUTE, and registrations and removals (the requests that
 *   send email) against RATE_IP_REGISTRATIONS_PER_MINUTE, before their body is read or parsed; over a limit the
 *   answer is a 429 with Retry-After from prebuilt bytes, counted in hub_rate_limit_refusals_total;
 * - connections: at most MAX_CONNECTIONS_PER_IP open per client address (key as the rate limits); the next one is
 *   closed at once and counted in hub_connections_refused_total; Node's time-outs for headers, whole requests and
 *   idle keep-alive connections come from the configuration.
 * Refusals are not logged one by one (a flood would be written to the log at the flood's rate): they are counted.
 */
export function installFrontDoor(server: Server, deps: FrontDoorDeps): void {
  const { config, limits, metrics } = deps;
  // Node answers a missing Host itself, with a bodiless 400; the door answers it in the hub's format instead.
  (server as Server & { requireHostHeader: boolean }).requireHostHeader = false;
  server.headersTimeout = config.httpHeadersTimeoutMs;
  server.requestTimeout = config.httpRequestTimeoutMs;
  server.keepAliveTimeout = config.httpKeepAliveTimeoutMs;
  // Node enforces the two time-outs above only when it checks its connections (every 30 s by default): check
  // often enough that a 10 s limit means about 10 s. Read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1000,
    config.httpHeadersTimeoutMs,
  );

  capConnectionsPerAddress(server, deps);

  // A flood repeats one refusal: its answer's bytes and its counters' label children (prom-client hashes a label
  // object on every inc otherwise) are found under one short key. Bounded as the prebuilt answers are: when full it
  // starts afresh, so distinct client addresses cannot grow it.
  let refusals = new Map<string, { answer: PrebuiltAnswer; counters: Array<{ inc(): void }> }>();
  const refuse = (request: IncomingMessage, response: ServerResponse, verdict: LimitVerdict, what: string, route: string) => {
    discardBody(request);
    const method = request.method ?? 'GET';
    const kind = `${verdict.limit} ${verdict.retryAfterSeconds} ${verdict.key} ${method} ${route}`;
    let refusal = refusals.get(kind);
    if (!refusal) {
      const { limit } = verdict;
      refusal = {
        answer: prebuiltError(429, refusalMessage(verdict, what), ['Retry-After', String(verdict.retryAfterSeconds)]),
        counters: [
          metrics.rateLimited.labels({ limit }),
          metrics.rejections.labels({ reason: '429 rate limit' }),
          // Methods are bounded here: Node's parser accepts only its own list of methods.
          metrics.httpRequests.labels({ method, route, status: '429' }),
        ],
      };
      if (refusals.size >= MAX_REFUSALS) refusals = new Map();
      refusals.set(kind, refusal);
    }
    for (const counter of refusal.counters) counter.inc();
    sendPrebuilt(response, 429, refusal.answer);
  };

  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers.host === undefined && request.httpVersionMajor === 1 && request.httpVersionMinor >= 1) {
      discardBody(request);
      metrics.rejections.inc({ reason: '400 other' });
      metrics.httpRequests.inc({ method: request.method ?? 'GET', route: 'refused before routing', status: '400' });
      sendPrebuiltError(response, 400, 'headers: Host is required (HTTP/1.1)', ['Connection', 'close']);
      return;
    }
    const ip = deps.clientIp(request);
    const verdict = limits.hit(limits.requests, request, ip);
    if (!verdict.allowed) return refuse(request, response, verdict, 'requests', routeOf(request));
    const emailRoute = emailSendingRoute(request);
    if (emailRoute) {
      const registration = limits.hit(limits.registrations, request, ip);
      if (!registration.allowed) return refuse(request, response, registration, 'registration requests', emailRoute);
    }
    deps.next(request, response);
  });
}

/**
 * A refused request is never read, yet Node reads its body off the connection (so that the connection can carry
 * the next request) and pushes every chunk through the request's stream only to throw it away once the answer is
 * out: that made a refused registration (about 800 bytes of body) cost more than a served lookup. Marked dumped
 * now, the parser drops the chunks as it parses them; Node 24 also has the stream closed as it does for bodiless
 * requests itself (its `optimizeEmptyRequests`), so no 'end' or 'close' is emitted for it either. Both are Node's
 * internals, hence the feature tests: without them Node dumps the body after the answer, as before.
 */
function discardBody(request: IncomingMessage): void {
  const internal = request as IncomingMessage & { _dumped?: boolean; _dumpAndCloseReadable?: () => void };
  if (typeof internal._dumpAndCloseReadable === 'function') internal._dumpAndCloseReadable();
  else if (typeof internal._dumped === 'boolean') internal._dumped = true;
}

/** The path as Express matches routes: without the query, case-insensitive, a trailing slash ignored. */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  const path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The peers routes' label for metrics (the same as Express gives them); any other refused request shares one label. */
function routeOf(request: IncomingMessage): string {
  const path = pathOf(request);
  if (path === REGISTRATION_PATH) return REGISTRATION_PATH;
  if (path.startsWith(`${REGISTRATION_PATH}/`) && !path.slice(REGISTRATION_PATH.length + 1).includes('/')) return `${REGISTRATION_PATH}/:domain`;
  return 'refused before routing';
}

/**
 * The route of a registration (POST /api/v1/peers) or a removal (DELETE /api/v1/peers/<domain>), the requests that
 * send email, matched as Express matches routes; undefined for any other request.
 */
function emailSendingRoute(request: IncomingMessage): string | undefined {
  const method = request.method;
  if (method !== 'POST' && method !== 'DELETE') return undefined;
  const route = routeOf(request);
  if (method === 'POST' ? route === REGISTRATION_PATH : route === `${REGISTRATION_PATH}/:domain`) return route;
  return undefined;
}

function capConnectionsPerAddress(server: Server, deps: FrontDoorDeps): void {
  const open = new Map<string, number>();
  const max = deps.config.maxConnectionsPerIp;
  server.on('connection', (socket: Socket) => {
    const address = canonicalIp(socket.remoteAddress);
    if (!address || deps.isTrustedProxy(address)) return;
    const key = deps.limits.keyOf(address);
    const count = open.get(key) ?? 0;
    if (count >= max) {
      deps.metrics.connectionsRefused.inc();
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
}
