import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

/** The hub's one error format: `{ statusCode, error, message, details? }`, message naming the field and the rule. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: string[];
}

const DATABASE_UNAVAILABLE = /ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|Connection terminated|the database system is (starting up|shutting down)|terminating connection/i;

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, path: request.route?.path ?? 'unmatched' }, body.message);
    }
    if (response.headersSent) return;
    if (exception instanceof HttpException) {
      const retryAfter = (exception.getResponse() as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    }
    response.status(body.statusCode).json(body);
  }

}

export function toErrorBody(exception: unknown): ErrorBody {
  {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const messages = typeof raw === 'string' ? [raw] : flatten((raw as { message?: unknown }).message ?? exception.message);
      return {
        statusCode: status,
        error: HttpStatus[status] ? titleCase(HttpStatus[status]) : 'Error',
        message: messages.join('; '),
        ...(messages.length > 1 ? { details: messages } : {}),
      };
    }
    // body-parser and other Express middleware errors carry their own 4xx status.
    const status = (exception as { status?: number; statusCode?: number })?.status ?? (exception as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { statusCode: status, error: titleCase(HttpStatus[status] ?? 'Bad Request'), message: middlewareMessage(exception, status) };
    }
    if (exception instanceof Error && DATABASE_UNAVAILABLE.test(exception.message)) {
      return { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable; try again shortly' };
    }
    return { statusCode: 500, error: 'Internal Server Error', message: 'internal error' };
  }
}

function middlewareMessage(exception: unknown, status: number): string {
  const type = (exception as { type?: string }).type;
  if (type === 'entity.too.large') return `body: must not exceed ${(exception as { limit?: number }).limit ?? ''} bytes`.trim();
  if (type === 'entity.parse.failed') return 'body: must be valid JSON';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'body: must be UTF-8 encoded';
  return status === 413 ? 'body: too large' : `request: ${exception instanceof Error ? exception.message : 'invalid'}`;
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
