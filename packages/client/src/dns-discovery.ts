import { type ParsedPublicKey, protocolRecordName, ProtocolError, publicKeyRecordName, srvRecordName } from './protocol/index.js';
import { type DnsAnswer, type DnsClient, DnsQueryFailed, type SrvData } from './dns/client.js';
import { readKeyRecord, readProtocolRecord, srvUrl } from './record-readers.js';
import { orderSrv } from './srv-order.js';

/**
 * What DNS says about a peer: found (URL + valid key), absent (no SRV at all), unusable (records exist but cannot be
 * used: the hub is then asked) or failed (no resolver answered). `ttlSeconds` is how long the conclusion holds:
 * the smallest TTL of the records it rests on (negative TTLs for absent names).
 */
export type DnsDiscovery =
  | { kind: 'found'; url: string; key: ParsedPublicKey; ttlSeconds: number }
  | { kind: 'absent'; detail: string; ttlSeconds: number }
  | { kind: 'unusable'; detail: string; ttlSeconds: number }
  | { kind: 'failed'; detail: string };

export interface DnsDiscoveryOptions {
  minRsaBits?: number;
  random?: () => number;
}

/**
 * SRV `_rocketchat._https` → `_rocketchat._http` → legacy `_rocketchat._tcp` (+ TXT `rocketchat-tcp-protocol`, a TXT
 * query: older clients wrongly asked for an SRV there), and TXT `rocketchat-public-key`. The key query runs alongside
 * the first SRV query because every usable answer needs it.
 */
export async function discoverViaDns(dns: DnsClient, domain: string, options: DnsDiscoveryOptions = {}): Promise<DnsDiscovery> {
  const keyQuery = dns.txt(publicKeyRecordName(domain));
  keyQuery.catch(() => {}); // awaited below, or deliberately dropped when there is no SRV at all
  try {
    const ttls: number[] = [];
    const service = await chooseService(dns, domain, ttls);
    if (service.kind !== 'chosen') return { ...service, ttlSeconds: Math.min(...ttls) };

    const keyAnswer = await keyQuery;
    ttls.push(keyAnswer.ttlSeconds);
    const reading = readKeyRecord(keyAnswer.records, { minRsaBits: options.minRsaBits });
    if (!reading.ok) return { kind: 'unusable', detail: `${publicKeyRecordName(domain)}: ${reading.detail}`, ttlSeconds: Math.min(...ttls) };

    const [target] = orderSrv(service.records, options.random);
    let url: string;
    try {
      url = srvUrl(service.protocol, target!);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return { kind: 'unusable', detail: `${service.name}: ${error.message}`, ttlSeconds: Math.min(...ttls) };
    }
    return { kind: 'found', url, key: reading.key, ttlSeconds: Math.min(...ttls) };
  } catch (error) {
    if (error instanceof DnsQueryFailed) return { kind: 'failed', detail: error.message };
    throw error;
  }
}

type ServiceChoice =
  | { kind: 'chosen'; protocol: 'http' | 'https'; name: string; records: SrvData[] }
  | { kind: 'absent'; detail: string }
  | { kind: 'unusable'; detail: string };

async function chooseService(dns: DnsClient, domain: string, ttls: number[]): Promise<ServiceChoice> {
  const usable = (answer: DnsAnswer<SrvData>) => orderSrv(answer.records).length > 0;
  for (const protocol of ['https', 'http'] as const) {
    const name = srvRecordName(domain, protocol);
    const answer = await dns.srv(name);
    ttls.push(answer.ttlSeconds);
    if (usable(answer)) return { kind: 'chosen', protocol, name, records: answer.records };
  }
  const legacyName = srvRecordName(domain, 'tcp');
  const legacy = await dns.srv(legacyName);
  ttls.push(legacy.ttlSeconds);
  if (!usable(legacy)) return { kind: 'absent', detail: `no SRV record _rocketchat._https, _rocketchat._http or _rocketchat._tcp for ${domain}` };
  const protocolAnswer = await dns.txt(protocolRecordName(domain));
  ttls.push(protocolAnswer.ttlSeconds);
  const reading = readProtocolRecord(protocolAnswer);
  if (!reading.ok) return { kind: 'unusable', detail: `${protocolRecordName(domain)}: ${reading.detail}` };
  return { kind: 'chosen', protocol: reading.protocol, name: legacyName, records: legacy.records };
}
