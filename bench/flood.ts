/**
 * `npm run bench:flood`: floods from one address, served (the per-IP limits raised out of reach) and refused (the
 * default limits: 6,000 requests and 30 registrations per minute per address), of three kinds: one cached name,
 * random unknown names, and registrations. For each: the hub's CPU per request (from /proc, user + system) and its
 * rate, and the p99 latency a polite client on another address (127.0.0.2, 50 lookups/s of a cached name on one
 * keep-alive connection) saw during the flood, next to its p99 with no flood at all. The targets (issue 18): a
 * refused request costs at most the CPU of a served cached lookup, and the polite client's p99 while a flood is
 * refused is no worse than while it is served.
 * `--smoke` (BENCH_SMOKE=1): a second per scenario, for the test suite. BENCH_FLOOD_RESULTS=<file> writes the JSON.
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createTestDatabase, type TestDatabase } from '../test/support/database.js';
import { eventually } from '../test/support/eventually.js';
import { benchConfig } from './config.js';
import { type BenchHub, startBenchHub } from './hub.js';
import { runLoad, type LoadFigures } from './load.js';
import { startMailSink } from './mail-sink.js';
import { postgresServer } from './postgres.js';
import { processCpuSeconds } from './proc.js';
import { lookupPath } from './scenarios.js';
import { benchKey, BENCH_ZONE, peerDomain, seedPeers } from './seed.js';

const POLITE_ADDRESS = '127.0.0.2';
const POLITE_PER_SECOND = 50;

type Kind = 'cached name' | 'random names' | 'registrations';
type Mode = 'served' | 'refused';

export interface FloodFigures {
  kind: Kind;
  mode: Mode;
  requestsPerSecond: number;
  /** Hub CPU time per flood request, in microseconds. */
  cpuMicrosPerRequest: number;
  statusCodes: Record<string, number>;
  politeP99Ms: number;
  politeP50Ms: number;
  politeRequests: number;
  politeFailures: number;
}

export interface FloodResults {
  smoke: boolean;
  seconds: number;
  connections: number;
  quietPoliteP99Ms: number;
  floods: FloodFigures[];
}

/** A client on its own address, at a steady low rate; resolves with its latencies (ms) when stopped. */
function politeClient(hubUrl: string, path: string): { stop(): Promise<{ latencies: number[]; failures: number }> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: POLITE_ADDRESS });
  const url = new URL(hubUrl + path);
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - started);
          else failures++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end();
    });
  const loop = (async () => {
    while (running) {
      const next = performance.now() + 1000 / POLITE_PER_SECOND;
      await one();
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
      return { latencies, failures };
    },
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// BENCH_FLOOD_RATE=N: every flood at N requests/s instead of as fast as the hub answers, so that CPU per request is
// compared at one rate (a hub that is not saturated spends more per request on each wake-up).
const RATE = Number(process.env.BENCH_FLOOD_RATE) > 0 ? Number(process.env.BENCH_FLOOD_RATE) : undefined;

function flood(kind: Kind, hubUrl: string, seconds: number, connections: number, publicKey: string, refused = false): Promise<LoadFigures> {
  const load = { connections, seconds, warmupSeconds: 0, ...(RATE ? { overallRate: RATE } : {}) };
  if (kind === 'cached name') return runLoad({ ...load, url: hubUrl + lookupPath(peerDomain(1)), expectStatus: 200 });
  if (kind === 'random names') {
    return runLoad({
      ...load,
      url: hubUrl + lookupPath(peerDomain(1)),
      expectStatus: 404,
      setupRequest: (req) => ({ ...req, path: lookupPath(`n${Math.random().toString(36).slice(2)}.${BENCH_ZONE}`) }),
    });
  }
  let next = 0;
  const registrations = { ...load, url: `${hubUrl}/api/v1/peers`, method: 'POST' as const, headers: { 'content-type': 'application/json' } };
  if (refused) {
    // Refused unread: one body for all, so that making distinct bodies does not slow the load generator down.
    const domain = `refused.${BENCH_ZONE}`;
    return runLoad({ ...registrations, expectStatus: 429, body: JSON.stringify({ domain, url: `https://${domain}`, public_key: publicKey }) });
  }
  return runLoad({
    ...registrations,
    expectStatus: 202,
    setupRequest: (req) => {
      const domain = `f${++next}-${process.pid}-${Date.now()}.${BENCH_ZONE}`;
      return { ...req, body: JSON.stringify({ domain, url: `https://${domain}`, public_key: publicKey }) };
    },
  });
}

async function exhaustRegistrations(hubUrl: string, publicKey: string): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const domain = `refused.${BENCH_ZONE}`;
    const response = await fetch(`${hubUrl}/api/v1/peers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain, url: `https://${domain}`, public_key: publicKey }),
    });
    await response.arrayBuffer();
    if (response.status === 429) return;
  }
  throw new Error('the registration limit was never reached');
}

async function measure(hub: BenchHub, kind: Kind, mode: Mode, seconds: number, connections: number, publicKey: string): Promise<FloodFigures> {
  // The per-IP limits count in wall-clock minutes: the run must not straddle a minute (two allowances).
  const untilNextMinute = 60_000 - (Date.now() % 60_000);
  if (mode === 'refused' && untilNextMinute < (seconds + 3) * 1000) await new Promise((resolve) => setTimeout(resolve, untilNextMinute + 50));
  // Warm the hub on this path first (JIT). When refusing, the flood address's allowance must be used up before the
  // measured part: 6,000 lookups take a second or two as cached ones, and 30 registrations no time at all.
  if (mode === 'refused' && kind !== 'registrations') await flood('cached name', hub.url, 2, connections, publicKey);
  await flood(kind, hub.url, 1, connections, publicKey, mode === 'refused');
  // On a busy machine a 1 s warm-up may not get through the 30 registrations the address is allowed: use up what is
  // left, so that the measured flood is refused from its first request.
  if (mode === 'refused' && kind === 'registrations') await exhaustRegistrations(hub.url, publicKey);
  const polite = politeClient(hub.url, lookupPath(peerDomain(2)));
  const cpuBefore = processCpuSeconds(hub.pid);
  const figures = await flood(kind, hub.url, seconds, connections, publicKey, mode === 'refused');
  const cpu = processCpuSeconds(hub.pid) - cpuBefore;
  const { latencies, failures } = await polite.stop();
  return {
    kind,
    mode,
    requestsPerSecond: figures.requestsPerSecond,
    // The polite client's requests are in the hub's CPU too; a few hundred against tens of thousands.
    cpuMicrosPerRequest: (cpu * 1e6) / Math.max(1, figures.requests),
    statusCodes: figures.statusCodes,
    politeP99Ms: percentile(latencies, 99),
    politeP50Ms: percentile(latencies, 50),
    politeRequests: latencies.length,
    politeFailures: failures,
  };
}

async function outboxDrained(db: TestDatabase, timeoutMs = 120_000): Promise<void> {
  const queued = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'queued'`))[0]!.n;
  if (!(await eventually(async () => (await queued()) === 0, timeoutMs))) throw new Error(`${await queued()} emails still queued after ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const config = benchConfig();
  const seconds = config.smoke ? 1 : Number(process.env.BENCH_FLOOD_SECONDS ?? 10);
  const connections = config.connections;
  const postgres = await postgresServer({ largestPeers: 1_000, reserveHugePages: false, log });
  process.env.TEST_DATABASE_URL = postgres.url;
  const mail = await startMailSink();
  const db = await createTestDatabase('bench_flood');
  const key = benchKey();
  const publicKey = key.pem.replace(/\r?\n/g, '');
  const stops: Array<() => Promise<void>> = [() => postgres.stop(), () => mail.close(), () => db.drop()];
  try {
    const seeding = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url });
    await seedPeers(db, key, 1, 1_000);
    await seeding.stop();

    const quietHub = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url });
    const quiet = politeClient(quietHub.url, lookupPath(peerDomain(2)));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const quietP99 = percentile((await quiet.stop()).latencies, 99);
    await quietHub.stop();
    log(`polite client alone: p99 ${quietP99.toFixed(1)} ms`);

    const floods: FloodFigures[] = [];
    // BENCH_FLOOD_ONLY="random names:served,…" runs only those (to repeat one measurement).
    const only = process.env.BENCH_FLOOD_ONLY?.split(',');
    for (const kind of ['cached name', 'random names', 'registrations'] as const) {
      for (const mode of ['served', 'refused'] as const) {
        if (only && !only.includes(`${kind}:${mode}`)) continue;
        // A fresh hub per run: the refused run's window must start empty, and no run inherits another's heap.
        // The default limits; a smoke run's flood is too short to use up 6,000, so it gets a tenth of that.
        const requestLimit = config.smoke ? '600' : '6000';
        const env: Record<string, string> = mode === 'refused' ? { RATE_IP_REQUESTS_PER_MINUTE: requestLimit, RATE_IP_REGISTRATIONS_PER_MINUTE: '30' } : {};
        const hub = await startBenchHub({ databaseUrl: db.url, smtpUrl: mail.url, env: { ...env, OUTBOX_CONCURRENCY: '8' } });
        try {
          const figures = await measure(hub, kind, mode, seconds, connections, publicKey);
          // The emails of the registrations it served are sent by this hub, not left to the next run's hub, whose
          // CPU they would count (a refused flood measured after served registrations cost 96 µs a request
          // instead of 40 so).
          await outboxDrained(db);
          floods.push(figures);
          log(
            `${kind}, ${mode}: ${figures.requestsPerSecond.toFixed(0)} req/s, ${figures.cpuMicrosPerRequest.toFixed(0)} µs hub CPU/request, ` +
              `statuses ${JSON.stringify(figures.statusCodes)}; polite client p50 ${figures.politeP50Ms.toFixed(1)} ms, p99 ${figures.politeP99Ms.toFixed(1)} ms ` +
              `(${figures.politeRequests} answered, ${figures.politeFailures} failed)`,
          );
        } finally {
          await hub.stop();
        }
      }
    }
    const results: FloodResults = { smoke: config.smoke, seconds, connections, quietPoliteP99Ms: quietP99, floods };
    printTable(results);
    if (process.env.BENCH_FLOOD_RESULTS) writeFileSync(process.env.BENCH_FLOOD_RESULTS, JSON.stringify(results, null, 2));
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => console.error(`cleanup: ${error.message}`));
  }
}

function printTable(results: FloodResults): void {
  const servedCached = results.floods.find((f) => f.kind === 'cached name' && f.mode === 'served')!;
  console.log(`\nflood from one address, ${results.connections} connections, ${results.seconds} s each; polite client alone p99 ${results.quietPoliteP99Ms.toFixed(1)} ms`);
  console.log('| flood | mode | req/s | hub CPU µs/req | vs served cached | polite p99 ms |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const f of results.floods) {
    const ratio = f.cpuMicrosPerRequest / servedCached.cpuMicrosPerRequest;
    console.log(`| ${f.kind} | ${f.mode} | ${f.requestsPerSecond.toFixed(0)} | ${f.cpuMicrosPerRequest.toFixed(0)} | ${ratio.toFixed(2)}× | ${f.politeP99Ms.toFixed(1)} |`);
  }
}

function log(message: string): void {
  console.log(`[flood ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`flood bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
