import { randomInt } from 'node:crypto';
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { type DnsServerAddress, DnsTransportError, exchange, formatServer } from './transport.js';
import { encodeQuery, type QueryType, RCODE, type ResourceRecord, type SrvData } from './wire.js';

export type { DnsServerAddress } from './transport.js';
export type { SrvData } from './wire.js';

/**
 * What DNS said about one name and type. `ttlSeconds` is how long the answer may be cached: the smallest TTL of
 * the records, or for a negative answer the SOA minimum (RFC 2308), 0 when the server sent no SOA.
 */
export interface DnsAnswer<T> {
  status: 'ok' | 'nxdomain' | 'nodata';
  records: T[];
  ttlSeconds: number;
}

/** No server gave a usable answer (timeouts, SERVFAIL, REFUSED, network errors). */
export class DnsQueryFailed extends Error {
  constructor(
    readonly queryName: string,
    readonly queryType: QueryType,
    /** One line per server asked: `127.0.0.1:5399: connection refused (UDP)`. */
    readonly attempts: string[],
  ) {
    super(`DNS ${queryType} query for ${queryName} failed: ${attempts.join('; ')}`);
    this.name = 'DnsQueryFailed';
  }
}

export interface DnsClientOptions {
  /** `host`, `host:port`, `[v6]:port`. Default: the system's resolvers (as node:dns reads them). */
  servers?: string[];
  /** Per query and server. Default 2000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_DNS_TIMEOUT_MS = 2000;

/** A minimal stub resolver: asks recursive servers in turn, returns records with their TTLs. */
export class DnsClient {
  readonly servers: DnsServerAddress[];
  private readonly timeoutMs: number;

  constructor(options: DnsClientOptions = {}) {
    const servers = options.servers && options.servers.length > 0 ? options.servers : getServers();
    this.servers = servers.map(parseServerAddress);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
    if (this.servers.length === 0) throw new Error('no DNS server configured and none found in the system configuration');
  }

  async srv(name: string): Promise<DnsAnswer<SrvData>> {
    return this.query(name, 'SRV', (record) => (record.type === 'SRV' ? record.value : undefined));
  }

  /** Each record is the list of its strings, in order; a reader joins them (one value split by a DNS provider). */
  async txt(name: string): Promise<DnsAnswer<string[]>> {
    return this.query(name, 'TXT', (record) => (record.type === 'TXT' ? record.value : undefined));
  }

  /** A and AAAA together: does this host name lead anywhere? */
  async addresses(name: string): Promise<DnsAnswer<string>> {
    const [v4, v6] = await Promise.all([
      this.query(name, 'A', (record) => (record.type === 'A' ? record.value : undefined)),
      this.query(name, 'AAAA', (record) => (record.type === 'AAAA' ? record.value : undefined)),
    ]);
    const records = [...v4.records, ...v6.records];
    if (records.length > 0) {
      const ttls = [v4, v6].filter((answer) => answer.records.length > 0).map((answer) => answer.ttlSeconds);
      return { status: 'ok', records, ttlSeconds: Math.min(...ttls) };
    }
    return { status: v4.status === 'nxdomain' ? 'nxdomain' : 'nodata', records: [], ttlSeconds: Math.min(v4.ttlSeconds, v6.ttlSeconds) };
  }

  private async query<T>(name: string, type: QueryType, pick: (record: ResourceRecord) => T | undefined): Promise<DnsAnswer<T>> {
    const attempts: string[] = [];
    for (const server of this.servers) {
      let reply;
      try {
        reply = await exchange(server, encodeQuery(randomInt(0x10000), name, type), this.timeoutMs);
      } catch (error) {
        if (!(error instanceof DnsTransportError)) throw error;
        attempts.push(error.message);
        continue;
      }
      if (reply.rcode === RCODE.NXDOMAIN) return { status: 'nxdomain', records: [], ttlSeconds: negativeTtl(reply.authorities) };
      if (reply.rcode !== RCODE.NOERROR) {
        attempts.push(`${formatServer(server)}: answered ${rcodeName(reply.rcode)}`);
        continue;
      }
      // Follow a CNAME chain inside the answer: the records may belong to the alias's target.
      const owners = new Set([name.toLowerCase().replace(/\.$/, '')]);
      for (const record of reply.answers) if (record.type === 'CNAME' && owners.has(record.name)) owners.add(record.value);
      const relevant = reply.answers.filter((record) => owners.has(record.name));
      const records = relevant.map(pick).filter((value): value is T => value !== undefined);
      if (records.length === 0) return { status: 'nodata', records: [], ttlSeconds: negativeTtl(reply.authorities) };
      const ttlSeconds = Math.min(...relevant.map((record) => record.ttl));
      return { status: 'ok', records, ttlSeconds };
    }
    throw new DnsQueryFailed(name, type, attempts);
  }
}

function negativeTtl(authorities: ResourceRecord[]): number {
  const soa = authorities.find((record) => record.type === 'SOA');
  return soa && soa.type === 'SOA' ? Math.min(soa.ttl, soa.value.minimum) : 0;
}

function rcodeName(rcode: number): string {
  return Object.entries(RCODE).find(([, code]) => code === rcode)?.[0] ?? `rcode ${rcode}`;
}

/** `1.1.1.1`, `127.0.0.1:5353`, `::1`, `[::1]:5353` → host and port (53 by default). */
export function parseServerAddress(text: string): DnsServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return checked(text, bracketed[1]!, bracketed[2]);
  if (isIP(text) === 6) return checked(text, text, undefined);
  const [host, port, extra] = text.split(':');
  if (extra !== undefined || !host) throw new Error(`DNS server "${text}" must be host or host:port (IPv6 as [addr]:port)`);
  return checked(text, host, port);
}

function checked(text: string, host: string, port: string | undefined): DnsServerAddress {
  const number = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`DNS server "${text}": port must be 1 to 65535`);
  if (isIP(host) === 0) throw new Error(`DNS server "${text}" must be an IP address (a resolver's name would itself need DNS)`);
  return { host, port: number };
}
