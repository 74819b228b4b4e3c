import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { spawnHub } from '../support/hub-process.js';
import { generateTestKeyPair } from '../support/keys.js';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy.js';

describe('graceful shutdown', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let viaProxy: string;

  before(async () => {
    db = await createTestDatabase('shutdown');
    ({ proxy, url: viaProxy } = await proxyDatabase(db.url));
  });
  after(async () => {
    await proxy.close();
    await db.drop();
  });

  it('lets requests in flight complete on SIGTERM, then exits 0', async () => {
    const hub = await spawnHub({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: viaProxy, LOG_LEVEL: 'info', SMTP_URL: 'smtp://127.0.0.1:9' });
    // A slow database keeps every request in flight for a while.
    proxy.setDelay(400);
    const key = generateTestKeyPair().publicPem;
    const inFlight = [
      ...Array.from({ length: 10 }, (_, i) => request(hub.url).get(`/api/v1/peers/slow${i}.example.com`)),
      ...Array.from({ length: 5 }, (_, i) =>
        request(hub.url).post('/api/v1/peers').send({ domain: `slow-reg${i}.example.com`, url: `https://slow-reg${i}.example.com`, public_key: key }),
      ),
    ].map((pending) => pending.then((response) => response.status, (error: Error) => `error: ${error.message}`));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const exit = hub.stop('SIGTERM');
    const statuses = await Promise.all(inFlight);
    assert.deepEqual(statuses, [...Array(10).fill(404), ...Array(5).fill(202)], hub.output());
    assert.equal(await exit, 0);
    assert.match(hub.output(), /SIGTERM received: shutting down/);
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM verification_requests`);
    assert.equal(n, 5, 'the registrations in flight were stored');
    proxy.setDelay(0);
  });

  it('finishes the work of requests whose clients went away before it closes the database', async () => {
    // A small pool, so that some reads wait for a connection while the shutdown runs.
    const hub = await spawnHub({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: viaProxy, DATABASE_POOL_SIZE: '2', LOG_LEVEL: 'info', SMTP_URL: 'smtp://127.0.0.1:9' });
    // Every database answer is delayed. The seven requests and the outbox worker's transactions (woken by the first
    // registration: claim, then the failed send's record) queue on the two connections, and a request that waits
    // longer than the pool's connectionTimeoutMillis (2 s) for one fails ("timeout exceeded when trying to
    // connect"): at 400 ms per answer the queue passed 2 s in about one run in three, which was this test's flake.
    // At 150 ms the whole queue is under 2 s, and requests still wait for a connection when SIGTERM comes.
    proxy.setDelay(150);
    const key = generateTestKeyPair().publicPem;
    const abandoned = [
      ...Array.from({ length: 4 }, (_, i) => send(hub.url, 'GET', `/api/v1/peers/gone${i}.example.com`)),
      ...Array.from({ length: 3 }, (_, i) =>
        send(hub.url, 'POST', '/api/v1/peers', { domain: `gone-reg${i}.example.com`, url: `https://gone-reg${i}.example.com`, public_key: key }),
      ),
    ];
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (const pending of abandoned) pending.destroy(); // the clients give up while the database is slow
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await hub.stop('SIGTERM'), 0, hub.output());
    assert.doesNotMatch(hub.output(), /internal error|Driver not Connected|"level":50/, 'no handler was cut off by the closing database');
    const rows = await db.query<{ domain: string }>(`SELECT domain FROM verification_requests WHERE domain LIKE 'gone-reg%' ORDER BY domain`);
    assert.deepEqual(
      rows.map((row) => row.domain),
      ['gone-reg0.example.com', 'gone-reg1.example.com', 'gone-reg2.example.com'],
      'the registrations whose clients left were stored all the same',
    );
    proxy.setDelay(0);
  });
});

/** A raw request the test can abandon (destroy) before the answer comes. */
function send(base: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const pending = httpRequest(new URL(path, base), { method, headers: body ? { 'content-type': 'application/json' } : {} });
  pending.on('error', () => {}); // destroyed on purpose
  pending.end(body ? JSON.stringify(body) : undefined);
  return pending;
}
