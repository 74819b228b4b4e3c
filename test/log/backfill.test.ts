/**
 * Peers confirmed before the log existed are logged by the backfill migration (SQL: leaf text and sha256 hashes),
 * and the result is the very tree the pure functions compute: roots, leaves, and a hub's proofs over it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  decodeLogEntry,
  foldSubtrees,
  leafHash,
  merkleRoot,
  openNote,
  parseCheckpoint,
  verifyInclusion,
} from '../../packages/client/src/log/index.js';
import { parsePublicKey } from '../../packages/client/src/protocol/index.js';
import { dataSourceOptions, runMigrations } from '../../packages/server/src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

const PEERS = 37;

describe('the backfill migration logs the peers confirmed before the log', () => {
  let db: TestDatabase;
  const keys = [generateTestKeyPair(), generateTestKeyPair({ type: 'ed25519' }), generateTestKeyPair({ type: 'ec', curve: 'P-256' })].map((pair) =>
    parsePublicKey(pair.publicPem),
  );

  before(async () => {
    db = await createTestDatabase('log_backfill');
    await runMigrations({ url: db.url });
    for (let i = 0; i < PEERS; i++) {
      const key = keys[i % keys.length]!;
      await db.query(
        `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, timestamptz '2026-03-01 10:00:00.123456+00' - $6 * interval '1 hour', $7)`,
        [`old${i}.backfill.example.com`, `https://old${i}.backfill.example.com/chat`, key.pem, key.fingerprint, `webmaster@old${i}.backfill.example.com`, i, i === 5 ? new Date() : null],
      );
    }
    // Back to the schema before the log, then forward again: the log migrations meet existing peers.
    const dataSource = new DataSource(dataSourceOptions({ url: db.url }));
    await dataSource.initialize();
    try {
      const logged = async () =>
        (await dataSource.query(`SELECT count(*)::int AS n FROM migrations WHERE name = 'TransparencyLog1765100000000'`))[0].n > 0;
      while (await logged()) await dataSource.undoLastMigration();
    } finally {
      await dataSource.destroy();
    }
    assert.equal((await db.query(`SELECT to_regclass('log_entries') AS t`))[0]!.t, null);
    await runMigrations({ url: db.url });
  });
  after(() => db.drop());

  it('writes one canonical register entry per unrevoked peer, oldest confirmation first', async () => {
    const rows = await db.query<{ idx: string; domain: string; leaf: Buffer; key_since: Date }>('SELECT * FROM log_entries ORDER BY idx');
    assert.equal(rows.length, PEERS - 1);
    const peers = await db.query<{ domain: string; url: string; public_key: string; fingerprint: string; confirmed_at: Date }>(
      'SELECT * FROM peers WHERE revoked_at IS NULL ORDER BY confirmed_at, domain',
    );
    rows.forEach((row, i) => {
      const entry = decodeLogEntry(row.leaf);
      const peer = peers[i]!;
      assert.equal(entry.index, i);
      assert.equal(Number(row.idx), i);
      assert.equal(entry.domain, peer.domain);
      assert.equal(entry.action, 'register');
      assert.equal(entry.url, peer.url);
      assert.equal(entry.publicKey, peer.public_key);
      assert.equal(entry.fingerprint, peer.fingerprint);
      assert.equal(entry.time, new Date(Math.floor(peer.confirmed_at.getTime())).toISOString());
      assert.equal(row.key_since.toISOString(), entry.time);
    });
  });

  it('stores the tree the pure functions compute: every node, and the head', async () => {
    const leaves = await db.query<{ leaf: Buffer }>('SELECT leaf FROM log_entries ORDER BY idx');
    const leafHashes = leaves.map(({ leaf }) => leafHash(leaf));
    const nodes = await db.query<{ level: number; idx: string; hash: Buffer }>('SELECT * FROM log_nodes');
    for (const node of nodes) {
      const width = 2 ** node.level;
      const start = Number(node.idx) * width;
      assert.ok(node.hash.equals(merkleRoot(leafHashes.slice(start, start + width))), `node ${node.level}/${node.idx}`);
    }
    // Every perfect subtree, and nothing else: floor(n / 2^level) nodes per level.
    let perfect = 0;
    for (let width = 1; width <= leafHashes.length; width *= 2) perfect += Math.floor(leafHashes.length / width);
    assert.equal(nodes.length, perfect);
    const [head] = await db.query<{ size: string; peaks: Buffer[] }>('SELECT size, peaks FROM log_head');
    assert.equal(Number(head!.size), PEERS - 1);
    assert.ok(foldSubtrees(head!.peaks).equals(merkleRoot(leafHashes)));
  });

  it('lets a hub answer lookups of those peers with a log object that verifies', async () => {
    const hub = await startTestHub('log_backfill', { REQUIRE_PUBLIC_SUFFIX: 'false' }, { db });
    try {
      const key = (await request(hub.url).get('/.well-known/federation-hub/log-key')).text.trim();
      const answer = await request(hub.url).get('/api/v1/peers/old7.backfill.example.com');
      assert.equal(answer.status, 200);
      const { log } = answer.body.peer;
      const checkpoint = parseCheckpoint(openNote(log.checkpoint, [key]).text);
      assert.equal(checkpoint.size, PEERS - 1);
      const leaf = Buffer.from(log.leaf, 'base64');
      assert.equal(decodeLogEntry(leaf).domain, 'old7.backfill.example.com');
      assert.ok(verifyInclusion(log.index, checkpoint.size, leafHash(leaf), log.inclusion.map((h: string) => Buffer.from(h, 'base64')), checkpoint.root));
      assert.equal((await request(hub.url).get('/api/v1/peers/old5.backfill.example.com')).status, 404, 'the revoked peer stays out');
    } finally {
      await hub.close();
    }
  });
});
