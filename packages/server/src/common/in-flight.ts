import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';

/**
 * Request handlers still running. Graceful shutdown waits for them between closing the HTTP server and closing the
 * database: the server's close waits for open connections only, and a handler whose client has gone away (a
 * timeout, a load balancer giving up) has no connection left, yet it still reads or writes the database. Cut off,
 * it failed with "Driver not Connected", logged as an internal error, and a registration in it was not stored.
 */
@Injectable()
export class InFlightWork {
  private running = 0;
  private readonly waiting = new Set<() => void>();

  /** Counts `work` as running until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.begin();
    work.then(this.end, this.end);
    return work;
  }

  begin(): void {
    this.running++;
  }

  readonly end = (): void => {
    this.running--;
    if (this.running === 0) for (const wake of this.waiting) wake();
  };

  /** Resolves true once nothing is running, or false when `timeoutMs` passes first. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(result);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.waiting.add(wake);
    });
  }
}

/** Counts every Nest handler (controllers and what they await) in InFlightWork until its answer is settled. */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  constructor(private readonly inFlight: InFlightWork) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.inFlight.begin();
    return next.handle().pipe(finalize(this.inFlight.end));
  }
}
