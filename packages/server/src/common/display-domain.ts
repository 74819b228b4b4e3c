import { domainToUnicode } from 'node:url';

/**
 * A domain as people read it: `münchen.de (xn--mnchen-3ya.de)` for an internationalised name, the name itself
 * otherwise. Stop-gap until the hardening work's display helper lands; pages and emails call only this, so
 * swapping it is one file. Invalid punycode stays as written (domainToUnicode returns it unchanged).
 */
export function displayDomain(ascii: string): string {
  const unicode = domainToUnicode(ascii);
  return unicode && unicode !== ascii ? `${unicode} (${ascii})` : ascii;
}

/** The host of a URL, for display (IDN-aware like displayDomain). */
export function displayHost(url: string): string {
  try {
    return displayDomain(new URL(url).hostname);
  } catch {
    return url;
  }
}
