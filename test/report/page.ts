/** Helpers for reading a generated report page in tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { ReportData } from '../../src/report/data.js';

/** A fresh temp directory, removed after the test file finishes. */
export function tempDir(prefix = 'mwt-report-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The JSON blob the page embeds (`<script type="application/json" id="mwt-data">`). */
export function embeddedData(html: string): ReportData {
  const match = /<script type="application\/json" id="mwt-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('report page has no #mwt-data script');
  return JSON.parse(match[1]!) as ReportData;
}

/** Canvas ids of the charts the page will draw, in page order. */
export function chartIds(html: string): string[] {
  return [...html.matchAll(/<canvas id="([^"]+)" data-chart=/g)].map((m) => m[1]!);
}
