import { type DnsClient, DnsQueryFailed } from '@federation-hub/client';
import { dnsChallengeName } from './challenge-token.js';
import { carriesToken, type Finding, quote } from './finding.js';

/**
 * The dns method: a TXT record at `_federation-hub-challenge.<domain>` whose value is `federation-hub-verification=
 * <token>`. Asked through the hub's one DNS client (DNS_SERVERS, else the system's resolvers). A value a DNS
 * provider split into several strings is joined first, as every TXT reader of this project does.
 */
export async function checkDnsChallenge(dns: DnsClient, domain: string, tokenHash: Buffer): Promise<Finding> {
  const name = dnsChallengeName(domain);
  let answer;
  try {
    answer = await dns.txt(name);
  } catch (error) {
    if (error instanceof DnsQueryFailed) return { passed: false, detail: `DNS lookup of the TXT record at ${name} failed: ${error.attempts.join('; ')}` };
    throw error;
  }
  if (answer.status === 'nxdomain') return { passed: false, detail: `no TXT record (NXDOMAIN) at ${name}` };
  if (answer.status === 'nodata') return { passed: false, detail: `no TXT record at ${name} (the name exists, with no TXT record)` };
  const values = answer.records.map((strings) => strings.join(''));
  if (values.some((value) => carriesToken(value, tokenHash))) return { passed: true, detail: `TXT record found at ${name} with the expected value` };
  const shown = values.slice(0, 3).map((value) => quote(value)).join(', ');
  return { passed: false, detail: `TXT record found at ${name} but value differs: got ${shown}${values.length > 3 ? ` and ${values.length - 3} more` : ''}` };
}
