import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeLogEntry } from '@federation-hub/client';
import { consistencyFromStore, inclusionFromStore } from './node-store.js';
import { TransparencyLog } from './transparency-log.js';

export const MAX_PAGE = 1000;

/** What the log endpoints answer; every rule about their parameters lives here, with the hub's 400 messages. */
@Injectable()
export class LogQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly log: TransparencyLog,
  ) {}

  async entries(start: number, end: number | undefined, domain: string | undefined) {
    if (end !== undefined && end < start) throw new BadRequestException(`end: must not be less than start ${start}`);
    if (end !== undefined && end - start > MAX_PAGE) throw new BadRequestException(`end: a page holds at most ${MAX_PAGE} entries`);
    const { size } = await this.log.head(this.dataSource);
    const until = Math.min(end ?? start + MAX_PAGE, size);
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
    const { size } = await this.log.head(this.dataSource);
    if (treeSize > size) throw new BadRequestException(`tree_size: must not exceed the log's size ${size}`);
    if (index >= treeSize) throw new BadRequestException(`index: must be less than tree_size ${treeSize}`);
    const [row] = (await this.dataSource.query(`SELECT hash FROM log_nodes WHERE level = 0 AND idx = $1`, [index])) as Array<{ hash: Buffer }>;
    const proof = await inclusionFromStore(this.dataSource, index, treeSize);
    return { index, tree_size: treeSize, leaf_hash: row!.hash.toString('base64'), proof: proof.map((hash) => hash.toString('base64')) };
  }

  async consistency(first: number, second: number) {
    if (first > second) throw new BadRequestException(`first: must not exceed second ${second}`);
    const { size } = await this.log.head(this.dataSource);
    if (second > size) throw new BadRequestException(`second: must not exceed the log's size ${size}`);
    const proof = await consistencyFromStore(this.dataSource, first, second);
    return { first, second, proof: proof.map((hash) => hash.toString('base64')) };
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
