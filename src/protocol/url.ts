import { ProtocolError } from './errors.js';

const MAX_URL = 2048;

/**
 * The canonical base URL of a chat server: http(s) only, no credentials, query or fragment, default port
 * dropped, no trailing slash (`https://Chat.Example.com:443/` → `https://chat.example.com`).
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
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('must be an absolute URL like https://chat.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('must use http or https');
  if (url.username || url.password) return fail('must not contain credentials');
  if (url.hash || raw.includes('#')) return fail('must not contain a fragment (#…)');
  if (url.search || raw.includes('?')) return fail('must not contain a query string (?…)');
  if (!url.hostname) return fail('must name a host');
  return url.toString().replace(/\/+$/, '');
}
