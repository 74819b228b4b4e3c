import { createHash } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ownedBytes } from '../common/owned-bytes.js';
import { HubConfig } from '../config/hub-config.js';
import { CHANNELS } from '../database/channels.js';
import { PgListener } from '../database/pg-listener.js';
import { PreparedStatement } from '../database/prepared-statement.js';
import type { LookupResponse } from '@federation-hub/client/protocol';
import { SigningService } from '../signing/signing.service.js';
import { LogProofs, type LogEntryRow } from '../transparency-log/log-proofs.js';
import { LookupCache } from './lookup-cache.js';
import { PeerEvents } from '../peer-record/peer-events.js';
import type { Peer } from '../peer-record/peer.entity.js';

/** A lookup answer ready to send: the serialized body, its ETag and how long it may be cached. */
export interface LookupAnswer {
  /** The JSON body as sent, encoded once; kept only as bytes (outside the JS heap) to keep cached answers small. */
  bytes: Buffer;
  etag: string;
  maxAgeSeconds: number;
  /** When the signed proof inside stops being fresh enough to hand out (half its lifetime). */
  refreshAt: number;
}

/** What a lookup reads of a confirmed peer: what its answer says and signs, and the domain's newest log entry. */
type AnsweredPeer = Pick<Peer, 'domain' | 'url' | 'publicKey' | 'fingerprint' | 'confirmedAt'> & { logEntry: LogEntryRow | null };

// Hand-written rather than findOneBy: on a cache miss TypeORM's query building cost more than the read itself.
// The domain's newest log entry comes in the same read (and from the same snapshot, replica or not).
const READ_ANSWERED_PEER = new PreparedStatement<Omit<AnsweredPeer, 'logEntry'> & { log_idx: string | null; log_leaf: Buffer | null; log_key_since: Date | null }>(
  'read_answered_peer',
  `SELECT p.domain, p.url, p.public_key AS "publicKey", p.fingerprint, p.confirmed_at AS "confirmedAt",
          e.idx AS log_idx, e.leaf AS log_leaf, e.key_since AS log_key_since
     FROM peers p
     LEFT JOIN LATERAL (SELECT idx, leaf, key_since FROM log_entries WHERE domain = p.domain ORDER BY idx DESC LIMIT 1) e ON true
    WHERE p.domain = $1 AND p.revoked_at IS NULL`,
);

// "Not found" is remembered briefly: unknown domains must not be a cheap way to load the database.
// A confirmation anywhere invalidates it at once through NOTIFY, so this only bounds a missed notification.
const NOT_FOUND_TTL_MS = 30_000;
export const NOT_FOUND_MAX_AGE_SECONDS = 30;

/** The 404 answer of a lookup, in the hub's error format (shared by the controller and the fast path). */
export function notFoundBody(domain: string) {
  return {
    statusCode: 404,
    error: 'Not Found',
    message: `domain: ${domain} is not registered with this hub (or not confirmed yet)`,
  };
}

/**
 * Answers "where is this domain?" from confirmed, unrevoked peers only; each answer carries a signed proof.
 * Answers (and misses) are cached in memory, serialized and signed, while the instance is LISTENing for
 * changes; without that connection every lookup goes to the database.
 */
@Injectable()
export class LookupService implements OnModuleInit {
  private readonly cache: LookupCache<LookupAnswer | null>;
  private readonly inFlight = new Map<string, Promise<LookupAnswer | null>>();
  // Domains just changed on the primary: their next read goes to the primary, not a replica that may lag.
  private readonly changedOnPrimary = new Set<string>();

  constructor(
    private readonly config: HubConfig,
    private readonly dataSource: DataSource,
    private readonly signing: SigningService,
    private readonly listener: PgListener,
    private readonly events: PeerEvents,
    private readonly logProofs: LogProofs,
  ) {
    this.cache = new LookupCache(config.lookupCacheEntries);
  }

  onModuleInit(): void {
    this.listener.on('notification', (channel: string, domain: string) => {
      if (channel === CHANNELS.peerChanged) this.invalidate(domain);
    });
    this.events.on('changed', (domain: string) => this.invalidate(domain));
    this.listener.on('reset', () => this.cache.clear());
  }

  private invalidate(domain: string): void {
    this.cache.delete(domain);
    if (this.config.databaseReplicaUrls.length > 0) this.changedOnPrimary.add(domain);
  }

  /** The cached answer (null: cached "not found"), or undefined when it is not cached or the cache is not trusted. */
  peek(domain: string): LookupAnswer | null | undefined {
    if (!this.listener.connected || this.config.lookupCacheEntries === 0) return undefined;
    return this.cache.get(domain);
  }

  async find(domain: string): Promise<LookupAnswer | null> {
    const cacheable = this.listener.connected && this.config.lookupCacheEntries > 0;
    if (cacheable) {
      const cached = this.cache.get(domain);
      if (cached !== undefined) return cached;
    }
    // Concurrent misses for one domain share one query.
    let pending = this.inFlight.get(domain);
    if (!pending) {
      pending = this.load(domain, cacheable).finally(() => this.inFlight.delete(domain));
      this.inFlight.set(domain, pending);
    }
    return pending;
  }

  private async load(domain: string, cacheable: boolean): Promise<LookupAnswer | null> {
    const fill = this.cache.startFill();
    // Reads go to a replica when DATABASE_REPLICA_URLS is set (TypeORM's default for reads).
    const runner = this.dataSource.createQueryRunner(this.changedOnPrimary.delete(domain) ? 'master' : 'slave');
    let rows: Awaited<ReturnType<typeof READ_ANSWERED_PEER.run>>;
    try {
      rows = await READ_ANSWERED_PEER.run(runner, [domain]);
    } finally {
      await runner.release();
    }
    const row = rows[0];
    const answer = row
      ? await this.answer({
          ...row,
          logEntry: row.log_idx === null ? null : { index: Number(row.log_idx), leaf: row.log_leaf!, keySince: row.log_key_since },
        })
      : null;
    if (cacheable) this.cache.set(domain, answer, answer ? answer.refreshAt - Date.now() : NOT_FOUND_TTL_MS, fill);
    return answer;
  }

  private async answer(peer: AnsweredPeer, now = new Date()): Promise<LookupAnswer> {
    const subject = {
      domain: peer.domain,
      url: peer.url,
      public_key: peer.publicKey,
      fingerprint: peer.fingerprint,
      confirmed_at: peer.confirmedAt.toISOString(),
    };
    // The log object is built once per answer and cached with it: the hot path serves it at no extra cost.
    // A cached answer keeps its checkpoint until it is refreshed; the proof stays valid for that checkpoint.
    const logged = await this.logProofs.forRecord(peer, peer.logEntry);
    const { proof, expiresAt } = await this.signing.sign(logged.log ? { ...subject, log_index: logged.log.index } : subject, now);
    const response: LookupResponse = {
      peer: { ...subject, key_since: logged.keySince?.toISOString() ?? null, log: logged.log, proof },
    };
    // Its own buffer, not a slice of a shared pool that the cache would keep alive with it (see ownedBytes).
    const bytes = ownedBytes(JSON.stringify(response));
    // Without a log object only until a checkpoint covers the entry: ask again once the next one is due.
    const lifetimeMs = logged.pending
      ? Math.min(expiresAt.getTime() - now.getTime(), 2 * this.config.logCheckpointSeconds * 1000)
      : expiresAt.getTime() - now.getTime();
    return {
      bytes,
      etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
      // Never let a client keep an answer past the point where its proof would be stale.
      maxAgeSeconds: Math.max(0, Math.min(this.config.lookupCacheSeconds, Math.floor(lifetimeMs / 2000))),
      refreshAt: now.getTime() + lifetimeMs / 2,
    };
  }
}
