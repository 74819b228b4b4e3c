import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPublicKey, randomBytes } from 'node:crypto';
import request from 'supertest';
import { register, registrationFor } from '../support/flows.js';
import { type MailingTestHub, startMailingHub, startTestHub, type TestHub } from '../support/hub.js';
import { generateTestKeyPair } from '../support/keys.js';
import { counterValue } from '../support/metrics.js';
import { clearOfMinuteBoundary } from '../support/rate-window.js';
import { eventually } from '../support/eventually.js';

const key = generateTestKeyPair().publicPem;

/** Sends raw bytes on a new connection and resolves with everything the hub wrote until it closed (or `untilMs`). */
function raw(hubUrl: string, bytes: string, untilMs = 5000): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(hubUrl);
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, untilMs);
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

function jsonBody(text: string): Record<string, unknown> {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}


describe('front door: refusals before Express', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub('front_door', { RATE_IP_REQUESTS_PER_MINUTE: '40', RATE_IP_REGISTRATIONS_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
  });
  after(() => hub.stop());
  // Each test is its own client, through the trusted proxy, so that their counts do not mix.
  const as = (client: string) => ({ get: (path: string) => request(hub.url).get(path).set('X-Forwarded-For', client) });
  /** Registers the domains (RATE_IP_REGISTRATIONS_PER_MINUTE of them, 2) from `client`: its next one is refused. */
  const useUpRegistrations = async (client: string, domains: string[]) => {
    await clearOfMinuteBoundary();
    for (const domain of domains) {
      assert.equal((await register(hub.url, registrationFor(domain, key)).set('X-Forwarded-For', client)).status, 202);
    }
  };

  it('a request over the per-IP limit gets 429 in the hub format with Retry-After, counted in metrics', async () => {
    await clearOfMinuteBoundary();
    const before429 = await counterValue(hub.url, 'hub_rate_limit_refusals_total', { limit: 'ip_requests' });
    const statuses: number[] = [];
    for (let n = 0; n < 41; n++) statuses.push((await as('198.51.100.10').get('/api/v1/peers/nobody.example.com')).status);
    assert.deepEqual(statuses, [...Array<number>(40).fill(404), 429]);
    for (const path of ['/api/v1/peers/nobody.example.com', '/api/v1/peers?search=x', '/healthz', '/confirm/abc']) {
      const refused = await as('198.51.100.10').get(path);
      assert.equal(refused.status, 429, path);
      assert.match(refused.headers['content-type'], /^application\/json/);
      assert.match(refused.headers['retry-after'], /^\d+$/);
      assert.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60);
      assert.deepEqual(refused.body, {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `rate limit: too many requests from 198.51.100.10; retry in ${refused.headers['retry-after']} s`,
      });
    }
    assert.equal(await counterValue(hub.url, 'hub_rate_limit_refusals_total', { limit: 'ip_requests' }), before429 + 5);
    // Another client behind the same proxy is not affected.
    assert.equal((await as('198.51.100.11').get('/api/v1/peers/nobody.example.com')).status, 404);
  });

  it('a registration over the per-IP limit is refused before its body is read', async () => {
    const client = '198.51.100.20';
    await useUpRegistrations(client, ['a.door.example.com', 'b.door.example.com']);
    // Headers announcing a body that is never sent: answered at once (body parsing would wait for the body).
    const { hostname, port } = new URL(hub.url);
    const answer = await raw(
      hub.url,
      `POST /api/v1/peers HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Forwarded-For: ${client}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"dom`,
      10_000,
    );
    assert.match(answer.text, /^HTTP\/1\.1 429 /);
    assert.match(answer.text, /\r\nRetry-After: \d+\r\n/i);
    assert.match(String(jsonBody(answer.text).message), /^rate limit: too many registration requests from 198\.51\.100\.20; retry in \d+ s$/);
    // Not valid JSON either: still the 429, since the body is never parsed.
    const malformed = await request(hub.url).post('/api/v1/peers').set('X-Forwarded-For', client).set('Content-Type', 'application/json').send('{');
    assert.equal(malformed.status, 429);
    const removal = await request(hub.url).delete('/api/v1/peers/a.door.example.com').set('X-Forwarded-For', client);
    assert.equal(removal.status, 429);
  });

  it('a refused registration keeps its connection usable: its body, unread, is dropped off the wire', async () => {
    const client = '198.51.100.21';
    await useUpRegistrations(client, ['c.door.example.com', 'd.door.example.com']);
    const { hostname, port } = new URL(hub.url);
    const head = (framing: string) =>
      `POST /api/v1/peers HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Forwarded-For: ${client}\r\nContent-Type: application/json\r\n${framing}\r\n`;
    const body = JSON.stringify({ domain: 'e.door.example.com', url: 'https://e.door.example.com', public_key: key, pad: 'x'.repeat(200_000) });
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const lookup = `GET /api/v1/peers/nobody.example.com HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Forwarded-For: ${client}\r\n\r\n`;
    const answers = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(Number(port), hostname, async () => {
        // A body larger than the socket's buffers, in pieces, then a chunked one, then a lookup: one connection.
        socket.write(head(`Content-Length: ${Buffer.byteLength(body)}\r\n`));
        for (let at = 0; at < body.length; at += 50_000) {
          socket.write(body.slice(at, at + 50_000));
          await new Promise((wait) => setTimeout(wait, 20));
        }
        socket.write(head('Transfer-Encoding: chunked\r\n') + chunked + lookup);
      });
      const timer = setTimeout(() => reject(new Error(`three answers expected, got: ${text.slice(0, 3000)}`)), 10_000);
      socket.on('data', (chunk) => {
        text += chunk;
        if ((text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length === 3 && /"statusCode":404.*\}$/s.test(text)) {
          clearTimeout(timer);
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    // Answers follow each other on the connection (a body ends without a line break).
    assert.deepEqual([...answers.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['429', '429', '404']);
    assert.doesNotMatch(answers, /Connection: close/i);
  });

  it('a malformed lookup gets the same 400 on the fast path as through the full path', async () => {
    const client = '198.51.100.30';
    const fast = await as(client).get('/api/v1/peers/bad_name.example.com');
    // %5F is "_": decoded by Express, so this one takes the full path.
    const full = await as(client).get('/api/v1/peers/bad%5Fname.example.com');
    assert.equal(fast.status, 400);
    assert.deepEqual(fast.body, full.body);
    assert.match(String(fast.body.message), /^domain: label "bad_name" may contain only letters/);
    const fastSearch = await as(client).get('/api/v1/peers?search=localhost');
    const fullSearch = await as(client).get('/api/v1/peers?search=local%68ost');
    assert.equal(fastSearch.status, 400);
    assert.deepEqual(fastSearch.body, fullSearch.body);
    assert.equal(fastSearch.headers['access-control-allow-origin'], '*');
  });

  it('a request without Host gets the JSON 400', async () => {
    const answer = await raw(hub.url, 'GET /healthz HTTP/1.1\r\n\r\n');
    assert.match(answer.text, /^HTTP\/1\.1 400 /);
    assert.deepEqual(jsonBody(answer.text), { statusCode: 400, error: 'Bad Request', message: 'headers: Host is required (HTTP/1.1)' });
    assert.equal(answer.closed, true);
  });
});

describe('client addresses through a trusted proxy', () => {
  let hub: MailingTestHub;
  before(async () => {
    hub = await startMailingHub('front_door_ip', { RATE_IP_REQUESTS_PER_MINUTE: '3', RATE_IP_REGISTRATIONS_PER_MINUTE: '1000', TRUST_PROXY: 'loopback' });
  });
  after(() => hub.stop());
  const lookups = async (clients: string[]) => {
    const statuses: number[] = [];
    for (const client of clients) statuses.push((await request(hub.url).get('/api/v1/peers/nobody.example.com').set('X-Forwarded-For', client)).status);
    return statuses;
  };

  it('keys IPv6 clients by their /64 (RATE_IPV6_PREFIX) and IPv4-mapped IPv6 as IPv4', async () => {
    await clearOfMinuteBoundary();
    // Three addresses of one /64 share its count; the fourth lookup from that /64 is refused.
    assert.deepEqual(await lookups(['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:DB8:1:2:0:0:0:3', '2001:db8:1:2::77']), [404, 404, 404, 429]);
    const refused = await request(hub.url).get('/api/v1/peers/nobody.example.com').set('X-Forwarded-For', '2001:db8:1:2::5');
    assert.match(refused.body.message, /from 2001:db8:1:2::\/64;/);
    assert.deepEqual(await lookups(['2001:db8:1:3::1']), [404], 'the next /64 is another client');
    assert.deepEqual(await lookups(['::ffff:198.51.100.40', '198.51.100.40', '::ffff:c633:6428', '198.51.100.40']), [404, 404, 404, 429]);
  });

  it('ignores a forwarded address that is not an IP: the socket address is used, stored and mailed', async () => {
    const response = await register(hub.url, registrationFor('forged-ip.door.example.com', key)).set('X-Forwarded-For', 'not-an-ip, <b>x</b>');
    assert.equal(response.status, 202);
    const stored = await hub.db.query<{ requester_ip: string }>(`SELECT requester_ip FROM verification_requests WHERE domain = 'forged-ip.door.example.com'`);
    assert.equal(stored[0]!.requester_ip, '127.0.0.1');
    const mail = await hub.smtp.waitFor((message) => message.to.includes('webmaster@forged-ip.door.example.com'));
    assert.match(mail.text, /127\.0\.0\.1/);
    assert.doesNotMatch(mail.text, /not-an-ip|<b>/);
  });
});

describe('input rules at the hub', () => {
  let hub: TestHub;
  let lenient: TestHub;
  before(async () => {
    hub = await startTestHub('front_door_input', { RATE_IP_REGISTRATIONS_PER_MINUTE: '1000' });
    lenient = await startTestHub('front_door_mixed', { RATE_IP_REGISTRATIONS_PER_MINUTE: '1000', ALLOW_MIXED_SCRIPT_NAMES: 'true' });
  });
  after(async () => {
    await hub.stop();
    await lenient.stop();
  });

  it('refuses an RSA key over 8192 bits with the rule', async () => {
    const modulus = randomBytes(9000 / 8);
    modulus[0]! |= 0x80;
    const huge = createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' }, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const response = await register(hub.url, registrationFor('huge-key.door.example.com', huge));
    assert.equal(response.status, 400);
    assert.equal(response.body.message, 'public_key: RSA key has 9000 bits; at most 8192 are accepted');
  });

  it('refuses a mixed-script domain unless ALLOW_MIXED_SCRIPT_NAMES=true', async () => {
    const refused = await register(hub.url, registrationFor('pаypal.com', key));
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /^domain: label "pаypal" \(xn--pypal-4ve\) mixes Latin and Cyrillic characters/);
    const accepted = await register(lenient.url, registrationFor('pаypal.com', key));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.domain, 'xn--pypal-4ve.com');
  });
});

describe('connections', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub('front_door_connections', { MAX_CONNECTIONS_PER_IP: '3', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
  });
  after(() => hub.stop());

  it('closes the connection over MAX_CONNECTIONS_PER_IP at once and counts it', async () => {
    const { hostname, port } = new URL(hub.url);
    const open: Socket[] = [];
    try {
      for (let n = 0; n < 3; n++) {
        open.push(await new Promise<Socket>((resolve) => {
          const socket = connect(Number(port), hostname, () => resolve(socket));
        }));
      }
      // Node accepts before the hub counts: wait until the three are counted, as the fourth must find them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const fourth = await raw(hub.url, `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(fourth.closed, true);
      assert.equal(fourth.text, '', 'closed without an answer');
    } finally {
      for (const socket of open) socket.destroy();
    }
    // Until the hub has seen the three close, a probe may be refused too: each such refusal is counted as well.
    let refusedProbes = 0;
    const healthy = async () => {
      const ok = (await request(hub.url).get('/healthz').catch(() => undefined))?.status === 200;
      if (!ok) refusedProbes++;
      return ok;
    };
    assert.ok(await eventually(healthy), 'a connection is allowed again once others close');
    assert.equal(await counterValue(hub.url, 'hub_connections_refused_total'), 1 + refusedProbes);
  });

  it('answers 408 and closes a connection whose headers do not arrive within HTTP_HEADERS_TIMEOUT_MS', async () => {
    const answer = await raw(hub.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 15_000);
    assert.equal(answer.closed, true);
    assert.match(answer.text, /^HTTP\/1\.1 408 /);
    assert.equal(jsonBody(answer.text).message, 'request: not received in time');
  });
});
