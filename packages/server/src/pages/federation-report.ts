import type { DnsCheckEntry, DnsCheckReport, HubCheck } from '@federation-hub/client';

/**
 * The federation tester's verdict, built from the client library's own checks (checkDns, checkHub) so that the
 * page, its JSON twin and `federation-hub check` judge a set-up alike. Pure: no network, unit-tested directly.
 */

/**
 * ok; wrong (a fix is needed); could-not-check (DNS or the hub gave no answer: nothing is known); not-registered (the
 * hub row only: the hub has no registration, which is fine when DNS works).
 */
export type RowStatus = 'ok' | 'wrong' | 'could-not-check' | 'not-registered';
/** How peers can reach the server: by DNS and the hub, by one of them, not at all, or unknown (nothing answered). */
export type Verdict = 'dns-and-hub' | 'dns' | 'hub' | 'none' | 'could-not-check';

export interface ReportRow {
  record: string;
  name: string;
  type: 'SRV' | 'TXT' | 'hub';
  status: RowStatus;
  found: string;
  expected: string;
  /** The change to make, in words, absent when there is none. */
  fix?: string;
  /** The record to put in the zone, in zone-file syntax, when the fix is a record. */
  zone_line?: string;
}

export interface Agreement {
  status: 'agree' | 'differ' | 'not-comparable';
  /** Same URL? null when one side gives none. */
  url: boolean | null;
  /** Same key? null when one side gives none. */
  key: boolean | null;
  detail: string;
}

export interface FederationTestReport {
  domain: string;
  checked_at: string;
  verdict: Verdict;
  summary: string;
  reachable: { dns: boolean; hub: boolean };
  dns: { ok: boolean; url: string | null; fingerprint: string | null; entries: ReportRow[] };
  hub: { url: string; ok: boolean; peer_url: string | null; fingerprint: string | null; row: ReportRow };
  agreement: Agreement;
}

function status(check: { ok: boolean; couldNotCheck?: boolean }): RowStatus {
  // couldNotCheck first: a record DNS did not answer for is not known to be right either (the protocol TXT is
  // "ok" when unused, whatever DNS said).
  return check.couldNotCheck ? 'could-not-check' : check.ok ? 'ok' : 'wrong';
}

/** Splits "add NAME. 3600 IN SRV …  (priority weight port host)" into its words and its zone-file line. */
export function splitFix(fix: string | undefined, name: string): { fix?: string; zone_line?: string } {
  if (fix === undefined) return {};
  const start = fix.indexOf(`${name}. `);
  if (start < 0) return { fix };
  let words = fix.slice(0, start).trim();
  let line = fix.slice(start).trim();
  const note = /\s{2}\(([^)]*)\)$/.exec(line);
  if (note) {
    line = line.slice(0, note.index).trim();
    words = `${words} (${note[1]})`;
  } else if (words.endsWith('(e.g.') && line.endsWith(')')) {
    line = line.slice(0, -1);
    words = `${words.slice(0, -'(e.g.'.length).trim()}, for example:`;
  }
  return { fix: words.replace(/:$/, '') + ':', zone_line: line };
}

function dnsRow(entry: DnsCheckEntry): ReportRow {
  const row: ReportRow = { record: entry.record, name: entry.name, type: entry.type, status: status(entry), found: entry.found, expected: entry.expected };
  // A record that could not be checked needs no fix from the webmaster: asking again later is all there is to do.
  if (row.status === 'wrong') Object.assign(row, splitFix(entry.fix, entry.name));
  return row;
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

function agreement(dnsUrl: string | null, dnsKey: string | null, hub: HubCheck): Agreement {
  const hubUrl = hub.url ?? null;
  const hubKey = hub.fingerprint ?? null;
  const dnsGives = dnsUrl !== null && dnsKey !== null;
  const hubGives = hubUrl !== null && hubKey !== null;
  if (!dnsGives || !hubGives) {
    const detail = dnsGives
      ? 'Nothing to compare: only DNS gives a URL and a key; the hub has no registration.'
      : hubGives
        ? 'Nothing to compare: only the hub gives a URL and a key; DNS gives no usable URL and key.'
        : 'Nothing to compare: neither DNS nor the hub gives a URL and a key.';
    return { status: 'not-comparable', url: null, key: null, detail };
  }
  const url = sameUrl(dnsUrl, hubUrl);
  const key = dnsKey === hubKey;
  if (url && key) return { status: 'agree', url, key, detail: `DNS and the hub agree: ${dnsUrl}, same key.` };
  const differences = [
    ...(url ? [] : [`DNS says ${dnsUrl}, the hub says ${hubUrl}`]),
    ...(key ? [] : ['DNS and the hub publish different keys']),
  ];
  return {
    status: 'differ',
    url,
    key,
    detail: `DNS and the hub disagree: ${differences.join('; ')}. Peers that use DNS and peers that use the hub reach different servers or keys: update the one that is out of date.`,
  };
}

function summaryOf(verdict: Verdict, dnsUnknown: boolean, hubUnknown: boolean): string {
  switch (verdict) {
    case 'dns-and-hub':
      return 'Peers can reach this server by DNS and through the hub.';
    case 'dns':
      return hubUnknown
        ? 'Peers can reach this server by DNS. (The hub could not be asked.)'
        : 'Peers can reach this server by DNS. The hub does not know it, which is fine: DNS is enough.';
    case 'hub':
      return dnsUnknown
        ? 'Peers can reach this server through the hub. Its DNS records could not be checked: the DNS servers did not answer.'
        : 'Peers can reach this server through the hub only: its DNS set-up does not work (see the fixes below).';
    case 'could-not-check':
      if (!dnsUnknown) return 'Could not check the hub: it did not answer. The DNS set-up does not work (see the fixes below).';
      return 'Could not check: the DNS servers did not answer, so nothing is known about this set-up. This does not mean it is wrong; try again in a minute.';
    case 'none':
      return 'Peers cannot reach this server: neither DNS nor the hub gives its URL and key. Apply the fixes below.';
  }
}

export function buildReport(dns: DnsCheckReport, hub: HubCheck, publicHubUrl: string, checkedAt: Date): FederationTestReport {
  const entries = dns.entries.map(dnsRow);
  const dnsUrl = dns.ok ? (dns.url ?? null) : null;
  const keyEntry = dns.entries.find((entry) => entry.record === 'public-key');
  const dnsKey = dns.ok ? (keyEntry?.fingerprint ?? null) : null;
  const dnsUnknown = !dns.ok && entries.some((row) => row.status === 'could-not-check');
  const hubRow: ReportRow = {
    record: 'hub',
    name: publicHubUrl,
    type: 'hub',
    status: !hub.ok && !hub.couldNotCheck && hub.url === undefined ? 'not-registered' : status(hub),
    found: hub.found,
    expected: hub.expected,
    ...(hub.ok || hub.couldNotCheck || hub.fix === undefined ? {} : { fix: hub.fix }),
  };
  const verdict: Verdict =
    dns.ok && hub.ok ? 'dns-and-hub' : dns.ok ? 'dns' : hub.ok ? 'hub' : dnsUnknown || hub.couldNotCheck ? 'could-not-check' : 'none';
  return {
    domain: dns.domain,
    checked_at: checkedAt.toISOString(),
    verdict,
    summary: summaryOf(verdict, dnsUnknown, hub.couldNotCheck === true),
    reachable: { dns: dns.ok, hub: hub.ok },
    dns: { ok: dns.ok, url: dnsUrl, fingerprint: dnsKey, entries },
    hub: { url: publicHubUrl, ok: hub.ok, peer_url: hub.url ?? null, fingerprint: hub.fingerprint ?? null, row: hubRow },
    agreement: agreement(dnsUrl, dnsKey, hub),
  };
}
