import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { parsePublicKey } from '../../packages/client/src/protocol/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type TestDnsRecord, startDnsServer, type TestDnsServer, type TestDnsZone } from '../support/dns-server.js';
import { eventually } from '../support/eventually.js';
import { register } from '../support/flows.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';

const keyA = generateTestKeyPair({ type: 'ed25519' }).publicPem;
const keyB = generateTestKeyPair({ type: 'ed25519' }).publicPem;
const fingerprint = (pem: string) => parsePublicKey(pem).fingerprint;
const verify = (hub: TestHub, domain: string) => request(hub.url).post(`/api/v1/peers/${domain}/verify`).set('Accept', 'application/json');
const lookup = async (hub: TestHub, domain: string) => {
  const answer = await request(hub.url).get(`/api/v1/peers/${domain}`);
  return answer.status === 200 ? (answer.body.peer.fingerprint as string) : answer.status;
};
const txt = (value: string): TestDnsRecord => ({ type: 'TXT', strings: [value] });

/**
 * The zone of the test's DNS server: every domain a test registers resolves to 127.0.0.1, where the test's web server
 * listens; each test adds its challenge records.
 */
function zoneWith(records: TestDnsZone): TestDnsZone {
  const hosts = ['dns.example.com', 'http.example.com', 'late.example.com', 'old.example.com', 'two.example.com', 'limit.example.com', 'loop.example.com', 'ten.example.com', 'mapped.example.com'];
  const zone: TestDnsZone = Object.fromEntries(hosts.map((host) => [host, [{ type: 'A', address: '127.0.0.1' } as TestDnsRecord]]));
  zone['ten.example.com'] = [{ type: 'A', address: '10.0.0.1' }];
  zone['mapped.example.com'] = [{ type: 'AAAA', address: '::ffff:7f00:1' }]; // ::ffff:127.0.0.1 (dns2 writes hex groups only)
  return { ...zone, ...records };
}

describe('ownership proofs by DNS and HTTP, from registration to lookup', () => {
  let dns: TestDnsServer;
  let web: TestHttpServer;
  let hub: TestHub;
  let zone: TestDnsZone = {};
  const publish = (records: TestDnsZone) => {
    zone = { ...zone, ...records };
    dns.setZone(zoneWith(zone));
  };

  before(async () => {
    dns = await startDnsServer(zoneWith({}));
    web = await startHttpServer();
    hub = await startTestHub('challenges', {
      DNS_SERVERS: dns.address,
      ALLOW_PRIVATE_NETWORK_CHECKS: 'true',
      HTTP_CHECK_PORT: String(web.port),
      RATE_DOMAIN_COOLDOWN_SECONDS: '0',
      RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE: '1000',
      // No background check during these tests: each check here is the registrant's.
      CHALLENGE_RECHECK_BASE_SECONDS: '3600',
    });
  });
  after(async () => {
    await hub.stop();
    await Promise.all([dns.close(), web.close()]);
  });

  it('dns: the 202 says what to publish; a missing record, then a wrong value, then the right one; the challenge works once', async () => {
    const domain = 'dns.example.com';
    const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'dns' });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { dns: record } = accepted.body;
    assert.equal(accepted.body.method, 'dns');
    assert.equal(record.name, `_federation-hub-challenge.${domain}`);
    assert.equal(record.type, 'TXT');
    assert.match(record.value, /^federation-hub-verification=[A-Za-z0-9_-]{43}$/);
    assert.equal(accepted.body.verify_url, `${hub.url}/api/v1/peers/${domain}/verify`);
    assert.ok(Date.parse(accepted.body.expires_at) > Date.now() + 23 * 3600_000, 'expires in 24 h by default');
    // No email for a challenge, and only the token's hash is stored.
    const token = record.value.split('=')[1];
    assert.equal((await hub.db.query(`SELECT 1 FROM mail_outbox`)).length, 0);
    const [stored] = await hub.db.query<{ token_hash: Buffer }>(`SELECT token_hash FROM ownership_challenges`);
    assert.ok(stored!.token_hash.equals(createHash('sha256').update(token).digest()));
    const everything = await hub.db.query(`SELECT (SELECT string_agg(r::text, '') FROM verification_requests r) || (SELECT string_agg(c::text, '') FROM ownership_challenges c) AS all`);
    assert.ok(!String(everything[0]!.all).includes(token), 'the token itself is nowhere in the database');

    const missing = await verify(hub, domain);
    assert.equal(missing.status, 200);
    assert.deepEqual([missing.body.status, missing.body.finding], ['pending', `no TXT record (NXDOMAIN) at _federation-hub-challenge.${domain}`]);
    assert.ok(missing.body.next_check_at);

    publish({ [record.name]: [txt('federation-hub-verification=not-the-token')] });
    const wrong = await verify(hub, domain);
    assert.equal(wrong.body.status, 'pending');
    assert.equal(wrong.body.finding, `TXT record found at ${record.name} but value differs: got "federation-hub-verification=not-the-token"`);
    assert.equal(await lookup(hub, domain), 404);

    publish({ [record.name]: [txt('v=something-else'), txt(record.value)] });
    const right = await verify(hub, domain);
    assert.equal(right.status, 200, JSON.stringify(right.body));
    assert.equal(right.body.status, 'confirmed');
    assert.equal(right.body.finding, `TXT record found at ${record.name} with the expected value`);
    assert.equal(right.body.fingerprint, fingerprint(keyA));
    assert.equal(await lookup(hub, domain), fingerprint(keyA));

    // Replayed: the challenge was used up.
    const replay = await verify(hub, domain);
    assert.equal(replay.status, 410);
    assert.match(replay.body.message, /^domain: the challenge for dns\.example\.com was already used \(confirmed at .*\); it works once$/);
  });

  it('dns: the record of a used challenge does not prove a new registration (a new token each time)', async () => {
    const domain = 'dns.example.com';
    const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyB, method: 'dns' });
    assert.equal(accepted.status, 202);
    const again = await verify(hub, domain);
    assert.equal(again.body.status, 'pending');
    assert.match(again.body.finding, /but value differs: got /);
    assert.equal(await lookup(hub, domain), fingerprint(keyA), 'the old key serves until the new one is proven');
  });

  it('http: the 202 gives the URL and body; a 404, then a wrong body, then the right one', async () => {
    const domain = 'http.example.com';
    const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'http' });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { url, body, content_type } = accepted.body.http;
    assert.match(url, /^http:\/\/http\.example\.com\/\.well-known\/federation-hub\/[A-Za-z0-9_-]{22}$/);
    assert.match(body, /^federation-hub-verification=[A-Za-z0-9_-]{43}$/);
    assert.equal(content_type, 'text/plain');
    const path = new URL(url).pathname;

    const notFound = await verify(hub, domain);
    assert.equal(notFound.body.status, 'pending');
    assert.equal(notFound.body.finding, `HTTP 404 from ${url}`);

    web.file(path, 'federation-hub-verification=wrong');
    assert.equal((await verify(hub, domain)).body.finding, `body differs at ${url}: got "federation-hub-verification=wrong"`);
    assert.equal(await lookup(hub, domain), 404);

    web.file(path, `${body}\n`);
    const right = await verify(hub, domain);
    assert.equal(right.body.status, 'confirmed', JSON.stringify(right.body));
    assert.equal(right.body.finding, `found the expected body at ${url}`);
    assert.equal(await lookup(hub, domain), fingerprint(keyA));
    const fetched = web.requests.filter((seen) => seen.path === path);
    assert.equal(fetched.length, 3);
    assert.match(String(fetched[0]!.headers['user-agent']), /^FederationHub\/1 \(ownership check; \+http:\/\/127\.0\.0\.1:\d+\)$/);
    assert.equal((await verify(hub, domain)).status, 410, 'single use');
  });

  it('an expired challenge is refused (410), and nothing is checked', async () => {
    const domain = 'old.example.com';
    const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'dns' });
    publish({ [accepted.body.dns.name]: [txt(accepted.body.dns.value)] });
    await hub.db.query(`UPDATE verification_requests SET expires_at = now() - interval '1 second' WHERE domain = $1`, [domain]);
    const asked = dns.count(accepted.body.dns.name, 'TXT');
    const expired = await verify(hub, domain);
    assert.equal(expired.status, 410);
    assert.match(expired.body.message, /^domain: the challenge for old\.example\.com expired at .*; register again$/);
    assert.equal(dns.count(accepted.body.dns.name, 'TXT'), asked, 'no DNS query for an expired challenge');
    assert.equal(await lookup(hub, domain), 404);
  });

  it('verify for a domain without a challenge is 404, and an unknown method is 400', async () => {
    const none = await verify(hub, 'nobody.example.com');
    assert.equal(none.status, 404);
    assert.equal(none.body.message, 'domain: nobody.example.com has no dns or http challenge on this hub; register with "method": "dns" or "http" first');
    const bad = await register(hub.url, { domain: 'dns.example.com', url: 'https://dns.example.com', public_key: keyA, method: 'pigeon' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'method: must be one of email, dns, http');
  });

  it('DNS rebinding: with the rule lifted, the first answer is 127.0.0.2 and every later one 127.0.0.3; the file is on 127.0.0.2 alone, and the check passes', async () => {
    const domain = 'rebind.example.com';
    const rebinding = await startDnsServer({}, {
      perQuery: { [domain]: (previous, type) => (type === 'A' ? [{ type: 'A', address: previous === 0 ? '127.0.0.2' : '127.0.0.3' }] : []) },
    });
    const only = await startHttpServer({ host: '127.0.0.2' });
    const rebound = await startTestHub('challenges_rebinding', {
      DNS_SERVERS: rebinding.address, ALLOW_PRIVATE_NETWORK_CHECKS: 'true', HTTP_CHECK_PORT: String(only.port), CHALLENGE_RECHECK_BASE_SECONDS: '3600',
    });
    try {
      const accepted = await register(rebound.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'http' });
      assert.equal(accepted.status, 202);
      only.file(new URL(accepted.body.http.url).pathname, accepted.body.http.body);
      const checked = await verify(rebound, domain);
      assert.equal(checked.body.status, 'confirmed', JSON.stringify(checked.body));
      assert.equal(rebinding.count(domain, 'A'), 1, 'resolved once');
      assert.equal(await lookup(rebound, domain), fingerprint(keyA));
    } finally {
      await rebound.stop();
      await Promise.all([rebinding.close(), only.close()]);
    }
  });
});

describe('ownership checks with the address rule on (the default)', () => {
  let dns: TestDnsServer;
  let web: TestHttpServer;
  let hub: TestHub;

  before(async () => {
    dns = await startDnsServer(zoneWith({}));
    web = await startHttpServer({ port: 80 }).catch(() => startHttpServer());
    hub = await startTestHub('challenges_ssrf', { DNS_SERVERS: dns.address, RATE_DOMAIN_COOLDOWN_SECONDS: '0', CHALLENGE_RECHECK_BASE_SECONDS: '3600' });
  });
  after(async () => {
    await hub.stop();
    await Promise.all([dns.close(), web.close()]);
  });

  for (const [domain, address, range] of [
    ['loop.example.com', '127.0.0.1', 'loopback'],
    ['ten.example.com', '10.0.0.1', 'private'],
    ['mapped.example.com', '::ffff:7f00:1', 'IPv4-mapped'],
  ] as const) {
    it(`refuses ${domain}, which resolves to ${address}, before connecting`, async () => {
      const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'http' });
      assert.equal(accepted.status, 202);
      web.file(new URL(accepted.body.http.url).pathname, accepted.body.http.body);
      const connections = web.connections;
      const checked = await verify(hub, domain);
      assert.deepEqual([checked.body.status, checked.body.finding], ['pending', `${domain} resolves to ${address}, which is ${range} (refused before connecting)`]);
      assert.equal(web.connections, connections, 'nothing connected to the web server (on port 80 when the test may bind it)');
      assert.equal(await lookup(hub, domain), 404);
    });
  }

  it('refuses HTTP_CHECK_PORT without ALLOW_PRIVATE_NETWORK_CHECKS (it is for tests only), and DNS_SERVERS that are not addresses', async () => {
    const { HubConfig } = await import('../../packages/server/src/config/hub-config.js');
    assert.throws(() => HubConfig.fromEnvironment({ DNS_SERVERS: '127.0.0.1:53,resolver.example.com' }), /DNS_SERVERS must be a comma-separated list of IP addresses/);
    assert.deepEqual(HubConfig.fromEnvironment({ DNS_SERVERS: '127.0.0.1:5353, [::1]:53' }).dnsServers, ['127.0.0.1:5353', '[::1]:53']);
    assert.deepEqual(HubConfig.fromEnvironment({}).dnsServers, [], "default: the system's resolvers");
    assert.equal(HubConfig.fromEnvironment({}).allowPrivateNetworkChecks, false);
    assert.throws(() => HubConfig.fromEnvironment({ HTTP_CHECK_PORT: '8080' }), /HTTP_CHECK_PORT is for tests only and requires ALLOW_PRIVATE_NETWORK_CHECKS=true/);
    assert.equal(HubConfig.fromEnvironment({ HTTP_CHECK_PORT: '8080', ALLOW_PRIVATE_NETWORK_CHECKS: 'true' }).httpCheckPort, 8080);
  });
});

describe('ownership checks: background re-check, two instances, limits', () => {
  let dns: TestDnsServer;
  let db: TestDatabase;

  before(async () => {
    dns = await startDnsServer(zoneWith({}));
    db = await createTestDatabase('challenges_shared');
  });
  after(async () => {
    await dns.close();
    await db.drop();
  });

  it('the background re-check confirms a record that appears after the registration', async () => {
    const hub = await startTestHub('challenges_background', {
      DNS_SERVERS: dns.address, CHALLENGE_RECHECK_BASE_SECONDS: '1', CHALLENGE_RECHECK_MAX_SECONDS: '1', CHALLENGE_POLL_MS: '100',
    });
    try {
      const domain = 'late.example.com';
      const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'dns' });
      const name = accepted.body.dns.name;
      const checked = async () => (await hub.db.query(`SELECT 1 FROM ownership_challenges WHERE checks > 0`)).length > 0;
      assert.ok(await eventually(checked, 10_000), 'checked in the background, before the record exists');
      const [first] = await hub.db.query<{ last_finding: string; active: boolean }>(`SELECT last_finding, active FROM ownership_challenges`);
      assert.deepEqual(first, { last_finding: `no TXT record (NXDOMAIN) at ${name}`, active: true });
      dns.setZone(zoneWith({ [name]: [txt(accepted.body.dns.value)] }));
      assert.ok(await eventually(async () => (await lookup(hub, domain)) === fingerprint(keyA), 15_000), 'confirmed without anyone asking');
      const [done] = await hub.db.query<{ active: boolean }>(`SELECT active FROM ownership_challenges`);
      assert.equal(done!.active, false);
      const metrics = (await request(hub.url).get('/metrics')).text;
      assert.match(metrics, /^hub_ownership_checks_total\{method="dns",trigger="background",result="passed"\} 1$/m);
      assert.match(metrics, /^hub_ownership_checks_total\{method="dns",trigger="background",result="failed"\} [1-9]\d*$/m);
    } finally {
      await hub.stop();
    }
  });

  it('two instances asked to check one challenge at once check it once and apply it once', async () => {
    const env = { DNS_SERVERS: dns.address, CHALLENGE_RECHECK_BASE_SECONDS: '3600' };
    const a = await startTestHub('challenges_two_a', env, { db });
    const b = await startTestHub('challenges_two_b', env, { db });
    try {
      const domain = 'two.example.com';
      const accepted = await register(a.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'dns' });
      dns.setZone(zoneWith({ [accepted.body.dns.name]: [txt(accepted.body.dns.value)] }));
      // Counts every write of the peer: the request must be applied exactly once.
      await db.query(`CREATE SEQUENCE peer_writes`);
      await db.query(`CREATE FUNCTION count_peer_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('peer_writes'); RETURN NEW; END $$`);
      await db.query(`CREATE TRIGGER count_peer_write BEFORE INSERT OR UPDATE ON peers FOR EACH ROW EXECUTE FUNCTION count_peer_write()`);
      dns.resetCounts();
      const answers = await Promise.all([verify(a, domain), verify(b, domain), verify(a, domain), verify(b, domain)]);
      // Each asker gets the confirmation (the one that checked, or one that waited for it), or, asking once it was
      // over, "already used".
      for (const answer of answers) {
        if (answer.status === 200) assert.equal(answer.body.status, 'confirmed', JSON.stringify(answer.body));
        else assert.match(answer.body.message, /^domain: the challenge for two\.example\.com was already used/, JSON.stringify(answer.body));
      }
      assert.ok(answers.some((answer) => answer.status === 200));
      assert.equal(dns.count(accepted.body.dns.name, 'TXT'), 1, 'one check');
      const [{ n }] = (await db.query<{ n: number }>(`SELECT last_value::int AS n FROM peer_writes`)) as [{ n: number }];
      assert.equal(n, 1, 'applied once');
      assert.equal(await lookup(b, domain), fingerprint(keyA));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('limits checks per client IP and in all, with 429 and Retry-After, before any query leaves', async () => {
    const limits = [
      { RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE: '2', RATE_OWNERSHIP_CHECKS_PER_MINUTE: '100', rule: /^rate limit: too many ownership checks asked from \S+ \(RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE\); retry in \d+ s$/ },
      { RATE_IP_OWNERSHIP_CHECKS_PER_MINUTE: '100', RATE_OWNERSHIP_CHECKS_PER_MINUTE: '2', rule: /^rate limit: the hub makes at most 2 ownership checks a minute \(RATE_OWNERSHIP_CHECKS_PER_MINUTE\); retry in \d+ s$/ },
    ];
    for (const [i, { rule, ...env }] of limits.entries()) {
      const hub = await startTestHub(`challenges_limits_${i}`, { DNS_SERVERS: dns.address, CHALLENGE_RECHECK_BASE_SECONDS: '3600', ...env });
      try {
        const domain = 'limit.example.com';
        const accepted = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA, method: 'dns' });
        await clearOfMinuteBoundary();
        dns.resetCounts();
        const answers = [];
        for (let n = 0; n < 3; n++) answers.push(await verify(hub, domain));
        assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 429]);
        assert.ok(Number(answers[2]!.headers['retry-after']) >= 1);
        assert.match(answers[2]!.body.message, rule);
        assert.equal(dns.count(accepted.body.dns.name, 'TXT'), 2, 'the refused check sent nothing');
      } finally {
        await hub.stop();
      }
    }
  });

  it('a dns or http registration within the cooldown is refused (429): the cooldown counts every method', async () => {
    const hub = await startTestHub('challenges_cooldown', { DNS_SERVERS: dns.address, RATE_DOMAIN_COOLDOWN_SECONDS: '60' });
    try {
      const domain = 'limit.example.com';
      assert.equal((await register(hub.url, { domain, url: `https://${domain}`, public_key: keyA })).status, 202);
      const refused = await register(hub.url, { domain, url: `https://${domain}`, public_key: keyB, method: 'dns' });
      assert.equal(refused.status, 429);
      assert.match(refused.body.message, /^domain: limit\.example\.com had a request less than 60 s ago \(RATE_DOMAIN_COOLDOWN_SECONDS\); retry in \d+ s$/);
      assert.ok(Number(refused.headers['retry-after']) > 0);
    } finally {
      await hub.stop();
    }
  });
});

describe('ALLOW_PRIVATE_NETWORK_CHECKS=true at start-up', () => {
  it('logs a warning (the hub as a process)', async () => {
    const db = await createTestDatabase('challenges_warning');
    const { spawnHub } = await import('../support/hub-process.js');
    const hub = await spawnHub({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ALLOW_PRIVATE_NETWORK_CHECKS: 'true', DATA_DIR: mkdtempSync(join(tmpdir(), 'hub-warning-')) });
    try {
      assert.ok(await eventually(() => /ALLOW_PRIVATE_NETWORK_CHECKS=true: ownership checks may reach loopback/.test(hub.output()), 5000), hub.output());
      assert.match(hub.output(), /"level":40[^\n]*ALLOW_PRIVATE_NETWORK_CHECKS=true/, 'at warn level');
    } finally {
      await hub.stop();
      await db.drop();
    }
  });
});
