/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { parsePublicKey } from '../../packages/client/src/protocol/public-key.js';
import { dateInWords, fingerprintGroups } from '../../packages/server/src/common/facts.js';
import { launchChromium } from '../support/browser.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';
import type { CapturedMessage } from '../support/smtp-capture.js';

const HUB_NAME = 'Example Federation Hub';
const OPERATOR = 'https://hub.example.org/contact';

describe('the confirmation emails, as mailparser reads them from a real SMTP capture', () => {
  let hub: MailingTestHub;
  let browser: Browser;
  const key = generateTestKeyPair();
  const domain = 'mail.example.com';
  const url = 'https://chat.other.net';
  let message: CapturedMessage;
  let link: string;

  before(async () => {
    // No cooldown: the removal email follows its registration's at once (the cooldown would delay it, by design).
    hub = await startMailingHub('pages_email', { HUB_NAME, HUB_OPERATOR_CONTACT: OPERATOR, MAIL_FROM: 'hub@hub.example.org', RATE_DOMAIN_COOLDOWN_SECONDS: '0' });
    browser = await launchChromium();
    assert.equal((await register(hub.url, { domain, url, public_key: stripLineBreaks(key.publicPem) })).status, 202);
    ({ message, link } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl));
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  /** The HTML part as a reader sees it: rendered by Chromium at `width` px. */
  async function rendered(html: string, width: number) {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.setContent(html);
    const view = await page.evaluate(() => {
      const button = [...document.querySelectorAll('a')].find((a) => a.textContent === 'Review and confirm')!;
      const style = getComputedStyle(button);
      return {
        text: document.body.innerText,
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        button: { href: button.getAttribute('href'), display: style.display, background: style.backgroundColor, color: style.color, padding: style.paddingTop },
      };
    });
    await page.close();
    return view;
  }

  it('From shows the hub name; the subject names the hub and the domain', () => {
    assert.match(message.from, /^"?Example Federation Hub"? <hub@hub\.example\.org>$/);
    assert.equal(message.subject, `Confirm ${domain} for ${HUB_NAME}`);
  });

  it('the text part and the HTML part both carry every fact and the link', async () => {
    const [row] = await hub.db.query<{ created_at: Date; expires_at: Date; requester_ip: string }>(
      'SELECT created_at, expires_at, requester_ip FROM verification_requests WHERE domain = $1',
      [domain],
    );
    const facts = {
      hub: HUB_NAME,
      'hub URL': hub.config.publicUrl,
      operator: OPERATOR,
      domain,
      'server URL': url,
      fingerprint: fingerprintGroups(parsePublicKey(key.publicPem).fingerprint).join(' '),
      'requester IP': row!.requester_ip,
      'requested at': dateInWords(row!.created_at),
      'expires at': dateInWords(row!.expires_at),
      'URL outside the domain': `peers looking up ${domain} will be sent to chat.other.net`,
      'fingerprint command': 'federation-hub fingerprint federation-public.pem',
      'OpenSSL fingerprint command': 'openssl pkey -pubin -in federation-public.pem -outform DER | openssl dgst -sha256 -c',
      'ignore it': 'ignore this email',
      link,
    };
    const html = await rendered(message.html, 1024);
    for (const [what, fact] of Object.entries(facts)) {
      assert.ok(message.text.includes(fact), `text part: ${what} (${fact})`);
      assert.ok(html.text.includes(fact), `HTML part: ${what} (${fact})`);
    }
    assert.match(message.text, /^Requested at: [A-Z][a-z]+day, .* UTC \(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/m, 'dates in words, with the ISO form');
    for (const body of [message.text, html.text]) assert.doesNotMatch(body, /key below/, 'no mention of a key that is not shown');
  });

  it('the HTML part has a real button and no fixed width that overflows a phone', async () => {
    assert.doesNotMatch(message.html, /(?<!max-)width\s*:\s*\d/i, 'no fixed CSS width');
    assert.doesNotMatch(message.html, /\swidth\s*=/i, 'no width attribute');
    for (const width of [320, 375, 1024]) {
      const view = await rendered(message.html, width);
      assert.ok(view.scrollWidth <= view.innerWidth, `${view.scrollWidth} px of content in a ${width} px window`);
      assert.equal(view.button.href, link);
      assert.equal(view.button.display, 'inline-block');
      assert.equal(view.button.background, 'rgb(11, 92, 173)');
      assert.equal(view.button.color, 'rgb(255, 255, 255)');
      assert.notEqual(view.button.padding, '0px');
    }
  });

  it('the removal email: the same facts in words, and no key at all', async () => {
    // Confirm the registration, then ask for the removal.
    const token = link.slice(link.lastIndexOf('/') + 1);
    assert.equal((await request(hub.url).post(`/confirm/${token}`).set('Accept', 'application/json')).status, 200);
    await hub.db.query(`UPDATE verification_requests SET created_at = now() - interval '2 hours'`); // past the per-domain cooldown
    const before = hub.smtp.messages.length;
    assert.equal((await request(hub.url).delete(`/api/v1/peers/${domain}`)).status, 202);
    const removal = (await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl, before)).message;
    assert.equal(removal.subject, `Confirm removal of ${domain} from ${HUB_NAME}`);
    const html = await rendered(removal.html, 375);
    for (const body of [removal.text, html.text]) {
      assert.ok(body.includes(`to remove ${domain}`));
      assert.ok(body.includes(HUB_NAME) && body.includes(OPERATOR));
      assert.match(body, /Link expires at:?\s*[A-Z][a-z]+day, .* UTC/);
      assert.doesNotMatch(body, /\bkey\b|fingerprint/i, 'a removal shows no key, so it names none');
    }
  });
});
