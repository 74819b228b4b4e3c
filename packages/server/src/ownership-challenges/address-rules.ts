import { BlockList, isIP } from 'node:net';

/**
 * The address ranges an ownership check must never reach unless ALLOW_PRIVATE_NETWORK_CHECKS is on: a registrant
 * chooses the name the hub fetches, so without this rule the hub could be aimed at its own host, its network or a
 * cloud metadata service. Names are what a finding says ("10.0.0.1 is private").
 */
const RANGES: Array<[name: string, family: 'ipv4' | 'ipv6', network: string, prefix: number]> = [
  // IPv4-mapped (and the deprecated IPv4-compatible/translated forms) first: they carry an IPv4 address inside IPv6.
  ['IPv4-mapped', 'ipv6', '::ffff:0:0', 96],
  ['IPv4-translated', 'ipv6', '::ffff:0:0:0', 96],
  ['IPv4-translated', 'ipv6', '64:ff9b::', 96],
  ['IPv4-translated', 'ipv6', '64:ff9b:1::', 48],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['IPv4-compatible', 'ipv6', '::', 96],
  ['private', 'ipv6', 'fc00::', 7],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['site-local', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
  ['documentation', 'ipv6', '2001:db8::', 32],
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['shared (carrier-grade NAT)', 'ipv4', '100.64.0.0', 10],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved (IETF protocol assignments)', 'ipv4', '192.0.0.0', 24],
  ['documentation', 'ipv4', '192.0.2.0', 24],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['benchmarking', 'ipv4', '198.18.0.0', 15],
  ['documentation', 'ipv4', '198.51.100.0', 24],
  ['documentation', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4],
];

const LISTS = RANGES.map(([name, family, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { name, family, list };
});

/** Why `address` may not be checked ("loopback", "private", …), or null when it is a public unicast address. */
export function forbiddenRange(address: string): string | null {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  // BlockList would also match an IPv4-mapped IPv6 address against IPv4 rules; the ranges above name it first.
  for (const { name, family: listFamily, list } of LISTS) {
    if (listFamily === family && list.check(address, family)) return name;
  }
  return null;
}
