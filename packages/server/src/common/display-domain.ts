import { displayDomain as bothForms } from '@federation-hub/client/protocol';

/**
 * A domain as people read it in pages and emails: `münchen.de (xn--mnchen-3ya.de)` for an internationalised name,
 * the name itself otherwise. The two forms come from the protocol rules (displayDomain there); this is the wording.
 */
export function displayDomain(ascii: string): string {
  const { unicode } = bothForms(ascii);
  return unicode !== ascii ? `${unicode} (${ascii})` : ascii;
}

/** The host of a URL, for display (IDN-aware like displayDomain). */
export function displayHost(url: string): string {
  try {
    return displayDomain(new URL(url).hostname);
  } catch {
    return url;
  }
}
