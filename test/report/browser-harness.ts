import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Test support for the pages meshproof writes: Debian's headless Chromium driven by
 * playwright-core, loading files from disk as a reader would. No browser is downloaded.
 */
export const chromiumPath = process.env.MESHPROOF_CHROMIUM ?? '/usr/bin/chromium';

/** The probe's flags: headless, and nothing that reaches out to the network by itself. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts Chromium, or fails saying how to install it: a page nobody has seen render is not tested. */
export async function launchChromium(what: string): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing at ${chromiumPath}: ${what} is tested in a real browser. Install it with \`apt-get install -y chromium\` (make test does so when run as root), or point MESHPROOF_CHROMIUM at a Chromium binary.`,
    );
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** A page opened from disk, with every request but its own file and every page error recorded. */
export interface OpenedPage {
  readonly page: Page;
  readonly requests: string[];
  readonly errors: string[];
}

export async function openFromDisk(
  browser: Browser | undefined,
  file: string,
  viewport = { width: 1280, height: 900 },
): Promise<OpenedPage> {
  if (!browser) throw new Error('Chromium did not start');
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, requests, errors };
}
