import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkDns, type DnsCheckEntry, type DnsCheckReport } from '../../packages/client/src/index.js';
import { quoteTxtStrings, splitTxtValue } from '../../packages/client/src/protocol/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { mergeZones, peerZone } from './fixtures.js';

const key = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const otherKey = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
const stripped = stripLineBreaks(key.publicPem);
const pasteable = quoteTxtStrings(splitTxtValue(stripped));

const ZONE = mergeZones(
  peerZone('good.example.com', { https: [{ target: 'chat.good.example.com', port: 8443 }], key: key.publicPem, hosts: { 'chat.good.example.com': '192.0.2.10' } }),
  peerZone('nothing.example.com', {}),
  peerZone('cut.example.com', { https: [{ target: 'cut.example.com' }], key: [[stripped.slice(0, 255)]], hosts: { 'cut.example.com': '192.0.2.11' } }),
  peerZone('records.example.com', {
    https: [{ target: 'records.example.com' }],
    key: splitTxtValue(stripped).map((part) => [part]),
    hosts: { 'records.example.com': '192.0.2.12' },
  }),
  peerZone('garbage.example.com', { https: [{ target: 'garbage.example.com' }], key: [['hello world']], hosts: { 'garbage.example.com': '2001:db8::12' } }),
  peerZone('dangling.example.com', { https: [{ target: 'gone.dangling.example.com' }], key: key.publicPem }),
  peerZone('legacy.example.com', { tcp: [{ target: 'legacy.example.com', port: 3000 }], protocol: 'htp', key: key.publicPem, hosts: { 'legacy.example.com': '192.0.2.13' } }),
  peerZone('legacy-ok.example.com', { tcp: [{ target: 'legacy-ok.example.com', port: 3000 }], protocol: 'http', key: key.publicPem, hosts: { 'legacy-ok.example.com': '192.0.2.14' } }),
);

function entry(report: DnsCheckReport, record: DnsCheckEntry['record']): DnsCheckEntry {
  const found = report.entries.find((candidate) => candidate.record === record);
  assert.ok(found, `no entry for ${record}`);
  return found;
}

describe('checkDns against a real DNS server on loopback', () => {
  let dns: TestDnsServer;
  const check = (domain: string, options = {}) => checkDns(domain, { dnsServers: [dns.address], timeoutMs: 1000, ...options });

  before(async () => {
    dns = await startDnsServer(ZONE);
  });
  after(() => dns.close());

  it('a complete set-up: every entry ok, the URL peers will use', async () => {
    const report = await check('good.example.com', { publicKey: key.publicPem });
    assert.equal(report.ok, true);
    assert.equal(report.url, 'https://chat.good.example.com:8443');
    assert.deepEqual(
      report.entries.map((item) => [item.record, item.name, item.type, item.ok]),
      [
        ['srv-https', '_rocketchat._https.good.example.com', 'SRV', true],
        ['srv-http', '_rocketchat._http.good.example.com', 'SRV', true],
        ['srv-tcp', '_rocketchat._tcp.good.example.com', 'SRV', true],
        ['public-key', 'rocketchat-public-key.good.example.com', 'TXT', true],
        ['protocol', 'rocketchat-tcp-protocol.good.example.com', 'TXT', true],
      ],
    );
    assert.equal(entry(report, 'srv-https').found, '10 5 8443 chat.good.example.com.');
    assert.match(entry(report, 'public-key').found, /^RSA 2048-bit key, fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(report.entries.every((item) => item.fix === undefined));
  });

  it('nothing published: says which records to add, in zone-file syntax', async () => {
    const report = await check('nothing.example.com', { publicKey: key.publicPem });
    assert.equal(report.ok, false);
    assert.equal(report.url, undefined);
    const srv = entry(report, 'srv-https');
    assert.equal(srv.ok, false);
    assert.equal(srv.found, 'no record (NXDOMAIN)');
    assert.equal(srv.fix, 'add _rocketchat._https.nothing.example.com. 3600 IN SRV 10 5 443 nothing.example.com.  (priority weight port host)');
    const txt = entry(report, 'public-key');
    assert.equal(txt.ok, false);
    assert.equal(txt.fix, `add rocketchat-public-key.nothing.example.com. 3600 IN TXT ${pasteable}`);
  });

  it('a key cut at 255 characters by the DNS provider', async () => {
    const txt = entry(await check('cut.example.com'), 'public-key');
    assert.equal(txt.ok, false);
    assert.match(txt.found, /^the key is cut short \(255 characters, no -----END PUBLIC KEY-----\)/);
    assert.match(txt.fix!, /^your DNS provider cut the value at 255 characters: enter it as several quoted strings of one record: /);
  });

  it('a key split into several records instead of several strings of one record', async () => {
    const report = await check('records.example.com', { publicKey: key.publicPem });
    const txt = entry(report, 'public-key');
    assert.equal(txt.ok, false);
    assert.match(txt.found, /^2 TXT records: the key is split into 2 TXT records/);
    assert.equal(
      txt.fix,
      `delete the 2 records and add ONE record whose value is several strings: rocketchat-public-key.records.example.com. 3600 IN TXT ${pasteable}`,
    );
    assert.equal(report.ok, false);
  });

  it('a key that does not parse', async () => {
    const txt = entry(await check('garbage.example.com'), 'public-key');
    assert.equal(txt.ok, false);
    assert.equal(txt.found, 'must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)');
    assert.match(txt.fix!, /^replace it with rocketchat-public-key\.garbage\.example\.com\. 3600 IN TXT "</);
  });

  it('a published key that is not this server\'s key', async () => {
    const txt = entry(await check('good.example.com', { publicKey: otherKey.publicPem }), 'public-key');
    assert.equal(txt.ok, false);
    assert.match(txt.found, /: not this server's key$/);
  });

  it('an SRV pointing at a name that does not resolve', async () => {
    const report = await check('dangling.example.com');
    const srv = entry(report, 'srv-https');
    assert.equal(srv.ok, false);
    assert.equal(srv.found, '10 5 443 gone.dangling.example.com.; gone.dangling.example.com does not resolve (NXDOMAIN)');
    assert.match(srv.fix!, /^give each target an A\/AAAA record/);
    assert.equal(report.ok, false);
  });

  it('an SRV whose target DNS does not answer for: could not check, not "does not resolve"', async () => {
    const silent = await startDnsServer(
      peerZone('quiet-target.example.com', { https: [{ target: 'chat.quiet-target.example.com' }], key: key.publicPem }),
      { silent: ['chat.quiet-target.example.com'] },
    );
    try {
      const report = await checkDns('quiet-target.example.com', { dnsServers: [silent.address], timeoutMs: 300 });
      const srv = entry(report, 'srv-https');
      assert.equal(srv.ok, false);
      assert.equal(srv.couldNotCheck, true);
      assert.match(srv.found, /^10 5 443 chat\.quiet-target\.example\.com\.; chat\.quiet-target\.example\.com could not be looked up \(/);
      assert.deepEqual(report.unanswered, ['srv-https'], 'the report lists what its entries say could not be checked');
      assert.equal(report.noAnswer, undefined, 'the other records were answered');
      assert.equal(report.ok, false);
    } finally {
      await silent.close();
    }
  });

  it('a protocol TXT with a bad value (legacy SRV)', async () => {
    const report = await check('legacy.example.com');
    const protocol = entry(report, 'protocol');
    assert.equal(protocol.ok, false);
    assert.equal(protocol.found, 'value "htp" is neither "http" nor "https"');
    assert.equal(protocol.fix, 'replace it with rocketchat-tcp-protocol.legacy.example.com. 3600 IN TXT "https"');
    assert.equal(report.ok, false);
  });

  it('the legacy form done right works, over the protocol it names', async () => {
    const report = await check('legacy-ok.example.com');
    assert.equal(report.ok, true);
    assert.equal(report.url, 'http://legacy-ok.example.com:3000');
    assert.equal(entry(report, 'srv-https').ok, true, '_https is optional while the legacy form is used');
    assert.equal(entry(report, 'protocol').found, '"http"');
    // Legacy protocol is asked as TXT, never as SRV.
    assert.equal(dns.count('rocketchat-tcp-protocol.legacy-ok.example.com', 'SRV'), 0);
  });
});
