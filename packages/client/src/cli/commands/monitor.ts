import { HubLogProofInvalid } from '../../errors.js';
import type { VerifiedCheckpoint } from '../../hub-log.js';
import type { HubLogVerifier } from '../../hub-log-verifier.js';
import { LOG_ENTRIES_PAGE, LogApi, type LogEntryAnswer } from '../../log-api.js';
import { readLogState, writeLogState } from '../../log-state.js';
import { decodeLogEntry, type LogEntry } from '../../log/entry.js';
import { LogVerificationError } from '../../log/errors.js';
import { leafHash, verifyInclusion } from '../../log/merkle.js';
import { formatFingerprint, normalizeDomain, parsePublicKey } from '../../protocol/index.js';
import { EXIT, parse, timeoutOption, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { reportFailure } from '../failure.js';
import { readTextFile } from '../files.js';
import { LOG_OPTIONS, logVerifierFrom } from '../log-options.js';

const OPTIONS = { ...LOG_OPTIONS, 'expect-key': { type: 'string' } } as const;

export const monitorCommand: Command = {
  name: 'monitor',
  summary: "a domain owner's watch: print the hub log's new entries for a domain, alert on a foreign key",
  help: `Usage: federation-hub monitor <domain> --hub URL [--state FILE] [--expect-key FILE] [--log-key KEY|FILE]

A domain owner's watch over what the hub publishes about <domain>, for cron. It checks the hub's checkpoint
(signature, and consistency with the one saved in FILE), then prints every log entry for <domain> since the last
run, each verified to be in the signed tree, and saves its place in FILE. With --expect-key, any entry that gives
<domain> another key is reported in one line starting with "ALERT", and the exit code is 1.

Options:
  --hub URL             the hub to watch
  --state FILE          where the last run stopped, and the newest checkpoint verified; created if missing
                        (without it, every entry for the domain is printed, every time)
  --expect-key FILE     your server's public key (PEM): alert on any entry with another key
  --log-key KEY|FILE    the log's verifier key line (or a file holding it), from a copy you trust
  --trust-on-first-use  without --log-key: take the hub's published key and pin it in FILE
  --timeout MS          deadline of each request (default 3000)
  -h, --help            this help

Exit: 0 no entry with a foreign key (new entries, if any, printed)
      1 an entry carries a key other than --expect-key; an entry of <domain> was left out of the listing; or the
        log fails its checks (a bad signature or proof, a log inconsistent with FILE's checkpoint: evidence printed)
      2 usage error, an unreadable file, or the hub could not be asked

Example (cron, hourly; cron mails what it prints):
  0 * * * * federation-hub monitor chat.example.com --hub https://hub.example.org --state ~/.fedhub-monitor.json --expect-key /etc/rocketchat/public.pem --log-key "$(cat ~/.fedhub-log-key)"`,

  async run(argv, io) {
    try {
      const { values, positionals } = parse(argv, OPTIONS, 1);
      const domain = normalizeDomain(positionals[0]!, { requirePublicSuffix: false });
      const expected = values['expect-key'] === undefined ? undefined : parsePublicKey(readTextFile(values['expect-key'], 'expected key file'), { minRsaBits: 0 });
      const timeoutMs = timeoutOption(values.timeout);
      const verifier = logVerifierFrom(values, timeoutMs);
      const saved = values.state === undefined ? undefined : readLogState(values.state)?.monitor;
      if (saved && saved.domain !== domain) throw new UsageError(`the state file ${values.state} watches ${saved.domain}, not ${domain}: give each domain its own --state`);
      const start = saved?.next ?? 0;

      const { checkpoint } = await verifier.audit();
      const api = new LogApi(verifier.hubUrl, timeoutMs);
      const entries = await verifiedEntries(api, verifier, domain, start, checkpoint);

      if (entries.length === 0) io.out(`${domain}: no new log entries (log ${checkpoint.origin}, tree size ${checkpoint.size})`);
      else io.out(`${domain}: ${entries.length} new log ${entries.length === 1 ? 'entry' : 'entries'} (log ${checkpoint.origin}, tree size ${checkpoint.size}, each verified in it):`);
      for (const entry of entries) io.out(`  ${describeEntry(entry)}`);

      const foreign = expected ? entries.filter((entry) => entry.fingerprint !== null && entry.fingerprint !== expected.fingerprint) : [];
      for (const entry of foreign) {
        io.err(
          `ALERT: log entry ${entry.index} (${entry.time}) gives ${domain} a key other than the expected one: ` +
            `fingerprint ${formatFingerprint(entry.fingerprint!)}, expected ${formatFingerprint(expected!.fingerprint)}`,
        );
      }
      // From the start of the log the chain starts at null; an older state without `last` cannot check its first link.
      const last = await checkCompleteness(api, verifier, domain, entries, start === 0 ? null : saved?.last, checkpoint);
      if (values.state !== undefined) {
        // Only after everything above verified; an alert is shown once, and the next run starts after it.
        const state = readLogState(values.state) ?? { hub: verifier.hubUrl };
        writeLogState(values.state, { ...state, monitor: { domain, next: Math.max(start, checkpoint.size), ...(last === undefined ? {} : { last }) } });
      }
      return foreign.length > 0 ? EXIT.no : EXIT.ok;
    } catch (error) {
      return reportFailure(error, io, 'monitor');
    }
  },
};

/**
 * The domain's entries from `start` up to the checkpoint's size, page by page, each decoded from its leaf (never
 * from the JSON beside it) and proved to be in the checkpoint's tree. Entries beyond the checkpoint are left for
 * the next run: they cannot be proved yet.
 */
async function verifiedEntries(api: LogApi, verifier: HubLogVerifier, domain: string, start: number, checkpoint: VerifiedCheckpoint): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  let from = start;
  while (from < checkpoint.size) {
    // With a domain, a page holds up to LOG_ENTRIES_PAGE of its entries anywhere in [start, end): a first run on a
    // long log is one request. A shorter page is the end of the range.
    const page = await api.entries({ start: from, end: checkpoint.size, domain });
    for (const answer of page.entries) {
      if (answer.index < from || answer.index >= checkpoint.size) {
        throw new HubLogProofInvalid(verifier.hubUrl, `asked for entries ${from} to ${checkpoint.size - 1}, got entry ${answer.index}`, domain);
      }
      if (entries.length > 0 && answer.index <= entries.at(-1)!.index) throw new HubLogProofInvalid(verifier.hubUrl, `the entries are not in index order at ${answer.index}`, domain);
      entries.push(await verifiedEntry(api, verifier, domain, answer, checkpoint));
    }
    if (page.entries.length < LOG_ENTRIES_PAGE) break;
    from = page.entries.at(-1)!.index + 1;
  }
  return entries;
}

/**
 * Checks that the hub listed every entry of the domain: each entry names the domain's previous one, so a listing
 * that leaves one out breaks the chain; and the entry the hub's lookups rest on must be one the listing showed (an
 * entry served to lookups but hidden from the listing is exactly what a lying hub would do). Returns the index of
 * the newest entry seen (undefined when unknown).
 */
async function checkCompleteness(
  api: LogApi,
  verifier: HubLogVerifier,
  domain: string,
  entries: LogEntry[],
  last: number | null | undefined,
  checkpoint: VerifiedCheckpoint,
): Promise<number | null | undefined> {
  let newest = last;
  for (const entry of entries) {
    if (newest !== undefined && entry.previousIndex !== newest) {
      throw new HubLogProofInvalid(
        verifier.hubUrl,
        `entry ${entry.index} names entry ${entry.previousIndex ?? 'none'} as the domain's previous one, but the last entry listed was ${newest ?? 'none'}: the hub left an entry of ${domain} out of the listing`,
        domain,
      );
    }
    newest = entry.index;
  }
  const served = await api.lookupLogIndex(domain);
  const listed = new Set(entries.map((entry) => entry.index));
  if (served !== null && served < checkpoint.size && served > (last ?? -1) && !listed.has(served)) {
    throw new HubLogProofInvalid(verifier.hubUrl, `lookups answer ${domain} with log entry ${served}, which the listing of the domain's entries did not show`, domain);
  }
  return newest;
}

async function verifiedEntry(api: LogApi, verifier: HubLogVerifier, domain: string, answer: LogEntryAnswer, checkpoint: VerifiedCheckpoint): Promise<LogEntry> {
  const fail = (detail: string): never => {
    throw new HubLogProofInvalid(verifier.hubUrl, detail, domain);
  };
  const leaf = Buffer.from(answer.leaf, 'base64');
  let entry: LogEntry;
  try {
    entry = decodeLogEntry(leaf);
  } catch (error) {
    if (error instanceof LogVerificationError) return fail(`entry ${answer.index}: ${error.message}`);
    throw error;
  }
  if (entry.index !== answer.index) fail(`the leaf served as entry ${answer.index} is entry ${entry.index}`);
  if (entry.domain !== domain) fail(`entry ${entry.index} is for ${entry.domain}, asked for ${domain}`);
  const proof = await api.inclusionProof(entry.index, checkpoint.size);
  if (!verifyInclusion(entry.index, checkpoint.size, leafHash(leaf), proof, checkpoint.root)) {
    fail(`entry ${entry.index} is not in the signed tree of size ${checkpoint.size} (its inclusion proof does not verify)`);
  }
  return entry;
}

function describeEntry(entry: LogEntry): string {
  const what =
    entry.action === 'register' || entry.action === 'update'
      ? `${entry.url} key ${formatFingerprint(entry.fingerprint!)}`
      : entry.action === 'revoke'
        ? `reason ${JSON.stringify(entry.reason)}`
        : '(no longer served)';
  return `#${entry.index} ${entry.time} ${entry.action} ${what}`;
}
