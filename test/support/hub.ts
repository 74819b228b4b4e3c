import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubConfig } from '../../packages/server/src/config/hub-config.js';
import { startHub, type RunningHub } from '../../packages/server/src/hub.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { freePort } from './ports.js';
import { startSmtpCapture, type SmtpCapture, type SmtpCaptureOptions } from './smtp-capture.js';

export interface TestHub extends RunningHub {
  readonly db: TestDatabase;
  /** Closes the hub and drops its database (unless the database was passed in). */
  stop(): Promise<void>;
}

/** The environment every in-process test hub starts from; a test overrides what it is about. */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'hub-test-')),
    OUTBOX_POLL_MS: '50',
    // A lookup right after a confirmation waits for the checkpoint covering it: keep that wait short in tests.
    LOG_CHECKPOINT_SECONDS: '1',
    // Lookups right after a confirmation wait for its checkpoint (one a second here), with room for a loaded machine.
    LOG_PROOF_WAIT_MS: '4000',
    ...overrides,
  };
}

/**
 * A real hub, in this process, listening on a free loopback port, on a throwaway database
 * (or on `options.db`, to run several hubs on one database).
 */
export async function startTestHub(
  suite: string,
  env: Record<string, string> = {},
  options: { db?: TestDatabase } = {},
): Promise<TestHub> {
  const db = options.db ?? (await createTestDatabase(suite));
  // A known port up front, so that PUBLIC_URL (the base of emailed links) points at this very hub.
  const port = env.PORT ?? String(await freePort());
  const config = HubConfig.fromEnvironment(
    testEnvironment({ DATABASE_URL: db.url, PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, ...env }),
  );
  const hub = await startHub(config, () => {});
  return {
    ...hub,
    app: hub.app,
    db,
    close: hub.close,
    stop: async () => {
      await hub.close();
      if (!options.db) await db.drop();
    },
  };
}

export interface MailingTestHub extends TestHub {
  /** The SMTP capture server this hub delivers to. */
  readonly smtp: SmtpCapture;
}

/** A test hub that sends its email over SMTP to its own capture server; stop() closes both. */
export async function startMailingHub(
  suite: string,
  env: Record<string, string> = {},
  options: { db?: TestDatabase; smtp?: SmtpCaptureOptions } = {},
): Promise<MailingTestHub> {
  const smtp = await startSmtpCapture(options.smtp);
  const hub = await startTestHub(suite, { SMTP_URL: smtp.url, ...env }, options);
  return {
    ...hub,
    smtp,
    stop: async () => {
      await hub.stop();
      await smtp.close();
    },
  };
}
