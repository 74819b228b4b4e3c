import { FederationResolver } from '../../index.js';
import { describePublicKey, formatFingerprint, parsePublicKey } from '../../protocol/index.js';
import { EXIT, intOption, LOOKUP_OPTIONS, parse, timeoutOption, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { hubJwksOption } from '../files.js';
import { reportFailure } from '../failure.js';
import { logKeyOption } from '../log-options.js';

const OPTIONS = { ...LOOKUP_OPTIONS, 'log-key': { type: 'string' }, 'log-state': { type: 'string' } } as const;

export const resolveCommand: Command = {
  name: 'resolve',
  summary: "find a peer's URL and public key (DNS first, then the hub)",
  help: `Usage: federation-hub resolve <domain> [--dns host:port]... [--hub URL] [--json]

Finds a peer the way a chat server does: SRV _rocketchat._https / _http / legacy _tcp and TXT
rocketchat-public-key in DNS; when DNS has no usable record, the hub.

Options:
  --dns host:port     DNS server to ask (repeatable); default: the system's resolvers
  --hub URL           hub to ask when DNS has no usable record
  --hub-jwks URL|FILE verify the hub's signed answer against this JWKS (a URL, or a file to pin the keys)
  --log-key KEY|FILE  check the hub's answer against its transparency log (the log's verifier key line, or a
                      file holding it): signed checkpoint, inclusion of exactly this URL and key
  --log-state FILE    with --log-key: also check consistency with the checkpoint kept in FILE, and keep the new one
  --min-rsa-bits N    smallest RSA key accepted (default 2048; legacy networks use 512)
  --timeout MS        deadline of each network step (default 3000)
  --json              print exactly the resolve() object: {domain, url, publicKey, source, expiresAt}
  -h, --help          this help

Exit: 0 found · 1 not found (or only unusable records, or outside an allowlist, or a hub answer that fails its
      proof or log checks) · 2 usage or network error

Example:
  federation-hub resolve chat.example.com --hub https://hub.example.org`,

  async run(argv, io) {
    try {
      const { values, positionals } = parse(argv, OPTIONS, 1);
      if (values['log-state'] !== undefined && values['log-key'] === undefined) throw new UsageError('--log-state needs --log-key');
      if (values['log-key'] !== undefined && values.hub === undefined) throw new UsageError('--log-key needs --hub');
      const resolver = new FederationResolver({
        dnsServers: values.dns,
        hubUrl: values.hub,
        hubJwks: hubJwksOption(values['hub-jwks']),
        logKey: logKeyOption(values['log-key']),
        logStateFile: values['log-state'],
        timeoutMs: timeoutOption(values.timeout),
        minRsaBits: intOption('min-rsa-bits', values['min-rsa-bits'], 512, 8192),
      });
      const peer = await resolver.resolve(positionals[0]!);
      if (values.json) {
        io.out(JSON.stringify(peer));
        return EXIT.ok;
      }
      const key = parsePublicKey(peer.publicKey, { minRsaBits: 0 });
      io.out(`${peer.domain} → ${peer.url}`);
      io.out(`  source:      ${peer.source === 'dns' ? 'DNS' : 'hub'}`);
      if (peer.source === 'hub') {
        io.out(
          peer.proofVerified
            ? "  proof:       verified against the hub's signing keys"
            : "  proof:       NOT verified (no --hub-jwks given): trusted on the hub's HTTPS connection alone",
        );
        io.out(
          peer.logIndex === undefined
            ? '  log:         not checked (no --log-key given)'
            : `  log:         entry ${peer.logIndex}, its inclusion proved under a checkpoint signed by the log key`,
        );
      }
      io.out(`  key:         ${describePublicKey(key)}, fingerprint ${formatFingerprint(key.fingerprint)}`);
      io.out(`  valid until: ${peer.expiresAt.toISOString()}`);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'resolve');
    }
  },
};
