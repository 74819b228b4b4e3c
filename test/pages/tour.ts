import { randomBytes } from 'node:crypto';
import type { Page, Response } from 'playwright-core';
import { publicKeyRecordName, protocolRecordName, srvRecordName, splitTxtValue } from '../../packages/client/src/protocol/index.js';
import { mergeZones, peerZone } from '../client/fixtures.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';

/**
 * Every page of the hub in a known state, for the browser tests and the screenshot script: a real hub (mailing to a
 * real SMTP capture) asking a real dns2 server on loopback, with a confirmed peer, a pending request whose URL is
 * outside its domain, a used link, an expired link and five DNS set-ups (correct, key cut at 255 characters, key
 * split over two records, SRV target without an address, a resolver that does not answer).
 */
export const HUB_NAME = 'Example Federation Hub';
export const OPERATOR = 'ops@hub.example.org';

export const DOMAINS = {
  good: 'good.example.com',
  cut: 'cut.example.com',
  split: 'split.example.com',
  dangling: 'dangling.example.com',
  silent: 'silent.example.com',
  pending: 'pending.example.com',
  expired: 'expired.example.com',
  nobody: 'nobody.example.com',
} as const;

export const key = generateTestKeyPair({ type: 'rsa', bits: 2048 });
const stripped = stripLineBreaks(key.publicPem);

export const GOOD_URL = 'https://chat.good.example.com:8443';
export const ELSEWHERE_URL = 'https://chat.other.net';

export const ZONE = mergeZones(
  peerZone(DOMAINS.good, { https: [{ target: 'chat.good.example.com', port: 8443 }], key: key.publicPem, hosts: { 'chat.good.example.com': '192.0.2.10' } }),
  peerZone(DOMAINS.cut, { https: [{ target: DOMAINS.cut }], key: [[stripped.slice(0, 255)]], hosts: { [DOMAINS.cut]: '192.0.2.11' } }),
  peerZone(DOMAINS.split, { https: [{ target: DOMAINS.split }], key: splitTxtValue(stripped).map((part) => [part]), hosts: { [DOMAINS.split]: '192.0.2.12' } }),
  peerZone(DOMAINS.dangling, { https: [{ target: `gone.${DOMAINS.dangling}` }], key: key.publicPem }),
);

/** Every name the federation tester asks about silent.example.com: none is ever answered. */
export const SILENT_NAMES = [
  srvRecordName(DOMAINS.silent, 'https'),
  srvRecordName(DOMAINS.silent, 'http'),
  srvRecordName(DOMAINS.silent, 'tcp'),
  publicKeyRecordName(DOMAINS.silent),
  protocolRecordName(DOMAINS.silent),
];

export interface TourPage {
  name: string;
  status: number;
  /** Opens the page in `page` and returns the main response. */
  open(page: Page): Promise<Response | null>;
}

export interface PageTour {
  hub: MailingTestHub;
  dns: TestDnsServer;
  pages: TourPage[];
  /** The review link of a pending request (URL outside its domain): opening it changes nothing. */
  pendingLink: string;
  /** Registers `domain` and returns its review link. */
  freshLink(domain: string, url?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPageTour(suite: string, env: Record<string, string> = {}): Promise<PageTour> {
  const dns = await startDnsServer(ZONE, { silent: SILENT_NAMES });
  const hub = await startMailingHub(suite, {
    HUB_NAME,
    HUB_OPERATOR_CONTACT: OPERATOR,
    DNS_SERVERS: dns.address,
    // The tour opens each report several times (two widths, axe): one run per domain, however long the test takes.
    CHECK_CACHE_SECONDS: '3600',
    RATE_TESTER_CHECKS_PER_IP_PER_MINUTE: '100',
    ...env,
  });
  const freshLink = async (domain: string, url = `https://${domain}`) => {
    const before = hub.smtp.messages.length;
    const accepted = await register(hub.url, { domain, url, public_key: stripped });
    if (accepted.status !== 202) throw new Error(`registration of ${domain}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    return (await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, before)).link;
  };

  // good.example.com: confirmed, with the same URL and key as its DNS records.
  const goodLink = await freshLink(DOMAINS.good, GOOD_URL);
  await fetch(goodLink, { method: 'POST', headers: { Accept: 'application/json' } });
  const pendingLink = await freshLink(DOMAINS.pending, ELSEWHERE_URL);
  const expiredLink = await freshLink(DOMAINS.expired);
  await hub.db.query(`UPDATE verification_requests SET expires_at = now() - interval '1 minute' WHERE domain = $1`, [DOMAINS.expired]);

  const goto = (path: string) => (page: Page) => page.goto(path.startsWith('http') ? path : `${hub.url}${path}`);
  const pages: TourPage[] = [
    { name: 'home', status: 200, open: goto('/') },
    { name: 'home-lookup-found', status: 200, open: goto(`/?domain=${DOMAINS.good}`) },
    { name: 'home-lookup-not-found', status: 404, open: goto(`/?domain=${DOMAINS.nobody}`) },
    { name: 'check-start', status: 200, open: goto('/check') },
    { name: 'check-correct', status: 200, open: goto(`/check/${DOMAINS.good}`) },
    { name: 'check-key-cut-at-255', status: 200, open: goto(`/check/${DOMAINS.cut}`) },
    { name: 'check-key-split-over-two-records', status: 200, open: goto(`/check/${DOMAINS.split}`) },
    { name: 'check-srv-target-without-address', status: 200, open: goto(`/check/${DOMAINS.dangling}`) },
    { name: 'check-resolver-does-not-answer', status: 200, open: goto(`/check/${DOMAINS.silent}`) },
    { name: 'confirm-review', status: 200, open: goto(pendingLink) },
    {
      name: 'confirm-result',
      status: 200,
      open: async (page) => {
        const link = await freshLink(`result-${randomBytes(3).toString('hex')}.example.com`);
        await page.goto(link);
        const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm' }).click()]);
        return response;
      },
    },
    { name: 'confirm-404-unknown-link', status: 404, open: goto(`/confirm/${randomBytes(32).toString('base64url')}`) },
    { name: 'confirm-410-used-link', status: 410, open: goto(goodLink) },
    { name: 'confirm-410-expired-link', status: 410, open: goto(expiredLink) },
  ];
  return {
    hub,
    dns,
    pages,
    pendingLink,
    freshLink,
    stop: async () => {
      await hub.stop();
      await dns.close();
    },
  };
}

