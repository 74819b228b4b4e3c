import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { register } from '../support/flows.js';
import { startTestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';

const key = generateTestKeyPair().publicPem;
const from = (hubUrl: string, domain: string, forwardedFor: string) =>
  register(hubUrl, { domain, url: `https://${domain}`, public_key: key }).set('X-Forwarded-For', forwardedFor);

const lookup = (hubUrl: string, forwardedFor: string) =>
  request(hubUrl).get('/api/v1/peers?search=nobody.ip.example.com').set('X-Forwarded-For', forwardedFor);

describe('client IP for rate limits', () => {
  it('comes from the socket when TRUST_PROXY is unset: X-Forwarded-For cannot dodge the limit', async () => {
    const hub = await startTestHub('client_ip_socket', { RATE_IP_REGISTRATIONS_PER_MINUTE: '2' });
    try {
      await clearOfMinuteBoundary();
      assert.equal((await from(hub.url, 'a.ip.example.com', '198.51.100.1')).status, 202);
      assert.equal((await from(hub.url, 'b.ip.example.com', '198.51.100.2')).status, 202);
      const third = await from(hub.url, 'c.ip.example.com', '198.51.100.3');
      assert.equal(third.status, 429);
      assert.match(third.body.message, /from 127\.0\.0\.1/);
      const [request] = await hub.db.query<{ requester_ip: string }>(`SELECT requester_ip FROM verification_requests LIMIT 1`);
      assert.equal(request!.requester_ip, '127.0.0.1');
    } finally {
      await hub.stop();
    }
  });

  it('comes from X-Forwarded-For when the proxy is trusted (TRUST_PROXY)', async () => {
    const hub = await startTestHub('client_ip_proxy', { RATE_IP_REGISTRATIONS_PER_MINUTE: '1', TRUST_PROXY: 'loopback' });
    try {
      await clearOfMinuteBoundary();
      assert.equal((await from(hub.url, 'a.proxy.example.com', '198.51.100.1')).status, 202);
      assert.equal((await from(hub.url, 'b.proxy.example.com', '198.51.100.2')).status, 202, 'another client behind the proxy');
      const again = await from(hub.url, 'c.proxy.example.com', '198.51.100.1');
      assert.equal(again.status, 429);
      assert.match(again.body.message, /from 198\.51\.100\.1/);
      const ips = await hub.db.query<{ requester_ip: string }>(`SELECT requester_ip FROM verification_requests ORDER BY created_at`);
      assert.deepEqual(ips.map((row) => row.requester_ip), ['198.51.100.1', '198.51.100.2']);
    } finally {
      await hub.stop();
    }
  });

  // Lookups are answered before Express (lookup-fast-path.ts), which finds the client IP on its own.
  it('for lookups answered before Express too: the socket without TRUST_PROXY, X-Forwarded-For with it', async () => {
    const direct = await startTestHub('client_ip_lookup_socket', { RATE_IP_REQUESTS_PER_MINUTE: '3' });
    const proxied = await startTestHub('client_ip_lookup_proxy', { RATE_IP_REQUESTS_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    try {
      await clearOfMinuteBoundary();
      const fromDirect: number[] = [];
      for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
        fromDirect.push((await lookup(direct.url, client)).status);
      }
      assert.deepEqual(fromDirect, [404, 404, 404, 429], 'X-Forwarded-For must not dodge the limit');
      const fromProxied: number[] = [];
      for (const client of ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2']) {
        fromProxied.push((await lookup(proxied.url, client)).status);
      }
      assert.deepEqual(fromProxied, [404, 404, 429, 404], 'each client behind the proxy has its own limit');
    } finally {
      await direct.stop();
      await proxied.stop();
    }
  });
});
