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

/** One TXT value as strings of at most `max` characters (DNS caps a string at 255). */
export function splitTxtValue(value: string, max = 255): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += max) parts.push(value.slice(i, i + max));
  return parts;
}
