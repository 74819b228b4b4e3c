import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describePublicKey,
  formatFingerprint,
  normalizeDomain,
  parsePublicKey,
  publicKeyRecordName,
  quoteTxtStrings,
  splitTxtValue,
} from '../../protocol/index.js';
import { generateFederationKeyPair } from '../../key-pair.js';
import { EXIT, intOption, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { reportFailure } from '../failure.js';

const OPTIONS = {
  out: { type: 'string' },
  type: { type: 'string' },
  bits: { type: 'string' },
  domain: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const PRIVATE_FILE = 'federation-private.pem';
export const PUBLIC_FILE = 'federation-public.pem';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'write a new key pair and print the DNS TXT record for its public half',
  help: `Usage: federation-hub keygen [--out DIR] [--type rsa|ec] [--bits N] [--domain D] [--force]

Writes ${PRIVATE_FILE} (PKCS#8, mode 600: keep it secret) and ${PUBLIC_FILE} (SPKI) into DIR, and prints
the TXT value of rocketchat-public-key.<domain>, already split into strings of at most 255 characters, as ONE
record (DNS providers cut longer strings; several records would come back in no set order).

Key types: rsa (default, 3072 bits: what Rocket.Chat peers expect, good beyond 2030) or ec (P-256: short, and
fine for sealed payloads). Ed25519 is not offered: nothing can be encrypted to it.

Options:
  --out DIR      where to write the files (default: the current directory)
  --type T       rsa or ec
  --bits N       RSA size, 2048 to 8192 (default 3072)
  --domain D     print the full record for this domain
  --force        overwrite existing key files
  -h, --help     this help

Exit: 0 written · 1 the files exist (use --force) · 2 usage error

Example:
  federation-hub keygen --out /etc/chat --domain chat.example.com`,

  async run(argv, io) {
    try {
      const { values } = parse(argv, OPTIONS, 0);
      const type = values.type ?? 'rsa';
      if (type !== 'rsa' && type !== 'ec') throw new UsageError('--type must be rsa or ec');
      if (type === 'ec' && values.bits !== undefined) throw new UsageError('--bits applies to RSA keys only');
      const bits = intOption('bits', values.bits, 2048, 8192) ?? 3072;
      const domain = values.domain === undefined ? undefined : normalizeDomain(values.domain);
      const dir = values.out ?? '.';
      const privatePath = join(dir, PRIVATE_FILE);
      const publicPath = join(dir, PUBLIC_FILE);
      const existing = [privatePath, publicPath].filter((path) => existsSync(path));
      if (existing.length > 0 && !values.force) {
        io.err(`federation-hub keygen: ${existing.join(' and ')} already exist(s); not overwriting a key pair (use --force to replace it)`);
        return EXIT.no;
      }

      const pair = generateFederationKeyPair({ type, bits });
      mkdirSync(dir, { recursive: true });
      writeFileSync(privatePath, pair.privateKey, { mode: 0o600 });
      writeFileSync(publicPath, pair.publicKey, { mode: 0o644 });

      const key = parsePublicKey(pair.publicKey);
      const strings = quoteTxtStrings(splitTxtValue(key.pem.replace(/\n/g, '')));
      io.out(`Wrote ${privatePath} (private key, PKCS#8; keep it secret: mode 600, never send it anywhere)`);
      io.out(`Wrote ${publicPath} (public key, SPKI)`);
      io.out(`Key: ${describePublicKey(key)}, fingerprint ${formatFingerprint(key.fingerprint)}`);
      io.out('');
      io.out('Publish the public key in DNS as ONE TXT record made of these strings:');
      io.out('');
      io.out(`${domain ? publicKeyRecordName(domain) : 'rocketchat-public-key.<your domain>'}. 3600 IN TXT ${strings}`);
      io.out('');
      io.out('Value only (for a DNS provider\'s form):');
      io.out(strings);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'keygen');
    }
  },
};
