import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CHANNELS } from '../database/channels.js';
import { decodeLogEntry, encodeLogEntry, leafHash, nodeHash, type LogAction, type LogEntry } from '@federation-hub/client';

/** A change to what lookups return, as the flow that makes it describes it. */
export type LogChange =
  | { domain: string; action: 'register' | 'update'; url: string; publicKey: string; fingerprint: string }
  | { domain: string; action: 'remove' }
  | { domain: string; action: 'revoke'; reason: string };

export interface Appended {
  index: number;
  time: Date;
  /** When the key now served was first confirmed for the domain (null after a removal or revocation). */
  keySince: Date | null;
}

/** A domain's newest entry: what lookups answer for it, if anything. */
export interface CurrentEntry {
  index: number;
  leaf: Buffer;
  entry: LogEntry;
  keySince: Date | null;
}

/**
 * The append-only log of every change to what lookups return (docs/transparency-log.md). append() runs inside
 * the caller's transaction, so an entry exists exactly when its change committed.
 */
@Injectable()
export class TransparencyLog {
  /**
   * Appends one entry in the transaction of `manager`. The log head's row lock serialises appends of every
   * connection and instance until that transaction ends: indices have no gaps and no duplicates, and a rolled
   * back change leaves no entry. Writes the entry, the new perfect-subtree hashes and the new head.
   */
  async append(manager: EntityManager, change: LogChange, at = new Date()): Promise<Appended> {
    const [head] = (await manager.query(`SELECT size, peaks FROM log_head WHERE id = 1 FOR UPDATE`)) as Array<{ size: string; peaks: Buffer[] }>;
    if (!head) throw new Error('log_head is missing: run the migrations');
    const index = Number(head.size);
    const previous = await this.current(manager, change.domain);
    const carriesRecord = change.action === 'register' || change.action === 'update';
    const entry: LogEntry = {
      index,
      time: at.toISOString(),
      domain: change.domain,
      action: change.action as LogAction,
      url: carriesRecord ? change.url : null,
      fingerprint: carriesRecord ? change.fingerprint : null,
      previousIndex: previous?.index ?? null,
      reason: change.action === 'revoke' ? change.reason : null,
      publicKey: carriesRecord ? change.publicKey : null,
    };
    const leaf = encodeLogEntry(entry);
    const keySince = !carriesRecord
      ? null
      : previous?.keySince && previous.entry.fingerprint === entry.fingerprint
        ? previous.keySince
        : at;

    // The new leaf joins the compact range: it merges with the smallest peaks while its index is odd at that level.
    const peaks = [...head.peaks];
    const levels: number[] = [0];
    const indices: string[] = [String(index)];
    const hashes: Buffer[] = [leafHash(leaf)];
    let carry = hashes[0]!;
    let position = index;
    let level = 0;
    while (position % 2 === 1) {
      carry = nodeHash(peaks.pop()!, carry);
      position = Math.floor(position / 2);
      level += 1;
      levels.push(level);
      indices.push(String(position));
      hashes.push(carry);
    }
    peaks.push(carry);

    await manager.query(`INSERT INTO log_entries (idx, domain, leaf, key_since) VALUES ($1, $2, $3, $4)`, [
      index,
      change.domain,
      leaf,
      keySince,
    ]);
    await manager.query(`INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`, [
      levels,
      indices,
      hashes,
    ]);
    await manager.query(`UPDATE log_head SET size = $1, peaks = $2 WHERE id = 1`, [index + 1, peaks]);
    // Delivered at commit, to every instance: a checkpoint may now be due (checkpoints.ts).
    await manager.query('SELECT pg_notify($1, $2)', [CHANNELS.logGrew, String(index)]);
    return { index, time: at, keySince };
  }

  /** The domain's newest entry, or null when the log has none for it. */
  async current(db: Pick<EntityManager, 'query'>, domain: string): Promise<CurrentEntry | null> {
    const [row] = (await db.query(
      `SELECT idx, leaf, key_since FROM log_entries WHERE domain = $1 ORDER BY idx DESC LIMIT 1`,
      [domain],
    )) as Array<{ idx: string; leaf: Buffer; key_since: Date | null }>;
    if (!row) return null;
    return { index: Number(row.idx), leaf: row.leaf, entry: decodeLogEntry(row.leaf), keySince: row.key_since };
  }

  /** The log's size and compact range (its root is their right fold). */
  async head(db: Pick<EntityManager, 'query'>): Promise<{ size: number; peaks: Buffer[] }> {
    const [row] = (await db.query(`SELECT size, peaks FROM log_head WHERE id = 1`)) as Array<{ size: string; peaks: Buffer[] }>;
    return { size: Number(row!.size), peaks: row!.peaks };
  }
}
