import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DnsCheckReport, HubCheck } from '../../packages/client/src/index.js';
import { displayDomain, displayHost } from '../../packages/server/src/common/display-domain.js';
import { dateInWords, fingerprintGroups, urlLeavesDomain } from '../../packages/server/src/common/facts.js';
import { buildReport, splitFix } from '../../packages/server/src/pages/federation-report.js';
import { homePage } from '../../packages/server/src/pages/home-page.js';
import { ConfigError, HubConfig } from '../../packages/server/src/config/hub-config.js';
import { generateTestKeyPair } from '../support/keys.js';

const HUB = { name: 'Hub', operatorContact: 'ops@hub.example', publicUrl: 'https://hub.example' };
const SETTINGS = { contactLocalParts: ['webmaster'], tokenTtlHours: 24 };

describe('facts as pages and emails word them', () => {
  it('fingerprints in eight groups of four bytes', () => {
    const hex = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    assert.deepEqual(fingerprintGroups(hex), [
      '00:11:22:33', '44:55:66:77', '88:99:AA:BB', 'CC:DD:EE:FF',
      '00:11:22:33', '44:55:66:77', '88:99:AA:BB', 'CC:DD:EE:FF',
    ]);
  });

  it('dates in words, in UTC', () => {
    assert.equal(dateInWords(new Date('2026-12-01T23:05:00Z')), 'Tuesday, 1 December 2026 at 23:05 UTC');
  });

  it('a URL outside the domain being confirmed', () => {
    assert.equal(urlLeavesDomain('https://example.com', 'example.com'), false);
    assert.equal(urlLeavesDomain('https://chat.example.com:8443/x', 'example.com'), false);
    assert.equal(urlLeavesDomain('https://chat.other.net', 'example.com'), true);
    assert.equal(urlLeavesDomain('https://badexample.com', 'example.com'), true, 'a suffix that is not a subdomain');
  });

  it('internationalised names shown in Unicode with their A-label', () => {
    assert.equal(displayDomain('xn--mnchen-3ya.de'), 'münchen.de (xn--mnchen-3ya.de)');
    assert.equal(displayDomain('example.com'), 'example.com');
    assert.equal(displayHost('https://xn--mnchen-3ya.de:8443/'), 'münchen.de (xn--mnchen-3ya.de)');
  });
});

describe('the federation tester report (pure)', () => {
  const entry = (record: DnsCheckReport['entries'][number]['record'], extra: Partial<DnsCheckReport['entries'][number]> = {}) => ({
    record, name: `${record}.example.com`, type: 'TXT' as const, ok: true, found: 'x', expected: 'y', ...extra,
  });

  it('splits a fix into its words and its zone-file line', () => {
    assert.deepEqual(splitFix('add _rocketchat._https.a.com. 3600 IN SRV 10 5 443 a.com.  (priority weight port host)', '_rocketchat._https.a.com'), {
      fix: 'add (priority weight port host):',
      zone_line: '_rocketchat._https.a.com. 3600 IN SRV 10 5 443 a.com.',
    });
    assert.deepEqual(splitFix('check that the DNS server is reachable and answers', 'a.com'), { fix: 'check that the DNS server is reachable and answers' });
    assert.deepEqual(splitFix(undefined, 'a.com'), {});
  });

  it('a resolver down and no registration: could-not-check, not "none"', () => {
    const dns: DnsCheckReport = { domain: 'a.com', ok: false, entries: [entry('srv-https', { ok: false, couldNotCheck: true, fix: 'check…' }), entry('protocol', { couldNotCheck: true })], unanswered: ['srv-https', 'protocol'] };
    const hub: HubCheck = { hubUrl: 'x', ok: false, found: 'not registered', expected: 'a confirmed registration', fix: 'register' };
    const report = buildReport(dns, hub, 'https://hub.example', new Date(0));
    assert.equal(report.verdict, 'could-not-check');
    assert.deepEqual(report.dns.entries.map((row) => [row.status, row.fix]), [['could-not-check', undefined], ['could-not-check', undefined]]);
    assert.equal(report.hub.row.status, 'not-registered');
  });

  it('DNS works, the hub knows another URL: reachable both ways, but they differ', () => {
    const dns: DnsCheckReport = { domain: 'a.com', ok: true, url: 'https://a.com', entries: [entry('public-key', { fingerprint: 'ab' })], unanswered: [] };
    const hub: HubCheck = { hubUrl: 'x', ok: true, found: 'https://chat.a.com', expected: 'y', url: 'https://chat.a.com', fingerprint: 'ab' };
    const report = buildReport(dns, hub, 'https://hub.example', new Date(0));
    assert.equal(report.verdict, 'dns-and-hub');
    assert.deepEqual([report.agreement.status, report.agreement.url, report.agreement.key], ['differ', false, true]);
    assert.match(report.agreement.detail, /DNS says https:\/\/a\.com, the hub says https:\/\/chat\.a\.com/);
  });
});

describe('the home page lookup view', () => {
  const key = generateTestKeyPair({ type: 'ec', curve: 'P-256' });
  const answer = (extra: Record<string, unknown>) => ({
    peer: { domain: 'a.example.com', url: 'https://a.example.com', public_key: key.publicPem, fingerprint: 'x', confirmed_at: '2026-12-01T10:00:00.000Z', proof: 'x', ...extra },
  });

  it('without the transparency log: URL, key type, fingerprint, since when; no log row', () => {
    const html = homePage(HUB, SETTINGS, { kind: 'found', domain: 'a.example.com', answer: answer({}) });
    assert.match(html, /<dt>Key<\/dt><dd>EC P-256<\/dd>/);
    assert.match(html, /<dt>Confirmed<\/dt><dd><time datetime="2026-12-01T10:00:00.000Z">Tuesday, 1 December 2026 at 10:00 UTC<\/time>/);
    assert.doesNotMatch(html, /Transparency log<\/dt>|Key in use since/);
    assert.match(html, /href="\/api\/v1\/log\/checkpoint"/, 'the links section names the checkpoint in any case');
  });

  it('once the answer carries them: the log index and key_since', () => {
    const html = homePage(HUB, SETTINGS, { kind: 'found', domain: 'a.example.com', answer: answer({ key_since: '2026-11-01T09:00:00.000Z', log: { index: 41 } }) });
    assert.match(html, /<dt>Key in use since<\/dt><dd><time datetime="2026-11-01T09:00:00.000Z">Sunday, 1 November 2026 at 09:00 UTC<\/time>/);
    assert.match(html, /<dt>Transparency log<\/dt><dd>entry 41 \(<a href="\/api\/v1\/log\/checkpoint">checkpoint<\/a>\)/);
  });

  it('escapes what it shows', () => {
    const html = homePage(HUB, SETTINGS, { kind: 'invalid', input: '"><b>x', message: 'domain: <b>' });
    assert.ok(!html.includes('<b>'));
    assert.ok(html.includes('value="&#34;&#62;&#60;b&#62;x"'));
  });
});

describe('the pages\' settings', () => {
  it('HUB_OPERATOR_CONTACT defaults to MAIL_FROM\'s address; DNS_SERVERS to the system\'s resolvers', () => {
    const config = HubConfig.fromEnvironment({ MAIL_FROM: 'Hub <noreply@hub.example>' });
    assert.equal(config.hubName, 'Federation Hub');
    assert.equal(config.hubOperatorContact, 'noreply@hub.example');
    assert.deepEqual(config.dnsServers, []);
    const set = HubConfig.fromEnvironment({ HUB_NAME: 'Acme Hub', HUB_OPERATOR_CONTACT: 'https://acme.example/contact', DNS_SERVERS: '192.0.2.53, [2001:db8::53]:5353,127.0.0.1:53' });
    assert.equal(set.hubOperatorContact, 'https://acme.example/contact');
    assert.deepEqual(set.dnsServers, ['192.0.2.53', '[2001:db8::53]:5353', '127.0.0.1:53']);
  });

  it('refuses a contact that is neither an address nor a URL, and a bad server list, naming the variable', () => {
    assert.throws(() => HubConfig.fromEnvironment({ HUB_OPERATOR_CONTACT: 'call Bob' }), (error: unknown) =>
      error instanceof ConfigError && error.problems.includes('HUB_OPERATOR_CONTACT must be an email address or an http(s):// URL'));
    assert.throws(() => HubConfig.fromEnvironment({ DNS_SERVERS: '1.2.3.4, ns.example:53' }), (error: unknown) =>
      error instanceof ConfigError && error.problems.some((problem) => problem.startsWith('DNS_SERVERS must be a comma-separated list')));
    assert.throws(() => HubConfig.fromEnvironment({ HUB_NAME: 'Evil <script>' }), (error: unknown) =>
      error instanceof ConfigError && error.problems.some((problem) => problem.startsWith('HUB_NAME must be 1 to 80 characters')));
  });
});
