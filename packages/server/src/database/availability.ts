import pg from 'pg';

/**
 * Whether an error means "the database is away" (answer 503, retry later) rather than "this request is wrong" or
 * "the hub has a bug" (500). Decided by codes only, never by message text: PostgreSQL's SQLSTATE, Node's socket
 * errno, and the two codes the hub's pool and clients give the driver's own code-less errors (below). Message texts
 * change between server versions and locales (lc_messages), and a text list missed "the database system is not yet
 * accepting connections" during crash recovery: 179 answers were 500.
 */

/** The pool could not hand out a connection: it could not open one, or none came free within connectionTimeoutMillis. */
export const PG_CONNECT_FAILED = 'HUB_PG_CONNECT_FAILED';
/** The connection a query ran on was lost (the server went away mid-query, or the client was already broken). */
export const PG_CONNECTION_LOST = 'HUB_PG_CONNECTION_LOST';

/** SQLSTATE classes: 08 connection exception, 53 insufficient resources (too many connections, out of memory/disk). */
const UNAVAILABLE_CLASSES = new Set(['08', '53']);
/** Operator intervention: admin_shutdown, crash_shutdown, cannot_connect_now (starting up, recovering, shutting down). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
/** Socket errors of the driver's TCP connection, and the hub's own driver codes. */
const UNAVAILABLE_DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  PG_CONNECT_FAILED,
  PG_CONNECTION_LOST,
]);

/** True when the code (SQLSTATE or driver code) means the database is unavailable. */
export function isUnavailableCode(code: string): boolean {
  // Driver codes first: EPIPE has the shape of a SQLSTATE.
  if (UNAVAILABLE_DRIVER_CODES.has(code)) return true;
  return /^[0-9A-Z]{5}$/.test(code) && (UNAVAILABLE_CLASSES.has(code.slice(0, 2)) || UNAVAILABLE_SQLSTATES.has(code));
}

/**
 * True when the error, or what it wraps (TypeORM's `driverError`, an Error `cause`, an AggregateError's errors from
 * a multi-address connect), carries an unavailability code.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const candidate = error as { code?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof candidate.code === 'string' && isUnavailableCode(candidate.code)) return true;
  const inner = [candidate.driverError, candidate.cause, ...(Array.isArray(candidate.errors) ? candidate.errors : [])];
  return inner.some((wrapped) => wrapped !== error && isDatabaseUnavailable(wrapped, depth + 1));
}

type PgCallback = (error: Error | undefined, ...rest: unknown[]) => void;

/** Gives a code-less error a code (a copy of its message stays; the original is the cause). */
function tagged(error: unknown, code: string): unknown {
  if (!(error instanceof Error)) return error;
  const existing = (error as { code?: unknown }).code;
  if (typeof existing === 'string' && existing !== '') return error;
  return Object.assign(error, { code });
}

/**
 * pg's Client, whose errors on a dead connection ("Connection terminated unexpectedly", "Client has encountered a
 * connection error and is not queryable") carry PG_CONNECTION_LOST. The driver creates those without a code; what
 * marks them is the state of the client, which is known here and nowhere else.
 */
export class ClassifyingClient extends pg.Client {
  private get broken(): boolean {
    const state = this as unknown as { _ended?: boolean; _ending?: boolean; _queryable?: boolean };
    return state._ended === true || state._ending === true || state._queryable === false;
  }

  override query(...args: unknown[]): never {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as PgCallback;
      args[last] = (error: Error | undefined, ...rest: unknown[]) =>
        callback(error && this.broken ? (tagged(error, PG_CONNECTION_LOST) as Error) : error, ...rest);
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).catch((error: unknown) => {
        throw this.broken ? tagged(error, PG_CONNECTION_LOST) : error;
      }) as never;
    }
    return result as never;
  }
}

/**
 * pg's Pool, whose failures to hand out a connection carry PG_CONNECT_FAILED when the driver gave none (a wait that
 * timed out, "Connection terminated due to connection timeout"); a SQLSTATE or errno the server or socket gave is kept.
 * Emits 'connect' for each new connection, as pg's Pool does: the end of an outage (see DatabaseOutage).
 */
export class ClassifyingPool extends pg.Pool {
  constructor(options?: pg.PoolConfig) {
    super({ ...options, Client: ClassifyingClient } as pg.PoolConfig);
  }

  override connect(callback?: unknown): never {
    if (typeof callback === 'function') {
      const done = callback as PgCallback;
      return (super.connect as unknown as (cb: PgCallback) => never)((error, ...rest) => done(error && (tagged(error, PG_CONNECT_FAILED) as Error), ...rest));
    }
    return (super.connect() as Promise<unknown>).catch((error: unknown) => {
      throw tagged(error, PG_CONNECT_FAILED);
    }) as never;
  }
}

/** The pg module as TypeORM's `driver` option takes it, with the classifying pool. */
export const classifyingPg = { ...pg, Pool: ClassifyingPool, Client: ClassifyingClient };
