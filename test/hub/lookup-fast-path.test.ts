import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { registerAndConfirm } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { spawnHub, type HubProcess } from '../support/hub-process.js';
import { generateTestKeyPair } from '../support/keys.js';
import { ownedBytes } from '../../packages/server/src/common/owned-bytes.js';
import { LookupService } from '../../packages/server/src/lookup/lookup.service.js';

/** The headers of an answer without the named ones (those that differ by when, or how, it was sent). */
const without = (headers: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
const comparable = (headers: Record<string, string>) => without(headers, 'date', 'connection', 'keep-alive');

/** Cached lookups are answered before Express; they must be indistinguishable from the full path's answers. */
describe('lookup fast path', () => {
  let hub: MailingTestHub;
  const domain = 'fast.example.com';

  before(async () => {
    hub = await startMailingHub('fast_path', { RATE_IP_REQUESTS_PER_MINUTE: '40' });
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain, url: `https://${domain}`, public_key: generateTestKeyPair().publicPem });
  });
  after(() => hub?.stop());

  it('answers a cached peer with the same status, headers and body as the full path', async () => {
    const full = await request(hub.url).get(`/api/v1/peers?search=${domain.toUpperCase()}`); // not canonical: full path
    const fast = await request(hub.url).get(`/api/v1/peers?search=${domain}`); // canonical and cached
    assert.equal(full.status, 200);
    assert.equal(fast.status, 200);
    assert.equal(fast.text, full.text);
    assert.deepEqual(comparable(fast.headers), comparable(full.headers));
    const byPath = await request(hub.url).get(`/api/v1/peers/${domain}`);
    assert.equal(byPath.text, full.text);
  });

  it('answers a cached "not found" like the full path', async () => {
    const full = await request(hub.url).get('/api/v1/peers?search=Nobody.example.com');
    const fast = await request(hub.url).get('/api/v1/peers?search=nobody.example.com');
    assert.equal(fast.status, 404);
    assert.deepEqual(fast.body, full.body);
    assert.deepEqual(comparable(fast.headers), comparable(full.headers));
  });

  it('revalidates with If-None-Match (304)', async () => {
    const first = await request(hub.url).get(`/api/v1/peers/${domain}`);
    const again = await request(hub.url).get(`/api/v1/peers/${domain}`).set('If-None-Match', first.headers.etag);
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
  });

  it('keeps each cached answer in a buffer of its own, not in a slice of a shared pool that the cache would keep alive', async () => {
    const answer = await hub.app.get(LookupService).find(domain);
    assert.ok(answer);
    assert.equal(answer.bytes.byteOffset, 0);
    assert.equal(answer.bytes.buffer.byteLength, answer.bytes.length);
    // Buffer.from(string) would have given a slice of its pool (Buffer.poolSize): the same bytes, a larger buffer.
    const text = 'a cached answer, ünïcödé included';
    assert.deepEqual(ownedBytes(text), Buffer.from(text));
    assert.equal(ownedBytes(text).buffer.byteLength, Buffer.byteLength(text));
    assert.ok(Buffer.from(text).buffer.byteLength > Buffer.byteLength(text));
  });

  it('counts in the metrics and the per-IP request limit like any request', async () => {
    const metrics = (await request(hub.url).get('/metrics')).text;
    const counted = /hub_http_requests_total\{method="GET",route="\/api\/v1\/peers\/:domain",status="304"\} (\d+)/.exec(metrics);
    assert.equal(counted?.[1], '1');
    let status = 200;
    for (let i = 0; i < 40 && status !== 429; i++) status = (await request(hub.url).get(`/api/v1/peers/${domain}`)).status;
    assert.equal(status, 429);
  });
});

/** A lookup the cache cannot answer (here: the cache is off) is also served before Express, from the database. */
describe('lookup fast path, cache off', () => {
  let hub: MailingTestHub;
  let uncached: HubProcess;
  const domain = 'uncached.example.com';
  const logLines = () =>
    uncached
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; cache?: string; route?: string; req?: { url?: string } });

  before(async () => {
    hub = await startMailingHub('fast_path_uncached');
    await registerAndConfirm(hub.url, hub.config.publicUrl, hub.smtp, { domain, url: `https://${domain}`, public_key: generateTestKeyPair().publicPem });
    uncached = await spawnHub({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: hub.db.url, SMTP_URL: hub.smtp.url, LOG_LEVEL: 'info', LOOKUP_CACHE_ENTRIES: '0' });
  });
  after(async () => {
    await uncached?.stop();
    await hub?.stop();
  });

  it('answers a confirmed peer like the full path, read from the database', async () => {
    const full = await request(uncached.url).get(`/api/v1/peers?search=${domain.toUpperCase()}`);
    const fast = await request(uncached.url).get(`/api/v1/peers?search=${domain}`);
    assert.equal(full.status, 200);
    assert.equal(fast.status, 200);
    // Each answer is signed when it is read, so the proofs (and the ETags) differ; everything else is the same.
    const { proof: fullProof, ...fullPeer } = full.body.peer;
    const { proof: fastProof, ...fastPeer } = fast.body.peer;
    assert.deepEqual(fastPeer, fullPeer);
    assert.equal(fastPeer.domain, domain);
    assert.match(fastProof, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(fullProof, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(fast.headers.etag!, /^"[\w-]{27}"$/);
    assert.match(full.headers.etag!, /^"[\w-]{27}"$/);
    assert.equal(fast.headers['content-length'], String(Buffer.byteLength(fast.text)));
    assert.equal(full.headers['content-length'], String(Buffer.byteLength(full.text)));
    assert.deepEqual(without(fast.headers, 'date', 'etag', 'content-length'), without(full.headers, 'date', 'etag', 'content-length'));
    // The fast path's log line says where the answer came from; the full path's has no such field.
    const completed = () => logLines().filter((line) => line.msg === 'request completed');
    await eventually(() => completed().length >= 2);
    const lines = completed();
    assert.deepEqual(
      lines.map((line) => [line.req?.url, line.cache]),
      [
        [`/api/v1/peers?search=${domain.toUpperCase()}`, undefined],
        [`/api/v1/peers?search=${domain}`, 'miss'],
      ],
    );
  });

  it('answers an unknown domain with the full path\'s 404, each time from the database', async () => {
    const full = await request(uncached.url).get('/api/v1/peers/Nobody.example.com');
    const fast = await request(uncached.url).get('/api/v1/peers/nobody.example.com');
    assert.equal(fast.status, 404);
    assert.deepEqual(fast.body, full.body);
    assert.deepEqual(without(fast.headers, 'date'), without(full.headers, 'date'));
    const fastLines = () => logLines().filter((line) => line.req?.url === '/api/v1/peers/nobody.example.com');
    await eventually(() => fastLines().length > 0);
    assert.deepEqual(fastLines().map((line) => [line.cache, line.route]), [['miss', '/api/v1/peers/:domain']]);
  });
});
