import { registerWithHub } from '../../index.js';
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
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const registerCommand: Command = {
  name: 'register',
  summary: 'register a domain with a hub (confirmed by email to its webmaster)',
  help: `Usage: federation-hub register --hub URL --domain D --url U --public-key-file F [--contact MAILBOX]

Sends the registration a chat server sends (POST /api/v1/peers). The hub then emails a confirmation link to
the domain's webmaster (or --contact, e.g. hostmaster@example.com); the domain resolves through the hub once
that link is confirmed.

Options:
  --hub URL              the hub
  --domain D             the domain peers know the server by (chat.example.com)
  --url U                the server's base URL (https://chat.example.com)
  --public-key-file F    the server's PUBLIC key, PEM (never the private key: it is refused)
  --contact MAILBOX      where the confirmation link goes, if the hub allows a choice
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
      const result = await registerWithHub({
        hubUrl: values.hub!,
        domain: values.domain!,
        url: values.url!,
        publicKey: readTextFile(values['public-key-file']!, 'public key file'),
        contact: values.contact,
        timeoutMs: timeoutOption(values.timeout),
      });
      if (result.status === 'confirmed') {
        io.out(`${result.domain} is already registered and confirmed with this URL and key (since ${result.confirmed_at}); nothing to do.`);
        return EXIT.ok;
      }
      io.out(`Registration of ${result.domain} is pending.`);
      io.out(`Check the mailbox ${result.contact}: open the link the hub sent and press Confirm before ${result.expires_at}.`);
      io.out(`Until then the hub does not answer for ${result.domain}.`);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'register');
    }
  },
};
