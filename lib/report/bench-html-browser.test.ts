import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import { launchChromium, openFromDisk } from '../../test/report/browser-harness.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { writeBenchFiles } from './bench-files.ts';
import { renderBenchHtml } from './bench-html.ts';

/**
 * bench.html in a real browser: Debian's headless Chromium driven by playwright-core, loading
 * the page `writeBenchFiles` wrote for the fixture benchmark from disk, as a reader would.
 * Without Chromium these tests fail and say how to install it.
 *
 * `MESHPROOF_DOCS_SCREENSHOT=1` also refreshes docs/bench-screenshot.png from the newest real
 * run under reports/bench/ (skipped otherwise: a test run does not rewrite the docs).
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots stay here for a person to look at (git-ignored). */
const outputDir = join(repoRoot, '.vitest-output', 'bench-html');

let browser: Browser | undefined;
let output: string | undefined;
let benchFile = '';

beforeAll(async () => {
  mkdirSync(outputDir, { recursive: true });
  output = await mkdtemp(join(tmpdir(), 'meshproof-bench-html-'));
  const files = await writeBenchFiles(fixtureBenchReport(), output);
  benchFile = files.find((f) => f.endsWith('/bench.html')) ?? '';
  browser = await launchChromium('bench.html');
});

afterAll(async () => {
  await browser?.close();
  if (output) await rm(output, { recursive: true, force: true });
});

/** Opens a page from disk; records every request but the page's own file, and every page error. */
const open = (file: string, viewport?: { width: number; height: number }) =>
  openFromDisk(browser, file, viewport);

/** Text as a reader sees it: whitespace runs collapsed. */
const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('bench.html in headless Chromium', () => {
  it('is written next to bench.json and bench.md', () => {
    expect(benchFile).toMatch(/\/bench\/20261121-154424-bench-reference-fixture\/bench\.html$/);
  });

  it('shows the self-checks and both charts, with the invalid point marked, without any network request', async () => {
    const { page, requests, errors } = await open(benchFile);
    try {
      expect(await textOf(page.locator('.verdict'))).toBe('SELF-CHECK FAILED');

      const checks = page.locator('table.self-checks');
      expect(await checks.isVisible()).toBe(true);
      const headroom = checks.locator('tr[data-check="headroom"]');
      expect(await textOf(headroom.locator('td').nth(0))).toBe('✗ failed');
      expect(await textOf(headroom.locator('td').nth(2))).toMatch(
        /^1 of 14 windows invalid: 1000 rps meshed #2/,
      );
      expect(await headroom.locator('td').nth(2).isVisible()).toBe(true);

      const latency = page.locator('#bench-latency-chart svg');
      expect(await latency.isVisible()).toBe(true);
      expect((await latency.boundingBox())?.width).toBeGreaterThan(600);
      expect(await latency.locator('[data-series="meshed-p99"] .point').count()).toBe(2);
      expect(await latency.locator('[data-series="baseline-p99"] .point').count()).toBe(3);
      expect(await latency.locator('.invalid[data-rate="1000"]').isVisible()).toBe(true);

      const added = page.locator('#bench-added-chart svg');
      expect(await added.isVisible()).toBe(true);
      expect(await added.locator('.bar').count()).toBe(6);
      expect(await added.locator('.bar[data-rate="1000"]').count()).toBe(0);

      expect(await page.locator('table.bench-proxies').isVisible()).toBe(true);
      expect(
        await textOf(page.locator('table.bench-modes tr[data-mode="meshed"][data-rate="1000"]')),
      ).toMatch(/invalid: meshed, repetition 2: achieved 960 rps/);

      const screenshot = join(outputDir, 'bench-fixture.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);

      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reads in a narrow window without sideways scrolling of the page', async () => {
    const { page } = await open(benchFile, { width: 390, height: 844 });
    try {
      // A string, evaluated in the page: this project's TypeScript has no DOM types.
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
      );
      expect(overflow).toBeLessThanOrEqual(0);
      // A chart keeps a legible size and scrolls sideways inside its figure rather than shrinking.
      expect((await page.locator('#bench-latency-chart').boundingBox())?.width).toBeLessThanOrEqual(390);
      expect((await page.locator('#bench-latency-chart svg').boundingBox())?.width).toBeGreaterThanOrEqual(
        560,
      );
      // The self-checks stack: each cell on its own line, named.
      expect(await page.locator('table.self-checks thead').isVisible()).toBe(false);
      await page.screenshot({ path: join(outputDir, 'bench-narrow.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('prints', async () => {
    const { page } = await open(benchFile);
    try {
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('#bench-added-chart svg').isVisible()).toBe(true);
      const pdf = await page.pdf({ format: 'A4', path: join(outputDir, 'bench.pdf') });
      expect(pdf.byteLength).toBeGreaterThan(10_000);
    } finally {
      await page.close();
    }
  });
});

/** The newest real benchmark under reports/bench/ (run ids start with their time), if any. */
function latestRealBench(): { file: string; report: BenchReport } | undefined {
  const dir = join(repoRoot, 'reports', 'bench');
  if (!existsSync(dir)) return undefined;
  const newest = readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'bench.json')))
    .sort()
    .at(-1);
  if (!newest) return undefined;
  const file = join(dir, newest, 'bench.json');
  return { file, report: JSON.parse(readFileSync(file, 'utf8')) as BenchReport };
}

describe.runIf(process.env.MESHPROOF_DOCS_SCREENSHOT)('docs/bench-screenshot.png', () => {
  it('is refreshed from the newest real run', async () => {
    const real = latestRealBench();
    if (!real) throw new Error('no reports/bench/*/bench.json: run `meshproof bench` first');
    const page = join(outputDir, 'bench-real.html');
    writeFileSync(page, renderBenchHtml(real.report));
    const opened = await open(page, { width: 1100, height: 900 });
    try {
      // From the top to the end of the added-latency table: verdict, self-checks and both charts.
      const end = await opened.page.locator('table.bench-added').boundingBox();
      if (!end) throw new Error('the added-latency table is not on the page');
      await opened.page.screenshot({
        path: join(repoRoot, 'docs', 'bench-screenshot.png'),
        clip: { x: 0, y: 0, width: 1100, height: Math.ceil(end.y + end.height + 24) },
        fullPage: true,
      });
      expect(opened.requests).toEqual([]);
    } finally {
      await opened.page.close();
    }
  });
});
