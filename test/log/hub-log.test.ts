/**
 * The hub's transparency log with a real PostgreSQL and real SMTP: appends in the transaction of every change,
 * gap-free under two instances, append-only by the database's own rule, proofs that verify with the pure client
 * functions, and endpoints that answer bad parameters with a 400 naming them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import request from 'supertest';
import {
  decodeLogEntry,
  leafHash,
  openNote,
  parseCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../packages/client/src/log/index.js';
import { fingerprintOf } from '../../packages/client/src/protocol/index.js';
import { HousekeepingService } from '../../packages/server/src/housekeeping/housekeeping.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { extractLink } from '../support/smtp-capture.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';

const ADMIN_TOKEN = 'admin-token-for-the-transparency-log-test';
const CHECKPOINT_SECONDS = 2;
const b64 = (value: string) => Buffer.from(value, 'base64');

describe('transparency log on two hub instances sharing one database', () => {
  let db: TestDatabase;
  let smtp: SmtpCapture;
  let a: TestHub;
  let b: TestHub;
  let logKey: string;
  const key = generateTestKeyPair({ type: 'ed25519' }).publicPem;
  const otherKey = generateTestKeyPair({ type: 'ed25519' }).publicPem;
  const DOMAINS = Array.from({ length: 16 }, (_, i) => `peer${i}.log.example.com`);

  /**
   * Register → email → confirm, waiting for a confirmation email not used before (the owner notices of earlier
   * changes go to the same address and may arrive in between); says which emails arrived when none comes.
   */
  const usedLinks = new Set<string>();
  const confirmThrough = async (hub: TestHub, body: { domain: string; url: string; public_key: string }) => {
    const before = smtp.messages.length;
    const accepted = await register(hub.url, body);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    let link: string | undefined;
    try {
      await smtp.waitFor((m, index) => {
        if (index < before) return false;
        const found = m.to.includes(accepted.body.contact) ? extractLink(m.text) : undefined;
        if (!found || usedLinks.has(found)) return false;
        link = found;
        return true;
      }, 15_000);
    } catch (error) {
      const seen = smtp.messages.map((m) => `${m.to} ${m.subject}`).join('\n');
      throw new Error(`${(error as Error).message}; emails so far:\n${seen}`);
    }
    usedLinks.add(link!);
    const token = link!.slice(link!.lastIndexOf('/') + 1);
    const confirmed = await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json');
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  };

  const checkpointOf = async (hub: TestHub) => {
    const response = await request(hub.url).get('/api/v1/log/checkpoint');
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type']!, /^text\/plain/);
    const { text } = openNote(response.text, [logKey]);
    return { note: response.text, ...parseCheckpoint(text) };
  };

  before(async () => {
    db = await createTestDatabase('transparency_log');
    smtp = await startSmtpCapture();
    const env = {
      SMTP_URL: smtp.url,
      ADMIN_TOKEN,
      LOG_CHECKPOINT_SECONDS: String(CHECKPOINT_SECONDS),
      LOG_ORIGIN: 'hub.log.example.com/fed',
      RATE_DOMAIN_COOLDOWN_SECONDS: '0',
      RATE_IP_REGISTRATIONS_PER_MINUTE: '1000',
    };
    a = await startTestHub('transparency_log', env, { db });
    b = await startTestHub('transparency_log', env, { db });
    const published = await request(a.url).get('/.well-known/federation-hub/log-key');
    assert.equal(published.status, 200);
    assert.equal(published.headers['access-control-allow-origin'], '*');
    logKey = published.text.trim();
    assert.match(logKey, /^hub\.log\.example\.com\/fed\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    assert.equal((await request(b.url).get('/.well-known/federation-hub/log-key')).text.trim(), logKey, 'one key on every instance');
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await smtp?.close();
    await db?.drop();
  });

  it('starts with a signed checkpoint of the empty tree', async () => {
    const checkpoint = await checkpointOf(a);
    assert.equal(checkpoint.origin, 'hub.log.example.com/fed');
    assert.equal(checkpoint.size, 0);
    assert.equal(checkpoint.root.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives gap-free, duplicate-free indices to concurrent confirmations on two instances, and both serve the same checkpoint within LOG_CHECKPOINT_SECONDS + 1 s', async () => {
    const tokens: string[] = [];
    for (const [i, domain] of DOMAINS.entries()) {
      const before = smtp.messages.length;
      const accepted = await register((i % 2 ? a : b).url, { domain, url: `https://${domain}`, public_key: key });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      tokens.push((await confirmationLinkFor(smtp, accepted.body.contact, undefined, before)).token);
    }
    // All confirmations at once, half on each instance.
    const confirmed = await Promise.all(
      tokens.map((token, i) => request((i % 2 ? b : a).url).post(`/confirm/${token}`).set('Accept', 'application/json')),
    );
    assert.deepEqual(confirmed.map((r) => r.status), tokens.map(() => 200));
    const lastCommitted = Date.now();

    const rows = await db.query<{ idx: string; domain: string }>('SELECT idx, domain FROM log_entries ORDER BY idx');
    assert.deepEqual(rows.map((row) => Number(row.idx)), DOMAINS.map((_, i) => i), 'indices 0…n-1, each once');
    assert.deepEqual(rows.map((row) => row.domain).sort(), [...DOMAINS].sort(), 'each confirmation logged once');
    const [head] = await db.query<{ size: string }>('SELECT size FROM log_head');
    assert.equal(Number(head!.size), DOMAINS.length);

    // The deadline the issue sets: both instances serve the checkpoint of the grown tree within N + 1 s.
    const deadline = lastCommitted + (CHECKPOINT_SECONDS + 1) * 1000;
    let seen: [string, string] | undefined;
    while (Date.now() <= deadline) {
      const [fromA, fromB] = await Promise.all([checkpointOf(a), checkpointOf(b)]);
      if (fromA.size === DOMAINS.length && fromB.size === DOMAINS.length) {
        seen = [fromA.note, fromB.note];
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(seen, `both instances did not serve a checkpoint of size ${DOMAINS.length} within ${CHECKPOINT_SECONDS + 1} s`);
    assert.equal(seen[0], seen[1], 'the same signed checkpoint on both instances');
    const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM log_checkpoints WHERE size = $1', [DOMAINS.length]);
    assert.equal(count[0]!.n, 1, 'signed once, by one instance');
  });

  it('puts a log object in lookup answers that verifies with the pure functions, and signs its index', async () => {
    const domain = DOMAINS[3]!;
    for (const hub of [a, b]) {
      const answer = await request(hub.url).get(`/api/v1/peers?search=${domain}`);
      assert.equal(answer.status, 200);
      const { peer } = answer.body;
      const { text } = openNote(peer.log.checkpoint, [logKey]);
      const checkpoint = parseCheckpoint(text);
      assert.equal(peer.log.tree_size, checkpoint.size);
      const leaf = b64(peer.log.leaf);
      const entry = decodeLogEntry(leaf);
      assert.equal(entry.index, peer.log.index);
      assert.equal(entry.domain, domain);
      assert.equal(entry.action, 'register');
      assert.equal(entry.url, peer.url);
      assert.equal(entry.fingerprint, peer.fingerprint);
      assert.equal(entry.fingerprint, fingerprintOf(key));
      assert.equal(entry.publicKey, peer.public_key);
      assert.equal(peer.key_since, entry.time);
      assert.ok(verifyInclusion(entry.index, checkpoint.size, leafHash(leaf), peer.log.inclusion.map(b64), checkpoint.root));
      assert.equal(decodeJwt(peer.proof).log_index, entry.index);
      // A leaf with another key in it (a hub swapping the key) no longer matches the inclusion proof.
      const swapped = Buffer.from(leaf.toString('utf8').replace(/^key .*$/m, `key ${b64(otherKey.replace(/-----[A-Z ]+-----|\n/g, '')).toString('base64')}`));
      assert.notDeepEqual(swapped, leaf);
      assert.equal(verifyInclusion(entry.index, checkpoint.size, leafHash(swapped), peer.log.inclusion.map(b64), checkpoint.root), false);
    }
  });

  it('logs an update, a removal and a revocation; key_since follows the key, not the URL', async () => {
    const domain = DOMAINS[5]!;
    const lookup = async () => (await request(a.url).get(`/api/v1/peers/${domain}`)).body.peer;
    const first = await lookup();
    // Same key, new URL: key_since stays.
    await confirmThrough(a, { domain, url: `https://chat.${domain}`, public_key: key });
    const moved = await lookup();
    assert.equal(moved.url, `https://chat.${domain}`);
    assert.equal(decodeLogEntry(b64(moved.log.leaf)).action, 'update');
    assert.equal(decodeLogEntry(b64(moved.log.leaf)).previousIndex, first.log.index);
    assert.equal(moved.key_since, first.key_since);
    // New key: key_since is the time of that entry.
    await confirmThrough(a, { domain, url: `https://chat.${domain}`, public_key: otherKey });
    const rekeyed = await lookup();
    const rekeyedEntry = decodeLogEntry(b64(rekeyed.log.leaf));
    assert.equal(rekeyedEntry.fingerprint, fingerprintOf(otherKey));
    assert.equal(rekeyed.key_since, rekeyedEntry.time);
    assert.notEqual(rekeyed.key_since, first.key_since);

    // Removal, confirmed by email.
    const removed = DOMAINS[6]!;
    const before = smtp.messages.length;
    const asked = await request(a.url).delete(`/api/v1/peers/${removed}`);
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const { token } = await confirmationLinkFor(smtp, asked.body.contact, undefined, before);
    assert.equal((await request(a.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);

    // Revocation by an operator, with its reason.
    const revoked = DOMAINS[7]!;
    const revocation = await request(b.url)
      .post(`/api/v1/admin/peers/${revoked}/revoke`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ reason: 'key reported stolen\nticket 42' });
    assert.equal(revocation.status, 200, JSON.stringify(revocation.body));

    const page = await request(a.url).get(`/api/v1/log/entries?start=0&domain=${removed}`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.entries.map((e: { action: string }) => e.action), ['register', 'remove']);
    const removal = page.body.entries[1];
    assert.equal(removal.previous_index, page.body.entries[0].index);
    assert.equal(removal.url, null);
    assert.equal(removal.public_key, null);
    const revokedPage = await request(a.url).get(`/api/v1/log/entries?start=0&domain=${revoked}`);
    const revocationEntry = revokedPage.body.entries.at(-1);
    assert.equal(revocationEntry.action, 'revoke');
    assert.equal(revocationEntry.reason, 'key reported stolen\nticket 42');
    assert.deepEqual(decodeLogEntry(b64(revocationEntry.leaf)).reason, 'key reported stolen\nticket 42');
    assert.equal((await request(a.url).get(`/api/v1/peers/${revoked}`)).status, 404);
  });

  it('serves entries, inclusion and consistency proofs that verify against its checkpoints', async () => {
    const older = await checkpointOf(a);
    // One more change, then wait for the checkpoint that covers it.
    await confirmThrough(b, { domain: 'late.log.example.com', url: 'https://late.log.example.com', public_key: key });
    const [head] = await db.query<{ size: string }>('SELECT size FROM log_head');
    const size = Number(head!.size);
    let newer = await checkpointOf(a);
    for (let i = 0; i < 50 && newer.size < size; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      newer = await checkpointOf(a);
    }
    assert.equal(newer.size, size);
    assert.ok(older.size < newer.size);

    const consistency = await request(b.url).get(`/api/v1/log/proof/consistency?first=${older.size}&second=${newer.size}`);
    assert.equal(consistency.status, 200);
    assert.match(consistency.headers['cache-control']!, /immutable/);
    assert.equal(consistency.headers['access-control-allow-origin'], '*');
    assert.ok(verifyConsistency(older.size, newer.size, consistency.body.proof.map(b64), older.root, newer.root));

    const page = await request(a.url).get(`/api/v1/log/entries?start=0&end=${size}`);
    assert.equal(page.status, 200);
    assert.equal(page.body.tree_size, size);
    assert.equal(page.body.entries.length, size);
    for (const entry of page.body.entries) {
      const leaf = b64(entry.leaf);
      const decoded = decodeLogEntry(leaf);
      assert.equal(decoded.index, entry.index);
      assert.equal(decoded.domain, entry.domain);
      assert.equal(decoded.publicKey, entry.public_key);
      const proof = await request(entry.index % 2 ? a.url : b.url).get(`/api/v1/log/proof/inclusion?index=${entry.index}&tree_size=${size}`);
      assert.equal(proof.status, 200);
      assert.equal(proof.body.leaf_hash, leafHash(leaf).toString('base64'));
      assert.ok(verifyInclusion(entry.index, size, leafHash(leaf), proof.body.proof.map(b64), newer.root), `entry ${entry.index}`);
    }
  });

  it('answers bad parameters with a 400 naming the parameter, in the hub error format', async () => {
    const [head] = await db.query<{ size: string }>('SELECT size FROM log_head');
    const size = Number(head!.size);
    const cases: Array<[string, string]> = [
      [`/api/v1/log/proof/inclusion?index=0&tree_size=${size + 1}`, `tree_size: must not exceed the log's size ${size}`],
      [`/api/v1/log/proof/inclusion?index=${size}&tree_size=${size}`, `index: must be less than tree_size ${size}`],
      ['/api/v1/log/proof/inclusion?tree_size=1', 'index: is required'],
      ['/api/v1/log/proof/inclusion?index=-1&tree_size=1', 'index: must be a non-negative integer'],
      ['/api/v1/log/proof/inclusion?index=1e3&tree_size=1', 'index: must be a non-negative integer'],
      ['/api/v1/log/proof/inclusion?index=0&tree_size=99999999999999999999', 'tree_size: must be a non-negative integer'],
      ['/api/v1/log/proof/inclusion?index=0&index=1&tree_size=1', 'index: must be given once'],
      ['/api/v1/log/proof/consistency?first=3&second=2', 'first: must not exceed second 2'],
      [`/api/v1/log/proof/consistency?first=0&second=${size + 1}`, `second: must not exceed the log's size ${size}`],
      ['/api/v1/log/entries?start=0&end=1001', 'end: a page holds at most 1000 entries'],
      ['/api/v1/log/entries?start=5&end=4', 'end: must not be less than start 5'],
      ['/api/v1/log/entries?end=4', 'start: is required'],
      ['/api/v1/log/entries?start=0&domain=not a domain', 'domain:'],
      ['/api/v1/log/entries?start=0&limit=5', 'limit: unknown query parameter'],
    ];
    for (const [path, message] of cases) {
      const response = await request(a.url).get(path);
      assert.equal(response.status, 400, `${path}: ${response.status} ${JSON.stringify(response.body)}`);
      assert.equal(response.body.statusCode, 400);
      assert.equal(response.body.error, 'Bad Request');
      assert.ok(response.body.message.startsWith(message), `${path}: ${response.body.message}`);
      assert.equal(response.headers['access-control-allow-origin'], '*', path);
    }
  });

  it('is left alone by housekeeping, even when everything else it purges is old', async () => {
    const counts = async () =>
      (await db.query<{ e: number; n: number; c: number }>(
        'SELECT (SELECT count(*)::int FROM log_entries) AS e, (SELECT count(*)::int FROM log_nodes) AS n, (SELECT count(*)::int FROM log_checkpoints) AS c',
      ))[0]!;
    const before = await counts();
    // Everything finished, long ago: what a purge takes.
    await db.query(`UPDATE verification_requests SET created_at = now() - interval '400 days', completed_at = now() - interval '400 days'`);
    await db.query(`UPDATE mail_outbox SET created_at = now() - interval '400 days', sent_at = now() - interval '400 days'`);
    const purged = await a.app.get(HousekeepingService).runOnce();
    assert.ok(purged, 'housekeeping ran');
    assert.deepEqual(await counts(), before);
    assert.ok(before.e > 0 && before.n > 0 && before.c > 0);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the log in the database itself', async () => {
    const refused = /append-only/;
    await assert.rejects(db.query(`UPDATE log_entries SET domain = 'evil.example.com' WHERE idx = 0`), refused);
    await assert.rejects(db.query('DELETE FROM log_entries WHERE idx = 0'), refused);
    await assert.rejects(db.query('TRUNCATE log_entries'), refused);
    await assert.rejects(db.query(`UPDATE log_nodes SET hash = hash WHERE level = 0 AND idx = 0`), refused);
    await assert.rejects(db.query('DELETE FROM log_nodes'), refused);
    await assert.rejects(db.query(`UPDATE log_checkpoints SET note = 'forged'`), refused);
    await assert.rejects(db.query('DELETE FROM log_checkpoints'), refused);
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM log_entries WHERE domain = 'evil.example.com'`);
    assert.equal(row!.n, 0);
  });
});
