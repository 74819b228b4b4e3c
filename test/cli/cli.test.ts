import assert from 'node:assert/strict';
import { freePort } from '../support/ports.js';
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePublicKey, splitTxtValue } from '../../packages/client/src/protocol/index.js';
import { mergeZones, peerZone } from '../client/fixtures.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { cli } from './run-cli.js';

const key = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const hubKey = generateTestKeyPair({ type: 'ec', curve: 'P-256' });

describe('federation-hub, the command line, as a process', () => {
  let dns: TestDnsServer;
  let silent: TestDnsServer;
  let hub: TestHub;
  let smtp: SmtpCapture;
  let work: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'federation-cli-'));
    dns = await startDnsServer(
      mergeZones(
        peerZone('chat.example.com', { https: [{ target: 'host.chat.example.com', port: 8443 }], key: key.publicPem, ttl: 600, hosts: { 'host.chat.example.com': '192.0.2.7' } }),
        peerZone('cut.example.com', { https: [{ target: 'cut.example.com' }], key: [[stripLineBreaks(key.publicPem).slice(0, 255)]], hosts: { 'cut.example.com': '192.0.2.8' } }),
      ),
    );
    silent = await startDnsServer({}, { silent: ['_rocketchat._https.chat.example.com'] });
    smtp = await startSmtpCapture();
    hub = await startTestHub('cli', { SMTP_URL: smtp.url });
    const parsed = parsePublicKey(hubKey.publicPem);
    await hub.db.query(
      `INSERT INTO peers (domain, url, public_key, fingerprint, contact, confirmed_at) VALUES ($1, $2, $3, $4, $5, now())`,
      ['onhub.example.com', 'https://chat.onhub.example.com', parsed.pem, parsed.fingerprint, 'webmaster@onhub.example.com'],
    );
    writeFileSync(join(work, 'public.pem'), key.publicPem);
    writeFileSync(join(work, 'private.pem'), key.privatePem);
  });
  after(async () => {
    await Promise.all([dns.close(), silent.close()]);
    await hub.stop();
    await smtp.close();
  });

  describe('help and usage', () => {
    for (const command of ['resolve', 'check', 'register', 'verify', 'keygen', 'fingerprint', 'log', 'monitor']) {
      it(`${command} --help prints its usage and exit codes, exit 0`, async () => {
        const run = await cli([command, '--help']);
        assert.equal(run.code, 0);
        assert.match(run.stdout, new RegExp(`^Usage: federation-hub ${command}`));
        assert.match(run.stdout, /\nExit: 0 /);
      });
    }

    it('--help lists the commands; no command is a usage error (2); so is an unknown one', async () => {
      const help = await cli(['--help']);
      assert.equal(help.code, 0);
      for (const command of ['resolve', 'check', 'register', 'verify', 'keygen', 'fingerprint', 'log', 'monitor']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
      assert.equal((await cli([])).code, 2);
      const unknown = await cli(['frobnicate']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^federation-hub: unknown command "frobnicate"/);
    });

    it('an unknown option or a missing argument is a usage error (2)', async () => {
      const bogus = await cli(['resolve', 'chat.example.com', '--bogus']);
      assert.equal(bogus.code, 2);
      assert.match(bogus.stderr, /^federation-hub resolve: Unknown option '--bogus'\nRun "federation-hub resolve --help" for usage\.\n$/);
      assert.equal((await cli(['resolve'])).code, 2);
      assert.equal((await cli(['register', '--hub', hub.url])).code, 2);
    });
  });

  describe('resolve', () => {
    it('through DNS: prints the answer, exit 0', async () => {
      const run = await cli(['resolve', 'chat.example.com', '--dns', dns.address]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^chat\.example\.com → https:\/\/host\.chat\.example\.com:8443\n  source: +DNS\n  key: +RSA 2048-bit, fingerprint [0-9A-F:]{95}\n  valid until: /);
    });

    it('--json prints exactly the resolve() object', async () => {
      const run = await cli(['resolve', 'chat.example.com', '--dns', dns.address, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const answer = JSON.parse(run.stdout);
      assert.deepEqual(Object.keys(answer), ['domain', 'url', 'publicKey', 'source', 'expiresAt']);
      assert.equal(answer.domain, 'chat.example.com');
      assert.equal(answer.url, 'https://host.chat.example.com:8443');
      assert.equal(answer.publicKey, key.publicPem);
      assert.equal(answer.source, 'dns');
      assert.ok(Date.parse(answer.expiresAt) > Date.now());
    });

    it('through the hub, its proof checked against the JWKS URL', async () => {
      const run = await cli(['resolve', 'onhub.example.com', '--dns', dns.address, '--hub', hub.url, '--hub-jwks', `${hub.url}/.well-known/jwks.json`, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const answer = JSON.parse(run.stdout);
      assert.equal(answer.source, 'hub');
      assert.equal(answer.proofVerified, true);
      assert.equal(answer.publicKey, hubKey.publicPem);
    });

    it("says whether the hub's proof was verified", async () => {
      const verified = await cli(['resolve', 'onhub.example.com', '--dns', dns.address, '--hub', hub.url, '--hub-jwks', `${hub.url}/.well-known/jwks.json`]);
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, /\n  source: +hub\n  proof: +verified against the hub's signing keys\n/);
      const unverified = await cli(['resolve', 'onhub.example.com', '--dns', dns.address, '--hub', hub.url]);
      assert.equal(unverified.code, 0, unverified.stderr);
      assert.match(unverified.stdout, /\n  proof: +NOT verified \(no --hub-jwks given\)/);
    });

    it('not found → exit 1 with the reason', async () => {
      const run = await cli(['resolve', 'nobody.example.com', '--dns', dns.address, '--hub', hub.url]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^federation-hub resolve: nobody\.example\.com: not found \(no SRV record .*; the hub .* does not know it\)\n$/);
    });

    it('a DNS server that does not answer, and no hub → exit 2', async () => {
      const run = await cli(['resolve', 'chat.example.com', '--dns', silent.address, '--timeout', '200']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^federation-hub resolve: chat\.example\.com: DNS unavailable: .*no answer over UDP within 200 ms/);
    });

    it('not a domain name → exit 2', async () => {
      const run = await cli(['resolve', 'https://chat.example.com', '--dns', dns.address]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, 'federation-hub resolve: domain: must be a bare domain name, without scheme, port or path (like chat.example.com)\n');
    });
  });

  describe('check', () => {
    it('a working set-up: a ✓ line per record, exit 0', async () => {
      const run = await cli(['check', 'chat.example.com', '--dns', dns.address, '--public-key-file', join(work, 'public.pem')]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const lines = run.stdout.split('\n');
      assert.equal(lines[0], 'Federation set-up of chat.example.com');
      assert.equal(lines.filter((line) => line.startsWith('✓ ')).length, 5);
      assert.ok(lines.includes('✓ SRV _rocketchat._https.chat.example.com: 10 5 8443 host.chat.example.com.'));
      assert.match(run.stdout, /The DNS set-up works: peers will reach https:\/\/host\.chat\.example\.com:8443\./);
    });

    it('a key cut at 255 characters: ✗ with the fix, exit 1', async () => {
      const run = await cli(['check', 'cut.example.com', '--dns', dns.address]);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /\n✗ TXT rocketchat-public-key\.cut\.example\.com: the key is cut short \(255 characters/);
      assert.match(run.stdout, /\n {4}fix: your DNS provider cut the value at 255 characters/);
      assert.match(run.stdout, /The set-up does NOT work/);
    });

    it('nothing in DNS but the hub knows the domain: says so, exit 0', async () => {
      const run = await cli(['check', 'onhub.example.com', '--dns', dns.address, '--hub', hub.url]);
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, new RegExp(`\\n✓ hub ${hub.url}: knows onhub\\.example\\.com: https://chat\\.onhub\\.example\\.com, key fingerprint `));
      assert.match(run.stdout, /\n✗ SRV _rocketchat\._https\.onhub\.example\.com: no record \(NXDOMAIN\)\n/);
    });

    it('an unreachable DNS server: one line saying so, and "could not check" (exit 2)', async () => {
      const closed = await freePort();
      const run = await cli(['check', 'chat.example.com', '--dns', `127.0.0.1:${closed}`]);
      assert.equal(run.code, 2, run.stdout);
      assert.equal(
        run.stdout,
        `Federation set-up of chat.example.com\n✗ DNS: no answer from 127.0.0.1:${closed}: connection refused\n\n` +
          'Could not check: DNS did not answer. Check that the DNS server is reachable (--dns host:port).\n',
      );
      assert.doesNotMatch(run.stdout, /✓/);
    });

    it('a record DNS did not answer is never ✓, and the verdict is "could not check" (exit 2)', async () => {
      const run = await cli(['check', 'chat.example.com', '--dns', silent.address, '--timeout', '200']);
      assert.equal(run.code, 2, run.stdout);
      assert.match(run.stdout, /\n✗ SRV _rocketchat\._https\.chat\.example\.com: no answer \(/);
      for (const line of run.stdout.split('\n').filter((line) => line.includes('no answer'))) assert.ok(line.startsWith('✗'), line);
      assert.match(run.stdout, /Could not check: DNS did not answer for \d of 5 records/);
      assert.doesNotMatch(run.stdout, /does NOT work/);
    });

    it('unknown to DNS and to the hub: the hub line says how to register, exit 1', async () => {
      const run = await cli(['check', 'nobody.example.com', '--dns', dns.address, '--hub', hub.url]);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /\n {4}fix: register \(then confirm the emailed link\): federation-hub register --hub /);
    });
  });

  describe('register', () => {
    it('registers and says which mailbox to check; the email arrives', async () => {
      const run = await cli(['register', '--hub', hub.url, '--domain', 'cli.example.com', '--url', 'https://cli.example.com', '--public-key-file', join(work, 'public.pem')]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Registration of cli\.example\.com is pending\.\nCheck the mailbox webmaster@cli\.example\.com: open the link the hub sent and press Confirm before /);
      await smtp.waitFor((message) => message.to.includes('webmaster@cli.example.com'));
    });

    it('a private key file is refused before anything is sent, and never echoed; exit 2', async () => {
      const before = smtp.messages.length;
      const run = await cli(['register', '--hub', hub.url, '--domain', 'leak.example.com', '--url', 'https://leak.example.com', '--public-key-file', join(work, 'private.pem')]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, 'federation-hub register: public_key: is a private key; send only the public key (never share the private key)\n');
      const body = key.privatePem.split('\n')[1]!;
      assert.ok(!run.stdout.includes(body.slice(0, 20)) && !run.stderr.includes(body.slice(0, 20)));
      assert.equal(smtp.messages.length, before);
    });

    it("the hub's refusal → exit 1 with its message", async () => {
      writeFileSync(join(work, 'weak.pem'), generateTestKeyPair({ type: 'rsa', bits: 1024 }).publicPem);
      const run = await cli(['register', '--hub', hub.url, '--domain', 'weak.example.com', '--url', 'https://weak.example.com', '--public-key-file', join(work, 'weak.pem')]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, 'federation-hub register: the hub refused the registration (400): public_key: RSA key has 1024 bits; this hub requires at least 2048 (MIN_RSA_KEY_BITS)\n');
    });
  });

  describe('keygen', () => {
    it('writes PKCS#8 private (mode 600) and SPKI public, and prints the TXT strings ready to paste', async () => {
      const dir = join(work, 'keys');
      const run = await cli(['keygen', '--out', dir, '--domain', 'chat.example.com']);
      assert.equal(run.code, 0, run.stderr);
      const privatePem = readFileSync(join(dir, 'federation-private.pem'), 'utf8');
      const publicPem = readFileSync(join(dir, 'federation-public.pem'), 'utf8');
      assert.match(privatePem, /^-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(statSync(join(dir, 'federation-private.pem')).mode & 0o777, 0o600);
      const parsed = parsePublicKey(publicPem);
      assert.equal(parsed.type, 'rsa');
      assert.equal(parsed.bits, 3072);

      const record = run.stdout.split('\n').find((line) => line.startsWith('rocketchat-public-key.chat.example.com. 3600 IN TXT '));
      assert.ok(record, run.stdout);
      const strings = [...record.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
      assert.ok(strings.length >= 2 && strings.every((part) => part.length <= 255));
      assert.deepEqual(strings, splitTxtValue(stripLineBreaks(publicPem)));
      assert.equal(parsePublicKey(strings).fingerprint, parsed.fingerprint);
    });

    it('does not overwrite a key pair (exit 1) unless --force; --type ec gives P-256', async () => {
      const dir = join(work, 'again');
      assert.equal((await cli(['keygen', '--out', dir])).code, 0);
      const first = readFileSync(join(dir, 'federation-private.pem'), 'utf8');
      const refused = await cli(['keygen', '--out', dir]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /already exist\(s\); not overwriting a key pair \(use --force to replace it\)/);
      assert.equal(readFileSync(join(dir, 'federation-private.pem'), 'utf8'), first);
      assert.equal((await cli(['keygen', '--out', dir, '--force', '--type', 'ec'])).code, 0);
      assert.equal(parsePublicKey(readFileSync(join(dir, 'federation-public.pem'), 'utf8')).curve, 'P-256');
    });
  });

  describe('fingerprint', () => {
    it('prints the grouped fingerprint the confirmation page shows: the bytes OpenSSL prints, from the public or the private file', async () => {
      const dir = mkdtempSync(join(work, 'fingerprint-'));
      const publicFile = join(dir, 'federation-public.pem');
      const privateFile = join(dir, 'federation-private.pem');
      writeFileSync(publicFile, key.publicPem);
      writeFileSync(privateFile, key.privatePem);
      // The page's second command, run by OpenSSL itself: an independent computation of the same SHA-256.
      const openssl = execSync(`openssl pkey -pubin -in ${publicFile} -outform DER | openssl dgst -sha256 -c`, { encoding: 'utf8' });
      const expected = /= ?([0-9a-f:]+)\s*$/.exec(openssl)![1]!.toUpperCase().split(':');
      const grouped = [0, 4, 8, 12, 16, 20, 24, 28].map((start) => expected.slice(start, start + 4).join(':')).join(' ');
      for (const file of [publicFile, privateFile]) {
        const run = await cli(['fingerprint', file]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, `${grouped}\nRSA 2048-bit key\n`, file);
      }
      const bad = await cli(['fingerprint', join(dir, 'missing.pem')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /cannot read key file .*missing\.pem: ENOENT/);
    });
  });

  describe('register --method dns|http, then verify', () => {
    let challenges: TestDnsServer;
    let web: TestHttpServer;
    let proofHub: TestHub;
    const field = (stdout: string, name: string) => new RegExp(`^  ${name}: +(\\S+)$`, 'm').exec(stdout)?.[1];

    before(async () => {
      challenges = await startDnsServer({ 'web.example.com': [{ type: 'A', address: '127.0.0.1' }] });
      web = await startHttpServer();
      proofHub = await startTestHub('cli_proofs', {
        DNS_SERVERS: challenges.address, ALLOW_PRIVATE_NETWORK_CHECKS: 'true', HTTP_CHECK_PORT: String(web.port), CHALLENGE_RECHECK_BASE_SECONDS: '3600',
        // The resolve below need not wait for the new entry's checkpoint (it does not check the log).
        LOG_PROOF_WAIT_MS: '0',
      });
    });
    after(async () => {
      await proofHub.stop();
      await Promise.all([challenges.close(), web.close()]);
    });

    it('--method dns prints exactly the record to publish; verify prints the finding (exit 1), then the confirmation (exit 0)', async () => {
      const registered = await cli(['register', '--hub', proofHub.url, '--domain', 'txt.example.com', '--url', 'https://txt.example.com', '--public-key-file', join(work, 'public.pem'), '--method', 'dns']);
      assert.equal(registered.code, 0, registered.stderr);
      assert.match(registered.stdout, /^Registration of txt\.example\.com is pending until you prove you control it\.\nPublish this DNS record:\n/);
      assert.equal(field(registered.stdout, 'Name'), '_federation-hub-challenge.txt.example.com');
      assert.equal(field(registered.stdout, 'Type'), 'TXT');
      const value = field(registered.stdout, 'Value')!;
      assert.match(value, /^federation-hub-verification=[A-Za-z0-9_-]{43}$/);
      assert.match(registered.stdout, new RegExp(`\\nThen run: federation-hub verify txt\\.example\\.com --hub ${proofHub.url.replace(/[./]/g, '\\$&')}\\n`));

      const early = await cli(['verify', 'txt.example.com', '--hub', proofHub.url]);
      assert.equal(early.code, 1);
      assert.match(early.stdout, /^txt\.example\.com is not confirmed yet: no TXT record \(NXDOMAIN\) at _federation-hub-challenge\.txt\.example\.com\.\n/);

      // What the command printed, published as printed.
      challenges.setZone({ '_federation-hub-challenge.txt.example.com': [{ type: 'TXT', strings: [value] }] });
      const done = await cli(['verify', 'txt.example.com', '--hub', proofHub.url]);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.match(done.stdout, /^txt\.example\.com is confirmed by dns: TXT record found at _federation-hub-challenge\.txt\.example\.com with the expected value\.\n/);
      // This DNS server has no federation records for it (NXDOMAIN at once): the hub answers.
      const resolved = await cli(['resolve', 'txt.example.com', '--hub', proofHub.url, '--dns', challenges.address]);
      assert.equal(resolved.code, 0, resolved.stderr);
      assert.match(resolved.stdout, /https:\/\/txt\.example\.com/);

      const again = await cli(['verify', 'txt.example.com', '--hub', proofHub.url]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^the hub refused the check \(410\): domain: the challenge for txt\.example\.com was already used/);
    });

    it('--method http prints the URL and the body; serving them as printed passes', async () => {
      challenges.setZone({ 'web.example.com': [{ type: 'A', address: '127.0.0.1' }] });
      const registered = await cli(['register', '--hub', proofHub.url, '--domain', 'web.example.com', '--url', 'https://web.example.com', '--public-key-file', join(work, 'public.pem'), '--method', 'http']);
      assert.equal(registered.code, 0, registered.stderr);
      const url = field(registered.stdout, 'URL')!;
      const body = field(registered.stdout, 'Body')!;
      assert.match(url, /^http:\/\/web\.example\.com\/\.well-known\/federation-hub\/[A-Za-z0-9_-]{22}$/);
      assert.match(body, /^federation-hub-verification=/);
      const missing = await cli(['verify', 'web.example.com', '--hub', proofHub.url]);
      assert.match(missing.stdout, new RegExp(`not confirmed yet: HTTP 404 from ${url.replace(/[./]/g, '\\$&')}\\.`));
      web.file(new URL(url).pathname, body);
      const done = await cli(['verify', 'web.example.com', '--hub', proofHub.url]);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.match(done.stdout, /^web\.example\.com is confirmed by http: found the expected body at /);
    });

    it('an unknown --method is a usage error (2); verify needs --hub (2)', async () => {
      const bad = await cli(['register', '--hub', proofHub.url, '--domain', 'x.example.com', '--url', 'https://x.example.com', '--public-key-file', join(work, 'public.pem'), '--method', 'fax']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--method must be email, dns or http/);
      assert.equal((await cli(['verify', 'x.example.com'])).code, 2);
    });
  });
});
