import { STATUS_CODES, type ServerResponse } from 'node:http';
import { ANY_ORIGIN, API_SECURITY_HEADERS } from './security-headers.js';
import { ownedBytes } from './owned-bytes.js';

/** Headers every API answer written before Express carries, as a flat [name, value, …] list (what writeHead takes as is). */
export const SHARED_HEAD: readonly string[] = [...Object.entries(API_SECURITY_HEADERS).flat(), ...ANY_ORIGIN];
export const JSON_TYPE: readonly string[] = ['Content-Type', 'application/json; charset=utf-8'];

export interface PrebuiltAnswer {
  readonly head: readonly string[];
  readonly body: Buffer;
}

// A flood repeats one refusal (same status, message and Retry-After): built once, then written as it is. Bounded:
// when full it starts afresh, so distinct messages (one per client address) cannot grow it.
const MAX_PREBUILT = 2_000;
let prebuilt = new Map<string, PrebuiltAnswer>();

/**
 * An error in the hub's one format (`{statusCode, error, message}`), as bytes built once per distinct answer, for
 * refusals made before Express (rate limits, malformed lookups, a missing Host).
 */
export function prebuiltError(status: number, message: string, extraHead: readonly string[] = []): PrebuiltAnswer {
  const key = `${status}\n${message}\n${extraHead.join('\n')}`;
  let answer = prebuilt.get(key);
  if (!answer) {
    const body = ownedBytes(JSON.stringify({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }));
    answer = { head: [...SHARED_HEAD, ...JSON_TYPE, ...extraHead, 'Content-Length', String(body.length)], body };
    if (prebuilt.size >= MAX_PREBUILT) prebuilt = new Map();
    prebuilt.set(key, answer);
  }
  return answer;
}

/** Writes a prebuilt answer. Returns the status. */
export function sendPrebuilt(response: ServerResponse, status: number, answer: PrebuiltAnswer): number {
  response.writeHead(status, answer.head as string[]);
  response.end(answer.body);
  return status;
}

/** Writes prebuiltError(status, message, extraHead). Returns the status. */
export function sendPrebuiltError(response: ServerResponse, status: number, message: string, extraHead: readonly string[] = []): number {
  return sendPrebuilt(response, status, prebuiltError(status, message, extraHead));
}
