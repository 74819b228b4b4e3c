import { fingerprintOf, normalizePeerUrl, type ParsedPublicKey, parsePublicKey, ProtocolError } from './protocol/index.js';
import type { DnsAnswer, SrvData } from './dns/client.js';

/**
 * How the federation's DNS records are read. Shared by resolve() and checkDns(), so that the check reports exactly
 * what resolution will do with a record.
 */

export interface KeyReadingOptions {
  minRsaBits?: number;
}

export type KeyReading =
  | { ok: true; key: ParsedPublicKey; value: string }
  | { ok: false; problem: 'missing' | 'several-records' | 'cut-short' | 'invalid'; detail: string };

const END_MARKER = '-----END PUBLIC KEY-----';
/** The size at which DNS providers cut a TXT value that was entered as one long string. */
const TXT_STRING_LIMIT = 255;

/** TXT `rocketchat-public-key.<domain>`: one record; its strings are concatenated, then parsed like the hub does. */
export function readKeyRecord(records: string[][], options: KeyReadingOptions = {}): KeyReading {
  if (records.length === 0) return { ok: false, problem: 'missing', detail: 'no TXT record holds the public key' };
  const parse = (value: string) =>
    parsePublicKey(value, { minRsaBits: options.minRsaBits, requiredBy: { who: 'this client', setting: 'minRsaBits' } });
  if (records.length > 1) {
    const complete = records.filter((strings) => {
      try {
        parse(strings.join(''));
        return true;
      } catch {
        return false;
      }
    }).length;
    return {
      ok: false,
      problem: 'several-records',
      detail:
        complete === records.length
          ? `${records.length} TXT records each hold a key; keep exactly one`
          : `the key is split into ${records.length} TXT records; DNS returns records in no set order, so it must be ONE record made of several strings`,
    };
  }
  const strings = records[0]!;
  const value = strings.join('');
  try {
    return { ok: true, key: parse(value), value };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    // A key that decodes but breaks a rule (too small, wrong curve) is not cut short, whatever its string sizes.
    const cut =
      !decodes(value) &&
      ((value.includes('BEGIN PUBLIC KEY') && !value.includes(END_MARKER)) ||
        value.length === TXT_STRING_LIMIT ||
        strings.some((part) => part.length === TXT_STRING_LIMIT));
    if (cut) {
      return {
        ok: false,
        problem: 'cut-short',
        detail: `the key is cut short (${value.length} characters${value.includes(END_MARKER) ? '' : `, no ${END_MARKER}`}): the DNS provider truncated it at ${TXT_STRING_LIMIT} characters`,
      };
    }
    return { ok: false, problem: 'invalid', detail: error.rule };
  }
}

function decodes(value: string): boolean {
  try {
    fingerprintOf(value);
    return true;
  } catch {
    return false;
  }
}

export type ProtocolReading =
  | { ok: true; protocol: 'http' | 'https'; explicit: boolean }
  | { ok: false; detail: string };

/** TXT `rocketchat-tcp-protocol.<domain>` for the legacy SRV: `http` or `https`, https when absent. */
export function readProtocolRecord(answer: DnsAnswer<string[]>): ProtocolReading {
  if (answer.records.length === 0) return { ok: true, protocol: 'https', explicit: false };
  if (answer.records.length > 1) return { ok: false, detail: `${answer.records.length} TXT records; there must be one, "http" or "https"` };
  const value = answer.records[0]!.join('').trim().toLowerCase();
  if (value === 'http' || value === 'https') return { ok: true, protocol: value, explicit: true };
  return { ok: false, detail: `value ${JSON.stringify(answer.records[0]!.join('').slice(0, 40))} is neither "http" nor "https"` };
}

/** The peer's base URL from an SRV target; throws ProtocolError for a target or port no URL can have. */
export function srvUrl(protocol: 'http' | 'https', record: SrvData): string {
  if (record.port === 0) throw new ProtocolError('SRV', `port 0 for ${record.target} is not a port a server can listen on`);
  return normalizePeerUrl(`${protocol}://${record.target}:${record.port}`, 'SRV target');
}
