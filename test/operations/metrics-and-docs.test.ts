import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { eventually } from '../support/eventually.js';
import { confirmationLinkFor, register, registrationFor } from '../support/flows.js';
import { type MailingTestHub, startMailingHub, startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { counterValue, sample, scrapeMetrics } from '../support/metrics.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';

const ADMIN_TOKEN = 'metrics-and-docs-admin-token';
const key = generateTestKeyPair().publicPem;
const body = (domain: string) => registrationFor(domain, key);

const scrape = (hub: TestHub) => scrapeMetrics(hub.url);
const counter = (hub: TestHub, name: string, labels: Record<string, string> = {}) => counterValue(hub.url, name, labels);

describe('metrics', () => {
  let hub: MailingTestHub;
  before(async () => {
    hub = await startMailingHub('metrics', {
      ADMIN_TOKEN,
      RATE_DOMAIN_COOLDOWN_SECONDS: '0',
      OUTBOX_MAX_ATTEMPTS: '2',
      OUTBOX_RETRY_BASE_SECONDS: '1',
      OUTBOX_RETRY_MAX_SECONDS: '1',
    });
  });
  after(() => hub?.stop());

  it('is the Prometheus text format with the hub metrics, process and Node.js metrics', async () => {
    const answer = await request(hub.url).get('/metrics');
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    for (const [name, type] of [
      ['hub_http_requests_total', 'counter'],
      ['hub_http_request_duration_seconds', 'histogram'],
      ['hub_registrations_total', 'counter'],
      ['hub_confirmations_total', 'counter'],
      ['hub_rejections_total', 'counter'],
      ['hub_rate_limit_refusals_total', 'counter'],
      ['hub_mail_send_attempts_total', 'counter'],
      ['hub_revocations_total', 'counter'],
      ['hub_outbox_messages', 'gauge'],
      ['hub_db_pool_connections', 'gauge'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
    ]) {
      assert.match(answer.text, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has a HELP line`);
      assert.match(answer.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} is a ${type}`);
    }
    assert.ok(sample(answer.text, 'process_cpu_seconds_total')! > 0);
    assert.ok(sample(answer.text, 'nodejs_heap_size_used_bytes')! > 0);
    assert.equal(sample(answer.text, 'hub_revocations_total'), 0);
  });

  it('counts HTTP requests and their latency by method, route pattern and status, on the full path and the fast path', async () => {
    const labels = { method: 'GET', route: '/api/v1/peers/:domain', status: '404' };
    const byQuery = { method: 'GET', route: '/api/v1/peers', status: '404' };
    const before = await scrape(hub);
    assert.equal(sample(before, 'hub_http_requests_total', labels), undefined);
    // First lookup goes through Nest (and caches the 404); the second is answered by the fast path.
    assert.equal((await request(hub.url).get('/api/v1/peers/nobody.metrics.example.com')).status, 404);
    assert.equal((await request(hub.url).get('/api/v1/peers/nobody.metrics.example.com')).status, 404);
    assert.equal((await request(hub.url).get('/api/v1/peers?search=nobody.metrics.example.com')).status, 404);
    const text = await scrape(hub);
    assert.equal(sample(text, 'hub_http_requests_total', labels), 2);
    assert.equal(sample(text, 'hub_http_requests_total', byQuery), 1);
    assert.equal(sample(text, 'hub_http_request_duration_seconds_count', labels), 2);
    assert.equal(sample(text, 'hub_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), 2);
    assert.ok(sample(text, 'hub_http_request_duration_seconds_sum', labels)! > 0);
    // The raw domain never becomes a label: no series names it.
    assert.ok(!text.includes('nobody.metrics.example.com'));
    // The scrape itself is counted under its route.
    assert.ok(sample(text, 'hub_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })! >= 2);
  });

  it('counts registrations, sent emails, confirmations and removals as they happen', async () => {
    const domain = 'life.metrics.example.com';
    assert.equal(await counter(hub, 'hub_registrations_total', { outcome: 'pending' }), 0);
    assert.equal(await counter(hub, 'hub_confirmations_total', { action: 'register' }), 0);

    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, body(domain))).status, 202);
    assert.equal(await counter(hub, 'hub_registrations_total', { outcome: 'pending' }), 1);
    const { token } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, seen);
    assert.ok(await eventually(async () => (await counter(hub, 'hub_mail_send_attempts_total', { result: 'sent' })) === 1));
    assert.ok(await eventually(async () => sample(await scrape(hub), 'hub_outbox_messages', { status: 'sent' }) === 1));

    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    assert.equal(await counter(hub, 'hub_confirmations_total', { action: 'register' }), 1);

    // Rocket.Chat registering again on restart: "unchanged", no email.
    assert.equal((await register(hub.url, body(domain))).status, 200);
    assert.equal(await counter(hub, 'hub_registrations_total', { outcome: 'unchanged' }), 1);
    assert.equal(await counter(hub, 'hub_registrations_total', { outcome: 'pending' }), 1);

    // Removal: email, then confirmation with action "remove".
    const beforeRemoval = hub.smtp.messages.length;
    assert.equal((await request(hub.url).delete(`/api/v1/peers/${domain}`)).status, 202);
    const removal = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, beforeRemoval);
    assert.equal(await counter(hub, 'hub_confirmations_total', { action: 'remove' }), 0);
    assert.equal((await request(hub.url).post(`/confirm/${removal.token}`).set('Accept', 'application/json')).status, 200);
    assert.equal(await counter(hub, 'hub_confirmations_total', { action: 'remove' }), 1);
    assert.equal(await counter(hub, 'hub_confirmations_total', { action: 'register' }), 1);
    // Sent: the two confirmation emails and the owner notice of the removal (to the removed record's contact).
    assert.ok(await eventually(async () => (await counter(hub, 'hub_mail_send_attempts_total', { result: 'sent' })) === 3));
  });

  it('counts failed and dead sends, and shows the outbox depth while a message waits', async () => {
    const domain = 'refused.metrics.example.com';
    hub.smtp.refuse(true);
    try {
      assert.equal(await counter(hub, 'hub_mail_send_attempts_total', { result: 'failed' }), 0);
      assert.equal((await register(hub.url, body(domain))).status, 202);
      // First refusal: failed, and the message waits (queued) for its retry a second later.
      assert.ok(await eventually(async () => (await counter(hub, 'hub_mail_send_attempts_total', { result: 'failed' })) === 1));
      const waiting = await scrape(hub);
      if (sample(waiting, 'hub_mail_send_attempts_total', { result: 'dead' }) === undefined) {
        assert.equal(sample(waiting, 'hub_outbox_messages', { status: 'queued' }), 1, 'outbox depth while the retry waits');
      }
      // Second refusal is the last attempt (OUTBOX_MAX_ATTEMPTS=2): dead.
      assert.ok(await eventually(async () => (await counter(hub, 'hub_mail_send_attempts_total', { result: 'dead' })) === 1, 10_000));
      const text = await scrape(hub);
      assert.equal(sample(text, 'hub_mail_send_attempts_total', { result: 'failed' }), 1);
      assert.equal(sample(text, 'hub_outbox_messages', { status: 'dead' }), 1);
      assert.equal(sample(text, 'hub_outbox_messages', { status: 'queued' }) ?? 0, 0);
    } finally {
      hub.smtp.refuse(false);
    }
  });

  it('counts rejections by status and field, never by value', async () => {
    assert.equal(await counter(hub, 'hub_rejections_total', { reason: '400 domain' }), 0);
    const bad = await register(hub.url, body('not a domain'));
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^domain: /);
    assert.equal(await counter(hub, 'hub_rejections_total', { reason: '400 domain' }), 1);

    const notJson = await request(hub.url).post('/api/v1/peers').set('Content-Type', 'text/plain').send('domain=x');
    assert.equal(notJson.status, 415);
    assert.equal(await counter(hub, 'hub_rejections_total', { reason: '415 body' }), 1);

    assert.equal((await request(hub.url).get('/api/v1/admin/peers')).status, 401);
    assert.equal(await counter(hub, 'hub_rejections_total', { reason: '401 authorization' }), 1);
    assert.ok(!(await scrape(hub)).includes('not a domain'));
  });

  it('counts revocations', async () => {
    const domain = 'revoked.metrics.example.com';
    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, body(domain))).status, 202);
    const { token } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, seen);
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    assert.equal(await counter(hub, 'hub_revocations_total'), 0);
    const revoked = await request(hub.url)
      .post(`/api/v1/admin/peers/${domain}/revoke`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ reason: 'metrics test' });
    assert.equal(revoked.status, 200);
    assert.equal(await counter(hub, 'hub_revocations_total'), 1);
  });

  it('reports the database pool: total, idle and waiting connections', async () => {
    const text = await scrape(hub);
    const total = sample(text, 'hub_db_pool_connections', { state: 'total' })!;
    const idle = sample(text, 'hub_db_pool_connections', { state: 'idle' })!;
    assert.ok(total >= 1 && total <= hub.config.databasePoolSize, `total ${total}`);
    assert.ok(idle >= 0 && idle <= total, `idle ${idle} of ${total}`);
    // An idle hub has nobody waiting for a connection. (The scrape's own outbox query once counted itself here.)
    assert.ok(
      await eventually(async () => sample(await scrape(hub), 'hub_db_pool_connections', { state: 'waiting' }) === 0, 2000),
      'waiting is 0 on an idle hub',
    );
  });
});

describe('rate-limit metrics', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub('metrics_rate', { RATE_IP_REGISTRATIONS_PER_MINUTE: '2' });
  });
  after(() => hub?.stop());

  it('counts refusals by limit once a client exceeds it', async () => {
    assert.equal(await counter(hub, 'hub_rate_limit_refusals_total', { limit: 'ip_registrations' }), 0);
    await clearOfMinuteBoundary();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(hub.url).delete(`/api/v1/peers/nobody${i}.rate.example.com`)).status);
    assert.deepEqual(statuses, [404, 404, 429, 429]);
    const refused = await request(hub.url).delete('/api/v1/peers/again.rate.example.com');
    assert.equal(refused.status, 429);
    assert.match(refused.headers['retry-after']!, /^\d+$/);
    assert.match(refused.body.message, /^rate limit: too many registration requests/);
    const text = await scrape(hub);
    assert.equal(sample(text, 'hub_rate_limit_refusals_total', { limit: 'ip_registrations' }), 3);
    assert.equal(sample(text, 'hub_rejections_total', { reason: '429 rate limit' }), 3);
    assert.equal(sample(text, 'hub_http_requests_total', { method: 'DELETE', route: '/api/v1/peers/:domain', status: '429' }), 3);
  });
});

describe('OpenAPI document, security headers, CORS and body limit', () => {
  let hub: MailingTestHub;
  let token: string;
  before(async () => {
    hub = await startMailingHub('docs', { ADMIN_TOKEN });
    const domain = 'docs.example.com';
    assert.equal((await register(hub.url, body(domain))).status, 202);
    ({ token } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl));
  });
  after(() => hub?.stop());

  it('GET /docs-json is an OpenAPI 3 document covering every endpoint', async () => {
    const answer = await request(hub.url).get('/docs-json');
    assert.equal(answer.status, 200);
    const doc = answer.body as { openapi: string; paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>> };
    assert.match(doc.openapi, /^3\./);
    const expected: Record<string, string[]> = {
      '/api/v1/peers': ['get', 'post'],
      '/api/v1/peers/{domain}': ['get', 'delete'],
      '/api/v1/peers/{domain}/verify': ['post'],
      '/confirm/{token}': ['get', 'post'],
      '/.well-known/jwks.json': ['get'],
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/metrics': ['get'],
      '/api/v1/admin/peers': ['get'],
      '/api/v1/admin/peers/{domain}': ['get'],
      '/api/v1/admin/peers/{domain}/revoke': ['post'],
      '/api/v1/admin/outbox/dead': ['get'],
      '/api/v1/admin/outbox/{id}/requeue': ['post'],
      '/api/v1/check/{domain}': ['get'],
      '/api/v1/log/checkpoint': ['get'],
      '/api/v1/log/entries': ['get'],
      '/api/v1/log/proof/inclusion': ['get'],
      '/api/v1/log/proof/consistency': ['get'],
      '/.well-known/federation-hub/log-key': ['get'],
    };
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(expected).sort());
    for (const [path, methods] of Object.entries(expected)) {
      assert.deepEqual(Object.keys(doc.paths[path]!).filter((m) => m !== 'parameters').sort(), [...methods].sort(), path);
      for (const method of methods) {
        const operation = doc.paths[path]![method]!;
        assert.ok(operation.tags?.length, `${method} ${path} has a tag`);
        assert.ok(Object.keys(operation.responses).length > 0, `${method} ${path} documents its answers`);
      }
    }
  });

  it('documents the answers of POST /api/v1/peers with examples, and the real status of the other endpoints', async () => {
    const doc = (await request(hub.url).get('/docs-json')).body;
    const post = doc.paths['/api/v1/peers'].post;
    for (const status of ['200', '202', '400', '413', '415', '429']) assert.ok(post.responses[status], `POST /api/v1/peers documents ${status}`);
    assert.deepEqual(post.responses['202'].content['application/json'].schema.example, {
      status: 'pending',
      domain: 'chat.example.com',
      contact: 'webmaster@chat.example.com',
      expires_at: '2026-11-25T12:00:00.000Z',
      method: 'email',
      email_at: '2026-11-24T12:00:42.000Z',
    });
    assert.match(post.responses['400'].content['application/json'].schema.properties.message.example, /^public_key: /);
    assert.ok(post.requestBody, 'the request body is described');

    // The confirmation POST answers 200 (not Nest's default 201 for a POST), 404 or 410.
    assert.deepEqual(Object.keys(doc.paths['/confirm/{token}'].post.responses).sort(), ['200', '404', '410']);
    assert.deepEqual(Object.keys(doc.paths['/confirm/{token}'].get.responses).sort(), ['200', '404', '410']);
    assert.ok(doc.paths['/readyz'].get.responses['503']);
    assert.ok(doc.paths['/metrics'].get.responses['200'].content['text/plain']);
    assert.ok(doc.paths['/.well-known/jwks.json'].get.responses['200'].content['application/json'].schema.example.keys);
    for (const path of ['/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', '/confirm/{token}']) {
      for (const operation of Object.values(doc.paths[path]) as Array<{ summary?: string }>) assert.ok(operation.summary, `${path} has a summary`);
    }
    assert.ok(doc.paths['/api/v1/admin/peers'].get.responses['401']);
    assert.ok(doc.paths['/api/v1/admin/peers'].get.security?.some((s: Record<string, unknown>) => 'admin' in s));
    assert.equal(doc.components.securitySchemes.admin.scheme, 'bearer');
  });

  it('GET /docs answers the HTML viewer', async () => {
    const answer = await request(hub.url).get('/docs');
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type']!, /^text\/html/);
    assert.match(answer.text, /swagger/i);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.match(answer.headers['content-security-policy']!, /frame-ancestors 'none'/);
  });

  it('sends the API security headers on every answer, errors included', async () => {
    const answers = {
      'lookup 404 (full path)': await request(hub.url).get('/api/v1/peers/none.docs.example.com'),
      'lookup 404 (fast path)': await request(hub.url).get('/api/v1/peers/none.docs.example.com'),
      'lookup 400': await request(hub.url).get('/api/v1/peers?search=not..a..domain'),
      'registration 400': await register(hub.url, { domain: 'x' }),
      'registration 415': await request(hub.url).post('/api/v1/peers').set('Content-Type', 'text/plain').send('x'),
      'unknown route 404': await request(hub.url).get('/nothing/here'),
      'admin 401': await request(hub.url).get('/api/v1/admin/peers'),
      healthz: await request(hub.url).get('/healthz'),
      readyz: await request(hub.url).get('/readyz'),
      metrics: await request(hub.url).get('/metrics'),
      jwks: await request(hub.url).get('/.well-known/jwks.json'),
    };
    assert.equal(answers['lookup 400'].status, 400);
    assert.equal(answers['unknown route 404'].status, 404);
    for (const [what, answer] of Object.entries(answers)) {
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
      assert.equal(answer.headers['x-frame-options'], 'DENY', what);
      assert.ok(answer.headers['strict-transport-security'], what);
      assert.equal(answer.headers['x-powered-by'], undefined, what);
      assert.equal(answer.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", what);
      if (answer.status >= 400) {
        assert.match(answer.headers['content-type']!, /^application\/json/, what);
        assert.equal(answer.body.statusCode, answer.status, what);
      }
    }
  });

  it('confirmation pages send their own strict headers: a CSP that admits one stylesheet, no-store, no referrer', async () => {
    const pages = {
      review: await request(hub.url).get(`/confirm/${token}`),
      'unknown token': await request(hub.url).get('/confirm/not-a-real-token'),
      'unknown token (POST)': await request(hub.url).post('/confirm/not-a-real-token'),
    };
    assert.equal(pages.review.status, 200);
    assert.equal(pages['unknown token'].status, 404);
    for (const [what, page] of Object.entries(pages)) {
      assert.match(page.headers['content-type']!, /^text\/html/, what);
      const csp = page.headers['content-security-policy']!;
      assert.match(csp, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/, what);
      assert.equal(page.headers['cache-control'], 'no-store', what);
      assert.equal(page.headers['referrer-policy'], 'no-referrer', what);
      assert.equal(page.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(page.headers['x-frame-options'], 'DENY', what);
    }
  });

  it('opens CORS on lookups and JWKS (and their preflights) only', async () => {
    const origin = 'https://elsewhere.example.net';
    const seen = hub.smtp.messages.length;
    assert.equal((await register(hub.url, body('cors.example.com'))).status, 202);
    const link = await confirmationLinkFor(hub.smtp, 'webmaster@cors.example.com', hub.config.publicUrl, seen);
    assert.equal((await request(hub.url).post(`/confirm/${link.token}`).set('Accept', 'application/json')).status, 200);

    const open = {
      'lookup 200 (full path)': await request(hub.url).get('/api/v1/peers/cors.example.com').set('Origin', origin),
      'lookup 200 (fast path)': await request(hub.url).get('/api/v1/peers/cors.example.com').set('Origin', origin),
      'search 200': await request(hub.url).get('/api/v1/peers?search=cors.example.com').set('Origin', origin),
      'lookup 404': await request(hub.url).get('/api/v1/peers/unknown.cors.example.com').set('Origin', origin),
      'lookup 400': await request(hub.url).get('/api/v1/peers?search=not_a_domain!').set('Origin', origin),
      jwks: await request(hub.url).get('/.well-known/jwks.json').set('Origin', origin),
    };
    assert.equal(open['lookup 200 (full path)'].status, 200);
    assert.equal(open['lookup 404'].status, 404);
    assert.equal(open['lookup 400'].status, 400);
    for (const [what, answer] of Object.entries(open)) assert.equal(answer.headers['access-control-allow-origin'], '*', what);

    for (const path of ['/api/v1/peers?search=cors.example.com', '/api/v1/peers/cors.example.com', '/.well-known/jwks.json']) {
      const preflight = await request(hub.url)
        .options(path)
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'if-none-match');
      assert.equal(preflight.status, 204, path);
      assert.equal(preflight.headers['access-control-allow-origin'], '*', path);
      const methods = preflight.headers['access-control-allow-methods']!.split(/,\s*/);
      assert.ok(methods.includes('GET'), path);
      assert.ok(!methods.includes('POST') && !methods.includes('DELETE'), `${path}: only reads are offered`);
      assert.match(preflight.headers['access-control-allow-headers']!, /if-none-match/i, path);
      assert.doesNotMatch(preflight.headers['access-control-allow-headers']!, /content-type|authorization/i, path);
      assert.equal(preflight.headers['x-content-type-options'], 'nosniff', path);
    }

    const closed = {
      registration: await register(hub.url, body('closed.cors.example.com')).set('Origin', origin),
      removal: await request(hub.url).delete('/api/v1/peers/unknown.cors.example.com').set('Origin', origin),
      'confirm GET': await request(hub.url).get(`/confirm/${link.token}`).set('Origin', origin),
      'confirm POST': await request(hub.url).post(`/confirm/${link.token}`).set('Origin', origin),
      admin: await request(hub.url).get('/api/v1/admin/peers').set('Authorization', `Bearer ${ADMIN_TOKEN}`).set('Origin', origin),
      'admin preflight': await request(hub.url).options('/api/v1/admin/peers').set('Origin', origin).set('Access-Control-Request-Method', 'GET'),
      'confirm preflight': await request(hub.url).options(`/confirm/${link.token}`).set('Origin', origin).set('Access-Control-Request-Method', 'POST'),
    };
    assert.equal(closed.registration.status, 202);
    assert.equal(closed.admin.status, 200);
    for (const [what, answer] of Object.entries(closed)) assert.equal(answer.headers['access-control-allow-origin'], undefined, what);
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 in the JSON error format, and stores nothing', async () => {
    const limit = hub.config.bodyLimitBytes;
    const oversized = JSON.stringify({ ...body('big.docs.example.com'), url: `https://big.docs.example.com/${'a'.repeat(limit)}` });
    const answer = await request(hub.url).post('/api/v1/peers').set('Content-Type', 'application/json').send(oversized);
    assert.equal(answer.status, 413);
    assert.match(answer.headers['content-type']!, /^application\/json/);
    assert.deepEqual(answer.body, {
      statusCode: 413,
      error: 'Payload Too Large',
      message: `body: must not exceed ${limit} bytes (BODY_LIMIT_BYTES)`,
    });
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    const [{ n }] = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM verification_requests WHERE domain = 'big.docs.example.com'`);
    assert.equal(n, 0);
    // Just under the limit is read (and then judged on its content).
    const fits = JSON.stringify({ ...body('fits.docs.example.com'), url: 'https://fits.docs.example.com' }).padEnd(limit - 10, ' ');
    assert.equal((await request(hub.url).post('/api/v1/peers').set('Content-Type', 'application/json').send(fits)).status, 202);
  });
});
