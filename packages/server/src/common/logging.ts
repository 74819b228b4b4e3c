import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino, type Logger } from 'pino';
import type { HubConfig } from '../config/hub-config.js';

/** The hub's one pino logger: Nest's logs, the request logs and the lookup fast path all write through it. */
export function createRootLogger(config: HubConfig): Logger {
  return pino({ level: config.logLevel });
}

/**
 * Structured logs (pino): one line per request with method, route, status, latency and request id.
 * Paths under /confirm/ carry a token, so the logged URL is cut before it; bodies are never logged.
 */
export function loggerOptions(logger: Logger): Params {
  return {
    pinoHttp: {
      logger,
      genReqId: (request: IncomingMessage) => {
        const given = request.headers['x-request-id'];
        return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      },
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: redactUrl(request.url),
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      // The route pattern is known only once routing is done: add it to the completion line.
      customSuccessObject: (request: IncomingMessage, _response: unknown, value: Record<string, unknown>) => ({
        ...value,
        route: (request as IncomingMessage & { route?: { path?: string } }).route?.path ?? 'unmatched',
      }),
      customErrorObject: (request: IncomingMessage, _response: unknown, _error: unknown, value: Record<string, unknown>) => ({
        ...value,
        route: (request as IncomingMessage & { route?: { path?: string } }).route?.path ?? 'unmatched',
      }),
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
      autoLogging: { ignore: (request: IncomingMessage) => request.url === '/healthz' },
    },
  };
}

/** `/confirm/<token>` → `/confirm/…`: tokens are secrets and never reach a log line. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/\/confirm\/[^/?#]+/, '/confirm/…');
}
