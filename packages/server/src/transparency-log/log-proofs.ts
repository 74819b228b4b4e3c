import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/hub-config.js';
import { Checkpoints } from './checkpoints.js';
import { inclusionFromStore } from './node-store.js';

/** `peer.log` of a lookup answer: the domain's current entry, its inclusion proof, and the checkpoint it is for. */
export interface PeerLog {
  index: number;
  tree_size: number;
  leaf: string;
  inclusion: string[];
  checkpoint: string;
}

/**
 * What the log says about a record: its log object, when its key was first confirmed, and whether the log object
 * is missing only for now (no checkpoint covered the entry yet: ask again soon).
 */
export interface LogForRecord {
  log: PeerLog | null;
  keySince: Date | null;
  pending: boolean;
}

/** A domain's newest log entry as the lookup reads it. */
export interface LogEntryRow {
  index: number;
  leaf: Buffer;
  keySince: Date | null;
}

/** The value of `field` in canonical leaf bytes ("\n<field> <value>\n"), or undefined. */
function leafLine(leaf: Buffer, field: string): string | undefined {
  const text = leaf.toString('utf8');
  const start = text.indexOf(`\n${field} `);
  if (start === -1) return undefined;
  const from = start + field.length + 2;
  return text.slice(from, text.indexOf('\n', from));
}

/** What lookups add to an answer from the log. */
@Injectable()
export class LogProofs {
  constructor(
    private readonly dataSource: DataSource,
    private readonly checkpoints: Checkpoints,
    private readonly config: HubConfig,
  ) {}

  /**
   * The log object for the record a lookup is about to answer, from the domain's newest entry (read with the
   * record), and when its key was first confirmed. log is null when that entry is not this record (a peer that
   * never went through the log), or (pending) when no checkpoint covers the entry within LOG_PROOF_WAIT_MS.
   */
  async forRecord(record: { url: string; fingerprint: string }, current: LogEntryRow | null): Promise<LogForRecord> {
    // The leaf was written canonical by encodeLogEntry; reading two of its lines is enough to match it to the
    // record (a full decode would parse the key again, which the answer does not need).
    if (!current || leafLine(current.leaf, 'url') !== record.url || leafLine(current.leaf, 'fingerprint') !== record.fingerprint) {
      return { log: null, keySince: null, pending: false };
    }
    // A lookup never hangs on the checkpoint rate: past LOG_PROOF_WAIT_MS the answer goes out without its log object,
    // cached only until the next checkpoint is due (Rocket.Chat gives a hub lookup 2 s in all).
    const checkpoint = await this.checkpoints.covering(current.index, this.config.logProofWaitMs);
    if (!checkpoint) return { log: null, keySince: current.keySince, pending: true };
    const { proof: inclusion } = await inclusionFromStore(this.dataSource, current.index, checkpoint.size);
    return {
      log: {
        index: current.index,
        tree_size: checkpoint.size,
        leaf: current.leaf.toString('base64'),
        inclusion: inclusion.map((hash) => hash.toString('base64')),
        checkpoint: checkpoint.note,
      },
      keySince: current.keySince,
      pending: false,
    };
  }
}
