import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { splitTxtValue } from '../../packages/client/src/protocol/index.js';
import type { FederationTestReport, ReportRow } from '../../packages/server/src/pages/federation-report.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';
import { DOMAINS, GOOD_URL, startPageTour, ZONE, type PageTour } from './tour.js';

type Report = FederationTestReport & { cached: boolean };

function row(report: Report, record: string): ReportRow {
  const found = report.dns.entries.find((entry) => entry.record === record);
  assert.ok(found, `no ${record} row`);
  return found;
}

/** The page's text without tags, to check what a reader sees. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ');
}

describe('the federation tester against a dns2 zone on loopback', () => {
  let tour: PageTour;
  const json = async (domain: string): Promise<Report> => {
    const answer = await request(tour.hub.url).get(`/api/v1/check/${domain}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as Report;
  };
  const page = async (domain: string): Promise<string> => {
    const answer = await request(tour.hub.url).get(`/check/${domain}`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type']!, /^text\/html/);
    assert.match(answer.headers['content-security-policy']!, /^default-src 'none'; style-src 'sha256-/);
    return answer.text;
  };

  before(async () => {
    tour = await startPageTour('federation_tester');
  });
  after(() => tour?.stop());

  it('a correct set-up, registered on the hub too: every row ✓, DNS and the hub agree, reachable both ways', async () => {
    const report = await json(DOMAINS.good);
    assert.equal(report.verdict, 'dns-and-hub');
    assert.deepEqual(report.reachable, { dns: true, hub: true });
    assert.deepEqual(report.dns.entries.map((entry) => [entry.record, entry.status]), [
      ['srv-https', 'ok'],
      ['srv-http', 'ok'],
      ['srv-tcp', 'ok'],
      ['public-key', 'ok'],
      ['protocol', 'ok'],
    ]);
    assert.equal(report.dns.url, GOOD_URL);
    assert.equal(report.hub.url, tour.hub.config.publicUrl);
    assert.equal(report.hub.row.status, 'ok');
    assert.equal(report.hub.peer_url, GOOD_URL);
    assert.equal(report.agreement.status, 'agree');
    assert.equal(report.agreement.key, true);
    const text = visibleText(await page(DOMAINS.good));
    assert.match(text, /Peers can reach this server by DNS and through the hub\./);
    assert.match(text, /DNS and the hub agree/);
    assert.doesNotMatch(text, /✗|Could not check/);
    assert.equal((text.match(/✓ Correct/g) ?? []).length, 6, 'five DNS rows and the hub');
  });

  it('a key cut at 255 characters: ✗ with the record to paste, as several strings of one record', async () => {
    const report = await json(DOMAINS.cut);
    const txt = row(report, 'public-key');
    assert.equal(txt.status, 'wrong');
    assert.match(txt.found, /^the key is cut short \(255 characters/);
    assert.match(txt.fix!, /^your DNS provider cut the value at 255 characters: enter it as several quoted strings of one record:$/);
    assert.match(txt.zone_line!, /^rocketchat-public-key\.cut\.example\.com\. 3600 IN TXT "<your public key PEM/);
    assert.equal(report.verdict, 'none');
    assert.equal(report.reachable.dns, false);
    const html = await page(DOMAINS.cut);
    assert.ok(html.includes(`<pre>rocketchat-public-key.cut.example.com. 3600 IN TXT &#34;`), 'the zone-file line, ready to copy');
    assert.match(visibleText(html), /✗ Wrong : TXT rocketchat-public-key\.cut\.example\.com/);
    assert.match(visibleText(html), /Peers cannot reach this server/);
  });

  it('a key split over two records: ✗, delete them and add ONE record of several strings', async () => {
    const report = await json(DOMAINS.split);
    const txt = row(report, 'public-key');
    assert.equal(txt.status, 'wrong');
    assert.match(txt.found, /^2 TXT records: the key is split into 2 TXT records/);
    assert.equal(txt.fix, 'delete the 2 records and add ONE record whose value is several strings:');
    assert.match(txt.zone_line!, /^rocketchat-public-key\.split\.example\.com\. 3600 IN TXT "<your public key PEM/);
    assert.match(visibleText(await page(DOMAINS.split)), /delete the 2 records and add ONE record/);
  });

  it('an SRV target without an address: ✗ on the SRV row, the target named', async () => {
    const report = await json(DOMAINS.dangling);
    const srv = row(report, 'srv-https');
    assert.equal(srv.status, 'wrong');
    assert.equal(srv.found, '10 5 443 gone.dangling.example.com.; gone.dangling.example.com does not resolve (NXDOMAIN)');
    assert.match(srv.fix!, /^give each target an A\/AAAA record, or point the SRV record at a host name that has one, for example:$/);
    assert.equal(srv.zone_line, '_rocketchat._https.dangling.example.com. 3600 IN SRV 10 5 443 dangling.example.com.');
    assert.equal(row(report, 'public-key').status, 'ok');
    assert.equal(report.verdict, 'none');
  });

  it('a resolver that does not answer: "could not check", never "wrong"', async () => {
    const report = await json(DOMAINS.silent);
    assert.equal(report.verdict, 'could-not-check');
    assert.ok(tour.dns.count(`_rocketchat._https.${DOMAINS.silent}`) > 0, 'the silent server was asked');
    for (const entry of report.dns.entries) {
      assert.equal(entry.status, 'could-not-check', entry.record);
      assert.equal(entry.fix, undefined, `${entry.record}: no fix for what is not known to be wrong`);
    }
    assert.match(report.summary, /^Could not check: the DNS servers did not answer/);
    const text = visibleText(await page(DOMAINS.silent));
    const dnsSection = text.slice(text.indexOf('DNS records'), text.indexOf('The hub '));
    assert.equal((dnsSection.match(/\? Could not check/g) ?? []).length, 5);
    assert.doesNotMatch(dnsSection, /Wrong|✗|✓/);
    assert.match(text, /This does not mean it is wrong/);
  });

  it('DNS and the hub disagree: the key the hub serves is not the one in DNS', async () => {
    // Same URL as DNS, another key: a second hub on the same database (so the same registration of good.example.com)
    // asks a DNS server that publishes another key.
    const otherKey = stripLineBreaks(generateTestKeyPair({ type: 'ec', curve: 'P-256' }).publicPem);
    const other = await startDnsServer({ ...ZONE, [`rocketchat-public-key.${DOMAINS.good}`]: [{ type: 'TXT', strings: splitTxtValue(otherKey) }] });
    const hub = await startTestHub('federation_tester_differ', { DNS_SERVERS: other.address }, { db: tour.hub.db });
    try {
      const report = (await request(hub.url).get(`/api/v1/check/${DOMAINS.good}`)).body as Report;
      assert.equal(report.agreement.status, 'differ');
      assert.equal(report.agreement.url, true);
      assert.equal(report.agreement.key, false);
      assert.match(report.agreement.detail, /DNS and the hub publish different keys/);
    } finally {
      await hub.close();
      await other.close();
    }
  });

  it('the form redirects to /check/<domain>; a name that is not a domain is a 400 naming the field', async () => {
    const redirect = await request(tour.hub.url).get('/check?domain=%20Good.Example.com%20');
    assert.equal(redirect.status, 303);
    assert.equal(redirect.headers.location, '/check/Good.Example.com');
    const bad = await request(tour.hub.url).get('/api/v1/check/not_a_domain!');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.statusCode, 400);
    assert.match(bad.body.message, /^domain: /);
    const badPage = await request(tour.hub.url).get('/check/not_a_domain!');
    assert.equal(badPage.status, 400);
    assert.match(badPage.text, /Not a domain name/);
  });

  it('reuses a recent result instead of asking DNS again', async () => {
    await json(DOMAINS.dangling);
    tour.dns.resetCounts();
    const again = await json(DOMAINS.dangling);
    assert.equal(again.cached, true);
    assert.equal(tour.dns.received.length, 0);
  });

  it('the home page: a lookup shows URL, key type and size, grouped fingerprint, since when; links to docs, JWKS, log checkpoint, metrics', async () => {
    const home = await request(tour.hub.url).get('/');
    assert.equal(home.status, 200);
    for (const link of ['/docs', '/.well-known/jwks.json', '/api/v1/log/checkpoint', '/metrics', '/check']) {
      assert.ok(home.text.includes(`href="${link}"`), `links to ${link}`);
    }
    const text = visibleText(home.text);
    assert.match(text, /federation-hub register --hub http:\/\/127\.0\.0\.1:\d+ --domain chat\.example\.com/);
    assert.match(text, /curl -X POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/peers/);
    assert.match(text, /run by ops@hub\.example\.org/);
    const found = visibleText((await request(tour.hub.url).get(`/?domain=${DOMAINS.good}`)).text);
    assert.ok(found.includes(GOOD_URL));
    assert.match(found, /Key RSA 2048-bit/);
    assert.match(found, /Key fingerprint \(SHA-256\) ([0-9A-F]{2}:){3}[0-9A-F]{2}( ([0-9A-F]{2}:){3}[0-9A-F]{2}){7}/);
    assert.match(found, /Confirmed [A-Z][a-z]+day, \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d UTC/);
    const missing = await request(tour.hub.url).get(`/?domain=${DOMAINS.nobody}`);
    assert.equal(missing.status, 404);
    assert.match(visibleText(missing.text), /nobody\.example\.com is not registered with this hub/);
    const openapi = (await request(tour.hub.url).get('/docs-json')).body as { info: { title: string; contact: { email?: string } } };
    assert.equal(openapi.info.title, 'Example Federation Hub', 'the OpenAPI info names the hub');
    assert.equal(openapi.info.contact.email, 'ops@hub.example.org');
    const invalid = await request(tour.hub.url).get('/?domain=..');
    assert.equal(invalid.status, 400);
    assert.match(visibleText(invalid.text), /domain: /);
  });
});

describe('the federation tester\'s rate limits', () => {
  let dns: TestDnsServer;
  let hub: TestHub;

  before(async () => {
    dns = await startDnsServer({});
    hub = await startTestHub('federation_tester_limits', {
      DNS_SERVERS: dns.address,
      RATE_TESTER_CHECKS_PER_IP_PER_MINUTE: '2',
      RATE_TESTER_CHECKS_PER_MINUTE: '3',
      CHECK_CACHE_SECONDS: '600',
      TRUST_PROXY: 'loopback',
    });
  });
  after(async () => {
    await hub?.stop();
    await dns?.close();
  });

  it('per IP and for all clients together; cached results are still served, refused checks ask nothing', async () => {
    await clearOfMinuteBoundary(15_000);
    const check = (domain: string, ip: string, path = '/api/v1/check/') => request(hub.url).get(`${path}${domain}`).set('X-Forwarded-For', ip);
    assert.equal((await check('a.example.com', '192.0.2.1')).status, 200);
    assert.equal((await check('b.example.com', '192.0.2.1')).status, 200);
    const refused = await check('c.example.com', '192.0.2.1');
    assert.equal(refused.status, 429);
    assert.match(refused.body.message, /^rate limit: too many federation tests from 192\.0\.2\.1 \(RATE_TESTER_CHECKS_PER_IP_PER_MINUTE\); retry in \d+ s$/);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(dns.count('_rocketchat._https.c.example.com'), 0, 'a refused check asks DNS nothing');
    const refusedPage = await check('c.example.com', '192.0.2.1', '/check/');
    assert.equal(refusedPage.status, 429);
    assert.match(refusedPage.text, /Too many tests/);
    assert.ok(refusedPage.headers['retry-after']);
    const cached = await check('a.example.com', '192.0.2.1');
    assert.equal(cached.status, 200, 'a cached result costs DNS nothing and is still served');
    assert.equal(cached.body.cached, true);

    assert.equal((await check('d.example.com', '192.0.2.2')).status, 200, 'another IP: its own allowance');
    const global = await check('e.example.com', '192.0.2.3');
    assert.equal(global.status, 429);
    assert.match(global.body.message, /^rate limit: too many federation tests on this hub right now \(RATE_TESTER_CHECKS_PER_MINUTE\)/);
    const metrics = await request(hub.url).get('/metrics');
    assert.match(metrics.text, /hub_rate_limit_refusals_total\{limit="check_ip"\} 2/);
    assert.match(metrics.text, /hub_rate_limit_refusals_total\{limit="check_global"\} 1/);
  });
});
