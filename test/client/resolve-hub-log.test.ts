/**
 * FederationResolver with the log check, against real hubs on a real PostgreSQL: a key swapped in a lookup answer
 * on its way (a real HTTP proxy), and a hub whose log was rewritten in its database.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { JSONWebKeySet } from 'jose';
import {
  FederationNode,
  FederationResolver,
  type FederationResolverOptions,
  HubLogInconsistent,
  HubLogProofInvalid,
  verifierKey,
} from '../../packages/client/src/index.js';
import { parsePublicKey } from '../../packages/client/src/protocol/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { registerAndConfirm } from '../support/flows.js';
import { startMailingHub, startTestHub, type MailingTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { type HubProxy, startHubProxy } from './hub-proxy.js';
import { checkpointCovering, rewindLog, sizeOf } from './log-tamper.js';

const alphaKey = generateTestKeyPair({ type: 'ed25519' });
const betaKey = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const HUB_ENV = { LOG_CHECKPOINT_SECONDS: '1', RATE_DOMAIN_COOLDOWN_SECONDS: '0', RATE_DOMAIN_DAILY_CAP: '50' };

async function confirmPeer(hub: MailingTestHub, domain: string, publicPem: string, url = `https://${domain}`): Promise<void> {
  await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain, url, public_key: publicPem });
}

async function logKeyOf(hub: MailingTestHub): Promise<string> {
  const answer = await fetch(`${hub.url}/.well-known/federation-hub/log-key`);
  assert.equal(answer.status, 200);
  return (await answer.text()).trim();
}

const savedCheckpoint = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { checkpoint: string }).checkpoint;

describe('resolve() checks the hub answer against the transparency log', () => {
  let hub: MailingTestHub;
  let proxy: HubProxy;
  let dns: TestDnsServer;
  let logKey: string;
  let work: string;
  const resolver = (options: FederationResolverOptions = {}) =>
    new FederationResolver({ dnsServers: [dns.address], hubUrl: proxy.url, timeoutMs: 3000, logKey, ...options });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hub-log-client-'));
    hub = await startMailingHub('client_hub_log', HUB_ENV);
    proxy = await startHubProxy(hub.url);
    dns = await startDnsServer({}); // knows nothing: every domain falls back to the hub
    await confirmPeer(hub, 'alpha.example.com', alphaKey.publicPem);
    await confirmPeer(hub, 'beta.example.com', betaKey.publicPem);
    logKey = await logKeyOf(hub);
  });
  after(async () => {
    await proxy?.close();
    await dns?.close();
    await hub?.stop();
  });
  beforeEach(() => proxy.rewrite(undefined));

  it('accepts an answer whose checkpoint, leaf and inclusion proof hold, and keeps the checkpoint', async () => {
    const state = join(work, 'accept.json');
    const peer = await resolver({ logStateFile: state }).resolve('alpha.example.com');
    assert.equal(peer.source, 'hub');
    assert.equal(peer.publicKey, parsePublicKey(alphaKey.publicPem).pem);
    const saved = savedCheckpoint(state);
    assert.ok(sizeOf(saved) >= 1);
    assert.match(saved, new RegExp(`^${hub.config.logOrigin.replace(/[.]/g, '\\.')}\\n`));
  });

  it('refuses a key swapped in the lookup answer, which only the log shows (no JWS check configured)', async () => {
    const forged = parsePublicKey(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString());
    proxy.rewrite((body, path) => {
      if (!path.startsWith('/api/v1/peers')) return body;
      const peer = body.peer as Record<string, unknown>;
      return { peer: { ...peer, public_key: forged.pem, fingerprint: forged.fingerprint } };
    });
    // Without the log check, the forged key is accepted: that is the attack.
    const fooled = await resolver({ logKey: undefined }).resolve('alpha.example.com');
    assert.equal(fooled.publicKey, forged.pem);
    await assert.rejects(resolver().resolve('alpha.example.com'), (error: unknown) => {
      assert.ok(error instanceof HubLogProofInvalid, String(error));
      assert.equal(error.domain, 'alpha.example.com');
      assert.match(error.message, /another key/);
      return true;
    });
  });

  it('refuses a URL swapped in the answer', async () => {
    proxy.rewrite((body, path) =>
      path.startsWith('/api/v1/peers') ? { peer: { ...(body.peer as object), url: 'https://evil.example.net' } } : body,
    );
    await assert.rejects(resolver().resolve('alpha.example.com'), (error: unknown) => error instanceof HubLogProofInvalid && /URL/.test(error.message));
  });

  it("refuses another domain's genuine key and log evidence passed off as this domain's", async () => {
    const beta = (await (await fetch(`${hub.url}/api/v1/peers?search=beta.example.com`)).json()) as { peer: Record<string, unknown> };
    assert.ok(beta.peer.log, 'the hub serves a log object');
    proxy.rewrite((body, path) => {
      if (!path.includes('alpha.example.com')) return body;
      const peer = body.peer as Record<string, unknown>;
      return { peer: { ...peer, public_key: beta.peer.public_key, fingerprint: beta.peer.fingerprint, log: beta.peer.log } };
    });
    await assert.rejects(resolver().resolve('alpha.example.com'), (error: unknown) =>
      error instanceof HubLogProofInvalid && /is for beta\.example\.com, not alpha\.example\.com/.test(error.message));
  });

  it('refuses an answer without its log object, and a checkpoint not signed by the configured key', async () => {
    proxy.rewrite((body, path) => (path.startsWith('/api/v1/peers') ? { peer: { ...(body.peer as object), log: undefined } } : body));
    await assert.rejects(resolver().resolve('alpha.example.com'), (error: unknown) => error instanceof HubLogProofInvalid && /no log object/.test(error.message));
    proxy.rewrite(undefined);
    const impostor = verifierKey(hub.config.logOrigin, generateKeyPairSync('ed25519').publicKey);
    await assert.rejects(resolver({ logKey: impostor }).resolve('alpha.example.com'), (error: unknown) =>
      error instanceof HubLogProofInvalid && /no signature by a known key/.test(error.message));
  });

  it('proves consistency with the checkpoint kept in the state file, after a restart and new entries', async () => {
    const state = join(work, 'restart.json');
    await resolver({ logStateFile: state }).resolve('alpha.example.com');
    const first = savedCheckpoint(state);
    await confirmPeer(hub, 'gamma.example.com', alphaKey.publicPem);
    await checkpointCovering(hub.url, sizeOf(first) + 1);
    const proofs = proxy.count('/api/v1/log/proof/consistency');
    // A new resolver, as after a restart: it knows only the file.
    const peer = await resolver({ logStateFile: state }).resolve('gamma.example.com');
    assert.equal(peer.url, 'https://gamma.example.com');
    assert.equal(proxy.count('/api/v1/log/proof/consistency'), proofs + 1, 'asked the hub for one consistency proof');
    assert.ok(sizeOf(savedCheckpoint(state)) > sizeOf(first), 'the newer checkpoint was saved');
  });

  it('accepts an older checkpoint (a cached answer, an instance behind) once proved consistent, and keeps the newer', async () => {
    const old = (await (await fetch(`${hub.url}/api/v1/peers?search=alpha.example.com`)).json()) as { peer: { log: { tree_size: number } } };
    await confirmPeer(hub, 'epsilon.example.com', betaKey.publicPem);
    await checkpointCovering(hub.url, old.peer.log.tree_size + 1);
    const state = join(work, 'older.json');
    const client = resolver({ logStateFile: state });
    await client.resolve('epsilon.example.com');
    const newest = savedCheckpoint(state);
    assert.ok(sizeOf(newest) > old.peer.log.tree_size);
    // The proxy serves alpha's answer as it was before epsilon's entry: its checkpoint is older than the one seen.
    proxy.rewrite((body, path) => (path.includes('alpha.example.com') ? (old as unknown as Record<string, unknown>) : body));
    const proofs = proxy.count('/api/v1/log/proof/consistency');
    assert.equal((await client.resolve('alpha.example.com')).url, 'https://alpha.example.com');
    assert.equal(proxy.count('/api/v1/log/proof/consistency'), proofs + 1);
    assert.equal(savedCheckpoint(state), newest, 'the newer checkpoint stays the one kept');
  });

  it("with the JWS checked too, refuses an older entry of the domain passed off as its current one (log_index)", async () => {
    // delta registers key A (entry i), rotates to B, then back to A (entry j): entries i and j say the same record.
    await confirmPeer(hub, 'delta.example.com', alphaKey.publicPem);
    const first = (await (await fetch(`${hub.url}/api/v1/log/entries?start=0&domain=delta.example.com`)).json()) as { entries: Array<{ index: number; leaf: string }> };
    await confirmPeer(hub, 'delta.example.com', betaKey.publicPem);
    await confirmPeer(hub, 'delta.example.com', alphaKey.publicPem);
    const stale = first.entries[0]!;
    const current = (await (await fetch(`${hub.url}/api/v1/peers?search=delta.example.com`)).json()) as { peer: { log: { index: number; tree_size: number } } };
    assert.ok(current.peer.log.index > stale.index);
    const path = (await (await fetch(`${hub.url}/api/v1/log/proof/inclusion?index=${stale.index}&tree_size=${current.peer.log.tree_size}`)).json()) as { proof: string[] };
    proxy.rewrite((body, at) => {
      if (!at.includes('delta.example.com')) return body;
      const peer = body.peer as { log: Record<string, unknown> };
      return { peer: { ...peer, log: { ...peer.log, index: stale.index, leaf: stale.leaf, inclusion: path.proof } } };
    });
    // The stale entry is genuinely in the log with this very record: the log check alone cannot tell (monitors can).
    assert.equal((await resolver().resolve('delta.example.com')).publicKey, parsePublicKey(alphaKey.publicPem).pem);
    const jwks = (await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    await assert.rejects(resolver({ hubJwks: jwks }).resolve('delta.example.com'), (error: unknown) =>
      error instanceof HubLogProofInvalid && new RegExp(`proof signs log entry ${current.peer.log.index}, the answer's log object is entry ${stale.index}`).test(error.message));
  });

  it('FederationNode passes the log options through to its resolver', async () => {
    const node = new FederationNode(
      { enabled: true, domain: 'self.example.com', publicKey: alphaKey.publicPem, discoveryMethod: 'hub', hubUrl: proxy.url, url: 'https://self.example.com' },
      { resolver: { dnsServers: [dns.address], logKey } },
    );
    assert.equal((await node.resolver.resolve('beta.example.com')).publicKey, parsePublicKey(betaKey.publicPem).pem);
    proxy.rewrite((body, path) =>
      path.startsWith('/api/v1/peers') ? { peer: { ...(body.peer as object), public_key: alphaKey.publicPem, fingerprint: parsePublicKey(alphaKey.publicPem).fingerprint } } : body,
    );
    node.resolver.forget();
    await assert.rejects(node.resolver.resolve('beta.example.com'), HubLogProofInvalid);
  });
});

describe('resolve() against a hub whose log was rewritten in its database', () => {
  let hub: MailingTestHub;
  let dns: TestDnsServer;
  let logKey: string;
  let state: string;

  before(async () => {
    hub = await startMailingHub('client_hub_log_rewritten', HUB_ENV);
    dns = await startDnsServer({});
    state = join(mkdtempSync(join(tmpdir(), 'hub-log-rewritten-')), 'state.json');
    await confirmPeer(hub, 'one.example.com', alphaKey.publicPem);
    await confirmPeer(hub, 'two.example.com', betaKey.publicPem);
    logKey = await logKeyOf(hub);
  });
  after(async () => {
    await dns?.close();
    await hub?.stop();
  });

  it('raises HubLogInconsistent carrying both signed checkpoints', async () => {
    const resolver = () => new FederationResolver({ dnsServers: [dns.address], hubUrl: hub.url, timeoutMs: 3000, logKey, logStateFile: state });
    await resolver().resolve('two.example.com');
    const seen = savedCheckpoint(state);
    const seenSize = sizeOf(seen);
    assert.equal(seenSize, 2);

    // The operator rewrites history: entry 1 (two.example.com) is replaced, and the log goes on from there.
    await rewindLog(hub.db, seenSize - 1);
    await confirmPeer(hub, 'three.example.com', betaKey.publicPem);
    await confirmPeer(hub, 'four.example.com', betaKey.publicPem);
    const served = await checkpointCovering(hub.url, seenSize + 1);
    assert.equal(sizeOf(served), seenSize + 1);

    await assert.rejects(resolver().resolve('four.example.com'), (error: unknown) => {
      assert.ok(error instanceof HubLogInconsistent, String(error));
      assert.equal(error.code, 'HUB_LOG_INCONSISTENT');
      assert.equal(error.seen.note, seen, 'the checkpoint seen before, as signed');
      assert.equal(error.served.note, served, 'the checkpoint the hub serves now, as signed');
      assert.equal(error.seen.size, 2);
      assert.equal(error.served.size, 3);
      assert.match(error.message, /consistency proof from size 2 to 3 does not verify/);
      return true;
    });
    assert.equal(savedCheckpoint(state), seen, 'the state file keeps the checkpoint seen before');
    // It fails closed: after a restart, with the same state file, the hub's answers stay refused.
    await assert.rejects(resolver().resolve('three.example.com'), HubLogInconsistent);
    // Both are genuinely signed by the log's key: the evidence holds for anyone with the key.
    const fresh = new FederationResolver({ dnsServers: [dns.address], hubUrl: hub.url, timeoutMs: 3000, logKey });
    assert.equal((await fresh.resolve('four.example.com')).source, 'hub', 'a client that saw nothing before cannot tell');
  });
});

describe('resolve() through two instances of one hub behind one URL', () => {
  let a: MailingTestHub;
  let b: TestHub;
  let proxy: HubProxy;
  let dns: TestDnsServer;

  before(async () => {
    a = await startMailingHub('client_hub_log_two', HUB_ENV);
    // The second instance: same database, same public URL (so the same log origin), its own checkpoint timer.
    b = await startTestHub('client_hub_log_two', { ...HUB_ENV, PUBLIC_URL: a.config.publicUrl, SMTP_URL: a.smtp.url }, { db: a.db });
    proxy = await startHubProxy([a.url, b.url]);
    dns = await startDnsServer({});
  });
  after(async () => {
    await proxy?.close();
    await dns?.close();
    await b?.close();
    await a?.stop();
  });

  it('raises no false alarm while the log grows and the instances take turns answering', async () => {
    const logKey = await logKeyOf(a);
    const state = join(mkdtempSync(join(tmpdir(), 'hub-log-two-')), 'state.json');
    const client = new FederationResolver({ dnsServers: [dns.address], hubUrl: proxy.url, timeoutMs: 3000, logKey, logStateFile: state });
    const domains: string[] = [];
    for (let round = 0; round < 6; round++) {
      const domain = `round${round}.example.com`;
      await confirmPeer(a, domain, round % 2 === 0 ? alphaKey.publicPem : betaKey.publicPem);
      domains.push(domain);
      // Every domain so far, each asked of both instances in turn: answers carry checkpoints of several sizes.
      for (const known of domains) {
        client.forget(known);
        assert.equal((await client.resolve(known)).url, `https://${known}`);
      }
    }
    assert.equal(sizeOf(savedCheckpoint(state)), 6, 'the newest checkpoint, covering every entry');
    assert.ok(proxy.count('/api/v1/log/proof/consistency') >= 5, 'each new checkpoint was proved consistent with the one before');
  });
});
