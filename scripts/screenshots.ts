// Makes the README's pictures of the command line: a frame of the live view and the HTML report, both from a
// real run of examples/media-pipeline.yaml, photographed in headless Chromium.
//
// Usage: npm run screenshots   (writes docs/images/live-view.png and docs/images/report.png)
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderFrame } from '../src/cli/output/live-frame.js';
import { LiveState } from '../src/cli/output/live-state.js';
import { writeReport } from '../src/cli/output/report.js';
import { loadPipeline } from '../src/cli/pipeline/load-pipeline.js';
import type { RunObserver } from '../src/cli/run/run-observer.js';
import { runPipeline } from '../src/cli/run/run-pipeline.js';
import type { RunEvent } from '../src/cli/run/run-record.js';
import { findChromium, launchChromium } from '../test/support/chromium.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs/images');
const WIDTH = 96;

const work = mkdtempSync(join(tmpdir(), 'allot-shots-'));
try {
  // The example writes its files next to itself: run a copy, so the repository stays clean.
  copyFileSync(join(root, 'examples/media-pipeline.yaml'), join(work, 'media-pipeline.yaml'));
  const loaded = await loadPipeline(join(work, 'media-pipeline.yaml'));
  if (!loaded.ok) throw new Error(`the example is invalid: ${JSON.stringify(loaded.issues)}`);
  const pipeline = loaded.pipeline;

  // Keeps the busiest frame of the live view: progress bars first, then the fullest gauges, then most jobs.
  const state = new LiveState({
    file: pipeline.file,
    limits: pipeline.resources,
    jobs: pipeline.jobs.map((j) => ({
      name: j.name,
      cost: j.cost,
      ...(j.total === undefined ? {} : { total: j.total }),
    })),
  });
  let best = { score: -1, frame: '' };
  const grabber: RunObserver = {
    event(e: RunEvent) {
      state.apply(e);
      // Only once the gauges have caught up with the starts (usage follows them) or as progress moves.
      if (e.event !== 'usage' && e.event !== 'progress') return;
      const running = state.running();
      const used = Object.entries(state.limits).reduce(
        (sum, [r, limit]) => sum + (limit > 0 ? (state.inUse[r] ?? 0) / limit : 0),
        0,
      );
      const shown = running.filter((j) => j.value !== undefined && j.value < (j.total ?? 100)).length;
      const score = shown * 1000 + used * 100 + running.length;
      if (score >= best.score) best = { score, frame: renderFrame(state, WIDTH, e.time) };
    },
  };
  const { record, exitCode } = await runPipeline({
    pipeline,
    logDir: join(work, 'logs'),
    observers: [grabber],
  });
  if (exitCode !== 0) throw new Error('the example run failed');
  const reportPath = join(work, 'report.html');
  await writeReport(reportPath, record);

  const executablePath = findChromium();
  if (executablePath === undefined)
    throw new Error('no Chromium found (install the Debian chromium package)');
  const browser = await launchChromium(executablePath);
  try {
    mkdirSync(out, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
    const terminal = join(work, 'live-view.html');
    writeFileSync(terminal, terminalPage(`$ allot run examples/media-pipeline.yaml\n${best.frame}`));
    await page.goto(`file://${terminal}`);
    await page.locator('pre').screenshot({ path: join(out, 'live-view.png') });
    await page.goto(`file://${reportPath}`);
    await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${join(out, 'live-view.png')} and ${join(out, 'report.png')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** A terminal-looking page holding `text` (light text on dark, monospace, fixed columns). */
function terminalPage(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!doctype html><meta charset="utf-8"><style>
body { margin: 0; background: #fff; }
pre { display: inline-block; margin: 0; padding: 16px 20px; background: #1e1f22; color: #e6e6e6;
  font: 14px/1.45 "DejaVu Sans Mono", "Liberation Mono", monospace; border-radius: 8px; min-width: ${WIDTH}ch; }
</style><pre>${escaped}</pre>`;
}
