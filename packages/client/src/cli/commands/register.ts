import { registerWithHub } from '../../index.js';
import type { ProofMethod, RegistrationAccepted } from '../../protocol/index.js';
import type { Io } from '../command.js';
import { EXIT, parse, timeoutOption, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { readTextFile } from '../files.js';
import { reportFailure } from '../failure.js';

const OPTIONS = {
  hub: { type: 'string' },
  domain: { type: 'string' },
  url: { type: 'string' },
  'public-key-file': { type: 'string' },
  contact: { type: 'string' },
  method: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const registerCommand: Command = {
  name: 'register',
  summary: 'register a domain with a hub (proven by email to its webmaster, a DNS record or an HTTP file)',
  help: `Usage: federation-hub register --hub URL --domain D --url U --public-key-file F [--contact MAILBOX] [--method M]

Sends the registration a chat server sends (POST /api/v1/peers). By default the hub then emails a confirmation
link to the domain's webmaster (or --contact, e.g. hostmaster@example.com); the domain resolves through the hub
once that link is confirmed. With --method dns or http it prints what to publish instead (a TXT record, or a
file at a URL on the domain); publish it, then run "federation-hub verify D --hub URL".

Options:
  --hub URL              the hub
  --domain D             the domain peers know the server by (chat.example.com)
  --url U                the server's base URL (https://chat.example.com)
  --public-key-file F    the server's PUBLIC key, PEM (never the private key: it is refused)
  --contact MAILBOX      where the confirmation link goes, if the hub allows a choice
  --method M             email (default), dns or http: how you prove you control the domain
  --timeout MS           deadline of the request (default 3000)
  -h, --help             this help

Exit: 0 pending (or already confirmed) · 1 refused by the hub · 2 usage error, unreadable key or network error

Example:
  federation-hub register --hub https://hub.example.org --domain chat.example.com \\
    --url https://chat.example.com --public-key-file federation-public.pem`,

  async run(argv, io) {
    try {
      const { values } = parse(argv, OPTIONS, 0);
      for (const required of ['hub', 'domain', 'url', 'public-key-file'] as const) {
        if (values[required] === undefined) throw new UsageError(`--${required} is required`);
      }
      const method = values.method ?? 'email';
      if (!METHODS.includes(method as ProofMethod)) throw new UsageError('--method must be email, dns or http');
      const result = await registerWithHub({
        hubUrl: values.hub!,
        domain: values.domain!,
        url: values.url!,
        publicKey: readTextFile(values['public-key-file']!, 'public key file'),
        contact: values.contact,
        method: method as ProofMethod,
        timeoutMs: timeoutOption(values.timeout),
      });
      if (result.status === 'confirmed') {
        io.out(`${result.domain} is already registered and confirmed with this URL and key (since ${result.confirmed_at}); nothing to do.`);
        return EXIT.ok;
      }
      if (method !== 'email') return printChallenge(result, values.hub!, io);
      io.out(`Registration of ${result.domain} is pending.`);
      if (result.email_at && Date.parse(result.email_at) > Date.now() + 1000) {
        io.out(`The hub sends the email at ${result.email_at}, when the domain's email cooldown ends.`);
      }
      io.out(`Check the mailbox ${result.contact}: open the link the hub sent and press Confirm before ${result.expires_at}.`);
      io.out(`Until then the hub does not answer for ${result.domain}.`);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'register');
    }
  },
};

const METHODS: readonly ProofMethod[] = ['email', 'dns', 'http'];

/** Exactly what to publish, one field a line, so that a script can read it too. */
function printChallenge(result: RegistrationAccepted, hub: string, io: Io): number {
  io.out(`Registration of ${result.domain} is pending until you prove you control it.`);
  if (result.dns) {
    io.out('Publish this DNS record:');
    io.out(`  Name:  ${result.dns.name}`);
    io.out(`  Type:  ${result.dns.type}`);
    io.out(`  Value: ${result.dns.value}`);
  } else if (result.http) {
    io.out('Serve this file (over http on port 80, or redirect to https on the same domain):');
    io.out(`  URL:   ${result.http.url}`);
    io.out(`  Body:  ${result.http.body}`);
    io.out(`  Type:  ${result.http.content_type}`);
  } else {
    io.err('federation-hub register: the hub did not say what to publish (does it support --method?)');
    return EXIT.usageOrNetwork;
  }
  io.out(`Then run: federation-hub verify ${result.domain} --hub ${hub}`);
  io.out(`The hub also checks by itself until ${result.expires_at}.`);
  return EXIT.ok;
}
