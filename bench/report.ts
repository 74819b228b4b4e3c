/**
 * What a run found, held against the targets of the performance issue: the table on stdout and results.json.
 * A smoke run reports the same shape but judges nothing (a second per scenario measures start-up, not speed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClientFigures } from './client-scenarios.js';
import type { LoadFigures } from './load.js';
import type { ServerDescription } from './postgres.js';
import type { RegistrationFigures } from './scenarios.js';
import type { LogFigures } from './log-scenario.js';

export interface SizeFigures {
  peers: number;
  seedSeconds: number;
  /** The bare node:http server answering a hot lookup's bytes, measured just before this size's scenarios. */
  baseline: LoadFigures;
  hot: LoadFigures;
  unknown: LoadFigures;
  /** Random peers with the cache on: mostly misses at 1M peers, and the cache filled to its bound. */
  cold: LoadFigures;
  random: LoadFigures;
  registration: RegistrationFigures;
}

export interface BenchResults {
  startedAt: string;
  smoke: boolean;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: ServerDescription; platform: string };
  load: { connections: number; seconds: number; warmupSeconds: number; rounds: number; roundWarmupSeconds: number };
  sizes: SizeFigures[];
  hubMemory: { rssMiB: number; peakRssMiB: number };
  client: ClientFigures;
  /** The transparency log's scenario (bench/log-scenario.ts). */
  log?: LogFigures;
  targets: Target[];
}

export interface Target {
  name: string;
  want: string;
  got: string;
  /** undefined in a smoke run: reported, not judged. */
  met: boolean | undefined;
}

// The memory limit is 300 MB (10^6 bytes), 286 MiB: judged in MB, the unit it is given in.
const megabytes = (mebibytes: number) => (mebibytes * 2 ** 20) / 1e6;
const ratio = (figures: LoadFigures, baseline: LoadFigures) => figures.requestsPerSecond / baseline.requestsPerSecond;
const failures = (figures: LoadFigures) => figures.errors + figures.timeouts + figures.unexpected;

/** Every target of the issue, with what this run measured. */
export function judge(results: Omit<BenchResults, 'targets'>): Target[] {
  const [small, large] = results.sizes as [SizeFigures, SizeFigures];
  const targets: Target[] = [];
  const check = (name: string, want: string, got: string, met: boolean) => targets.push({ name, want, got, met });

  for (const size of results.sizes) {
    const at = `${size.peers.toLocaleString('en')} peers`;
    const hotRatio = ratio(size.hot, size.baseline);
    check(`hot lookup, ${at}`, '≥ 0.60× baseline', `${hotRatio.toFixed(2)}×`, hotRatio >= 0.6);
    check(`hot lookup p99, ${at}`, '≤ 20 ms', `${size.hot.p99} ms`, size.hot.p99 <= 20);
    check(`hot lookup errors, ${at}`, '0', String(failures(size.hot)), failures(size.hot) === 0);
    const unknownRatio = ratio(size.unknown, size.baseline);
    check(`404 lookup, ${at}`, '≥ 0.50× baseline', `${unknownRatio.toFixed(2)}×`, unknownRatio >= 0.5);
    check(`404 lookup errors, ${at}`, '0', String(failures(size.unknown)), failures(size.unknown) === 0);
    const registration = size.registration;
    check(`registration, ${at}`, '≥ 300/s', `${registration.requestsPerSecond.toFixed(0)}/s`, registration.requestsPerSecond >= 300);
    check(`registration errors, ${at}`, '0', String(failures(registration)), failures(registration) === 0);
    check(
      `registration emails, ${at}`,
      'every 202 emailed',
      `${registration.emailed}/${registration.accepted}`,
      registration.accepted > 0 && registration.missingEmails === 0,
    );
  }
  // The two sizes' lookups run in interleaved rounds (bench/run.ts), so their rates are compared directly; the
  // ratio of their baseline ratios is reported beside it (it adds the baseline's own noise to both).
  for (const kind of ['hot', 'cold'] as const) {
    const change = large[kind].requestsPerSecond / small[kind].requestsPerSecond;
    const ofBaselines = ratio(large[kind], large.baseline) / ratio(small[kind], small.baseline);
    check(
      `${kind} lookup, ${large.peers.toLocaleString('en')} vs ${small.peers.toLocaleString('en')} peers`,
      '≥ 0.90×',
      `${change.toFixed(2)}× (${ofBaselines.toFixed(2)}× of baseline ratios)`,
      change >= 0.9,
    );
  }
  const memory = results.hubMemory;
  check(
    'hub RSS after the 1M-peer scenarios (peak)',
    '< 300 MB',
    `${megabytes(memory.rssMiB).toFixed(0)} MB (${megabytes(memory.peakRssMiB).toFixed(0)} MB)`,
    megabytes(memory.peakRssMiB) < 300,
  );
  const cold = results.client.coldConcurrent;
  check(
    `${cold.calls} concurrent cold resolve()`,
    `one set (${cold.oneSet.dnsQueries} DNS + ${cold.oneSet.hubRequests} hub)`,
    `${cold.dnsQueries} DNS + ${cold.hubRequests} hub, ${cold.resolved} resolved`,
    cold.dnsQueries === cold.oneSet.dnsQueries && cold.hubRequests === cold.oneSet.hubRequests && cold.resolved === cold.calls,
  );
  return targets.map((target) => ({ ...target, met: results.smoke ? undefined : target.met }));
}

export function printReport(results: BenchResults): void {
  const m = results.machine;
  console.log(`\nFederation hub benchmark — ${results.startedAt}${results.smoke ? ' (SMOKE: figures not judged)' : ''}`);
  console.log(`${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`);
  console.log(`PostgreSQL ${m.postgres.version}: shared_buffers ${m.postgres.sharedBuffers}, huge pages ${m.postgres.hugePages}`);
  const load = results.load;
  console.log(
    `${load.connections} connections; lookups ${load.seconds} s per scenario and size in ${load.rounds} rounds, ` +
      `each on fresh hubs after ${load.roundWarmupSeconds} s warm-up\n`,
  );

  const rows: string[][] = [['scenario', 'peers', 'req/s', '× baseline', 'p50 ms', 'p99 ms', 'errors']];
  for (const size of results.sizes) {
    const peers = size.peers.toLocaleString('en');
    const row = (name: string, figures: LoadFigures) =>
      rows.push([name, peers, figures.requestsPerSecond.toFixed(0), ratio(figures, size.baseline).toFixed(2), String(figures.p50), String(figures.p99), String(failures(figures))]);
    row('baseline node:http (same bytes)', size.baseline);
    row('lookup, confirmed peer (hot)', size.hot);
    row('lookup, unknown domain (404)', size.unknown);
    row('lookup, random peer, cache off (cold)', size.cold);
    row('lookup, random peer, cache on', size.random);
    row('registration (distinct domains)', size.registration);
  }
  printTable(rows);

  console.log('');
  for (const size of results.sizes) {
    const r = size.registration;
    console.log(
      `${size.peers.toLocaleString('en')} peers: seeded in ${size.seedSeconds.toFixed(1)} s; ` +
        `registrations ${r.accepted} accepted, ${r.emailed} emailed, last email ${r.mailDrainSeconds.toFixed(1)} s after the load`,
    );
  }
  const memory = results.hubMemory;
  console.log(
    `hub memory after the ${results.sizes.at(-1)!.peers.toLocaleString('en')}-peer scenarios: RSS ${memory.rssMiB.toFixed(0)} MiB ` +
      `(peak ${memory.peakRssMiB.toFixed(0)} MiB, ${megabytes(memory.peakRssMiB).toFixed(0)} MB)`,
  );
  const client = results.client;
  console.log(`client resolve() cache hit: ${client.cacheHit.opsPerSecond.toFixed(0)} ops/s (${client.cacheHit.ops} in ${client.cacheHit.seconds.toFixed(1)} s)`);
  console.log(
    `client ${client.coldConcurrent.calls} concurrent resolve() of one cold domain: ${client.coldConcurrent.dnsQueries} DNS queries, ` +
      `${client.coldConcurrent.hubRequests} hub requests (one resolve asks ${client.coldConcurrent.oneSet.dnsQueries} + ` +
      `${client.coldConcurrent.oneSet.hubRequests}), ${client.coldConcurrent.resolved} resolved in ${client.coldConcurrent.milliseconds.toFixed(0)} ms\n`,
  );

  printTable([
    ['target', 'want', 'got', ''],
    ...results.targets.map((target) => [target.name, target.want, target.got, target.met === undefined ? '(smoke)' : target.met ? 'PASS' : 'MISS']),
  ]);
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults written to ${path}`);
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}
