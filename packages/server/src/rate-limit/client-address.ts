import { isIP } from 'node:net';

/**
 * A client address as the hub keeps it: a valid IP in one canonical spelling (IPv4-mapped IPv6 `::ffff:192.0.2.1`
 * as the IPv4 address it is, IPv6 in lower case, compressed), or undefined for anything that does not parse as an IP
 * (an `X-Forwarded-For` can carry any string: it must not be stored, mailed or used as a key as it is).
 */
export function canonicalIp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const bare = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const version = isIP(bare);
  if (version === 4) return bare;
  if (version !== 6) return undefined;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  return formatIpv6(groups);
}

/**
 * What per-IP limits count by: an IPv4 address itself, an IPv6 address by its network of `ipv6Prefix` bits
 * (`2001:db8:1:2::/64`), since one subscriber gets a whole /64 and would otherwise have 2^64 identities.
 */
export function rateKey(ip: string, ipv6Prefix: number): string {
  // Asked for every request: an IPv4 address (or "unknown") is its own key, told apart without parsing.
  if (!ip.includes(':') || isIP(ip) !== 6) return ip;
  if (ipv6Prefix >= 128) return ip;
  const groups = ipv6Groups(ip).map((group, index) => {
    const bitsBefore = index * 16;
    if (bitsBefore >= ipv6Prefix) return 0;
    const kept = Math.min(16, ipv6Prefix - bitsBefore);
    return group & (0xffff << (16 - kept)) & 0xffff;
  });
  return `${formatIpv6(groups)}/${ipv6Prefix}`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 part converted). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** RFC 5952 form: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
