/** The HTTP scenarios: lookups (hot, unknown, cold-cache) and registrations of distinct domains. */
import { runLoad, type LoadFigures } from './load.js';
import type { MailSink } from './mail-sink.js';
import { BENCH_ZONE, type BenchKey, peerDomain, UNKNOWN_DOMAIN } from './seed.js';

export interface Load {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export const lookupPath = (domain: string) => `/api/v1/peers?search=${domain}`;

/** The same confirmed peer, over and over: the in-process cache's best case. */
export function hotLookup(hubUrl: string, load: Load, domain = peerDomain(1)): Promise<LoadFigures> {
  return runLoad({ ...load, url: hubUrl + lookupPath(domain), expectStatus: 200 });
}

/** The same unknown domain, over and over: a 404 that must not reach the database each time. */
export function unknownLookup(hubUrl: string, load: Load): Promise<LoadFigures> {
  return runLoad({ ...load, url: hubUrl + lookupPath(UNKNOWN_DOMAIN), expectStatus: 404 });
}

/** Each request a random one of `peers` existing domains. */
export function coldLookup(hubUrl: string, load: Load, peers: number): Promise<LoadFigures> {
  return runLoad({
    ...load,
    url: hubUrl + lookupPath(peerDomain(1)),
    expectStatus: 200,
    setupRequest: (request) => ({ ...request, path: lookupPath(peerDomain(1 + Math.floor(Math.random() * peers))) }),
  });
}

export interface RegistrationFigures extends LoadFigures {
  /** Registrations answered 202, warm-up included. */
  accepted: number;
  emailed: number;
  /** Accepted registrations whose email had not arrived by the deadline. */
  missingEmails: number;
  /** From the end of the load until the last email arrived (or the deadline). */
  mailDrainSeconds: number;
}

/**
 * POST /api/v1/peers, each request a new domain (`r<N>-<tag>.bench.example`); then every 202 must get its email,
 * the warm-up's included (the figures are the measured part's).
 */
export async function registration(hubUrl: string, load: Load, key: BenchKey, mail: MailSink, tag: string): Promise<RegistrationFigures> {
  let next = 0;
  const accepted = new Set<string>();
  // Rocket.Chat sends the key with its line breaks stripped.
  const publicKey = key.pem.replace(/\r?\n/g, '');
  const figures = await runLoad({
    ...load,
    url: `${hubUrl}/api/v1/peers`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    expectStatus: 202,
    setupRequest: (request, context) => {
      const domain = `r${++next}-${tag}.${BENCH_ZONE}`;
      context.domain = domain;
      return { ...request, body: JSON.stringify({ domain, url: `https://${domain}`, public_key: publicKey }) };
    },
    onResponse: (status, context) => {
      if (status === 202) accepted.add(`webmaster@${context.domain as string}`);
    },
  });
  const drainStarted = performance.now();
  const missing = await mail.waitForAll(accepted, 30_000 + accepted.size * 20);
  return {
    ...figures,
    accepted: accepted.size,
    emailed: accepted.size - missing.length,
    missingEmails: missing.length,
    mailDrainSeconds: (performance.now() - drainStarted) / 1000,
  };
}
