/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { parsePublicKey } from '../../packages/client/src/protocol/public-key.js';
import { fingerprintGroups } from '../../packages/server/src/common/facts.js';
import { launchChromium } from '../support/browser.js';
import { confirmationLinkFor, register } from '../support/flows.js';
import { startMailingHub, type MailingTestHub } from '../support/hub.js';
import { generateTestKeyPair, stripLineBreaks } from '../support/keys.js';

describe('the confirmation page in headless Chromium', () => {
  let hub: MailingTestHub;
  let browser: Browser;

  before(async () => {
    hub = await startMailingHub('browser');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('opens the emailed link, shows the domain and fingerprint, confirms on click, and the lookup answers', async () => {
    const domain = 'browser.example.com';
    const key = generateTestKeyPair();
    const fingerprint = fingerprintGroups(parsePublicKey(key.publicPem).fingerprint).join(' ');
    assert.equal((await register(hub.url, { domain, url: 'https://browser.example.com', public_key: stripLineBreaks(key.publicPem) })).status, 202);
    const { link } = await confirmationLinkFor(hub.smtp, `webmaster@${domain}`, hub.config.publicUrl);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const opened = await page.goto(link);
    assert.equal(opened?.status(), 200);
    assert.equal(await page.locator('h1').textContent(), `Confirm ${domain}`);
    const details = await page.locator('dl').innerText();
    assert.ok(details.includes(domain));
    assert.ok(details.includes(fingerprint), 'fingerprint shown as in the email');
    assert.ok(details.includes(`webmaster@${domain}`));
    assert.equal((await request(hub.url).get(`/api/v1/peers/${domain}`)).status, 404, 'opening the page confirmed nothing');
    // The inline stylesheet is admitted by the CSP: the button is styled (not the browser default).
    const background = await page.locator('button').evaluate((button) => getComputedStyle(button).backgroundColor);
    assert.equal(background, 'rgb(11, 92, 173)');

    await Promise.all([page.waitForURL(link), page.getByRole('button', { name: 'Confirm' }).click()]);
    await page.waitForSelector('h1[role=status]');
    assert.equal(await page.locator('h1').textContent(), `${domain} is confirmed`);
    assert.deepEqual(violations, []);
    await page.screenshot({ path: `${hub.config.dataDir}/confirmed.png` });

    const lookup = await request(hub.url).get(`/api/v1/peers?search=${domain}`);
    assert.equal(lookup.status, 200);
    assert.equal(lookup.body.peer.url, 'https://browser.example.com');
  });
});
