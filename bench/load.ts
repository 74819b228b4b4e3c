/**
 * One load run with autocannon (in this process; the servers under test run in their own processes), reduced to
 * the figures the report needs.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Unmeasured load first, same shape. */
  warmupSeconds?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** One body for every request (setupRequest can give each its own instead). */
  body?: string;
  /** Requests per second for the whole run (autocannon's overallRate); default as fast as the server answers. */
  overallRate?: number;
  /** Per-request path/body (distinct domains, random domains). */
  setupRequest?: (request: autocannon.Request, context: Record<string, unknown>) => autocannon.Request;
  onResponse?: (status: number, context: Record<string, unknown>) => void;
  /** The status every answer should have; any other counts as unexpected. */
  expectStatus: number;
}

export interface LoadFigures {
  requestsPerSecond: number;
  /** Latency in milliseconds (autocannon's resolution is 1 ms). */
  p50: number;
  p99: number;
  requests: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Answers with another status than expected. */
  unexpected: number;
  statusCodes: Record<string, number>;
  seconds: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  if (options.warmupSeconds) await cannon({ ...options, seconds: options.warmupSeconds });
  const result = await cannon(options);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]));
  const requests = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  return {
    requestsPerSecond: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    unexpected: requests - (statusCodes[String(options.expectStatus)] ?? 0),
    statusCodes,
    seconds: result.duration,
  };
}

function cannon(options: LoadOptions): Promise<autocannon.Result> {
  const step: autocannon.RequestStep = {};
  if (options.setupRequest) step.setupRequest = options.setupRequest;
  if (options.onResponse) {
    const onResponse = options.onResponse;
    step.onResponse = (status, _body, context) => onResponse(status, context);
  }
  return Promise.resolve(
    autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.seconds,
      method: options.method ?? 'GET',
      headers: options.headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
      requests: [step],
    }),
  );
}

/** Several runs of one scenario as one: rates from the summed requests and seconds, the median p50, the worst p99. */
export function combineLoads(runs: LoadFigures[]): LoadFigures {
  const sum = (pick: (figures: LoadFigures) => number) => runs.reduce((total, figures) => total + pick(figures), 0);
  const statusCodes: Record<string, number> = {};
  for (const figures of runs) {
    for (const [code, count] of Object.entries(figures.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const p50s = runs.map((figures) => figures.p50).sort((a, b) => a - b);
  return {
    requestsPerSecond: sum((figures) => figures.requests) / sum((figures) => figures.seconds),
    p50: p50s[Math.floor(p50s.length / 2)]!,
    p99: Math.max(...runs.map((figures) => figures.p99)),
    requests: sum((figures) => figures.requests),
    errors: sum((figures) => figures.errors),
    timeouts: sum((figures) => figures.timeouts),
    non2xx: sum((figures) => figures.non2xx),
    unexpected: sum((figures) => figures.unexpected),
    statusCodes,
    seconds: sum((figures) => figures.seconds),
  };
}
