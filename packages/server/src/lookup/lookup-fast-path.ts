import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ProtocolError } from '@federation-hub/client/protocol';
import type { InFlightWork } from '../common/in-flight.js';
import { JSON_TYPE, SHARED_HEAD, sendPrebuiltError } from '../common/prebuilt-answers.js';
import { ownedBytes } from '../common/owned-bytes.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { LookupCache } from './lookup-cache.js';
import { type LookupAnswer, type LookupService, NOT_FOUND_MAX_AGE_SECONDS, notFoundBody } from './lookup.service.js';

const BY_QUERY = '/api/v1/peers?search=';
const BY_PATH = '/api/v1/peers/';
// Only names already in canonical form are served here: a cached one was checked when it was cached, and any
// other must come out of the full path's domain rule unchanged. Anything else (upper case, IDN, trailing dot,
// invalid) takes the full path, which normalises, validates (or answers 400) and fills the cache; except a name the
// rule refuses as it is, given without anything the full path would decode or route otherwise (% + & # / ?): that 400 is answered
// here, with the full path's message, from prebuilt bytes (a flood of malformed names costs no more than one of
// cached ones).
const NEEDS_DECODING = /[%+&#/?]/;

export interface FastPathDeps {
  lookups: LookupService;
  metrics: MetricsService;
  /** Where a database read is counted until answered, so that graceful shutdown waits for it. */
  inFlight: InFlightWork;
  logger: Logger;
  /** The full path's domain rule: the canonical name, or throws (a ProtocolError naming `field`) for a name the hub refuses. */
  normalizeDomain: (raw: string, field: string) => string;
  /** The full path (Express and Nest): what a failed lookup is handed to, so that it answers in the hub's error format. */
  fullPath: (request: IncomingMessage, response: ServerResponse) => void;
}

/**
 * Lookups are the hot path: every server resolving a peer without DNS asks the hub. A lookup of a domain already
 * in canonical form is answered here, before Express, with the same status, headers, body, metrics, rate limit
 * and log line as the full path: from the cache when its answer (signed and serialized, or "not found") is there,
 * else from the database through the same LookupService. Anything else returns false and goes through Nest as
 * usual, and so does a lookup whose database read fails (the full path reads again and answers 503 in the hub's
 * error format). The per-IP limit was applied before (front-door.ts), once per request.
 */
export function createLookupFastPath(deps: FastPathDeps): (request: IncomingMessage, response: ServerResponse) => boolean {
  const infoEnabled = () => deps.logger.isLevelEnabled('info');
  /** Counts an answered lookup as Express's metrics middleware would; returns its duration in seconds. */
  const countAnswer = (lookup: Lookup, status: number, started: bigint): number => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const labels = { method: 'GET', route: lookup.route, status: String(status) };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpDuration.observe(labels, seconds);
    return seconds;
  };
  const finish = (request: IncomingMessage, response: ServerResponse, lookup: Lookup, answer: LookupAnswer | null, cache: 'hit' | 'miss', started: bigint) => {
    const status = answer ? send(answer, request, response) : sendNotFound(lookup.domain, response);
    const seconds = countAnswer(lookup, status, started);
    if (infoEnabled()) {
      const given = request.headers['x-request-id'];
      deps.logger.info(
        {
          req: { id: typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID(), method: 'GET', url: request.url },
          res: { statusCode: status },
          route: lookup.route,
          responseTime: Math.round(seconds * 1000),
          cache,
        },
        'request completed',
      );
    }
  };
  return (request, response) => {
    if (request.method !== 'GET' || !request.url) return false;
    const lookup = parseLookup(request.url);
    if (!lookup) return false;
    const started = process.hrtime.bigint();
    const cached = deps.lookups.peek(lookup.domain);
    if (cached === undefined) {
      const verdict = canonicalOrRefusal(deps, lookup);
      if (verdict === false) return false;
      if (typeof verdict === 'string') {
        sendPrebuiltError(response, 400, verdict);
        deps.metrics.rejections.inc({ reason: `400 ${lookup.field}` });
        countAnswer(lookup, 400, started);
        return true;
      }
    }
    if (cached !== undefined) {
      finish(request, response, lookup, cached, 'hit', started);
      return true;
    }
    deps.inFlight
      .track(deps.lookups.find(lookup.domain))
      .then(
        (answer) => finish(request, response, lookup, answer, 'miss', started),
        () => deps.fullPath(request, response),
      )
      .catch((error: Error) => deps.logger.error({ err: error, url: request.url }, 'lookup answer failed'));
    return true;
  };
}

/**
 * true: the name is canonical (answer here); a string: the full path's 400 message for it (answer it here);
 * false: anything else (the full path normalises it, or finds the query malformed in another way).
 */
function canonicalOrRefusal(deps: FastPathDeps, lookup: Lookup): boolean | string {
  try {
    return deps.normalizeDomain(lookup.domain, lookup.field) === lookup.domain;
  } catch (error) {
    return error instanceof ProtocolError && lookup.domain !== '' && !NEEDS_DECODING.test(lookup.domain) ? error.message : false;
  }
}

interface Lookup {
  domain: string;
  route: string;
  /** The field the full path names in its errors. */
  field: 'search' | 'domain';
}

function parseLookup(url: string): Lookup | undefined {
  if (url.startsWith(BY_QUERY)) return { domain: url.slice(BY_QUERY.length), route: '/api/v1/peers', field: 'search' };
  if (url.startsWith(BY_PATH)) return { domain: url.slice(BY_PATH.length), route: '/api/v1/peers/:domain', field: 'domain' };
  return undefined;
}

// Headers as flat [name, value, …] lists, built once: what every answer of a kind shares, and per cached answer the
// rest (writeHead takes such a list as it is, without walking an object per request).
const NOT_FOUND_HEAD = [...SHARED_HEAD, 'Cache-Control', `public, max-age=${NOT_FOUND_MAX_AGE_SECONDS}`, ...JSON_TYPE];
const heads = new WeakMap<LookupAnswer, { ok: string[]; notModified: string[] }>();

function headsOf(answer: LookupAnswer): { ok: string[]; notModified: string[] } {
  let head = heads.get(answer);
  if (!head) {
    const notModified = [...SHARED_HEAD, 'ETag', answer.etag, 'Cache-Control', `public, max-age=${answer.maxAgeSeconds}`];
    const ok = [...notModified, ...JSON_TYPE, 'Content-Length', String(answer.bytes.length)];
    heads.set(answer, (head = { ok, notModified }));
  }
  return head;
}

function send(answer: LookupAnswer, request: IncomingMessage, response: ServerResponse): number {
  const head = headsOf(answer);
  if (request.headers['if-none-match'] === answer.etag) {
    response.writeHead(304, head.notModified).end();
    return 304;
  }
  response.writeHead(200, head.ok);
  response.end(answer.bytes);
  return 200;
}

// A domain's 404 answer depends on its name alone: built once and kept while that name stays in demand (bounded
// like the lookup cache, so a scan of random names cannot grow it); which names are unknown is still the lookup
// cache's decision, made before this is reached.
const notFoundAnswers = new LookupCache<{ head: string[]; body: Buffer }>(1_000);
const NOT_FOUND_MAX_AGE_MS = NOT_FOUND_MAX_AGE_SECONDS * 1000;

function sendNotFound(domain: string, response: ServerResponse): number {
  let answer = notFoundAnswers.get(domain);
  if (!answer) {
    const body = ownedBytes(JSON.stringify(notFoundBody(domain)));
    answer = { head: [...NOT_FOUND_HEAD, 'Content-Length', String(body.length)], body };
    notFoundAnswers.set(domain, answer, NOT_FOUND_MAX_AGE_MS, notFoundAnswers.startFill());
  }
  response.writeHead(404, answer.head);
  response.end(answer.body);
  return 404;
}
