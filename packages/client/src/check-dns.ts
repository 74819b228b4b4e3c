import {
  describePublicKey,
  formatFingerprint,
  normalizeDomain,
  protocolRecordName,
  publicKeyRecordName,
  quoteTxtStrings,
  splitTxtValue,
  srvRecordName,
  type SrvProtocol,
} from './protocol/index.js';
import { type DnsAnswer, DnsClient, DnsQueryFailed, type SrvData } from './dns/client.js';
import { readKeyRecord, readProtocolRecord, srvUrl } from './record-readers.js';
import { orderSrv } from './srv-order.js';
import { parseOwnPublicKey, type PublicKeyInput } from './key-input.js';

export type DnsCheckRecord = 'srv-https' | 'srv-http' | 'srv-tcp' | 'public-key' | 'protocol';

/** One record of a server's DNS set-up: what is there, what should be, and the exact change when it is wrong. */
export interface DnsCheckEntry {
  record: DnsCheckRecord;
  /** The DNS name asked for. */
  name: string;
  type: 'SRV' | 'TXT';
  ok: boolean;
  found: string;
  expected: string;
  /** The change to make, in zone-file syntax where it is a record; absent when nothing needs doing. */
  fix?: string;
  /** DNS gave no answer for this record (timeouts, SERVFAIL…): it could not be checked, and is not known to be wrong (`ok` then says only whether resolution needs it). */
  couldNotCheck?: boolean;
  /** public-key entry: the fingerprint (lowercase hex SHA-256 of the SPKI) of the key found, when one was read. */
  fingerprint?: string;
}

export interface DnsCheckReport {
  domain: string;
  /** True when resolve() would find this server through DNS alone. */
  ok: boolean;
  /** The URL peers will use, when an SRV is usable. */
  url?: string;
  entries: DnsCheckEntry[];
  /**
   * The records that could not be checked, the entries marked `couldNotCheck`: DNS gave no answer for them, or for
   * every target of an SRV record (server unreachable, time-out, SERVFAIL). Never marked ok.
   */
  unanswered: DnsCheckRecord[];
  /** When no record was answered at all: why, once (`no answer from 127.0.0.1:5399: connection refused`). */
  noAnswer?: string;
}

export interface CheckDnsOptions {
  dnsServers?: string[];
  timeoutMs?: number;
  minRsaBits?: number;
  /** This server's public key (any form parsePublicKey reads, or a KeyObject): the published key must be this one. */
  publicKey?: PublicKeyInput;
  allowPrivateDomains?: boolean;
}

type Answer<T> = DnsAnswer<T> | { failed: string; attempts: string[] };

/**
 * The "helpers to validate the configuration": asks for every federation record of `domain` and says, record by
 * record, whether resolution will work, with the exact fix otherwise. Detects a key cut short by a DNS provider, a
 * key split into several records instead of several strings of one record, a key that does not parse, an SRV
 * pointing at a name that does not resolve and a protocol TXT with a bad value.
 */
export async function checkDns(input: string, options: CheckDnsOptions = {}): Promise<DnsCheckReport> {
  const domain = normalizeDomain(input, { requirePublicSuffix: !options.allowPrivateDomains });
  const dns = new DnsClient({ servers: options.dnsServers, timeoutMs: options.timeoutMs });
  const ask = <T>(query: Promise<DnsAnswer<T>>): Promise<Answer<T>> =>
    query.catch((error: unknown) => {
      if (error instanceof DnsQueryFailed) return { failed: error.message, attempts: error.attempts };
      throw error;
    });
  const [https, http, tcp, key, protocol] = await Promise.all([
    ask(dns.srv(srvRecordName(domain, 'https'))),
    ask(dns.srv(srvRecordName(domain, 'http'))),
    ask(dns.srv(srvRecordName(domain, 'tcp'))),
    ask(dns.txt(publicKeyRecordName(domain))),
    ask(dns.txt(protocolRecordName(domain))),
  ]);
  const srvAnswers = { https, http, tcp };
  const used = (['https', 'http', 'tcp'] as const).find((name) => {
    const answer = srvAnswers[name];
    return !('failed' in answer) && orderSrv(answer.records).length > 0;
  });

  const protocolEntry = checkProtocol(domain, protocol, used === 'tcp');
  // The protocol TXT matters only with the legacy SRV: unanswered, it stops nothing else.
  const protocolOk = protocolEntry.ok || ('failed' in protocol && used !== 'tcp');
  const srvEntries = await Promise.all(
    (['https', 'http', 'tcp'] as const).map((name) =>
      checkSrv(dns, domain, name, srvAnswers[name], used, protocolEntry.ok ? legacyProtocol(protocol) : 'protocol TXT invalid or unanswered'),
    ),
  );
  const keyEntry = checkKey(domain, key, options);
  const entries = [...srvEntries, keyEntry, protocolEntry];

  const usedEntry = used && srvEntries[['https', 'http', 'tcp'].indexOf(used)]!;
  let url: string | undefined;
  if (used && usedEntry?.ok && protocolOk) {
    const [first] = orderSrv((srvAnswers[used] as DnsAnswer<SrvData>).records);
    try {
      url = srvUrl(used === 'tcp' ? legacyProtocol(protocol) : used, first!);
    } catch {
      url = undefined; // a target no URL can have; its SRV entry already says what is wrong
    }
  }
  const answers = [https, http, tcp, key, protocol];
  // One source for "not checked": the entries say it, including an SRV whose targets could not be looked up.
  const unanswered = entries.filter((entry) => entry.couldNotCheck).map((entry) => entry.record);
  const attempts = [...new Set(answers.flatMap((answer) => ('failed' in answer ? answer.attempts : [])))];
  return {
    domain,
    ok: url !== undefined && keyEntry.ok,
    ...(url ? { url } : {}),
    entries,
    unanswered,
    ...(answers.every((answer) => 'failed' in answer) ? { noAnswer: `no answer from ${attempts.join('; ')}` } : {}),
  };
}

function legacyProtocol(answer: Answer<string[]>): 'http' | 'https' {
  if ('failed' in answer) return 'https';
  const reading = readProtocolRecord(answer);
  return reading.ok ? reading.protocol : 'https';
}

async function checkSrv(
  dns: DnsClient,
  domain: string,
  protocol: SrvProtocol,
  answer: Answer<SrvData>,
  used: SrvProtocol | undefined,
  legacy: string,
): Promise<DnsCheckEntry> {
  const name = srvRecordName(domain, protocol);
  const base = { record: `srv-${protocol}` as DnsCheckRecord, name, type: 'SRV' as const };
  const example = `${name}. 3600 IN SRV 10 5 ${protocol === 'http' ? 80 : 443} ${domain}.`;
  if ('failed' in answer) {
    return { ...base, ok: false, found: `no answer (${answer.failed})`, expected: 'an answer from DNS', fix: 'check that the DNS server is reachable and answers', couldNotCheck: true };
  }
  const records = orderSrv(answer.records);
  if (records.length === 0) {
    const found = answer.status === 'nxdomain' ? 'no record (NXDOMAIN)' : answer.records.length > 0 ? 'only "." targets (service not offered)' : 'no record';
    if (protocol === 'https') {
      return used
        ? { ...base, ok: true, found, expected: `optional while _rocketchat._${used} is used; recommended, so peers talk to you over HTTPS` }
        : { ...base, ok: false, found, expected: 'an SRV record pointing at your chat server', fix: `add ${example}  (priority weight port host)` };
    }
    return { ...base, ok: true, found, expected: protocol === 'http' ? 'not needed' : 'not needed (legacy form)' };
  }

  const found = records.map((record) => `${record.priority} ${record.weight} ${record.port} ${record.target}.`).join(', ');
  const problems: string[] = [];
  let unanswered = 0;
  for (const record of records) {
    if (record.port === 0) problems.push(`port 0 for ${record.target}`);
    try {
      const addresses = await dns.addresses(record.target);
      if (addresses.records.length === 0) problems.push(`${record.target} does not resolve (${addresses.status === 'nxdomain' ? 'NXDOMAIN' : 'no A/AAAA record'})`);
    } catch (error) {
      if (!(error instanceof DnsQueryFailed)) throw error;
      problems.push(`${record.target} could not be looked up (${error.message})`);
      unanswered++;
    }
  }
  const role = used === protocol ? (protocol === 'tcp' ? `used (legacy form, ${legacy})` : 'used') : `not used: _rocketchat._${used} comes first`;
  const expected = `SRV records whose targets resolve to your chat server (${role})`;
  if (problems.length > 0) {
    return {
      ...base,
      ok: false,
      found: `${found}; ${problems.join('; ')}`,
      expected,
      fix: `give each target an A/AAAA record, or point the SRV record at a host name that has one (e.g. ${example})`,
      ...(unanswered === problems.length ? { couldNotCheck: true } : {}),
    };
  }
  const note = protocol === 'http' && used === 'http' ? ' (plain HTTP: consider _rocketchat._https)' : '';
  return { ...base, ok: true, found: `${found}${note}`, expected };
}

function checkProtocol(domain: string, answer: Answer<string[]>, used: boolean): DnsCheckEntry {
  const name = protocolRecordName(domain);
  const base = { record: 'protocol' as const, name, type: 'TXT' as const };
  const expected = used ? '"http" or "https" (https when absent)' : 'only read with the legacy _rocketchat._tcp SRV record';
  if ('failed' in answer) {
    // Not answered is not checked: never ✓, even where the record is optional.
    return { ...base, ok: false, found: `no answer (${answer.failed})`, expected: 'an answer from DNS', couldNotCheck: true, fix: 'check that the DNS server is reachable and answers' };
  }
  const reading = readProtocolRecord(answer);
  if (!reading.ok) {
    return { ...base, ok: false, found: reading.detail, expected: '"http" or "https"', fix: `replace it with ${name}. 3600 IN TXT "https"` };
  }
  return { ...base, ok: true, found: reading.explicit ? `"${reading.protocol}"` : 'no record (https)', expected };
}

function checkKey(domain: string, answer: Answer<string[]>, options: CheckDnsOptions): DnsCheckEntry {
  const name = publicKeyRecordName(domain);
  const base = { record: 'public-key' as const, name, type: 'TXT' as const };
  const expected = options.publicKey
    ? `this server's public key (fingerprint ${formatFingerprint(parseOwnPublicKey(options.publicKey).fingerprint)}), as ONE TXT record`
    : 'one TXT record holding your SPKI public key (PEM), split into strings of at most 255 characters';
  const value = options.publicKey
    ? quoteTxtStrings(splitTxtValue(parseOwnPublicKey(options.publicKey).pem.replace(/\n/g, '')))
    : '"<your public key PEM without line breaks, in strings of at most 255 characters>" "…"';
  const record = `${name}. 3600 IN TXT ${value}`;
  if ('failed' in answer) {
    return { ...base, ok: false, found: `no answer (${answer.failed})`, expected, fix: 'check that the DNS server is reachable and answers', couldNotCheck: true };
  }
  const reading = readKeyRecord(answer.records, { minRsaBits: options.minRsaBits });
  if (!reading.ok) {
    const found =
      reading.problem === 'several-records'
        ? `${answer.records.length} TXT records: ${reading.detail}`
        : reading.problem === 'missing'
          ? answer.status === 'nxdomain' ? 'no record (NXDOMAIN)' : 'no record'
          : reading.detail;
    const fix = {
      missing: `add ${record}`,
      'several-records': `delete the ${answer.records.length} records and add ONE record whose value is several strings: ${record}`,
      'cut-short': `your DNS provider cut the value at 255 characters: enter it as several quoted strings of one record: ${record}`,
      invalid: `replace it with ${record}`,
    }[reading.problem];
    return { ...base, ok: false, found, expected, fix };
  }
  const found = `${describePublicKey(reading.key)} key, fingerprint ${formatFingerprint(reading.key.fingerprint)}`;
  const fingerprint = reading.key.fingerprint;
  if (options.publicKey && parseOwnPublicKey(options.publicKey).fingerprint !== reading.key.fingerprint) {
    return { ...base, ok: false, found: `${found}: not this server's key`, expected, fix: `replace it with ${record}`, fingerprint };
  }
  return { ...base, ok: true, found, expected, fingerprint };
}
