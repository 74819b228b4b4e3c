import { groupFingerprint } from '@federation-hub/client/protocol';
import { html, type SafeHtml } from './html.js';

/**
 * The facts pages and emails show, worded once: dates in words with their time zone, fingerprints in groups that
 * break only between groups, and whether a server URL leaves the domain being confirmed.
 */

const IN_WORDS = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** `Tuesday, 1 December 2026 at 11:42 UTC`. */
export function dateInWords(date: Date): string {
  return IN_WORDS.format(date);
}

/** The date in words, with the exact instant machine-readable. */
export function timeElement(date: Date): SafeHtml {
  return html`<time datetime="${date.toISOString()}">${dateInWords(date)}</time>`;
}

/** `AB:CD:…` in eight groups of four bytes: `AB:CD:EF:01 23:45:67:89 …` (the protocol's one grouping rule). */
export const fingerprintGroups = groupFingerprint;

/** The grouped fingerprint; each group is kept on one line, so a narrow screen breaks it only between groups. */
export function fingerprintHtml(hex: string): SafeHtml {
  return html`<code class="fp">${fingerprintGroups(hex).map((group, index) => html`${index > 0 ? ' ' : ''}<span>${group}</span>`)}</code>`;
}

/** Prints the same SHA-256 fingerprint, grouped the same way, from the server's key file (public or private). */
export const FINGERPRINT_COMMAND = 'federation-hub fingerprint federation-public.pem';
/** The same bytes with nothing but OpenSSL (lower case, colons only). */
export const OPENSSL_FINGERPRINT_COMMAND = 'openssl pkey -pubin -in federation-public.pem -outform DER | openssl dgst -sha256 -c';

/** True when the URL's host is neither the domain nor one of its subdomains: peers would be sent elsewhere. */
export function urlLeavesDomain(url: string, domain: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return true;
  }
  return host !== domain && !host.endsWith(`.${domain}`);
}
