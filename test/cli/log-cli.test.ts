/**
 * `federation-hub log verify` and `federation-hub monitor`, run as processes against a real hub (real PostgreSQL,
 * real SMTP for the confirmations), every exit code checked: 0, 1 and 2.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifierKey } from '../../packages/client/src/log/note.js';
import { formatFingerprint, parsePublicKey } from '../../packages/client/src/protocol/index.js';
import { checkpointCovering, hideEntry, rewindLog, sizeOf } from '../client/log-tamper.js';
import { startDnsServer } from '../support/dns-server.js';
import { registerAndConfirm } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { freePort } from '../support/ports.js';
import { cli } from './run-cli.js';

const DOMAIN = 'watched.example.com';
const ownKey = generateTestKeyPair({ type: 'ed25519' });
const foreignKey = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const fingerprint = (pem: string) => formatFingerprint(parsePublicKey(pem).fingerprint);

describe('federation-hub log verify and monitor, as processes', () => {
  let hub: MailingTestHub;
  let work: string;
  let logKey: string;
  const file = (name: string) => join(work, name);
  const saved = (name: string) => JSON.parse(readFileSync(file(name), 'utf8')) as { checkpoint?: string; log_key?: string; monitor?: { domain: string; next: number } };
  const verify = (...args: string[]) => cli(['log', 'verify', '--hub', hub.url, ...args]);
  const monitor = (...args: string[]) => cli(['monitor', DOMAIN, '--hub', hub.url, ...args]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'federation-log-cli-'));
    hub = await startMailingHub('cli_log', { LOG_CHECKPOINT_SECONDS: '1', RATE_DOMAIN_COOLDOWN_SECONDS: '0', RATE_DOMAIN_DAILY_CAP: '50' });
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: DOMAIN, url: `https://${DOMAIN}`, public_key: ownKey.publicPem });
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: 'neighbour.example.com', url: 'https://neighbour.example.com', public_key: foreignKey.publicPem });
    await checkpointCovering(hub.url, 2);
    logKey = (await (await fetch(`${hub.url}/.well-known/federation-hub/log-key`)).text()).trim();
    writeFileSync(file('log-key'), `${logKey}\n`);
    writeFileSync(file('own.pem'), ownKey.publicPem);
    writeFileSync(file('garbage.json'), '{not json');
  });
  after(async () => {
    await hub?.stop();
  });

  describe('log verify', () => {
    it('checks and saves the first checkpoint (0), then finds the same tree (0)', async () => {
      const first = await verify('--state', file('audit.json'), '--log-key', logKey);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`^✓ ${hub.url.replace(/[.]/g, '\\.')}: checkpoint of log \\S+ signed, tree size 2, root \\S+\\n  first checkpoint: saved to `));
      assert.equal(sizeOf(saved('audit.json').checkpoint!), 2);
      const again = await verify('--state', file('audit.json'), '--log-key', file('log-key'));
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /the same tree as the saved checkpoint \(size 2\)/);
    });

    it('--json prints the checkpoint and the one it was compared with', async () => {
      const run = await verify('--state', file('audit.json'), '--log-key', logKey, '--json');
      assert.equal(run.code, 0, run.stderr);
      const answer = JSON.parse(run.stdout) as { checkpoint: { size: number; note: string }; previous: { size: number } };
      assert.equal(answer.checkpoint.size, 2);
      assert.equal(answer.previous.size, 2);
      assert.equal(answer.checkpoint.note, saved('audit.json').checkpoint);
    });

    it('--trust-on-first-use pins the published key in the state file, and uses it from then on', async () => {
      const run = await verify('--state', file('tofu.json'), '--trust-on-first-use');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(saved('tofu.json').log_key, logKey);
      const later = await verify('--state', file('tofu.json'));
      assert.equal(later.code, 0, later.stderr);
    });

    it('a checkpoint not signed by the given key: exit 1', async () => {
      const impostor = verifierKey(hub.config.logOrigin, generateKeyPairSync('ed25519').publicKey);
      const run = await verify('--log-key', impostor);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /transparency log check failed: signed note: no signature by a known key/);
    });

    it('usage errors, an unreadable state file and an unreachable hub: exit 2', async () => {
      const noKey = await verify('--state', file('nokey.json'));
      assert.equal(noKey.code, 2);
      assert.match(noKey.stderr, /^federation-hub log: --log-key is required/);
      const noHub = await cli(['log', 'verify', '--log-key', logKey]);
      assert.equal(noHub.code, 2);
      assert.match(noHub.stderr, /--hub URL is required/);
      const unknown = await cli(['log', 'rewrite', '--hub', hub.url, '--log-key', logKey]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown log command "rewrite"/);
      const badKey = await verify('--log-key', 'not-a-key-or-a-file');
      assert.equal(badKey.code, 2);
      assert.match(badKey.stderr, /cannot read log key file not-a-key-or-a-file/);
      const garbage = await verify('--state', file('garbage.json'), '--log-key', logKey);
      assert.equal(garbage.code, 2);
      assert.match(garbage.stderr, /is not JSON/);
      const down = await cli(['log', 'verify', '--hub', `http://127.0.0.1:${await freePort()}`, '--log-key', logKey, '--timeout', '500']);
      assert.equal(down.code, 2);
      assert.match(down.stderr, /^federation-hub log: hub http:\/\/127\.0\.0\.1:\d+ unavailable: ECONNREFUSED/);
    });
  });

  describe('monitor', () => {
    it('prints every entry for the domain, verified, and nothing new on the next run (0, 0)', async () => {
      const run = await monitor('--state', file('monitor.json'), '--expect-key', file('own.pem'), '--log-key', logKey);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^${DOMAIN.replace(/[.]/g, '\\.')}: 1 new log entry \\(log \\S+, tree size 2, each verified in it\\):\\n`));
      assert.match(run.stdout, new RegExp(`\\n  #0 \\S+Z register https://watched\\.example\\.com key ${fingerprint(ownKey.publicPem)}\\n$`));
      assert.doesNotMatch(run.stdout, /neighbour/);
      assert.deepEqual(saved('monitor.json').monitor, { domain: DOMAIN, next: 2, last: 0 });
      const again = await monitor('--state', file('monitor.json'), '--expect-key', file('own.pem'), '--log-key', logKey);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^watched\.example\.com: no new log entries \(log \S+, tree size 2\)\n$/);
    });

    it('a key other than the expected one: one ALERT line, exit 1; shown once', async () => {
      await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: DOMAIN, url: `https://${DOMAIN}`, public_key: foreignKey.publicPem });
      await checkpointCovering(hub.url, 3);
      const run = await monitor('--state', file('monitor.json'), '--expect-key', file('own.pem'), '--log-key', logKey);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, new RegExp(`\\n  #2 \\S+Z update https://watched\\.example\\.com key ${fingerprint(foreignKey.publicPem)}\\n$`));
      const alerts = run.stderr.trimEnd().split('\n');
      assert.equal(alerts.length, 1, run.stderr);
      assert.match(alerts[0]!, new RegExp(
        `^ALERT: log entry 2 \\(\\S+Z\\) gives watched\\.example\\.com a key other than the expected one: fingerprint ${fingerprint(foreignKey.publicPem)}, expected ${fingerprint(ownKey.publicPem)}$`,
      ));
      const next = await monitor('--state', file('monitor.json'), '--expect-key', file('own.pem'), '--log-key', logKey);
      assert.equal(next.code, 0, next.stderr);
      // Without a state file every entry is shown, and the foreign key alerts again.
      const stateless = await monitor('--expect-key', file('own.pem'), '--log-key', logKey);
      assert.equal(stateless.code, 1);
      assert.match(stateless.stdout, /: 2 new log entries/);
    });

    it('an entry left out of the listing breaks the chain of previous entries: exit 1', async () => {
      const hidden = 'hiding.example.com';
      for (const key of [ownKey, foreignKey, ownKey]) {
        await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: hidden, url: `https://${hidden}`, public_key: key.publicPem });
      }
      const listing = (await (await fetch(`${hub.url}/api/v1/log/entries?start=0&domain=${hidden}`)).json()) as { entries: Array<{ index: number }> };
      const [a, b, c] = listing.entries.map((entry) => entry.index) as [number, number, number];
      await checkpointCovering(hub.url, c + 1);
      const honest = await cli(['monitor', hidden, '--hub', hub.url, '--log-key', logKey]);
      assert.equal(honest.code, 0, honest.stderr);
      assert.match(honest.stdout, /: 3 new log entries/);

      await hideEntry(hub.db, b);
      const gap = await cli(['monitor', hidden, '--hub', hub.url, '--log-key', logKey]);
      assert.equal(gap.code, 1, gap.stdout + gap.stderr);
      assert.match(gap.stderr, new RegExp(`entry ${c} names entry ${b} as the domain's previous one, but the last entry listed was ${a}: the hub left an entry of hiding\\.example\\.com out of the listing`));
    });

    it("the newest entry, served to lookups but left out of the listing: exit 1", async () => {
      const hidden = 'hiding2.example.com';
      await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: hidden, url: `https://${hidden}`, public_key: ownKey.publicPem });
      await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: hidden, url: `https://${hidden}`, public_key: foreignKey.publicPem });
      const listing = (await (await fetch(`${hub.url}/api/v1/log/entries?start=0&domain=${hidden}`)).json()) as { entries: Array<{ index: number }> };
      const newest = listing.entries.at(-1)!.index;
      await checkpointCovering(hub.url, newest + 1);
      const lookup = (await (await fetch(`${hub.url}/api/v1/peers?search=${hidden}`)).json()) as { peer: { log: { index: number } } };
      assert.equal(lookup.peer.log.index, newest);
      await hideEntry(hub.db, newest);
      const run = await cli(['monitor', hidden, '--hub', hub.url, '--expect-key', file('own.pem'), '--log-key', logKey]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /: 1 new log entry/);
      assert.match(run.stderr, new RegExp(`lookups answer hiding2\\.example\\.com with log entry ${newest}, which the listing of the domain's entries did not show`));
    });

    it('usage errors: no domain, an unreadable key file, a state file for another domain (exit 2)', async () => {
      assert.equal((await cli(['monitor', '--hub', hub.url, '--log-key', logKey])).code, 2);
      const badKey = await monitor('--expect-key', file('missing.pem'), '--log-key', logKey);
      assert.equal(badKey.code, 2);
      assert.match(badKey.stderr, /cannot read expected key file/);
      const other = await cli(['monitor', 'neighbour.example.com', '--hub', hub.url, '--state', file('monitor.json'), '--log-key', logKey]);
      assert.equal(other.code, 2);
      assert.match(other.stderr, /watches watched\.example\.com, not neighbour\.example\.com/);
    });
  });

  describe('resolve --log-key', () => {
    it('checks the hub answer against the log (0) and says at which entry, refuses it with another log key (1), and needs --hub (2)', async () => {
      const server = await startDnsServer({}); // knows nothing: the hub answers
      try {
        const dns = ['--dns', server.address];
        const ok = await cli(['resolve', DOMAIN, ...dns, '--hub', hub.url, '--log-key', file('log-key'), '--log-state', file('resolve.json'), '--json']);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(JSON.parse(ok.stdout).source, 'hub');
        // The domain's newest entry (the tests above changed its key).
        const [{ newest }] = await hub.db.query<{ newest: number }>(`SELECT max(idx)::int AS newest FROM log_entries WHERE domain = $1`, [DOMAIN]);
        assert.equal(JSON.parse(ok.stdout).logIndex, newest);
        assert.ok(sizeOf(saved('resolve.json').checkpoint!) >= 2);
        const told = await cli(['resolve', DOMAIN, ...dns, '--hub', hub.url, '--log-key', logKey]);
        assert.equal(told.code, 0, told.stderr);
        assert.match(told.stdout, new RegExp(`\\n  log: +entry ${newest}, its inclusion proved under a checkpoint signed by the log key\\n`));
        const unchecked = await cli(['resolve', DOMAIN, ...dns, '--hub', hub.url]);
        assert.match(unchecked.stdout, /\n  log: +not checked \(no --log-key given\)\n/);
        assert.equal(JSON.parse((await cli(['resolve', DOMAIN, ...dns, '--hub', hub.url, '--json'])).stdout).logIndex, undefined);
        const impostor = verifierKey(hub.config.logOrigin, generateKeyPairSync('ed25519').publicKey);
        const refused = await cli(['resolve', DOMAIN, ...dns, '--hub', hub.url, '--log-key', impostor]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /^watched\.example\.com: hub .*: transparency log check failed: signed note: no signature by a known key/);
        const usage = await cli(['resolve', DOMAIN, ...dns, '--log-key', logKey]);
        assert.equal(usage.code, 2);
        assert.match(usage.stderr, /--log-key needs --hub/);
      } finally {
        await server.close();
      }
    });
  });

  describe('after the log was rewritten in the database', () => {
    it('log verify exits 1 with both signed checkpoints printed, and keeps the saved one; so does monitor', async () => {
      const refresh = await verify('--state', file('audit.json'), '--log-key', logKey);
      assert.equal(refresh.code, 0, refresh.stderr);
      const seen = saved('audit.json').checkpoint!;
      const size = sizeOf(seen);
      assert.equal(size, sizeOf(await checkpointCovering(hub.url, 0)), 'the hub\'s newest checkpoint');
      // The monitor's state too is brought up to that checkpoint (a rewrite of entries it never saw would not show).
      const watched = await monitor('--state', file('monitor.json'), '--log-key', logKey);
      assert.equal(watched.code, 0, watched.stderr);

      // Rewrite history from the last entry seen, and let the hub append and sign over it.
      await rewindLog(hub.db, size - 1);
      await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: 'other1.example.com', url: 'https://other1.example.com', public_key: ownKey.publicPem });
      await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain: 'other2.example.com', url: 'https://other2.example.com', public_key: ownKey.publicPem });
      const served = await checkpointCovering(hub.url, size + 1);

      const run = await verify('--state', file('audit.json'), '--log-key', logKey);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`^INCONSISTENT LOG: hub .*: the transparency log is not consistent with what this client saw before \\(size ${size} .* now size ${size + 1} .*\\)`));
      assert.ok(run.stdout.includes(`Checkpoint seen before (tree size ${size}):\n${seen.trimEnd()}\n`), run.stdout);
      assert.ok(run.stdout.includes(`Checkpoint served now (tree size ${size + 1}):\n${served.trimEnd()}`), run.stdout);
      assert.equal(saved('audit.json').checkpoint, seen, 'the evidence stays in the state file');

      const watch = await monitor('--state', file('monitor.json'), '--log-key', logKey);
      assert.equal(watch.code, 1);
      assert.match(watch.stderr, /^INCONSISTENT LOG/);
    });
  });
});
