import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration, formatTick, timeTicks } from '../../src/cli/output/format-time.js';
import { reportHtml, writeReport } from '../../src/cli/output/report.js';
import type { AttemptRecord, JobRecord, RunRecord, UsageSample } from '../../src/cli/run/run-record.js';
import { launchChromium, openPage } from '../support/chromium.js';
import { chromiumForTests } from '../support/chromium-tests.js';

const limits = { gpu: 2, cpu: 3, mem_gb: 16 };
const NASTY = '<b>&"x"';

type Attempt = Omit<AttemptRecord, 'job' | 'attempt' | 'devices'> & { devices?: AttemptRecord['devices'] };

function job(
  name: string,
  cost: JobRecord['cost'],
  state: JobRecord['state'],
  attempts: Attempt[],
  extra: Partial<Pick<JobRecord, 'deps' | 'readyMs' | 'waitMs' | 'reason'>> = {},
): JobRecord {
  const full = attempts.map((a, i) => ({ devices: {}, ...a, job: name, attempt: i + 1 }));
  const runMs = full.reduce((sum, a) => sum + (a.endMs ?? a.startMs) - a.startMs, 0);
  return { name, cost, deps: [], state, attempts: full, runMs, ...extra };
}

/** What was in use after each start and end, as the recorder samples it: ends before starts at one time. */
function usageOf(jobs: JobRecord[]): UsageSample[] {
  const changes = jobs.flatMap((j) =>
    j.attempts.flatMap((a) => [
      { t: a.startMs, sign: 1, cost: j.cost },
      ...(a.endMs === undefined ? [] : [{ t: a.endMs, sign: -1, cost: j.cost }]),
    ]),
  );
  changes.sort((a, b) => a.t - b.t || a.sign - b.sign);
  const inUse: Record<string, number> = { gpu: 0, cpu: 0, mem_gb: 0 };
  const samples: UsageSample[] = [{ timeMs: 0, inUse: { ...inUse } }];
  for (const c of changes) {
    for (const [r, v] of Object.entries(c.cost)) inUse[r] = (inUse[r] ?? 0) + c.sign * v;
    samples.push({ timeMs: c.t, inUse: { ...inUse } });
  }
  return samples;
}

const jobs: JobRecord[] = [
  job('download', { cpu: 1 }, 'completed', [{ startMs: 0, endMs: 2100, outcome: 'completed', exitCode: 0 }], {
    readyMs: 0,
    waitMs: 0,
  }),
  job(
    'encode',
    { gpu: 2, cpu: 1 },
    'completed',
    [
      {
        startMs: 2100,
        endMs: 5200,
        outcome: 'failed',
        exitCode: 1,
        error: 'exit code 1',
        devices: { gpu: ['0', '1'] },
      },
      { startMs: 6200, endMs: 14800, outcome: 'completed', exitCode: 0, devices: { gpu: ['0', '1'] } },
    ],
    { deps: ['download'], readyMs: 2100, waitMs: 0 },
  ),
  job(
    'thumbs',
    { gpu: 1, cpu: 1 },
    'timed-out',
    [
      {
        startMs: 14800,
        endMs: 20800,
        outcome: 'timed-out',
        exitCode: null,
        signal: 'SIGTERM',
        error: 'timed out after 6.0 s',
        devices: { gpu: ['0'] },
      },
    ],
    { deps: ['download'], readyMs: 2100, waitMs: 12700 },
  ),
  ...[1, 2, 3, 4].map((part) =>
    job(
      `features[part=${part}]`,
      { cpu: 1, mem_gb: 4 },
      'completed',
      [
        {
          startMs: 2100 + (part - 1) * 3000,
          endMs: 4900 + (part - 1) * 3000,
          outcome: 'completed',
          exitCode: 0,
        },
      ],
      { readyMs: 0, waitMs: 2100 + (part - 1) * 3000 },
    ),
  ),
  job(
    NASTY,
    { cpu: 1 },
    'failed',
    [
      { startMs: 14800, endMs: 16100, outcome: 'failed', exitCode: 3, error: 'exit code 3' },
      {
        startMs: 17100,
        endMs: 18000,
        outcome: 'failed',
        exitCode: 3,
        error: 'exit code 3 <again> & "again"',
      },
    ],
    { readyMs: 0, waitMs: 14800 },
  ),
  job('publish', { cpu: 1 }, 'skipped', [], {
    deps: ['encode', 'thumbs'],
    reason: 'dependency thumbs ended timed-out',
  }),
  job('archive', { cpu: 1 }, 'cancelled', [], {
    readyMs: 3000,
    waitMs: 19000,
    reason: 'the run was interrupted (SIGINT)',
  }),
];

const record: RunRecord = {
  file: '/home/me/pipelines/media-pipeline.yaml',
  startedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  durationMs: 22000,
  limits,
  jobs,
  usage: usageOf(jobs),
  progress: [
    { job: 'encode', attempt: 2, timeMs: 9000, value: 600, total: 1800 },
    { job: 'encode', attempt: 2, timeMs: 12000, value: 1200, total: 1800 },
  ],
};

describe('time formatting', () => {
  it('reads as people write durations, rounding before it picks the unit', () => {
    expect([850, 999.6, 12_345, 59_960, 125_000, 3_720_000, Number.NaN].map(formatDuration)).toEqual([
      '850 ms',
      '1.0 s',
      '12.3 s',
      '1m 00s',
      '2m 05s',
      '1h 02m',
      '—',
    ]);
  });

  it('labels axis ticks with round steps and only the decimals the step needs', () => {
    const label = (span: number): string[] => {
      const { stepMs, ticks } = timeTicks(span, 8);
      return ticks.map((t) => formatTick(t, stepMs));
    };
    expect(label(900)).toEqual(['0', '200 ms', '400 ms', '600 ms', '800 ms']);
    expect(label(2500)).toEqual(['0', '500 ms', '1.0 s', '1.5 s', '2.0 s', '2.5 s']);
    expect(label(95_000)).toEqual(['0', '15 s', '30 s', '45 s', '1m', '1m 15s', '1m 30s']);
    expect(label(3_700_000)).toEqual(['0', '10m', '20m', '30m', '40m', '50m', '1h']);
  });
});

describe('reportHtml', () => {
  const html = reportHtml(record);

  it('is one self-contained page: nothing loaded from the network, no scripts', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b(?![^>]*href="data:)/i);
  });

  it('escapes job names and errors', () => {
    expect(html).not.toContain(NASTY);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<again>');
    expect(html).toContain('&lt;b&gt;&amp;&quot;x&quot;');
    expect(html).toContain(`data-job="&lt;b&gt;&amp;&quot;x&quot;"`);
  });

  it('summarises the run: file, start, duration, counts by state, every job in the table', () => {
    expect(html).toContain('media-pipeline.yaml');
    expect(html).toContain('/home/me/pipelines/media-pipeline.yaml');
    expect(html).toMatch(/2025-01-0[12] \d\d:\d\d:05/);
    expect(html).toContain('22.0 s');
    expect(html).toContain('dependency thumbs ended timed-out');
    for (const j of jobs.filter((x) => x.name !== NASTY))
      expect(html).toContain(`<td class="name">${j.name}</td>`);
  });

  it('has no invalid numbers in its geometry', () => {
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('draws an empty run and a run still going on', () => {
    const empty = reportHtml({ ...record, durationMs: 0, jobs: [], usage: [], progress: [] });
    expect(empty).toContain('This pipeline has no jobs.');
    expect(empty).toContain('data-resource="gpu"');
    expect(empty).not.toMatch(/NaN|Infinity|undefined|data-job=/);

    const running = reportHtml({
      ...record,
      durationMs: 5000,
      jobs: [job('long', { cpu: 1 }, 'running', [{ startMs: 1000 }], { readyMs: 0, waitMs: 1000 })],
      usage: [
        { timeMs: 0, inUse: { gpu: 0, cpu: 0, mem_gb: 0 } },
        { timeMs: 1000, inUse: { gpu: 0, cpu: 1, mem_gb: 0 } },
      ],
      progress: [],
    });
    expect(running).toMatch(
      /<rect class="bar st-running" data-attempt="1" x="[\d.]+" y="[\d.]+" width="[1-9]/,
    );
    expect(running).toContain('still running');
    expect(running).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('writes the page, creating the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allot-report-'));
    try {
      const path = join(dir, 'nested', 'report.html');
      await writeReport(path, record);
      expect(await readFile(path, 'utf8')).toBe(html);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const executablePath = chromiumForTests('report.test.ts');

// What the page-side callbacks use of the browser: the project compiles without the DOM library.
interface Box {
  width: number;
  height: number;
}
interface PageElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PagePath>;
}
interface PagePath {
  getTotalLength(): number;
  getBBox(): Box;
}
declare function createImageBitmap(image: Blob): Promise<Box>;
declare class OffscreenCanvas {
  constructor(width: number, height: number);
  getContext(kind: '2d'): {
    drawImage(image: Box, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

/** How many distinct colours a PNG has, decoded by the browser itself (no image library needed). */
async function coloursOf(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4)
        seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

describe.skipIf(executablePath === undefined)('the report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    browser = await launchChromium(executablePath!);
    dir = await mkdtemp(join(tmpdir(), 'allot-report-'));
    const path = join(dir, 'report.html');
    await writeFile(path, reportHtml(record));
    url = pathToFileURL(path).href;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders without console or page errors, one element per job and non-blank charts', async () => {
    const { page, errors } = await openPage(browser, url);
    try {
      // One [data-job] per job, with the job's final state.
      const marked = await page
        .locator('[data-job]')
        .evaluateAll((els: PageElement[]) =>
          els.map((el) => [el.getAttribute('data-job'), el.getAttribute('data-state')]),
        );
      expect(marked).toEqual(jobs.map((j) => [j.name, j.state]));
      for (const j of jobs) {
        const box = await page.locator(`[data-job="${j.name.replace(/["\\]/g, '\\$&')}"]`).boundingBox();
        expect(box, j.name).not.toBeNull();
        expect(box!.height, j.name).toBeGreaterThan(0);
        expect(box!.width, j.name).toBeGreaterThan(0);
      }

      // A bar of non-zero width for every attempt that ran, inside its job's row.
      const bars = await page.locator('[data-job] [data-attempt]').evaluateAll((els: PageElement[]) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return {
            job: el.closest('[data-job]')?.getAttribute('data-job'),
            attempt: el.getAttribute('data-attempt'),
            w: r.width,
            h: r.height,
          };
        }),
      );
      expect(bars.map((b) => [b.job, b.attempt])).toEqual(
        jobs.flatMap((j) => j.attempts.map((a) => [j.name, String(a.attempt)])),
      );
      for (const b of bars) {
        expect(b.w, `${b.job} #${b.attempt}`).toBeGreaterThan(1);
        expect(b.h).toBeGreaterThan(1);
      }
      // Longer attempts get longer bars: the x axis is time.
      const encode = bars.filter((b) => b.job === 'encode');
      expect(encode[1]!.w).toBeGreaterThan(encode[0]!.w * 2);

      // One chart per resource, laid out, with a drawn step line and something other than background.
      const charts = page.locator('[data-resource]');
      expect(
        await charts.evaluateAll((els: PageElement[]) => els.map((el) => el.getAttribute('data-resource'))),
      ).toEqual(Object.keys(limits));
      for (const resource of Object.keys(limits)) {
        const chart = page.locator(`[data-resource="${resource}"]`);
        const box = await chart.boundingBox();
        expect(box!.width, resource).toBeGreaterThan(100);
        expect(box!.height, resource).toBeGreaterThan(50);
        const geometry = await chart.evaluate((svg: PageElement) =>
          [...svg.querySelectorAll('path')].map((p) => {
            const b = p.getBBox();
            return { length: p.getTotalLength(), w: b.width, h: b.height };
          }),
        );
        expect(geometry.length, resource).toBeGreaterThan(0);
        for (const g of geometry) {
          expect(g.length, resource).toBeGreaterThan(0);
          expect(g.w, resource).toBeGreaterThan(100);
          expect(g.h, resource).toBeGreaterThan(10);
        }
        expect(await coloursOf(browser, await chart.screenshot()), resource).toBeGreaterThan(4);
      }

      // The whole page is not blank either.
      const shot = await page.screenshot({ fullPage: true });
      if (process.env.ALLOT_REPORT_SCREENSHOT) await writeFile(process.env.ALLOT_REPORT_SCREENSHOT, shot);
      expect(await coloursOf(browser, shot)).toBeGreaterThan(20);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
