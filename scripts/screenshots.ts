/**
 * `npm run screenshots`: a screenshot of every page for people, at 1280 px and 375 px, into docs/screenshots/, so a
 * reviewer sees them without running anything. The pages are the browser tests' tour (test/pages/tour.ts): a real
 * hub, a real SMTP capture, a dns2 server on loopback, headless Chromium. Uses TEST_DATABASE_URL when set, otherwise
 * an embedded PostgreSQL for the run.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/support/browser.js';
import { startThrowawayServer } from '../test/support/database.js';
import { DOMAINS, startPageTour } from '../test/pages/tour.js';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const WIDTHS = { desktop: 1280, phone: 375 };

async function main(): Promise<void> {
  let stopDatabase: (() => Promise<void>) | undefined;
  if (!process.env.TEST_DATABASE_URL) {
    const embedded = await startThrowawayServer();
    process.env.TEST_DATABASE_URL = embedded.url;
    stopDatabase = embedded.stop;
  }
  const tour = await startPageTour('screenshots');
  const browser = await launchChromium();
  try {
    mkdirSync(OUT, { recursive: true });
    for (const entry of tour.pages) {
      for (const [device, width] of Object.entries(WIDTHS)) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        const response = await entry.open(page);
        if (response?.status() !== entry.status) throw new Error(`${entry.name}: HTTP ${response?.status()}, expected ${entry.status}`);
        const path = `${OUT}${entry.name}-${device}.png`;
        await page.screenshot({ path, fullPage: true });
        console.log(`${path.slice(OUT.length)}  ${entry.name} at ${width} px`);
        await context.close();
      }
    }
    // The confirmation email's HTML part as a mail client shows it (the request whose URL leaves its domain).
    const email = tour.hub.smtp.messages.find((message) => message.to.includes(`webmaster@${DOMAINS.pending}`))!;
    for (const [device, width] of Object.entries(WIDTHS)) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.setContent(email.html);
      await page.screenshot({ path: `${OUT}email-confirmation-${device}.png`, fullPage: true });
      console.log(`email-confirmation-${device}.png  the confirmation email at ${width} px`);
      await page.close();
    }
  } finally {
    await browser.close();
    await tour.stop();
    await stopDatabase?.();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
