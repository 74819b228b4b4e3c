import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DnsClient, DnsQueryFailed, parseServerAddress } from '../../packages/client/src/dns/client.js';
import { decodeMessage, DnsWireError, encodeQuery } from '../../packages/client/src/dns/wire.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';

const LONG_STRINGS = ['a'.repeat(255), 'b'.repeat(255), 'c'.repeat(255), 'd'.repeat(255), 'e'.repeat(100)];

describe('the DNS client against a real DNS server on loopback', () => {
  let server: TestDnsServer;
  let truncating: TestDnsServer;
  let silent: TestDnsServer;

  before(async () => {
    const zone = {
      '_rocketchat._https.chat.example.com': [
        { type: 'SRV' as const, priority: 10, weight: 5, port: 8443, target: 'Host.Example.com.', ttl: 120 },
        { type: 'SRV' as const, priority: 20, weight: 0, port: 443, target: 'backup.example.com', ttl: 60 },
      ],
      'rocketchat-public-key.chat.example.com': [{ type: 'TXT' as const, strings: ['part one ', 'part two'], ttl: 900 }],
      'big.example.com': [{ type: 'TXT' as const, strings: LONG_STRINGS }],
      'host.example.com': [
        { type: 'A' as const, address: '192.0.2.1', ttl: 30 },
        { type: 'AAAA' as const, address: '2001:db8::1', ttl: 40 },
      ],
    };
    server = await startDnsServer(zone, { negativeTtl: 7 });
    truncating = await startDnsServer(zone, { truncateUdp: true });
    silent = await startDnsServer(zone, { silent: ['_rocketchat._https.chat.example.com'] });
  });
  after(async () => {
    await Promise.all([server.close(), truncating.close(), silent.close()]);
  });

  it('reads SRV records with their TTL (the smallest of the set)', async () => {
    const answer = await new DnsClient({ servers: [server.address] }).srv('_rocketchat._https.chat.example.com');
    assert.equal(answer.status, 'ok');
    assert.equal(answer.ttlSeconds, 60);
    assert.deepEqual(answer.records, [
      { priority: 10, weight: 5, port: 8443, target: 'host.example.com' },
      { priority: 20, weight: 0, port: 443, target: 'backup.example.com' },
    ]);
    assert.equal(server.count('_rocketchat._https.chat.example.com', 'SRV', 'udp'), 1);
  });

  it('keeps the strings of a TXT record apart, in order', async () => {
    const answer = await new DnsClient({ servers: [server.address] }).txt('rocketchat-public-key.chat.example.com');
    assert.deepEqual(answer, { status: 'ok', records: [['part one ', 'part two']], ttlSeconds: 900 });
  });

  it('fits a 1.1 kB TXT answer in one UDP datagram thanks to EDNS', async () => {
    server.resetCounts();
    const answer = await new DnsClient({ servers: [server.address] }).txt('big.example.com');
    assert.deepEqual(answer.records, [LONG_STRINGS]);
    assert.equal(server.count('big.example.com', 'TXT', 'udp'), 1);
    assert.equal(server.count('big.example.com', 'TXT', 'tcp'), 0);
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    const answer = await new DnsClient({ servers: [truncating.address] }).txt('big.example.com');
    assert.deepEqual(answer.records, [LONG_STRINGS]);
    assert.equal(truncating.count('big.example.com', 'TXT', 'udp'), 1);
    assert.equal(truncating.count('big.example.com', 'TXT', 'tcp'), 1);
  });

  it('tells NXDOMAIN from NODATA, with the SOA minimum as negative TTL', async () => {
    const client = new DnsClient({ servers: [server.address] });
    assert.deepEqual(await client.srv('_rocketchat._http.chat.example.com'), { status: 'nxdomain', records: [], ttlSeconds: 7 });
    assert.deepEqual(await client.txt('host.example.com'), { status: 'nodata', records: [], ttlSeconds: 7 });
  });

  it('resolves A and AAAA together', async () => {
    const client = new DnsClient({ servers: [server.address] });
    const found = await client.addresses('host.example.com');
    assert.deepEqual(found.records.sort(), ['192.0.2.1', '2001:db8:0:0:0:0:0:1']);
    assert.equal(found.ttlSeconds, 30);
    assert.equal((await client.addresses('nowhere.example.com')).status, 'nxdomain');
  });

  it('gives up on a server that does not answer within the timeout and names it', async () => {
    const client = new DnsClient({ servers: [silent.address], timeoutMs: 200 });
    await assert.rejects(client.srv('_rocketchat._https.chat.example.com'), (error: unknown) => {
      assert.ok(error instanceof DnsQueryFailed);
      assert.match(error.message, new RegExp(`^DNS SRV query for _rocketchat\\._https\\.chat\\.example\\.com failed: 127\\.0\\.0\\.1:${silent.port}: no answer over UDP within 200 ms$`));
      return true;
    });
  });

  it('moves on to the next server when one does not answer', async () => {
    const client = new DnsClient({ servers: [silent.address, server.address], timeoutMs: 200 });
    const answer = await client.srv('_rocketchat._https.chat.example.com');
    assert.equal(answer.records.length, 2);
  });
});

describe('DNS server addresses', () => {
  const CASES: Array<[string, { host: string; port: number }]> = [
    ['192.0.2.53', { host: '192.0.2.53', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
    ['[2001:db8::53]:5353', { host: '2001:db8::53', port: 5353 }],
  ];
  for (const [text, expected] of CASES) it(`${text}`, () => assert.deepEqual(parseServerAddress(text), expected));

  it('refuses names, bad ports and junk', () => {
    assert.throws(() => parseServerAddress('dns.example.com'), /must be an IP address/);
    assert.throws(() => parseServerAddress('127.0.0.1:0'), /port must be 1 to 65535/);
    assert.throws(() => parseServerAddress('127.0.0.1:99999'), /port must be 1 to 65535/);
    assert.throws(() => parseServerAddress('a:b:c'), /must be host or host:port/);
  });
});

describe('the DNS decoder on hostile input', () => {
  it('never throws anything but DnsWireError on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodeMessage(Buffer.from(bytes));
        } catch (error) {
          assert.ok(error instanceof DnsWireError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but DnsWireError on a real query with bytes flipped (property)', () => {
    const query = encodeQuery(1, 'rocketchat-public-key.chat.example.com', 'TXT');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(query.length - 1), fc.nat(255)), { maxLength: 8 }), (flips) => {
        const copy = Buffer.from(query);
        for (const [at, value] of flips) copy[at] = value;
        try {
          decodeMessage(copy);
        } catch (error) {
          assert.ok(error instanceof DnsWireError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a compression pointer loop', () => {
    // Header with one question whose name is a pointer to itself (offset 12).
    const message = Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 16, 0, 1]);
    assert.throws(() => decodeMessage(message), { name: 'DnsWireError', message: 'malformed DNS message: compression pointers loop' });
  });

  it('round-trips its own query', () => {
    const decoded = decodeMessage(encodeQuery(4242, 'Chat.Example.com.', 'SRV'));
    assert.equal(decoded.id, 4242);
    assert.equal(decoded.isResponse, false);
    assert.deepEqual(decoded.question, { name: 'chat.example.com', type: 33 });
  });
});
