import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { proxyDatabase, type TcpProxy } from '../support/tcp-proxy.js';

describe('health and readiness', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let hub: TestHub;

  before(async () => {
    db = await createTestDatabase('readiness');
    const proxied = await proxyDatabase(db.url);
    proxy = proxied.proxy;
    hub = await startTestHub('readiness', { DATABASE_URL: proxied.url }, { db });
  });

  after(async () => {
    await hub.stop();
    await proxy.close();
    await db.drop();
  });

  it('GET /healthz is 200 while the process runs', async () => {
    const response = await request(hub.url).get('/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'ok' });
  });

  it('GET /readyz is 200 with the database, 503 with a JSON reason without it, 200 again after', async () => {
    const up = await request(hub.url).get('/readyz');
    assert.equal(up.status, 200);
    assert.equal(up.body.database, 'ok');

    await proxy.cut();
    const down = await request(hub.url).get('/readyz');
    assert.equal(down.status, 503);
    assert.match(down.headers['content-type'], /application\/json/);
    assert.equal(down.body.statusCode, 503);
    assert.match(down.body.message, /^database: /);
    // Liveness does not depend on the database.
    assert.equal((await request(hub.url).get('/healthz')).status, 200);

    await proxy.restore();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      status = (await request(hub.url).get('/readyz')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 200);
  });
});
