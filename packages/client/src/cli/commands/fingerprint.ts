import { createPublicKey } from 'node:crypto';
import { describePublicKey, groupFingerprint, parsePublicKey } from '../../protocol/index.js';
import { EXIT, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { readTextFile } from '../files.js';
import { reportFailure } from '../failure.js';

export const fingerprintCommand: Command = {
  name: 'fingerprint',
  summary: "print a key file's SHA-256 fingerprint, grouped as the hub's pages and emails show it",
  help: `Usage: federation-hub fingerprint <key file>

Prints the SHA-256 fingerprint of the public key in <key file> (SPKI or PKCS#1 PEM; a private key file gives its
public half), in the eight groups of four bytes that the hub's confirmation page and email show, so that the
webmaster can compare them before pressing Confirm. The second line names the key type.

Exit: 0 printed · 2 usage error, or the file holds no key

Example:
  federation-hub fingerprint federation-public.pem`,

  async run(argv, io) {
    try {
      const { positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } }, 1);
      const text = readTextFile(positionals[0]!, 'key file');
      let publicPem = text;
      if (/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
        try {
          publicPem = createPublicKey(text).export({ type: 'spki', format: 'pem' }) as string;
        } catch (error) {
          throw new UsageError(`${positionals[0]} holds a private key that cannot be read: ${(error as Error).message}`);
        }
      }
      const key = parsePublicKey(publicPem, { minRsaBits: 0 });
      io.out(groupFingerprint(key.fingerprint).join(' '));
      io.out(`${describePublicKey(key)} key`);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'fingerprint');
    }
  },
};
