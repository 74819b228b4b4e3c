import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HubConfig } from '../config/hub-config.js';
import { describeSendError } from '../mail/retry.js';
import { TooManyRequestsException } from '../rate-limit/too-many-requests.exception.js';
import { ChallengeChecks } from './challenge-checks.service.js';

/** Challenges checked at once by one instance per round. */
const BATCH = 4;

/**
 * Re-checks live challenges in the background until they pass or expire, as ACME servers do, so a registrant who
 * published the record and never came back is confirmed anyway. Each challenge's next check moves away with
 * exponential back-off (CHALLENGE_RECHECK_BASE_SECONDS doubling up to CHALLENGE_RECHECK_MAX_SECONDS); due ones are
 * claimed with FOR UPDATE SKIP LOCKED and a lease, so instances share them and never check one twice at once. A
 * database outage only delays the re-checks; nothing here may crash the process.
 */
@Injectable()
export class ChallengeRecheckWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChallengeRecheckWorker.name);
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: HubConfig,
    private readonly checks: ChallengeChecks,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Sleeps first: nothing due is so urgent that it must compete with start-up for the pool. */
  private async run(): Promise<void> {
    while (this.running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.challengePollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (!this.running) break;
      try {
        await this.round();
      } catch (error) {
        this.logger.warn({ err: describeSendError(error) }, 'challenge re-check failed (database unavailable?); retrying at the next poll');
      }
    }
  }

  /** Checks what is due, batch after batch, until nothing is or the hub's check limit is reached. */
  private async round(): Promise<void> {
    while (this.running) {
      const claims = await this.checks.claimDue(BATCH);
      if (claims.length === 0) return;
      let limited = false;
      await Promise.all(
        claims.map(async (claim) => {
          try {
            await this.checks.checkClaimed(claim, 'background');
          } catch (error) {
            await this.checks.release(claim).catch(() => undefined);
            if (error instanceof TooManyRequestsException) limited = true;
            else throw error;
          }
        }),
      );
      if (limited) return;
    }
  }
}
