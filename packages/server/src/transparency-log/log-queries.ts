import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeLogEntry } from '@federation-hub/client';
import { Checkpoints } from './checkpoints.js';
import { consistencyFromStore, inclusionFromStore } from './node-store.js';
import { TransparencyLog } from './transparency-log.js';

export const MAX_PAGE = 1000;

/** What the log endpoints answer; every rule about their parameters lives here, with the hub's 400 messages. */
@Injectable()
export class LogQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly log: TransparencyLog,
    private readonly checkpoints: Checkpoints,
  ) {}

  async entries(start: number, end: number | undefined, domain: string | undefined) {
    if (end !== undefined && end < start) throw new BadRequestException(`end: must not be less than start ${start}`);
    // Without a domain a page is a range of at most MAX_PAGE indices; with one, at most MAX_PAGE of its entries
    // anywhere in [start, end), end defaulting to the log's size (a monitor's first run is one request).
    if (domain === undefined && end !== undefined && end - start > MAX_PAGE) {
      throw new BadRequestException(`end: a page holds at most ${MAX_PAGE} entries`);
    }
    const { size } = await this.log.head(this.dataSource);
    const until = Math.min(end ?? (domain === undefined ? start + MAX_PAGE : size), size);
    const rows = (await this.dataSource.query(
      domain === undefined
        ? `SELECT idx, leaf FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT ${MAX_PAGE}`
        : `SELECT idx, leaf FROM log_entries WHERE domain = $3 AND idx >= $1 AND idx < $2 ORDER BY idx LIMIT ${MAX_PAGE}`,
      domain === undefined ? [start, until] : [start, until, domain],
    )) as Array<{ idx: string; leaf: Buffer }>;
    const entries = rows.map(({ leaf }) => {
      const entry = decodeLogEntry(leaf);
      return {
        index: entry.index,
        time: entry.time,
        domain: entry.domain,
        action: entry.action,
        url: entry.url,
        public_key: entry.publicKey,
        fingerprint: entry.fingerprint,
        previous_index: entry.previousIndex,
        reason: entry.reason,
        leaf: leaf.toString('base64'),
      };
    });
    return { entries, tree_size: size };
  }

  async inclusion(index: number, treeSize: number) {
    await this.withinLog(treeSize, 'tree_size');
    if (index >= treeSize) throw new BadRequestException(`index: must be less than tree_size ${treeSize}`);
    const { proof, leafHash } = await inclusionFromStore(this.dataSource, index, treeSize);
    return { index, tree_size: treeSize, leaf_hash: leafHash.toString('base64'), proof: proof.map((hash) => hash.toString('base64')) };
  }

  async consistency(first: number, second: number) {
    if (first > second) throw new BadRequestException(`first: must not exceed second ${second}`);
    await this.withinLog(second, 'second');
    const proof = await consistencyFromStore(this.dataSource, first, second);
    return { first, second, proof: proof.map((hash) => hash.toString('base64')) };
  }

  /**
   * A 400 naming `name` when `size` exceeds the log's size. Sizes up to the newest checkpoint's are within the log
   * (it only grows), so the usual proof request costs no read of the head.
   */
  private async withinLog(size: number, name: string): Promise<void> {
    if (size <= (this.checkpoints.current?.size ?? -1)) return;
    const head = await this.log.head(this.dataSource);
    if (size > head.size) throw new BadRequestException(`${name}: must not exceed the log's size ${head.size}`);
  }
}

/** A query parameter that must be a non-negative integer (decimal digits only), or a 400 naming it. */
export function indexParam(query: Record<string, unknown>, name: string, required: true): number;
export function indexParam(query: Record<string, unknown>, name: string, required: false): number | undefined;
export function indexParam(query: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = query[name];
  if (value === undefined) {
    if (required) throw new BadRequestException(`${name}: is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new BadRequestException(`${name}: must be given once`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new BadRequestException(`${name}: must be a non-negative integer`);
  }
  return Number(value);
}

/** Refuses parameters an endpoint does not know, naming the first one. */
export function onlyParams(query: Record<string, unknown>, allowed: string[]): void {
  const unknown = Object.keys(query).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new BadRequestException(`${unknown}: unknown query parameter (accepted: ${allowed.join(', ')})`);
}
