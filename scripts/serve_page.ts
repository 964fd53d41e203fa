/**
 * Driving the `mwt serve` page in Debian's Chromium through playwright-core (no browser
 * download): where the browser is, how it is launched, and the page's two states (`ready` after
 * load, `built` after classes are ticked) with the figures the page records on <body>. The test
 * (test/serve) and the benchmark (scripts/bench_serve.ts) both go through these, so they read
 * the page the same way.
 */
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = () => fs.existsSync(CHROMIUM);
export const CHROMIUM_MISSING = `${CHROMIUM} not found (apt-get install chromium, or set CHROMIUM=/path/to/chromium)`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Opens the page and waits for it to be ready; its own measure of the load, navigation to ready. */
export async function openServePage(page: Page, url: string): Promise<{ loadMs: number }> {
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  return { loadMs: Number(await page.getAttribute('body', 'data-load-ms')) };
}

/** Ticks `classes` and waits for the sub-task model; the page's build time and latency per image. */
export async function tickClasses(page: Page, classes: number[]): Promise<{ buildMs: number; latencyMs: number }> {
  for (const k of classes) await page.check(`#modules input[data-class="${k}"]`);
  await page.waitForSelector(`body[data-state="built"][data-classes="${classes.join(',')}"]`, { timeout: 30_000 });
  return {
    buildMs: Number(await page.getAttribute('body', 'data-build-ms')),
    latencyMs: Number(await page.getAttribute('#latency', 'data-ms')),
  };
}
