import { checkDns, checkHub, type DnsCheckReport, type HubCheck, proofKeys } from '../../index.js';
import { EXIT, intOption, LOOKUP_OPTIONS, parse, timeoutOption } from '../args.js';
import type { Command, Io } from '../command.js';
import { hubJwksOption, readTextFile } from '../files.js';
import { reportFailure } from '../failure.js';

const OPTIONS = {
  ...LOOKUP_OPTIONS,
  'public-key-file': { type: 'string' },
} as const;

export const checkCommand: Command = {
  name: 'check',
  summary: "check a server's own federation set-up (DNS records, hub registration)",
  help: `Usage: federation-hub check <domain> [--dns host:port]... [--hub URL] [--public-key-file F]

Checks every federation record of <domain> and prints one ✓/✗ line per record, with the exact fix:
SRV _rocketchat._https, _rocketchat._http and legacy _rocketchat._tcp (do their targets resolve?),
TXT rocketchat-public-key (one record, not cut short at 255 characters, a valid key) and
TXT rocketchat-tcp-protocol ("http" or "https"). With --hub, also whether the hub knows the domain.

Options:
  --dns host:port        DNS server to ask (repeatable); default: the system's resolvers
  --hub URL              also ask this hub whether it knows the domain
  --public-key-file F    this server's public key: DNS and the hub must publish this one
  --hub-jwks URL|FILE    verify the hub's signed answer against this JWKS
  --min-rsa-bits N       smallest RSA key accepted (default 2048)
  --timeout MS           deadline of each network step (default 3000)
  --json                 print the report as JSON: {dns, hub, works}
  -h, --help             this help

Exit: 0 the set-up works (peers can resolve the domain through DNS, or through the hub)
      1 it does not · 2 usage error, or could not check (DNS did not answer)

Example:
  federation-hub check chat.example.com --hub https://hub.example.org --public-key-file public.pem`,

  async run(argv, io) {
    try {
      const { values, positionals } = parse(argv, OPTIONS, 1);
      const timeoutMs = timeoutOption(values.timeout);
      const publicKey = values['public-key-file'] === undefined ? undefined : readTextFile(values['public-key-file'], 'public key file');
      const dns = await checkDns(positionals[0]!, {
        dnsServers: values.dns,
        timeoutMs,
        publicKey,
        minRsaBits: intOption('min-rsa-bits', values['min-rsa-bits'], 512, 8192),
      });
      const keys = proofKeys({ hubJwks: hubJwksOption(values['hub-jwks']), timeoutMs: timeoutMs ?? 3000 });
      const hub = values.hub === undefined ? undefined : await checkHub(dns.domain, { hubUrl: values.hub, timeoutMs, publicKey, proofKeys: keys });
      const works = dns.ok || hub?.ok === true;
      // Nothing can be concluded about records DNS did not answer: "could not check" (exit 2), not "does not work".
      const couldNotCheck = !works && dns.unanswered.length > 0;

      if (values.json) io.out(JSON.stringify({ dns, hub: hub ?? null, works, checked: !couldNotCheck }));
      else printReport(io, dns, hub, works, couldNotCheck);
      if (works) return EXIT.ok;
      return couldNotCheck ? EXIT.usageOrNetwork : EXIT.no;
    } catch (error) {
      return reportFailure(error, io, 'check');
    }
  },
};

function printReport(io: Io, dns: DnsCheckReport, hub: HubCheck | undefined, works: boolean, couldNotCheck: boolean): void {
  const { domain } = dns;
  io.out(`Federation set-up of ${domain}`);
  // DNS answered nothing: one line for the reason, not one per record.
  if (dns.noAnswer) io.out(`✗ DNS: ${dns.noAnswer}`);
  for (const entry of dns.noAnswer ? [] : dns.entries) {
    io.out(`${entry.ok ? '✓' : '✗'} ${entry.type} ${entry.name}: ${entry.found}`);
    if (!entry.ok) {
      io.out(`    expected: ${entry.expected}`);
      if (entry.fix) io.out(`    fix: ${entry.fix}`);
    }
  }
  if (hub) {
    io.out(`${hub.ok ? '✓' : '✗'} hub ${hub.hubUrl}: ${hub.ok ? `knows ${domain}: ` : ''}${hub.found}`);
    if (!hub.ok) {
      io.out(`    expected: ${hub.expected}`);
      if (hub.fix) io.out(`    fix: ${hub.fix}`);
    }
  }
  io.out('');
  if (dns.ok) io.out(`The DNS set-up works: peers will reach ${dns.url}.`);
  else if (works) io.out('The DNS set-up does not work, but the hub answers for this domain: peers will find it through the hub.');
  else if (dns.noAnswer) io.out('Could not check: DNS did not answer. Check that the DNS server is reachable (--dns host:port).');
  else if (couldNotCheck) io.out(`Could not check: DNS did not answer for ${dns.unanswered.length} of ${dns.entries.length} records. Try again, or ask another server (--dns).`);
  else io.out('The set-up does NOT work: peers cannot find this server. Apply the fixes above.');
}
