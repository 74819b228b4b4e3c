import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenRange } from './address-rules.js';

/** The safety rules of every HTTP request a registrant can aim (docs/ownership-proofs.md). */
export const FETCH_TIMEOUT_MS = 5_000;
export const FETCH_MAX_BODY_BYTES = 4_096;
export const FETCH_MAX_REDIRECTS = 3;
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

export interface SafeFetchOptions {
  /** The name's addresses (A and AAAA), from the hub's one DNS client; throws when DNS gives no answer. */
  resolve: (host: string) => Promise<string[]>;
  /** ALLOW_PRIVATE_NETWORK_CHECKS: skip the address rule. */
  allowPrivate: boolean;
  /** TESTS ONLY (HTTP_CHECK_PORT): connect to this port whatever the URL says. */
  portOverride?: number;
  userAgent: string;
  /** Deadline of the whole fetch, redirects included. */
  timeoutMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
}

export type FetchOutcome =
  | { ok: true; status: number; body: string; url: string; address: string }
  | { ok: false; refused: boolean; detail: string; url: string };

class Refusal extends Error {
  constructor(
    message: string,
    /** A rule said no (address, redirect, size), as opposed to the network failing. */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/**
 * GET `url` under the rules: only http/https on ports 80 and 443 of the URL's own host, which is resolved once; every
 * address it has must be public (unless allowPrivate), and the connection goes to the address that was checked — a
 * custom `lookup` hands it to the socket, so nothing resolves the name again between the check and the connect (DNS
 * rebinding). At most `maxRedirects` redirects, each to the same host (and so the same checked address). No cookies,
 * no credentials, no connection reuse; the body is read up to the cap; one deadline covers everything.
 */
export async function safeFetch(url: string, options: SafeFetchOptions): Promise<FetchOutcome> {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const maxRedirects = options.maxRedirects ?? FETCH_MAX_REDIRECTS;
  let current = url;
  let host: string | undefined;
  let address: string | undefined;
  try {
    for (let hop = 0; ; hop++) {
      const target = parseTarget(current, options);
      if (host === undefined) {
        host = target.hostname;
        address = await checkedAddress(host, options);
      } else if (target.hostname !== host) {
        throw new Refusal(`redirected to another host (refused): ${current}`, true);
      }
      const answer = await get(target, address!, options, signal);
      if (answer.location === undefined) return { ok: true, status: answer.status, body: answer.body, url: current, address: address! };
      if (hop >= maxRedirects) throw new Refusal(`more than ${maxRedirects} redirects (refused), the last to ${answer.location}`, true);
      current = new URL(answer.location, current).toString();
    }
  } catch (error) {
    if (signal.aborted) return { ok: false, refused: false, detail: `no answer from ${current} within ${timeoutMs / 1000} s (timeout)`, url: current };
    if (error instanceof Refusal) return { ok: false, refused: error.refused, detail: error.message, url: current };
    const code = (error as { code?: string }).code;
    return { ok: false, refused: false, detail: `${current}: ${code ?? (error as Error).message}`, url: current };
  }
}

function parseTarget(text: string, options: SafeFetchOptions): URL {
  let target: URL;
  try {
    target = new URL(text);
  } catch {
    throw new Refusal(`not a URL (refused): ${text}`, true);
  }
  if (!(target.protocol in DEFAULT_PORTS)) throw new Refusal(`${target.protocol} is not http or https (refused): ${text}`, true);
  if (target.username || target.password) throw new Refusal(`URL with credentials (refused): ${target.host}`, true);
  if (target.port !== '' && Number(target.port) !== options.portOverride) {
    throw new Refusal(`port ${target.port} (refused: only 80 and 443): ${text}`, true);
  }
  if (isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0) throw new Refusal(`an IP address, not the domain (refused): ${text}`, true);
  return target;
}

/** Resolves once and applies the address rule to every address the name has; the first IPv4 one (else IPv6) is used. */
async function checkedAddress(host: string, options: SafeFetchOptions): Promise<string> {
  let addresses: string[];
  try {
    addresses = await options.resolve(host);
  } catch (error) {
    throw new Refusal(`DNS lookup of ${host} failed: ${(error as Error).message}`, false);
  }
  if (addresses.length === 0) throw new Refusal(`${host} has no A or AAAA record`, false);
  if (!options.allowPrivate) {
    for (const address of addresses) {
      const range = forbiddenRange(address);
      if (range) throw new Refusal(`${host} resolves to ${canonical(address)}, which is ${range} (refused before connecting)`, true);
    }
  }
  return addresses.find((address) => isIP(address) === 4) ?? addresses[0]!;
}

/** An address as people write it (`::ffff:7f00:1`, not `0:0:0:0:0:ffff:7f00:1`), by the WHATWG URL parser's rules. */
function canonical(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

interface Answer {
  status: number;
  body: string;
  /** Set for a redirect. */
  location?: string;
}

function get(target: URL, address: string, options: SafeFetchOptions, signal: AbortSignal): Promise<Answer> {
  const family = isIP(address);
  // Whatever the socket asks (one address or all of them), it gets the checked one.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = target.protocol === 'https:' ? https : http;
  const maxBody = options.maxBodyBytes ?? FETCH_MAX_BODY_BYTES;
  return new Promise<Answer>((resolve, reject) => {
    const request = client.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: options.portOverride ?? DEFAULT_PORTS[target.protocol],
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        lookup,
        agent: false,
        signal,
        // Only these: no Cookie, no Authorization, ever.
        headers: { 'user-agent': options.userAgent, accept: 'text/plain, */*;q=0.1', connection: 'close' },
        ...(target.protocol === 'https:' ? { servername: target.hostname } : {}),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
          response.destroy();
          resolve({ status, body: '', location });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            response.destroy();
            reject(new Refusal(`the body from ${target} is larger than ${maxBody} bytes (refused)`, true));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}
