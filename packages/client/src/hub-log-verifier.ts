import { HubLogProofInvalid, HubUnavailable } from './errors.js';
import {
  type AnsweredRecord,
  checkConsistency,
  consistencyStep,
  inconsistent,
  logKeyName,
  openCheckpoint,
  type VerifiedCheckpoint,
  verifyPeerInclusion,
} from './hub-log.js';
import type { LogEntry } from './log/entry.js';
import { LogVerificationError } from './log/errors.js';
import { LogApi } from './log-api.js';
import { type LogState, LogStateError, readLogState, writeLogState } from './log-state.js';

export interface HubLogOptions {
  /**
   * The log's verifier key: its note-format line `<origin>+<key id>+<base64 key>` (the hub publishes it at
   * `/.well-known/federation-hub/log-key`; configure it from a trusted copy), or several during a key rotation.
   */
  logKey?: string | readonly string[];
  /**
   * Without logKey: fetch the hub's verifier key on first use and pin it (in the state file when there is one).
   * Weaker than a configured key: it trusts the hub's first answer.
   */
  trustLogKeyOnFirstUse?: boolean;
  /** A file that keeps the newest checkpoint verified across restarts (created when missing). */
  logStateFile?: string;
}

/** How many checkpoints proved consistent with the newest are remembered, so that each is proved once. */
const KNOWN_CHECKPOINTS = 64;

/**
 * Checks a hub's log evidence with memory: every checkpoint must be signed by the log's key and consistent with
 * the newest checkpoint seen before (asking the hub for the consistency proof), and the newest is kept, in the
 * state file when one is given. Checks are serialised, so concurrent lookups cannot interleave their updates.
 */
export class HubLogVerifier {
  private readonly api: LogApi;
  private keys: string[] | undefined;
  private newest: VerifiedCheckpoint | undefined;
  private loaded = false;
  private readonly known = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    hubUrl: string,
    private readonly options: HubLogOptions & { timeoutMs?: number },
  ) {
    this.api = new LogApi(hubUrl, options.timeoutMs);
    const keys = options.logKey === undefined ? undefined : typeof options.logKey === 'string' ? [options.logKey] : [...options.logKey];
    if (keys !== undefined) {
      if (keys.length === 0) throw new TypeError('logKey must name at least one verifier key');
      for (const key of keys) {
        try {
          logKeyName(key);
        } catch (error) {
          if (error instanceof LogVerificationError) throw new TypeError(`logKey: ${error.message}`);
          throw error;
        }
      }
      this.keys = keys;
    } else if (!options.trustLogKeyOnFirstUse) {
      throw new TypeError('the log check needs logKey (or trustLogKeyOnFirstUse)');
    }
  }

  get hubUrl(): string {
    return this.api.base;
  }

  /** The newest checkpoint verified so far (after load), or undefined. */
  async current(): Promise<VerifiedCheckpoint | undefined> {
    return this.serial(async () => {
      await this.load();
      return this.newest;
    });
  }

  /**
   * Checks a lookup answer's `peer.log`: the checkpoint's signature, the inclusion of exactly this record, and the
   * checkpoint's consistency with the newest seen. Returns the log entry the answer rests on.
   */
  async verifyAnswer(log: unknown, record: AnsweredRecord): Promise<LogEntry> {
    return this.serial(async () => {
      await this.load();
      // Peers confirmed before the hub had a log have none (log: null): refused, there is nothing to check.
      if (typeof log !== 'object' || log === null) throw new HubLogProofInvalid(this.hubUrl, 'the answer carries no log object', record.domain);
      const checkpoint = openCheckpoint((log as { checkpoint?: unknown }).checkpoint, await this.verifierKeys(), this.hubUrl, record.domain);
      const entry = verifyPeerInclusion(log, record, checkpoint, this.hubUrl);
      await this.advance(checkpoint);
      return entry;
    });
  }

  /** Fetches the hub's latest checkpoint and checks it as verifyAnswer does (the auditor's step). */
  async audit(): Promise<{ previous: VerifiedCheckpoint | undefined; checkpoint: VerifiedCheckpoint }> {
    return this.serial(async () => {
      await this.load();
      const previous = this.newest;
      const checkpoint = openCheckpoint(await this.api.checkpoint(), await this.verifierKeys(), this.hubUrl);
      await this.advance(checkpoint);
      return { previous, checkpoint };
    });
  }

  private async advance(served: VerifiedCheckpoint): Promise<void> {
    const seen = this.newest;
    if (!seen) return this.adopt(served);
    if (this.known.has(identity(served))) return;
    const step = consistencyStep(seen, served, this.hubUrl);
    if (step.kind === 'same') return;
    let proof: Buffer[];
    try {
      proof = await this.api.consistencyProof(step.older.size, step.newer.size);
    } catch (error) {
      // A hub that will not prove a size it signed (it says its log is shorter now) has rolled its log back.
      if (error instanceof HubUnavailable && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 429) {
        throw inconsistent(this.hubUrl, seen, served, `the hub refused the consistency proof from size ${step.older.size} to ${step.newer.size}: ${error.message}`);
      }
      throw error;
    }
    checkConsistency(step, proof, seen, this.hubUrl);
    if (served.size > seen.size) this.adopt(served);
    else this.remember(served);
  }

  private adopt(checkpoint: VerifiedCheckpoint): void {
    this.newest = checkpoint;
    // The ones remembered stay valid: a prefix of the old newest is a prefix of the new one, which extends it.
    this.remember(checkpoint);
    this.save();
  }

  private remember(checkpoint: VerifiedCheckpoint): void {
    if (this.known.size >= KNOWN_CHECKPOINTS) this.known.delete(this.known.values().next().value!);
    this.known.add(identity(checkpoint));
  }

  private async verifierKeys(): Promise<string[]> {
    if (this.keys) return this.keys;
    const fetched = await this.api.verifierKey();
    try {
      logKeyName(fetched);
    } catch (error) {
      if (error instanceof LogVerificationError) throw new HubLogProofInvalid(this.hubUrl, `the hub's published log key: ${error.message}`);
      throw error;
    }
    this.keys = [fetched];
    this.save();
    return this.keys;
  }

  /** Reads the state file once: a pinned key (trust on first use) and the checkpoint, whose signature is checked again. */
  private async load(): Promise<void> {
    if (this.loaded) return;
    const file = this.options.logStateFile;
    const state = file === undefined ? undefined : readLogState(file);
    if (state) {
      if (state.hub !== this.hubUrl) throw new LogStateError(`the log state file ${file} is about the hub ${state.hub}, not ${this.hubUrl}`);
      if (!this.keys && state.log_key) this.keys = [state.log_key];
      if (state.checkpoint !== undefined) {
        try {
          this.newest = openCheckpoint(state.checkpoint, await this.verifierKeys(), this.hubUrl);
        } catch (error) {
          if (!(error instanceof HubLogProofInvalid)) throw error;
          throw new LogStateError(`the checkpoint saved in ${file} does not verify with the log key (${error.detail}); find out why before deleting the file`);
        }
        this.remember(this.newest);
      }
    }
    this.loaded = true;
  }

  private save(): void {
    const file = this.options.logStateFile;
    if (file === undefined) return;
    const previous = readLogState(file);
    const state: LogState = {
      ...previous,
      hub: this.hubUrl,
      ...(this.options.logKey === undefined && this.keys ? { log_key: this.keys[0] } : {}),
      ...(this.newest ? { checkpoint: this.newest.note } : {}),
    };
    writeLogState(file, state);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function identity(checkpoint: VerifiedCheckpoint): string {
  return `${checkpoint.size}:${checkpoint.root.toString('base64')}`;
}
