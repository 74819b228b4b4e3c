/**
 * The hub under test, run as `node .build/packages/server/src/main.js` in its own process (test/support/hub-process.ts), so that
 * it does not share an event loop with the load generator; limits raised so that they never answer 429.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubProcess, spawnHub } from '../test/support/hub-process.js';
import { freePort } from '../test/support/ports.js';

export interface BenchHub {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startBenchHub(options: { databaseUrl: string; smtpUrl: string; env?: Record<string, string> }): Promise<BenchHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  const port = await freePort();
  const hub: HubProcess = await spawnHub({
    DATABASE_URL: options.databaseUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    SMTP_URL: options.smtpUrl,
    LOG_LEVEL: 'warn',
    // The heap limits `npm run serve` runs the hub with (package.json): V8 otherwise lets the heap grow far past the
    // live data under load (RSS ~290 MiB instead of ~200 MiB after the same random lookups, and no faster); and the
    // young generation at 8 MiB per semi-space: Node 24 grows it to 64 MiB (new space 128 MiB), ~95 MB more RSS
    // after the 1,000,000-peer scenarios; 16, Node 20's, left the peak at 299-301 MB (docs/performance.md, AI-AK).
    NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8',
    REQUIRE_PUBLIC_SUFFIX: 'false',
    RATE_IP_REQUESTS_PER_MINUTE: '10000000',
    RATE_IP_REGISTRATIONS_PER_MINUTE: '1000000',
    RATE_DOMAIN_COOLDOWN_SECONDS: '0',
    RATE_DOMAIN_DAILY_CAP: '1000',
    ...options.env,
  });
  return {
    url: hub.url,
    pid: hub.child.pid!,
    stop: async () => {
      const code = await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) console.error(`hub exited with ${code}:\n${hub.output().slice(-2000)}`);
    },
  };
}
