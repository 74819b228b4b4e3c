import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { getDomain, getPublicSuffix, parse } from 'tldts';
import { ProtocolError } from './errors.js';

export interface DomainOptions {
  /** Refuse names without a known public suffix (`localhost`, `foo.internal`). Default true. */
  requirePublicSuffix?: boolean;
  /** Field name used in error messages. Default `domain`. */
  field?: string;
}

const MAX_INPUT = 1024;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FORBIDDEN = /[\s\x00-\x1f\x7f@/\\:?#*[\]%,;'"<>|`]/;

/**
 * The canonical form of a domain: lower case, IDN as punycode A-labels, no trailing dot. Refuses anything
 * that is not a registrable host name under a public suffix: IP literals, single labels, wildcards,
 * over-long names and labels, and characters that could smuggle headers into an email.
 */
export function normalizeDomain(input: unknown, options: DomainOptions = {}): string {
  const field = options.field ?? 'domain';
  const fail = (rule: string): never => {
    throw new ProtocolError(field, rule);
  };
  if (typeof input !== 'string') return fail('must be a string');
  if (input.length > MAX_INPUT) return fail('must be at most 253 characters');
  let name = input.trim();
  if (name === '') return fail('must not be empty');
  if (name.startsWith('[') || isIP(name) !== 0 || isIP(name.replace(/\.$/, '')) !== 0) {
    return fail('must be a domain name, not an IP address');
  }
  if (FORBIDDEN.test(name)) return fail('must be a plain domain name (letters, digits, hyphens and dots only)');
  if (name.endsWith('.')) name = name.slice(0, -1);
  const ascii = domainToASCII(name.toLowerCase());
  if (ascii === '') return fail('is not a valid (internationalised) domain name');
  if (ascii.length > 253) return fail('must be at most 253 characters');
  const labels = ascii.split('.');
  if (labels.length < 2) return fail('must have at least two labels (like example.com)');
  for (const label of labels) {
    if (label.length === 0) return fail('must not contain empty labels (two dots in a row)');
    if (label.length > 63) return fail(`label "${label.slice(0, 20)}…" is longer than 63 characters`);
    if (!LABEL.test(label)) return fail(`label "${label}" may contain only a-z, 0-9 and inner hyphens`);
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return fail('must be a domain name, not an IP address');
  if (options.requirePublicSuffix ?? true) {
    const parsed = parse(ascii, { allowPrivateDomains: false });
    if (!parsed.isIcann) return fail(`"${ascii}" is not under a public suffix (like .com or .org)`);
    if (parsed.domain === null || getPublicSuffix(ascii) === ascii) {
      return fail(`"${ascii}" is a public suffix itself; register a name under it`);
    }
  }
  return ascii;
}

/** The domain itself and each parent down to the registrable domain: chat.example.com → [chat.example.com, example.com]. */
export function contactDomains(domain: string): string[] {
  const registrable = getDomain(domain, { allowPrivateDomains: false }) ?? domain;
  const domains: string[] = [];
  let current = domain;
  for (;;) {
    domains.push(current);
    if (current === registrable || !current.includes('.')) break;
    current = current.slice(current.indexOf('.') + 1);
  }
  return domains;
}

export function defaultContact(domain: string, allowedLocalParts: string[]): string {
  return `${allowedLocalParts[0] ?? 'webmaster'}@${domain}`;
}

/** A registrant-chosen mailbox: an allowed role name at the domain or one of its parents. */
export function normalizeContact(input: unknown, domain: string, allowedLocalParts: string[]): string {
  if (typeof input !== 'string') throw new ProtocolError('contact', 'must be a string');
  const at = input.lastIndexOf('@');
  const allowedHosts = contactDomains(domain);
  const hint = `one of ${allowedLocalParts.join(', ')} at ${allowedHosts.join(' or ')}`;
  if (at <= 0) throw new ProtocolError('contact', `must be an email address: ${hint}`);
  const local = input.slice(0, at).trim().toLowerCase();
  let host: string;
  try {
    host = normalizeDomain(input.slice(at + 1), { field: 'contact' });
  } catch {
    throw new ProtocolError('contact', `must be ${hint}`);
  }
  if (!allowedLocalParts.includes(local)) throw new ProtocolError('contact', `mailbox "${local}" is not allowed; use ${hint}`);
  if (!allowedHosts.includes(host)) throw new ProtocolError('contact', `must be at the domain or a parent of it: ${hint}`);
  return `${local}@${host}`;
}
