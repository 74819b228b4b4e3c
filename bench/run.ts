/**
 * `npm run bench`: the hub's lookup and registration paths against a bare node:http baseline measured in the same
 * run (before each database size), with 1,000 and then 1,000,000 confirmed peers, plus the client library's cache and coalescing.
 * `npm run bench -- --smoke` (or BENCH_SMOKE=1) runs every scenario for about a second; the test suite does that.
 * `--strict` exits 1 when a target is missed.
 *
 * Two hub processes share the bench database: one as configured by default (the lookup cache on) and one with
 * LOOKUP_CACHE_ENTRIES=0, so that the "cold" scenario measures the database path on every request.
 */
import { cpus, platform, release, totalmem } from 'node:os';
import { createTestDatabase } from '../test/support/database.js';
import { recordAnswer, startBaselineServer } from './baseline-server.js';
import { clientScenarios } from './client-scenarios.js';
import { benchConfig, type BenchConfig } from './config.js';
import { type BenchHub, processMemory, startBenchHub } from './hub.js';
import { combineLoads, runLoad, type LoadFigures } from './load.js';
import { startMailSink, type MailSink } from './mail-sink.js';
import { postgresServer } from './postgres.js';
import { type BenchResults, judge, printReport, type SizeFigures, writeResults } from './report.js';
import { coldLookup, hotLookup, type Load, lookupPath, registration, unknownLookup } from './scenarios.js';
import { type BenchKey, benchKey, peerDomain, seedPeers } from './seed.js';

interface Hubs {
  cached: BenchHub;
  uncached: BenchHub;
}

async function main(): Promise<number> {
  const config = benchConfig();
  const startedAt = new Date().toISOString();
  const postgres = await postgresServer();
  process.env.TEST_DATABASE_URL = postgres.url; // where createTestDatabase makes the bench database
  const db = await createTestDatabase('bench');
  const mail = await startMailSink();
  const stops: (() => Promise<void>)[] = [() => mail.close(), () => db.drop(), () => postgres.stop()];
  // Each size on freshly started hubs: a registration burst leaves a process measurably slower at hot lookups
  // for a while (see the README), which would otherwise be charged to the bigger database.
  const withHubs = async <T>(work: (hubs: Hubs) => Promise<T>): Promise<T> => {
    const cached = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url });
    try {
      const uncached = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url, env: { LOOKUP_CACHE_ENTRIES: '0' } });
      try {
        return await work({ cached, uncached });
      } finally {
        await uncached.stop();
      }
    } finally {
      await cached.stop();
    }
  };
  try {
    const load: Load = { connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds };
    const key = benchKey();

    const small = await withHubs(async (hubs) => {
      // The hubs ran the migrations; the peers go in with SQL.
      const seconds = await seedPeers(db, key, 1, config.smallPeers);
      log(`seeded ${config.smallPeers} peers in ${seconds.toFixed(1)} s`);
      return measureSize(hubs, load, config, key, mail, config.smallPeers, seconds);
    });
    const largeSeed = await seedPeers(db, key, config.smallPeers + 1, config.largePeers);
    log(`seeded ${config.largePeers - config.smallPeers} more peers in ${largeSeed.toFixed(1)} s`);
    const { large, hubMemory, client } = await withHubs(async (hubs) => {
      const large = await measureSize(hubs, load, config, key, mail, config.largePeers, largeSeed);
      const hubMemory = processMemory(hubs.cached.pid);
      log('client library');
      const client = await clientScenarios(hubs.cached.url, { loopSeconds: config.clientLoopSeconds, concurrency: config.clientConcurrency });
      return { large, hubMemory, client };
    });
    const sizes = [small, large];

    const measured: Omit<BenchResults, 'targets'> = {
      startedAt,
      smoke: config.smoke,
      machine: machine(postgres.version),
      load: { connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds },
      sizes,
      hubMemory,
      client,
    };
    const results: BenchResults = { ...measured, targets: judge(measured) };
    printReport(results);
    writeResults(config.resultsPath, results);
    const missed = results.targets.filter((target) => target.met === false);
    return process.argv.includes('--strict') && missed.length > 0 ? 1 : 0;
  } finally {
    for (const stop of stops) await stop().catch((error: Error) => console.error(`cleanup: ${error.message}`));
  }
}

/** The bare node:http server answering the recorded bytes of a hot lookup. */
async function startBaseline(hubUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const path = lookupPath(peerDomain(1));
  const answer = await recordAnswer(hubUrl + path);
  if (answer.status !== 200) throw new Error(`the hub answered ${answer.status} to ${path}: ${answer.body}`);
  log(`baseline: node:http answering the same ${Buffer.byteLength(answer.body)}-byte body and ${answer.headers.length / 2} headers`);
  const server = await startBaselineServer(answer);
  return { url: server.url + path, stop: () => server.stop() };
}

/**
 * One database size. The baseline and the lookups judged against it (hot, 404, cold) run in alternating rounds
 * (baseline, hot, 404, cold, baseline, …) and are summed per scenario: on a shared 2-core VM a server's rate drifts by
 * ±15% over a minute, and interleaving puts the baseline and the hub in the same moments.
 */
async function measureSize(hubs: Hubs, load: Load, config: BenchConfig, key: BenchKey, mail: MailSink, peers: number, seedSeconds: number): Promise<SizeFigures> {
  const baselineServer = await startBaseline(hubs.cached.url);
  const rounds: { baseline: LoadFigures; hot: LoadFigures; unknown: LoadFigures; cold: LoadFigures }[] = [];
  try {
    for (let round = 0; round < config.pairedRounds; round++) {
      log(`${peers} peers: baseline, hot, unknown-domain and cold lookups (round ${round + 1} of ${config.pairedRounds})`);
      const slice: Load = { ...load, seconds: load.seconds / config.pairedRounds, warmupSeconds: round === 0 ? load.warmupSeconds : 0 };
      rounds.push({
        baseline: await runLoad({ ...slice, url: baselineServer.url, expectStatus: 200 }),
        hot: await hotLookup(hubs.cached.url, slice),
        unknown: await unknownLookup(hubs.cached.url, slice),
        cold: await coldLookup(hubs.uncached.url, slice, peers),
      });
    }
  } finally {
    await baselineServer.stop();
  }
  log(`${peers} peers: random-peer lookup (cache on: fills it, for the memory figure)`);
  const random = await coldLookup(hubs.cached.url, load, peers);
  log(`${peers} peers: registration, then every email`);
  const registered = await registration(hubs.cached.url, { ...load, seconds: config.registrationSeconds, warmupSeconds: config.registrationWarmupSeconds }, key, mail, `s${peers}`);
  return {
    peers,
    seedSeconds,
    baseline: combineLoads(rounds.map((round) => round.baseline)),
    hot: combineLoads(rounds.map((round) => round.hot)),
    unknown: combineLoads(rounds.map((round) => round.unknown)),
    cold: combineLoads(rounds.map((round) => round.cold)),
    random,
    registration: registered,
  };
}

function machine(postgresVersion: string): BenchResults['machine'] {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    postgres: postgresVersion,
    platform: `${platform()} ${release()}`,
  };
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
