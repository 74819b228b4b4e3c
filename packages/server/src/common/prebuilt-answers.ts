import { STATUS_CODES, type ServerResponse } from 'node:http';
import { ANY_ORIGIN, API_SECURITY_HEADERS } from './security-headers.js';
import { ownedBytes } from './owned-bytes.js';

/** Headers every API answer written before Express carries, as a flat [name, value, …] list (what writeHead takes as is). */
export const SHARED_HEAD: readonly string[] = [...Object.entries(API_SECURITY_HEADERS).flat(), ...ANY_ORIGIN];
export const JSON_TYPE: readonly string[] = ['Content-Type', 'application/json; charset=utf-8'];

interface Prebuilt {
  head: string[];
  body: Buffer;
}

// A flood repeats one refusal (same status, message and Retry-After): built once, then written as it is. Bounded:
// when full it starts afresh, so distinct messages (one per client address) cannot grow it.
const MAX_PREBUILT = 2_000;
let prebuilt = new Map<string, Prebuilt>();

/**
 * Writes an error in the hub's one format (`{statusCode, error, message}`) from bytes built once per distinct
 * answer, for refusals made before Express (rate limits, malformed lookups, a missing Host). Returns the status.
 */
export function sendPrebuiltError(response: ServerResponse, status: number, message: string, extraHead: readonly string[] = []): number {
  const key = `${status}\n${message}\n${extraHead.join('\n')}`;
  let answer = prebuilt.get(key);
  if (!answer) {
    const body = ownedBytes(JSON.stringify({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }));
    answer = { head: [...SHARED_HEAD, ...JSON_TYPE, ...extraHead, 'Content-Length', String(body.length)], body };
    if (prebuilt.size >= MAX_PREBUILT) prebuilt = new Map();
    prebuilt.set(key, answer);
  }
  response.writeHead(status, answer.head);
  response.end(answer.body);
  return status;
}
