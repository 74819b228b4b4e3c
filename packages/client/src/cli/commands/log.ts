import type { VerifiedCheckpoint } from '../../hub-log.js';
import { EXIT, parse, timeoutOption, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { reportFailure } from '../failure.js';
import { LOG_OPTIONS, logVerifierFrom } from '../log-options.js';

const OPTIONS = { ...LOG_OPTIONS, json: { type: 'boolean' } } as const;

export const logCommand: Command = {
  name: 'log',
  summary: "audit a hub's transparency log: checkpoint signature and consistency (log verify)",
  help: `Usage: federation-hub log verify --hub URL [--state FILE] [--log-key KEY|FILE] [--trust-on-first-use]

An auditor's check of the hub's transparency log. It fetches the hub's latest checkpoint, checks its signature
with the log's verifier key, and checks that it is consistent with the checkpoint saved in FILE (the hub must
prove that the old tree is a prefix of the new one), then saves the new checkpoint in FILE. Run it from cron:
a hub that rewrites its log, or shows you a different log than before, is caught, and both signed checkpoints
are printed as the evidence.

Options:
  --hub URL             the hub whose log to audit
  --state FILE          keeps the newest checkpoint verified (and a key pinned on first use); created if missing
  --log-key KEY|FILE    the log's verifier key line <origin>+<key id>+<key> (or a file holding it): take it from
                        <hub>/.well-known/federation-hub/log-key once, from a copy you trust
  --trust-on-first-use  without --log-key: take the hub's published key and pin it in FILE
  --timeout MS          deadline of each request (default 3000)
  --json                print {checkpoint, previous} as JSON
  -h, --help            this help

Exit: 0 the checkpoint is signed and consistent with the saved one (saved now)
      1 it is not: a bad signature, or a log inconsistent with FILE's checkpoint (evidence printed, FILE kept)
      2 usage error, an unreadable state file, or the hub could not be asked

Example (cron, every 10 minutes):
  */10 * * * * federation-hub log verify --hub https://hub.example.org --state /var/lib/fedhub/hub.json --log-key "$(cat /etc/fedhub/log-key)"`,

  async run(argv, io) {
    try {
      const { values, positionals } = parse(argv, OPTIONS, 1);
      if (positionals[0] !== 'verify') throw new UsageError(`unknown log command "${positionals[0]}" (there is "log verify")`);
      const verifier = logVerifierFrom(values, timeoutOption(values.timeout));
      const { previous, checkpoint } = await verifier.audit();
      if (values.json) {
        io.out(JSON.stringify({ checkpoint: describe(checkpoint), previous: previous ? describe(previous) : null }));
        return EXIT.ok;
      }
      io.out(`✓ ${verifier.hubUrl}: checkpoint of log ${checkpoint.origin} signed, tree size ${checkpoint.size}, root ${checkpoint.root.toString('base64')}`);
      if (!previous) io.out(values.state ? `  first checkpoint: saved to ${values.state}` : '  no --state FILE: nothing to compare with, nothing saved');
      else if (previous.size === checkpoint.size) io.out(`  the same tree as the saved checkpoint (size ${previous.size})`);
      else if (previous.size < checkpoint.size) io.out(`  consistent with the saved checkpoint of size ${previous.size} (${checkpoint.size - previous.size} new entries); saved`);
      else io.out(`  an older checkpoint than the saved one (size ${previous.size}), consistent with it; the saved one is kept`);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'log');
    }
  },
};

function describe(checkpoint: VerifiedCheckpoint) {
  return { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root.toString('base64'), note: checkpoint.note };
}
