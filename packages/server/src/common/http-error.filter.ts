import { maxHeaderSize, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MetricsService } from '../metrics/metrics.service.js';
import { ProtocolError } from '@federation-hub/client/protocol';
import { TooManyRequestsException } from '../rate-limit/too-many-requests.exception.js';
import { isDatabaseUnavailable } from '../database/availability.js';
import type { DatabaseOutage } from '../database/outage.js';

/** The hub's one error format: `{ statusCode, error, message, details? }`, message naming the field and the rule. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: string[];
}

// Bounded label values for the rejection metric: a client must not be able to invent new series.
const KNOWN_FIELDS = new Set(['domain', 'url', 'public_key', 'contact', 'search', 'body', 'token', 'rate limit', 'authorization']);

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(
    private readonly metrics?: MetricsService,
    private readonly outage?: DatabaseOutage,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 400 && body.statusCode < 500 && this.metrics) {
      const field = /^([a-z_ ]+):/.exec(body.message)?.[1];
      this.metrics.rejections.inc({ reason: `${body.statusCode} ${field && KNOWN_FIELDS.has(field) ? field : 'other'}` });
    }
    // A database outage is logged once, as a warning, by DatabaseOutage; not once per request it fails. A 5xx the
    // hub answers on purpose (a write that keeps conflicting, readiness before the first checkpoint) is a warning:
    // only a failure nobody foresaw is an error.
    if (body.statusCode >= 500 && !(body.statusCode === 503 && this.outage?.check(exception))) {
      const fields = { err: exception, path: request.route?.path ?? 'unmatched' };
      if (exception instanceof HttpException) this.logger.warn(fields, body.message);
      else this.logger.error(fields, body.message);
    }
    if (response.headersSent) return;
    if (exception instanceof TooManyRequestsException) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
      this.metrics?.rateLimited.inc({ limit: exception.limit });
    }
    response.status(body.statusCode).json(body);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof ProtocolError) {
    return { statusCode: 400, error: 'Bad Request', message: exception.message };
  }
  // body-parser and other Express middleware errors carry their own 4xx status and a `type`.
  const middlewareError = bodyParserError(exception);
  if (middlewareError) {
    const status = middlewareError.status;
    return { statusCode: status, error: statusText(status), message: middlewareMessage(middlewareError, status) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const raw = exception.getResponse();
    const messages = typeof raw === 'string' ? [raw] : flatten((raw as { message?: unknown }).message ?? exception.message);
    return {
      statusCode: status,
      error: statusText(status),
      message: messages.join('; '),
      ...(messages.length > 1 ? { details: messages } : {}),
    };
  }
  if (isDatabaseUnavailable(exception)) {
    return { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable; try again shortly' };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'internal error' };
}

interface BodyParserError {
  status: number;
  type?: string;
  limit?: number;
}

function bodyParserError(exception: unknown): BodyParserError | undefined {
  for (const candidate of [exception, (exception as { cause?: unknown })?.cause]) {
    const error = candidate as Partial<BodyParserError> | undefined;
    if (error && typeof error.type === 'string' && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      return error as BodyParserError;
    }
  }
  return undefined;
}

function statusText(status: number): string {
  return HttpStatus[status] ? titleCase(HttpStatus[status]) : 'Error';
}

function middlewareMessage(error: BodyParserError, status: number): string {
  const type = error.type;
  if (type === 'entity.too.large') return `body: must not exceed ${error.limit} bytes (BODY_LIMIT_BYTES)`;
  if (type === 'entity.parse.failed') return 'body: must be valid JSON';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'body: must be UTF-8 encoded';
  return status === 413 ? 'body: too large' : `body: could not be read (${type})`;
}

function flatten(message: unknown): string[] {
  if (Array.isArray(message)) return message.map(String);
  return [String(message)];
}

function titleCase(constant: string): string {
  return constant
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * Requests that Node's HTTP parser refuses before any route sees them (request line and headers over the header
 * size limit, e.g. an over-long /confirm token; malformed HTTP) get the same JSON format instead of Node's
 * bodiless 431/400. Written straight to the socket, as Node does, then the connection is closed.
 */
export function answerUnparsableRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, duplex: Duplex) => {
    const socket = duplex as Socket;
    if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message =
      status === 431
        ? `headers: the request line and headers must not exceed ${maxHeaderSize} bytes`
        : status === 408
          ? 'request: not received in time'
          : 'request: not valid HTTP';
    const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroy();
  });
}
