import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FederationError } from './errors.js';

/**
 * What a client, an auditor or a monitor remembers of a hub's log between runs: the newest checkpoint it verified
 * (the signed note, so it stays evidence), the verifier key it trusted, and a monitor's place in the log. JSON,
 * written whole to a temporary file and renamed, so a crash mid-write never leaves half a state.
 */
export interface LogState {
  /** The hub the state is about (canonical base URL). */
  hub: string;
  /** The log's verifier key line that was trusted (pinned on first use when none was configured). */
  log_key?: string;
  /** The newest checkpoint verified, as signed. */
  checkpoint?: string;
  /**
   * `federation-hub monitor`: the domain watched, the tree size up to which its entries were shown, and the index
   * of the newest of them (null: none yet), which the domain's next entry must name as its previous one.
   */
  monitor?: { domain: string; next: number; last?: number | null };
}

/** Thrown when the state file exists but cannot be read or is not a state: a local problem, never the hub's. */
export class LogStateError extends FederationError {
  readonly code = 'LOG_STATE_ERROR';
}

export function readLogState(path: string): LogState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogStateError(`cannot read the log state file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let state: LogState;
  try {
    state = JSON.parse(text) as LogState;
  } catch {
    throw new LogStateError(`the log state file ${path} is not JSON`);
  }
  const ok =
    typeof state === 'object' && state !== null && typeof state.hub === 'string' &&
    (state.log_key === undefined || typeof state.log_key === 'string') &&
    (state.checkpoint === undefined || typeof state.checkpoint === 'string') &&
    (state.monitor === undefined ||
      (typeof state.monitor.domain === 'string' && Number.isSafeInteger(state.monitor.next) &&
        (state.monitor.last === undefined || state.monitor.last === null || Number.isSafeInteger(state.monitor.last))));
  if (!ok) throw new LogStateError(`the log state file ${path} is not a federation-hub log state`);
  return state;
}

export function writeLogState(path: string, state: LogState): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    throw new LogStateError(`cannot write the log state file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
