import { publicKeyRecordName, protocolRecordName, splitTxtValue, srvRecordName } from '../../packages/client/src/protocol/index.js';
import type { TestDnsRecord, TestDnsZone } from '../support/dns-server.js';
import { stripLineBreaks } from '../support/keys.js';

/** A peer's records as a zone-file author writes them; only what is given is published. */
export interface PeerRecords {
  https?: Array<Partial<Extract<TestDnsRecord, { type: 'SRV' }>>>;
  http?: Array<Partial<Extract<TestDnsRecord, { type: 'SRV' }>>>;
  tcp?: Array<Partial<Extract<TestDnsRecord, { type: 'SRV' }>>>;
  /** The key TXT: a PEM (published stripped and split into ≤255-character strings), or explicit records of strings. */
  key?: string | string[][];
  protocol?: string;
  ttl?: number;
  /** A/AAAA of SRV targets. */
  hosts?: Record<string, string>;
}

export function peerZone(domain: string, records: PeerRecords): TestDnsZone {
  const zone: TestDnsZone = {};
  const srv = (list: PeerRecords['https']) =>
    (list ?? []).map((record) => ({
      type: 'SRV' as const,
      priority: record.priority ?? 10,
      weight: record.weight ?? 5,
      port: record.port ?? 443,
      target: record.target ?? domain,
      ttl: record.ttl ?? records.ttl,
    }));
  for (const protocol of ['https', 'http', 'tcp'] as const) {
    if (records[protocol]) zone[srvRecordName(domain, protocol)] = srv(records[protocol]);
  }
  if (records.key !== undefined) {
    const sets = typeof records.key === 'string' ? [splitTxtValue(stripLineBreaks(records.key))] : records.key;
    zone[publicKeyRecordName(domain)] = sets.map((strings) => ({ type: 'TXT' as const, strings, ttl: records.ttl }));
  }
  if (records.protocol !== undefined) zone[protocolRecordName(domain)] = [{ type: 'TXT', strings: [records.protocol], ttl: records.ttl }];
  for (const [host, address] of Object.entries(records.hosts ?? {})) {
    zone[host] = [{ type: address.includes(':') ? 'AAAA' : 'A', address, ttl: records.ttl }];
  }
  return zone;
}

export function mergeZones(...zones: TestDnsZone[]): TestDnsZone {
  return Object.assign({}, ...zones);
}

/** A clock the test moves by hand: TTL expiry is shown without waiting. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
