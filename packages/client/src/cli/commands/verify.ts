import { RegistrationRefused, verifyWithHub } from '../../index.js';
import { EXIT, parse, timeoutOption, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { reportFailure } from '../failure.js';

const OPTIONS = {
  hub: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'ask a hub to check a domain\'s dns or http challenge now, and print what it found',
  help: `Usage: federation-hub verify DOMAIN --hub URL [--timeout MS]

Asks the hub to check the TXT record or the file that "federation-hub register --method dns|http" told you to
publish (POST /api/v1/peers/DOMAIN/verify), and prints what the hub found: confirmed, or why not yet
(e.g. "no TXT record (NXDOMAIN) at _federation-hub-challenge.chat.example.com"). The hub also re-checks by itself,
with back-off, until the challenge expires.

Options:
  --hub URL        the hub
  --timeout MS     deadline of the request (default 20000: the check itself may take several seconds)
  -h, --help       this help

Exit: 0 confirmed · 1 not confirmed yet, or no usable challenge (used, replaced, expired) · 2 usage or network error

Example:
  federation-hub verify chat.example.com --hub https://hub.example.org`,

  async run(argv, io) {
    try {
      const { values, positionals } = parse(argv, OPTIONS, 1);
      if (values.hub === undefined) throw new UsageError('--hub is required');
      const answer = await verifyWithHub({ hubUrl: values.hub, domain: positionals[0]!, timeoutMs: timeoutOption(values.timeout) });
      if (answer.status === 'confirmed') {
        io.out(`${answer.domain} is confirmed by ${answer.method}: ${answer.finding}.`);
        if (answer.url) io.out(`The hub now answers for ${answer.domain}: ${answer.url} (key ${answer.fingerprint}).`);
        return EXIT.ok;
      }
      io.out(`${answer.domain} is not confirmed yet: ${answer.finding}.`);
      if (answer.next_check_at) io.out(`The hub checks again by itself at ${answer.next_check_at}; the challenge expires at ${answer.expires_at}.`);
      return EXIT.no;
    } catch (error) {
      if (error instanceof RegistrationRefused) {
        io.err(`the hub refused the check (${error.status}): ${error.hubMessage}`);
        return EXIT.no;
      }
      return reportFailure(error, io, 'verify');
    }
  },
};
