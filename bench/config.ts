/**
 * How big and how long: the full run (`npm run bench`) or the smoke run (`BENCH_SMOKE=1` / `--smoke`, a second
 * or so per scenario, used by the test suite so the benchmark cannot rot).
 */
export interface BenchConfig {
  readonly smoke: boolean;
  /** Concurrent HTTP connections of every load scenario. */
  readonly connections: number;
  /** Seconds of measured load per scenario (and size), split between the lookup rounds. */
  readonly seconds: number;
  /** Seconds of registration load (shorter: every accepted registration's email is then awaited). */
  readonly registrationSeconds: number;
  /**
   * Unmeasured registrations first; their emails count too. Longer than the lookups' warm-up: CPU per registration
   * (hubs, PostgreSQL and load generator, from /proc) falls by about a third over the first ~15 s of registration
   * load as the JIT reaches the whole path (HTTP, validation, SQL, MIME, SMTP), then stays flat.
   */
  readonly registrationWarmupSeconds: number;
  /** Seconds of unmeasured load before the baseline and the random-peer lookups (JIT, caches, pools). */
  readonly warmupSeconds: number;
  /** Seconds of unmeasured load per scenario on each lookup round's fresh hubs (at speed after about half a second). */
  readonly roundWarmupSeconds: number;
  /** Alternating rounds of baseline, hot, 404 and cold lookups of both sizes (their seconds split between the rounds). */
  readonly pairedRounds: number;
  /** Confirmed peers in the "small" and "large" databases. */
  readonly smallPeers: number;
  readonly largePeers: number;
  /** Seconds the client-library cache-hit loop runs. */
  readonly clientLoopSeconds: number;
  /** Concurrent resolve() calls of one cold domain. */
  readonly clientConcurrency: number;
  /** Where results.json goes. */
  readonly resultsPath: string;
}

export function benchConfig(argv = process.argv.slice(2), env = process.env): BenchConfig {
  const smoke = argv.includes('--smoke') || env.BENCH_SMOKE === '1' || env.BENCH_SMOKE === 'true';
  const number = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    smoke,
    connections: number('BENCH_CONNECTIONS', 50),
    seconds: number('BENCH_SECONDS', smoke ? 1 : 24),
    registrationSeconds: number('BENCH_REGISTRATION_SECONDS', smoke ? 1 : 5),
    registrationWarmupSeconds: smoke ? 0.5 : 15,
    warmupSeconds: number('BENCH_WARMUP_SECONDS', smoke ? 0.5 : 3),
    roundWarmupSeconds: 1,
    pairedRounds: smoke ? 1 : 8,
    smallPeers: 1_000,
    largePeers: number('BENCH_LARGE_PEERS', smoke ? 20_000 : 1_000_000),
    clientLoopSeconds: smoke ? 0.5 : 3,
    clientConcurrency: 1_000,
    resultsPath: env.BENCH_RESULTS ?? new URL('../../bench/results.json', import.meta.url).pathname,
  };
}
