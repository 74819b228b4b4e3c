/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser.js';
import { DOMAINS, ELSEWHERE_URL, HUB_NAME, OPERATOR, startPageTour, type PageTour, type TourPage } from './tour.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [1280, 375];

/** WCAG relative luminance contrast of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe('pages for people in headless Chromium', () => {
  let tour: PageTour;
  let browser: Browser;

  before(async () => {
    tour = await startPageTour('pages_browser');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await tour?.stop();
  });

  async function open(entry: TourPage, options: BrowserContextOptions): Promise<{ page: Page; cspErrors: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspErrors.push(message.text());
    });
    const response = await entry.open(page);
    assert.equal(response?.status(), entry.status, `${entry.name}: HTTP status`);
    return { page, cspErrors, close: () => context.close() };
  }

  it('opens every page at 1280 px and 375 px: none scrolls sideways, the strict CSP holds, no script', async () => {
    for (const entry of tour.pages) {
      for (const width of WIDTHS) {
        const { page, cspErrors, close } = await open(entry, { viewport: { width, height: 900 } });
        const what = `${entry.name} at ${width} px`;
        const { scrollWidth, innerWidth, scripts, title } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          scripts: document.scripts.length,
          title: document.title,
        }));
        assert.ok(scrollWidth <= innerWidth, `${what}: ${scrollWidth} px wide in a ${innerWidth} px window`);
        assert.equal(scripts, 0, `${what}: no script`);
        assert.deepEqual(cspErrors, [], `${what}: CSP violations`);
        assert.ok(title.endsWith(` · ${HUB_NAME}`), `${what}: title names the hub (${title})`);
        assert.ok((await page.locator('footer').innerText()).includes(OPERATOR), `${what}: footer names the operator`);
        // The stylesheet is admitted by the CSP: the header has its colour, not the browser's default.
        assert.equal(await page.locator('header').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(11, 61, 145)', what);
        await close();
      }
    }
  });

  it('axe-core finds no WCAG 2.2 AA violation on any page', async () => {
    for (const entry of tour.pages) {
      // The CSP admits no script, axe's included: bypassed for this run only (the test above runs with it).
      const { page, close } = await open(entry, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
      await page.addScriptTag({ content: AXE_SOURCE });
      const violations = await page.evaluate(async (tags) => {
        const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
        return result.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
      }, WCAG_22_AA);
      assert.deepEqual(violations, [], `${entry.name}: axe violations`);
      await close();
    }
  });

  it('keyboard only: Tab reaches Confirm with a visible focus ring of at least 3:1, and Enter confirms', async () => {
    const domain = 'keyboard.example.com';
    const link = await tour.freshLink(domain);
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.goto(link);
    let focused = '';
    for (let presses = 0; presses < 30 && focused !== 'BUTTON:Confirm'; presses++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => `${document.activeElement?.tagName}:${document.activeElement?.textContent?.trim()}`);
    }
    assert.equal(focused, 'BUTTON:Confirm', 'Tab reaches the Confirm button');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor, around: getComputedStyle(document.querySelector('main')!).backgroundColor };
    });
    assert.equal(ring.style, 'solid');
    assert.ok(ring.width >= 2, `focus ring ${ring.width} px`);
    assert.ok(contrast(ring.color, ring.around) >= 3, `focus ring ${ring.color} on ${ring.around}: ${contrast(ring.color, ring.around).toFixed(2)}:1`);
    assert.equal((await request(tour.hub.url).get(`/api/v1/peers/${domain}`)).status, 404, 'nothing confirmed yet');

    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(await page.locator('h1').textContent(), `${domain} is confirmed`);
    assert.equal((await request(tour.hub.url).get(`/api/v1/peers/${domain}`)).status, 200, 'Enter confirmed');
    await context.close();
  });

  it('the review page: hub and operator, the URL outside the domain flagged, fingerprint groups unbroken at 375 px, dates in words', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 900 } });
    const page = await context.newPage();
    await page.goto(tour.pendingLink);
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(HUB_NAME) && text.includes(OPERATOR) && text.includes(tour.hub.config.publicUrl), 'which hub asks, and who runs it');
    assert.match(text, new RegExp(`outside ${DOMAINS.pending.replace(/\./g, '\\.')}: peers looking up ${DOMAINS.pending.replace(/\./g, '\\.')} will be sent to chat\\.other\\.net`));
    assert.ok(text.includes(ELSEWHERE_URL));
    assert.ok(text.includes('federation-hub fingerprint federation-public.pem'), 'the command that prints the fingerprint');
    assert.ok(text.includes('openssl pkey -pubin -in federation-public.pem -outform DER | openssl dgst -sha256 -c'), 'and its OpenSSL twin');
    const groups = await page.locator('.fp span').evaluateAll((spans) => spans.map((span) => ({ text: span.textContent, lines: span.getClientRects().length })));
    assert.equal(groups.length, 8);
    for (const group of groups) {
      assert.match(group.text!, /^([0-9A-F]{2}:){3}[0-9A-F]{2}$/);
      assert.equal(group.lines, 1, `group ${group.text} is not broken across lines`);
    }
    const times = await page.locator('time').evaluateAll((elements) => elements.map((el) => ({ iso: el.getAttribute('datetime'), words: el.textContent })));
    assert.equal(times.length, 2, 'requested and expires');
    for (const time of times) {
      assert.match(time.iso!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(time.words!, /^[A-Z][a-z]+day, \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d UTC$/);
    }
    assert.ok(!text.includes(times[0]!.iso!), 'no raw ISO date in the text');
    assert.equal((await request(tour.hub.url).get(`/api/v1/peers/${DOMAINS.pending}`)).status, 404, 'opening it changed nothing');
    await context.close();
  });

  it('the result page says what happens next, the 410 page how to ask again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const result = tour.pages.find((entry) => entry.name === 'confirm-result')!;
    await result.open(page);
    const done = await page.locator('main').innerText();
    assert.match(done, /within a second/);
    assert.match(done, /federation-hub resolve result-[0-9a-f]{6}\.example\.com --hub http:\/\/127\.0\.0\.1:\d+/);
    assert.match(done, /Confirmed\s+[A-Z][a-z]+day, .* UTC/);
    assert.doesNotMatch(done, /Link expires/);

    await tour.pages.find((entry) => entry.name === 'confirm-410-expired-link')!.open(page);
    const expired = await page.locator('main').innerText();
    assert.match(expired, /How to ask again/);
    assert.ok(expired.includes(`federation-hub register --hub ${tour.hub.config.publicUrl} --domain ${DOMAINS.expired} --url https://${DOMAINS.expired}`));
    await context.close();
  });

  it('the favicon: linked from every page and served as SVG', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const icon = await request(tour.hub.url).get(path).buffer(true);
      assert.equal(icon.status, 200, path);
      assert.match(icon.headers['content-type']!, /^image\/svg\+xml/, path);
      assert.match(String(icon.body), /^<svg /, path);
    }
    const home = await request(tour.hub.url).get('/');
    assert.match(home.text, /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml">/);
  });
});
