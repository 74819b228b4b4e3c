import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { registerAndConfirm } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';

/** Cached lookups are answered before Express; they must be indistinguishable from the full path's answers. */
describe('lookup fast path', () => {
  let hub: MailingTestHub;
  const domain = 'fast.example.com';
  const comparable = (headers: Record<string, string>) => {
    const { date, connection, 'keep-alive': keepAlive, ...rest } = headers;
    void date, connection, keepAlive;
    return rest;
  };

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

  it('counts in the metrics and the per-IP request limit like any request', async () => {
    const metrics = (await request(hub.url).get('/metrics')).text;
    const counted = /hub_http_requests_total\{method="GET",route="\/api\/v1\/peers\/:domain",status="304"\} (\d+)/.exec(metrics);
    assert.equal(counted?.[1], '1');
    let status = 200;
    for (let i = 0; i < 40 && status !== 429; i++) status = (await request(hub.url).get(`/api/v1/peers/${domain}`)).status;
    assert.equal(status, 429);
  });
});
