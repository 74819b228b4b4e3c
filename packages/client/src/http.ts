import { normalizePeerUrl } from './protocol/index.js';
import { HubUnavailable } from './errors.js';

export const DEFAULT_HUB_TIMEOUT_MS = 3000;
/** A hub answer is a few kB; anything much larger is not one, and is not read into memory. */
const MAX_BODY_BYTES = 256 * 1024;

export interface HubResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
  /** The body as text (the log's checkpoint and verifier key are text/plain). */
  text: string;
}

/** The hub's base URL in canonical form (http/https, no query, no trailing slash); ProtocolError otherwise. */
export function hubBase(hubUrl: string): string {
  return normalizePeerUrl(hubUrl, 'hubUrl');
}

/**
 * One request to the hub with a deadline covering connection, headers and body. Every way of not getting an HTTP
 * answer (DNS, refused connection, TLS, timeout, oversized body) becomes HubUnavailable.
 */
export async function hubRequest(
  hubUrl: string,
  path: string,
  init: { method: 'GET' | 'POST'; body?: unknown },
  timeoutMs: number,
): Promise<HubResponse> {
  const base = hubBase(hubUrl);
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: init.method,
      headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal,
    });
  } catch (error) {
    throw new HubUnavailable(base, describeFetchError(error, timeoutMs));
  }
  let text: string;
  try {
    text = await readCapped(response, MAX_BODY_BYTES);
  } catch (error) {
    throw new HubUnavailable(base, describeFetchError(error, timeoutMs), response.status);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) {
      await response.body.cancel().catch(() => {});
      throw new Error(`answer larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${cause.code}${cause.message ? ` (${cause.message})` : ''}` : error.message;
  }
  return String(error);
}

/** The hub's `message` from its JSON error body, or a description of what came instead. */
export function hubMessage(response: HubResponse): string {
  const body = response.json as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string') return body.message;
  if (body && Array.isArray(body.message)) return body.message.join('; ');
  return `HTTP ${response.status} without the hub's JSON error body (is the hub URL right?)`;
}

/** `Retry-After` in seconds (delta form or HTTP date), when present. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** `Cache-Control: max-age` in seconds; 0 for no-store/no-cache; undefined when absent. */
export function maxAgeSeconds(headers: Headers): number | undefined {
  const value = headers.get('cache-control');
  if (!value) return undefined;
  if (/\b(?:no-store|no-cache)\b/i.test(value)) return 0;
  const match = /\bmax-age=(\d+)/i.exec(value);
  return match ? Number(match[1]) : undefined;
}
