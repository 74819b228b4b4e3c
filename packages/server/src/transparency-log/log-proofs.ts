import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LogVerificationError } from '@federation-hub/client';
import { Checkpoints } from './checkpoints.js';
import { inclusionFromStore } from './node-store.js';
import { TransparencyLog } from './transparency-log.js';

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

/** What lookups add to an answer from the log. */
@Injectable()
export class LogProofs {
  constructor(
    private readonly dataSource: DataSource,
    private readonly log: TransparencyLog,
    private readonly checkpoints: Checkpoints,
  ) {}

  /**
   * The log object for the record a lookup is about to answer, and when its key was first confirmed.
   * log is null when the log's newest entry for the domain is not this record (a peer confirmed before the log
   * existed), or (pending) when no checkpoint covers the entry within LOG_CHECKPOINT_SECONDS + 1 s.
   */
  async forRecord(record: { domain: string; url: string; fingerprint: string }): Promise<LogForRecord> {
    let current: Awaited<ReturnType<TransparencyLog['current']>>;
    try {
      current = await this.log.current(this.dataSource, record.domain);
    } catch (error) {
      // A leaf that does not decode must not take lookups down; the answer goes out without a log object, which a
      // verifying client refuses, and auditors see the leaf as it is.
      if (error instanceof LogVerificationError) return { log: null, keySince: null, pending: false };
      throw error;
    }
    if (!current || current.entry.url !== record.url || current.entry.fingerprint !== record.fingerprint) {
      return { log: null, keySince: null, pending: false };
    }
    const checkpoint = await this.checkpoints.covering(current.index);
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
