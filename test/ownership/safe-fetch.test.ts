import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DnsClient } from '../../packages/client/src/dns/client.js';
import { forbiddenRange } from '../../packages/server/src/ownership-challenges/address-rules.js';
import {
  FETCH_MAX_BODY_BYTES, FETCH_MAX_REDIRECTS, FETCH_TIMEOUT_MS, safeFetch, type SafeFetchOptions,
} from '../../packages/server/src/ownership-challenges/safe-fetch.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';

describe('forbiddenRange: the address rule (ranges from the IANA special-purpose registries, RFC 6890)', () => {
  const cases: Array<[string, string | null]> = [
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['fd12::1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'], ['::ffff:8.8.8.8', 'IPv4-mapped'], ['64:ff9b::a00:1', 'IPv4-translated'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'], ['255.255.255.255', 'reserved'],
    ['8.8.8.8', null], ['172.32.0.1', null], ['2001:4860:4860::8888', null], ['93.184.215.14', null],
  ];
  for (const [address, range] of cases) {
    it(`${address} → ${range ?? 'public'}`, () => assert.equal(forbiddenRange(address), range));
  }
});

describe('safeFetch: HTTP requests a registrant can aim, against real servers on loopback', () => {
  let dns: TestDnsServer;
  let web: TestHttpServer;
  let other: TestHttpServer;
  let options: SafeFetchOptions;

  before(async () => {
    web = await startHttpServer();
    // Another host's server on its own loopback address, on the same port the knob sends every check to.
    other = await startHttpServer({ host: '127.0.0.5', port: web.port });
    dns = await startDnsServer({
      'site.example.com': [{ type: 'A', address: '127.0.0.1' }],
      'other.example.com': [{ type: 'A', address: '127.0.0.5' }],
      'ten.example.com': [{ type: 'A', address: '10.0.0.1' }],
      // ::ffff:127.0.0.1, in the hex form: dns2 writes AAAA records only from hex groups.
      'mapped.example.com': [{ type: 'AAAA', address: '::ffff:7f00:1' }],
      // A public address does not make a private one acceptable (and is never connected to: the check refuses first).
      'mixed.example.com': [{ type: 'A', address: '93.184.215.14' }, { type: 'A', address: '192.168.0.1' }],
    });
    const client = new DnsClient({ servers: [dns.address] });
    options = {
      resolve: async (host) => (await client.addresses(host)).records,
      allowPrivate: true,
      portOverride: web.port,
      userAgent: 'FederationHub/1 (ownership check; +http://hub.test)',
    };
  });
  after(async () => {
    await Promise.all([web.close(), other.close(), dns.close()]);
  });

  it('the rules are 5 s, 4 KiB and 3 redirects', () => {
    assert.deepEqual([FETCH_TIMEOUT_MS, FETCH_MAX_BODY_BYTES, FETCH_MAX_REDIRECTS], [5000, 4096, 3]);
  });

  it('fetches a file from the address it checked, naming the hub, with no cookie and no credentials', async () => {
    web.route('/login', (_request, response) => response.writeHead(302, { location: '/file', 'set-cookie': 'session=1' }).end());
    web.file('/file', 'hello');
    const outcome = await safeFetch('http://site.example.com/login', options);
    assert.deepEqual(outcome, { ok: true, status: 200, body: 'hello', url: 'http://site.example.com/file', address: '127.0.0.1' });
    const sent = web.requests.at(-1)!.headers;
    assert.equal(sent['user-agent'], options.userAgent);
    assert.equal(sent.cookie, undefined);
    assert.equal(sent.authorization, undefined);
    assert.equal(sent.host, `site.example.com:${web.port}`);
  });

  it('follows up to 3 redirects on the same domain and refuses a 4th', async () => {
    for (const n of [1, 2, 3, 4]) web.route(`/r${n}`, (_q, response) => response.writeHead(301, { location: `/r${n + 1}` }).end());
    web.file('/r4', 'three hops');
    assert.equal(((await safeFetch('http://site.example.com/r1', options)) as { body: string }).body, 'three hops');
    web.file('/r5', 'four hops');
    const outcome = await safeFetch('http://site.example.com/r1', { ...options, maxRedirects: 2 });
    assert.equal(outcome.ok, false);
    assert.match((outcome as { detail: string }).detail, /^more than 2 redirects \(refused\)/);
  });

  it('refuses more than 3 redirects at the default', async () => {
    web.route('/loop', (_q, response) => response.writeHead(302, { location: '/loop' }).end());
    const before = web.requests.length;
    const outcome = await safeFetch('http://site.example.com/loop', options);
    assert.equal(outcome.ok, false);
    assert.match((outcome as { detail: string }).detail, /^more than 3 redirects \(refused\)/);
    assert.equal(web.requests.length - before, 4, 'the first request and three redirects, no more');
  });

  it('refuses a redirect to another host without connecting to it', async () => {
    web.route('/away', (_q, response) => response.writeHead(302, { location: `http://other.example.com:${web.port}/x` }).end());
    const outcome = await safeFetch('http://site.example.com/away', options);
    assert.equal(outcome.ok, false);
    assert.match((outcome as { detail: string }).detail, /^redirected to another host \(refused\): http:\/\/other\.example\.com/);
    assert.equal(other.connections, 0);
  });

  it('refuses a body over 4 KiB', async () => {
    web.file('/big', 'x'.repeat(FETCH_MAX_BODY_BYTES + 1));
    web.file('/fits', 'x'.repeat(FETCH_MAX_BODY_BYTES));
    assert.equal(((await safeFetch('http://site.example.com/fits', options)) as { body: string }).body.length, FETCH_MAX_BODY_BYTES);
    const outcome = await safeFetch('http://site.example.com/big', options);
    assert.equal(outcome.ok, false);
    assert.match((outcome as { detail: string }).detail, /is larger than 4096 bytes \(refused\)$/);
  });

  it('gives up on a server that never answers, at the deadline', async () => {
    web.route('/hang', () => {}); // accepts, reads the request, never answers
    const outcome = await safeFetch('http://site.example.com/hang', { ...options, timeoutMs: 300 });
    assert.deepEqual(outcome, { ok: false, refused: false, detail: 'no answer from http://site.example.com/hang within 0.3 s (timeout)', url: 'http://site.example.com/hang' });
  });

  it('refuses other ports, credentials in the URL, and IP addresses instead of the domain', async () => {
    const strict = { ...options, portOverride: undefined };
    for (const [url, rule] of [
      ['http://site.example.com:8080/x', /^port 8080 \(refused: only 80 and 443\)/],
      ['http://user:pw@site.example.com/x', /^URL with credentials \(refused\)/],
      ['http://127.0.0.1/x', /^an IP address, not the domain \(refused\)/],
      ['ftp://site.example.com/x', /^ftp: is not http or https \(refused\)/],
    ] as const) {
      const outcome = await safeFetch(url, strict);
      assert.equal(outcome.ok, false, url);
      assert.match((outcome as { detail: string }).detail, rule);
    }
  });

  describe('with the address rule on (ALLOW_PRIVATE_NETWORK_CHECKS off, the default)', () => {
    for (const [name, address, range] of [
      ['site.example.com', '127.0.0.1', 'loopback'],
      ['ten.example.com', '10.0.0.1', 'private'],
      ['mapped.example.com', '::ffff:7f00:1', 'IPv4-mapped'],
      ['mixed.example.com', '192.168.0.1', 'private'],
    ] as const) {
      it(`refuses ${name} (${address}) before any connection is made`, async () => {
        web.file('/secret', 'internal');
        const connections = web.connections;
        const outcome = await safeFetch(`http://${name}/secret`, { ...options, allowPrivate: false });
        assert.deepEqual(outcome, {
          ok: false, refused: true, detail: `${name} resolves to ${address}, which is ${range} (refused before connecting)`, url: `http://${name}/secret`,
        });
        assert.equal(web.connections, connections, 'no connection to the server on loopback');
      });
    }
  });

  it('DNS rebinding: resolves once and connects to the address it checked', async () => {
    const rebinding = await startDnsServer({}, {
      perQuery: { 'rebind.example.com': (previous, type) => (type === 'A' ? [{ type: 'A', address: previous === 0 ? '127.0.0.2' : '127.0.0.3' }] : []) },
    });
    const only = await startHttpServer({ host: '127.0.0.2' });
    try {
      only.route('/a', (_q, response) => response.writeHead(302, { location: '/b' }).end());
      only.file('/b', 'served on 127.0.0.2 alone');
      const client = new DnsClient({ servers: [rebinding.address] });
      const outcome = await safeFetch('http://rebind.example.com/a', {
        ...options, portOverride: only.port, resolve: async (host) => (await client.addresses(host)).records,
      });
      assert.deepEqual(outcome, { ok: true, status: 200, body: 'served on 127.0.0.2 alone', url: 'http://rebind.example.com/b', address: '127.0.0.2' });
      assert.equal(rebinding.count('rebind.example.com', 'A'), 1, 'one resolution for the request and its redirect');
    } finally {
      await Promise.all([rebinding.close(), only.close()]);
    }
  });
});
