import { ProtocolError } from './errors.js';

const MAX_URL = 2048;

/**
 * The canonical base URL of a chat server: http(s) only, no credentials, query or fragment, default port dropped,
 * host lower-cased (IDN as punycode, by the WHATWG parser) and no trailing slash
 * (`https://Chat.Example.com:443/` → `https://chat.example.com`). Peers append API paths to it, which is why a
 * query or fragment can never be part of it. Host names and IP addresses are both allowed here: a server may
 * legitimately be reached by address, unlike the domain it is registered under.
 */
export function normalizePeerUrl(input: unknown, field = 'url'): string {
  const fail = (rule: string): never => {
    throw new ProtocolError(field, rule);
  };
  if (typeof input !== 'string') return fail('must be a string');
  const raw = input.trim();
  if (raw.length === 0) return fail('must not be empty');
  if (raw.length > MAX_URL) return fail(`must be at most ${MAX_URL} characters`);
  if (/[\s\x00-\x1f\x7f]/.test(raw)) return fail('must not contain spaces or control characters');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return fail('must use http or https');
  if (!/^https?:\/\/[^/]/i.test(raw)) return fail('must be an absolute URL like https://chat.example.com');
  if (raw.includes('\\')) return fail('must not contain backslashes');
  // The WHATWG parser silently drops an empty userinfo (`https://@host`), so look at the raw authority too.
  if (/^https?:\/\/[^/?#]*@/i.test(raw)) return fail('must not contain credentials');
  if (raw.includes('#')) return fail('must not contain a fragment (#…)');
  if (raw.includes('?')) return fail('must not contain a query string (?…)');

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('is not a valid URL (check the host name and the port)');
  }
  if (!url.hostname) return fail('must name a host');
  if (url.port === '0') return fail('port must be between 1 and 65535');
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  const normalized = url.toString().replace(/\/+$/, '');
  if (normalized.length > MAX_URL) return fail(`must be at most ${MAX_URL} characters`);
  return normalized;
}
