/** DNS names of the federation records (see the Rocket.Chat federation guide). */
export type SrvProtocol = 'https' | 'http' | 'tcp';

export function srvRecordName(domain: string, protocol: SrvProtocol): string {
  return `_rocketchat._${protocol}.${domain}`;
}

export function publicKeyRecordName(domain: string): string {
  return `rocketchat-public-key.${domain}`;
}

export function protocolRecordName(domain: string): string {
  return `rocketchat-tcp-protocol.${domain}`;
}

/**
 * One TXT value as the strings of one record, each at most `max` characters: DNS caps a string at 255 octets, and
 * readers concatenate the strings of a record. (Several *records* would come back in no particular order.)
 */
export function splitTxtValue(value: string, max = 255): string[] {
  if (!Number.isInteger(max) || max < 1 || max > 255) throw new RangeError('max must be an integer from 1 to 255');
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += max) parts.push(value.slice(i, i + max));
  return parts;
}

/** The strings of a TXT record in zone-file syntax: `"abc" "def"`, ready to paste into a DNS provider's form. */
export function quoteTxtStrings(strings: string[]): string {
  return strings.map((part) => `"${part.replace(/["\\]/g, '\\$&')}"`).join(' ');
}
