/**
 * The log's leaf: one entry per change to what lookups return, in a canonical text encoding (docs/transparency-log.md).
 *
 *   federation-hub-log-entry/v1
 *   index <n>
 *   time <ISO 8601 UTC with milliseconds>
 *   domain <a-label domain>
 *   action <register|update|remove|revoke>
 *   url <url or ->
 *   fingerprint <lowercase hex SHA-256 of the DER SPKI, or ->
 *   previous <index of the domain's previous entry, or ->
 *   reason <JSON string, or ->
 *   key <base64 of the DER SPKI, or ->
 *
 * Every line ends in "\n"; numbers are decimal without leading zeros. register/update carry url, fingerprint and
 * key (what lookups answer from then on); remove/revoke carry none of them ("-"); only revoke carries a reason.
 * The reason is a JSON string so that an operator's free text stays on one line and cannot forge other lines.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { LogVerificationError } from './errors.js';

export const LOG_ENTRY_FORMAT = 'federation-hub-log-entry/v1';
export const LOG_ACTIONS = ['register', 'update', 'remove', 'revoke'] as const;
export type LogAction = (typeof LOG_ACTIONS)[number];

export interface LogEntry {
  index: number;
  /** ISO 8601 UTC with milliseconds, as Date.prototype.toISOString writes it. */
  time: string;
  domain: string;
  action: LogAction;
  url: string | null;
  /** Lowercase hex SHA-256 of the DER SPKI. */
  fingerprint: string | null;
  previousIndex: number | null;
  reason: string | null;
  /** Canonical SPKI PEM (64-character lines, trailing newline), as the protocol's parsePublicKey writes it. */
  publicKey: string | null;
}

const FIELDS = ['index', 'time', 'domain', 'action', 'url', 'fingerprint', 'previous', 'reason', 'key'] as const;
const NONE = '-';
const NUMBER = /^(0|[1-9][0-9]*)$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The leaf bytes of an entry. Throws TypeError when the entry breaks a rule above (it would not decode). */
export function encodeLogEntry(entry: LogEntry): Buffer {
  const fail = (why: string): never => {
    throw new TypeError(`log entry: ${why}`);
  };
  if (!isIndex(entry.index)) fail('index must be a non-negative integer');
  if (!TIME.test(entry.time) || !sameInstant(entry.time)) fail('time must be ISO 8601 UTC with milliseconds');
  if (!DOMAIN.test(entry.domain)) fail('domain must be a lowercase a-label domain');
  if (!LOG_ACTIONS.includes(entry.action)) fail(`action must be one of ${LOG_ACTIONS.join(', ')}`);
  if (entry.previousIndex !== null && (!isIndex(entry.previousIndex) || entry.previousIndex >= entry.index)) {
    fail('previous must be the index of an earlier entry');
  }
  const carriesRecord = entry.action === 'register' || entry.action === 'update';
  let key = NONE;
  if (carriesRecord) {
    if (!entry.url || /[\s\p{Cc}]/u.test(entry.url) || entry.url === NONE) fail('url must be one word without spaces');
    if (!entry.publicKey) fail(`a ${entry.action} entry needs the public key`);
    const der = derOf(entry.publicKey!);
    if (!der || canonicalPem(der) !== entry.publicKey) fail('publicKey must be a canonical SPKI PEM');
    if (entry.fingerprint !== fingerprint(der!)) fail('fingerprint must be the SHA-256 of the key');
    key = der!.toString('base64');
  } else if (entry.url !== null || entry.publicKey !== null || entry.fingerprint !== null) {
    fail(`a ${entry.action} entry carries no url, key or fingerprint`);
  }
  if (entry.action === 'revoke' ? typeof entry.reason !== 'string' : entry.reason !== null) {
    fail('a revoke entry carries a reason, and only a revoke entry');
  }
  const values: Record<(typeof FIELDS)[number], string> = {
    index: String(entry.index),
    time: entry.time,
    domain: entry.domain,
    action: entry.action,
    url: entry.url ?? NONE,
    fingerprint: entry.fingerprint ?? NONE,
    previous: entry.previousIndex === null ? NONE : String(entry.previousIndex),
    reason: entry.reason === null ? NONE : JSON.stringify(entry.reason),
    key,
  };
  return Buffer.from(`${LOG_ENTRY_FORMAT}\n${FIELDS.map((field) => `${field} ${values[field]}\n`).join('')}`, 'utf8');
}

/** Reads leaf bytes. Strict: throws LogVerificationError unless the bytes are exactly encodeLogEntry's output. */
export function decodeLogEntry(bytes: Uint8Array): LogEntry {
  const bad = (why: string): never => {
    throw new LogVerificationError(`log entry: ${why}`);
  };
  const buffer = Buffer.from(bytes);
  const text = buffer.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buffer)) bad('is not valid UTF-8');
  if (!text.endsWith('\n')) bad('must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== LOG_ENTRY_FORMAT) bad(`must start with "${LOG_ENTRY_FORMAT}"`);
  if (lines.length !== FIELDS.length + 1) bad(`must have exactly the fields ${FIELDS.join(', ')}`);
  const values = {} as Record<(typeof FIELDS)[number], string>;
  FIELDS.forEach((field, i) => {
    const line = lines[i + 1]!;
    if (!line.startsWith(`${field} `)) bad(`line ${i + 2} must be "${field} …"`);
    values[field] = line.slice(field.length + 1);
  });
  const number = (value: string, field: string): number => {
    if (!NUMBER.test(value) || !Number.isSafeInteger(Number(value))) bad(`${field} must be a decimal number`);
    return Number(value);
  };
  const optional = (value: string) => (value === NONE ? null : value);
  let reason: string | null = null;
  if (values.reason !== NONE) {
    try {
      reason = JSON.parse(values.reason) as string;
    } catch {
      bad('reason must be a JSON string');
    }
    if (typeof reason !== 'string') bad('reason must be a JSON string');
  }
  let publicKey: string | null = null;
  if (values.key !== NONE) {
    const der = BASE64.test(values.key) ? Buffer.from(values.key, 'base64') : undefined;
    if (!der || der.toString('base64') !== values.key || !derOf(canonicalPem(der))) bad('key must be the base64 of a DER SPKI');
    publicKey = canonicalPem(der!);
  }
  const entry: LogEntry = {
    index: number(values.index, 'index'),
    time: values.time,
    domain: values.domain,
    action: values.action as LogAction,
    url: optional(values.url),
    fingerprint: optional(values.fingerprint),
    previousIndex: values.previous === NONE ? null : number(values.previous, 'previous'),
    reason,
    publicKey,
  };
  let again: Buffer | undefined;
  try {
    again = encodeLogEntry(entry);
  } catch (error) {
    bad((error as Error).message.replace(/^log entry: /, ''));
  }
  if (!again!.equals(buffer)) bad('is not in its canonical encoding');
  return entry;
}

function isIndex(n: number | null): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function sameInstant(time: string): boolean {
  const date = new Date(time);
  return !Number.isNaN(date.getTime()) && date.toISOString() === time;
}

function derOf(pem: string): Buffer | undefined {
  const armour = /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=\n]+)\n-----END PUBLIC KEY-----\n$/.exec(pem);
  if (!armour) return undefined;
  const der = Buffer.from(armour[1]!.replace(/\n/g, ''), 'base64');
  try {
    // Only the DER that OpenSSL itself writes: another encoding of the same key would change the fingerprint.
    const again = createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
    return again.equals(der) ? der : undefined;
  } catch {
    return undefined;
  }
}

function canonicalPem(der: Buffer): string {
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

function fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}
