import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { getDomain, parse } from 'tldts';
import { ProtocolError } from './errors.js';
import { mixedScripts } from './mixed-script.js';

export interface DomainOptions {
  /** Refuse names without a known public suffix (`localhost`, `foo.local`, `example.internal`). Default true. */
  requirePublicSuffix?: boolean;
  /** Field name used in error messages. Default `domain`. */
  field?: string;
  /**
   * Accept labels that mix scripts beyond UTS #39's "Moderately Restrictive" level (a Cyrillic `а` among Latin letters).
   * Default false: such names are refused (mixed-script.ts).
   */
  allowMixedScript?: boolean;
}

// Longer input is refused before any work is spent on it (punycode conversion, suffix lookup).
const MAX_INPUT = 1024;
const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const CONTROL_OR_SPACE = /[\s\x00-\x1f\x7f\u0085\u00a0\u2028\u2029]/;
// Characters that show the input is a URL, an email address or a mail-header injection attempt rather than a name.
const URL_SYNTAX = /[/:?#\\]/;

/**
 * The canonical form of a domain: lower case, IDN as punycode A-labels, no trailing dot. Refuses anything that is
 * not a host name someone can own under a public suffix: IP literals, single labels, wildcards, public suffixes
 * themselves, over-long names and labels, and characters that could smuggle headers into an email.
 * Every refusal is a ProtocolError naming the rule, so the hub can answer it and the CLI can print it as is.
 */
export function normalizeDomain(input: unknown, options: DomainOptions = {}): string {
  const field = options.field ?? 'domain';
  const fail = (rule: string): never => {
    throw new ProtocolError(field, rule);
  };
  if (typeof input !== 'string') return fail('must be a string');
  if (input.length > MAX_INPUT) return fail(`must be at most ${MAX_NAME} characters`);
  let name = input.trim();
  if (name === '') return fail('must not be empty');
  if (CONTROL_OR_SPACE.test(name)) return fail('must not contain spaces or control characters');
  if (isIpLiteral(name)) return fail('must not be an IP address');
  if (name.includes('@')) return fail('must be a domain name, not an email address');
  if (URL_SYNTAX.test(name)) return fail('must be a bare domain name, without scheme, port or path (like chat.example.com)');
  if (name.includes('*')) return fail('must not contain wildcards (*)');
  if (name.endsWith('.')) name = name.slice(0, -1);
  // A numeric last label is never a TLD: `1.2.3` and `0x7f.1` are IPv4 shorthand to URL parsers and resolvers.
  if (/^(?:\d+|0x[0-9a-f]*)$/i.test(name.slice(name.lastIndexOf('.') + 1))) return fail('must not be an IP address');

  const ascii = domainToASCII(name.toLowerCase());
  if (ascii === '' || !decodesAsIdna(ascii)) return fail('is not a valid domain name (IDNA conversion failed)');
  if (ascii.length > MAX_NAME) return fail(`must be at most ${MAX_NAME} characters`);
  const labels = ascii.split('.');
  if (labels.some((label) => label === '')) return fail('must not contain empty labels (two dots in a row)');
  if (labels.length < 2) return fail('must have at least two labels (like example.com)');
  for (const label of labels) {
    if (label.length > MAX_LABEL) return fail(`label "${label.slice(0, 20)}…" is longer than ${MAX_LABEL} characters`);
    if (!LABEL.test(label)) {
      return fail(`label "${label}" may contain only letters, digits and hyphens, and must not start or end with a hyphen`);
    }
    if (!options.allowMixedScript && label.startsWith('xn--')) {
      const unicode = domainToUnicode(label);
      const scripts = mixedScripts(unicode);
      if (scripts) {
        return fail(
          `label "${unicode}" (${label}) mixes ${scripts.join(' and ')} characters; a label may be in one script, or Latin ` +
            'with one other script except Cyrillic and Greek (UTS #39 moderately restrictive)',
        );
      }
    }
  }

  const parsed = parse(ascii, { allowPrivateDomains: false });
  if (parsed.isIcann && parsed.domain === null) return fail(`"${ascii}" is a public suffix itself; use a name under it`);
  if ((options.requirePublicSuffix ?? true) && !parsed.isIcann) {
    return fail(`"${ascii}" is not under a public suffix (like .com or .org)`);
  }
  return ascii;
}

/**
 * Every A-label ("xn--…") must be valid punycode. Node's URL parser checks that in some versions and passes the label
 * through unchanged in others (Node 24), so the rule is checked here: a label that does not decode stays "xn--".
 */
function decodesAsIdna(ascii: string): boolean {
  if (!ascii.includes('xn--')) return true;
  const unicode = domainToUnicode(ascii);
  return unicode !== '' && !unicode.split('.').some((label) => label.startsWith('xn--')) && domainToASCII(unicode) === ascii;
}

function isIpLiteral(name: string): boolean {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name.replace(/\.$/, '');
  return name.startsWith('[') || isIP(bare) !== 0;
}

/**
 * A canonical (ASCII) domain as people should see it: the Unicode form to read, and the punycode form that is what
 * is really registered, e.g. `{ unicode: 'bücher.example', ascii: 'xn--bcher-kva.example' }`. For an ASCII-only
 * name both are the same. Pages and emails show both for a non-ASCII name, so that a look-alike cannot hide.
 */
export function displayDomain(ascii: string): { unicode: string; ascii: string } {
  if (!ascii.includes('xn--')) return { unicode: ascii, ascii };
  const unicode = domainToUnicode(ascii);
  return { unicode: unicode === '' ? ascii : unicode, ascii };
}

/**
 * Where a domain's confirmation email may go: the domain itself and each parent down to the registrable domain
 * (chat.example.com → [chat.example.com, example.com]); never the public suffix, which nobody owns.
 */
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

/** The mailbox used when a registrant names none: the first allowed role name at the domain itself. */
export function defaultContact(domain: string, allowedLocalParts: string[]): string {
  return `${allowedLocalParts[0] ?? 'webmaster'}@${domain}`;
}

/**
 * A registrant-chosen mailbox: an allowed role name (webmaster, hostmaster, …) at the domain or one of its parents.
 * Role names only, because only the domain's operator reads them: that is what makes the email a proof of control.
 */
export function normalizeContact(input: unknown, domain: string, allowedLocalParts: string[]): string {
  if (typeof input !== 'string') throw new ProtocolError('contact', 'must be a string');
  const allowedHosts = contactDomains(domain);
  const hint = `one of ${allowedLocalParts.join(', ')} at ${allowedHosts.join(' or ')}`;
  const at = input.lastIndexOf('@');
  if (at <= 0) throw new ProtocolError('contact', `must be an email address: ${hint}`);
  const local = input.slice(0, at).trim().toLowerCase();
  let host: string;
  try {
    host = normalizeDomain(input.slice(at + 1), { field: 'contact', requirePublicSuffix: false });
  } catch {
    throw new ProtocolError('contact', `must be ${hint}`);
  }
  if (!allowedLocalParts.includes(local)) throw new ProtocolError('contact', `mailbox ${JSON.stringify(local.slice(0, 64))} is not allowed; use ${hint}`);
  if (!allowedHosts.includes(host)) throw new ProtocolError('contact', `must be at the domain or a parent of it: ${hint}`);
  return `${local}@${host}`;
}
