import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openFromDisk } from '../../test/report/browser-harness.ts';
import { failingFixtureReport } from '../../test/report/report-fixtures.ts';
import { renderHtmlReport } from './html-report.ts';

/**
 * report.html in a real browser: Debian's headless Chromium driven by playwright-core, loading
 * the file from disk as a reader would. Without Chromium these tests fail and say how to
 * install it: a report nobody has seen render is not tested.
 */

/** Screenshots and the page under test stay here for a person to look at (git-ignored). */
const outputDir = fileURLToPath(new URL('../../.vitest-output/report-html/', import.meta.url));
const reportFile = join(outputDir, 'report.html');

let browser: Browser | undefined;

beforeAll(async () => {
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(reportFile, renderHtmlReport(failingFixtureReport()));
  browser = await launchChromium('the HTML report');
});

afterAll(async () => {
  await browser?.close();
});

/** Opens the report from disk; records every request but its own file, and every page error. */
const openReport = (viewport?: { width: number; height: number }) =>
  openFromDisk(browser, reportFile, viewport);

/** Statuses of the check sections a reader sees, top to bottom. */
async function visibleStatuses(page: Page): Promise<(string | null)[]> {
  const articles = await page.locator('article[data-status]:visible').all();
  return Promise.all(articles.map((article) => article.getAttribute('data-status')));
}

/** Text as a reader sees it: whitespace runs collapsed. */
const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('report.html in headless Chromium', () => {
  it('shows the verdict, a failed check with want and got, and its charts, without any network request', async () => {
    const { page, requests, errors } = await openReport();
    try {
      await expect(page.locator('.verdict').textContent()).resolves.toBe('FAILED');
      expect(await page.locator('.verdict').isVisible()).toBe(true);

      const weights = page.locator('[id="check-traffic.weights.90-10"]');
      const wantGot = weights.locator('.want-got');
      expect(await wantGot.isVisible()).toBe(true);
      expect(await textOf(wantGot.locator('dd').nth(0))).toMatch(/^v1 90%, v2 10% \(each ± 5 points/);
      expect(await textOf(wantGot.locator('dd').nth(1))).toMatch(/^v1 served 1109\/1400 = 79\.2%/);
      expect(await wantGot.locator('dd').nth(1).isVisible()).toBe(true);

      const ratioChart = weights.locator('svg.ratio-chart');
      expect(await ratioChart.isVisible()).toBe(true);
      expect((await ratioChart.boundingBox())?.width).toBeGreaterThan(400);
      expect(await weights.locator('svg.ratio-chart .interval').count()).toBe(2);
      const latencyChart = page.locator('[id="check-resilience.timeout.route-timeout"] svg.latency-chart');
      expect(await latencyChart.isVisible()).toBe(true);
      expect(await latencyChart.locator('.bar').count()).toBeGreaterThan(0);

      const screenshot = join(outputDir, 'report-failing.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);

      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lists checks failed first and filters them by status', async () => {
    const { page, errors } = await openReport();
    try {
      expect((await visibleStatuses(page)).slice(0, 4)).toEqual(['FAILED', 'FAILED', 'FAILED', 'ERROR']);
      await page.locator('button[data-filter="FAILED"]').click();
      expect(await visibleStatuses(page)).toEqual(['FAILED', 'FAILED', 'FAILED']);
      expect(await page.locator('button[data-filter="FAILED"]').getAttribute('aria-pressed')).toBe('true');
      await page.locator('button[data-filter="NOT_SUPPORTED"]').click();
      expect(await visibleStatuses(page)).toEqual(['NOT_SUPPORTED']);
      expect(await textOf(page.locator('[id="check-traffic.mirror.percentage"] .reason'))).toMatch(
        /^Not supported: Mirroring/,
      );
      await page.locator('button[data-filter="all"]').click();
      expect(await visibleStatuses(page)).toHaveLength(9);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reads in a narrow window without sideways scrolling', async () => {
    const { page } = await openReport({ width: 390, height: 844 });
    try {
      // A string, evaluated in the page: this project's TypeScript has no DOM types.
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
      );
      expect(overflow).toBeLessThanOrEqual(0);
      const chart = await page.locator('[id="check-traffic.weights.90-10"] svg.ratio-chart').boundingBox();
      expect(chart?.width).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(outputDir, 'report-narrow.png') });
    } finally {
      await page.close();
    }
  });

  it('prints every check without the filter bar', async () => {
    const { page } = await openReport();
    try {
      await page.locator('button[data-filter="FAILED"]').click();
      await page.locator('button[data-filter="all"]').click();
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('nav.filter').isVisible()).toBe(false);
      expect(await visibleStatuses(page)).toHaveLength(9);
      const pdf = await page.pdf({ format: 'A4', path: join(outputDir, 'report.pdf') });
      expect(pdf.byteLength).toBeGreaterThan(10_000);
    } finally {
      await page.close();
    }
  });
});
