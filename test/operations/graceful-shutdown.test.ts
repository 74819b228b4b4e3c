import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
});
