import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, driven by playwright-core (no downloaded browser builds here).
 * The flags keep it off the network: only loopback is reachable on these machines. Playwright gives each
 * launch a fresh temporary profile. Without Chromium the browser suite fails with one line saying how to get it.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    const message = `Chromium not found at ${executablePath}: install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`;
    // The line is the whole story: no stack trace under it.
    throw Object.assign(new Error(message), { stack: message });
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
