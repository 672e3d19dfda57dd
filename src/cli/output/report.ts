import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { RunRecord } from '../run/run-record.js';
import { formatDuration } from './format-time.js';
import { resourcesOf, utilizationSvg } from './report-charts.js';
import { amount, esc } from './report-html.js';
import { REPORT_CSS } from './report-style.js';
import { formatStart, summaryCards, verdict } from './report-summary.js';
import { scaleOf } from './report-svg.js';
import { jobsTable } from './report-table.js';
import { timelineLegend, timelineSvg } from './report-timeline.js';

/**
 * The run as one self-contained HTML page (no scripts, no network): a summary, a Gantt timeline with a row
 * per job and a bar per attempt coloured by how it ended, a step chart per resource of what was in use
 * against its limit, and a table of the jobs. Each job's row is the element `[data-job][data-state]` (its
 * final state); each resource chart is `[data-resource]`.
 */
export function reportHtml(record: RunRecord): string {
  const scale = scaleOf(record);
  const name = basename(record.file);
  const result = verdict(record);
  const resources = resourcesOf(record);

  const limits = resources
    .map((r) => (record.limits[r] === undefined ? '' : `${r} ${amount(record.limits[r])}`))
    .filter(Boolean)
    .join(' · ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>${esc(`${name} · allot run report`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<div>
<div class="eyebrow">allot run report</div>
<h1>${esc(name)}</h1>
<p class="path">${esc(record.file)}</p>
<p class="when">Started ${esc(formatStart(record.startedAt))} · ran ${esc(formatDuration(record.durationMs))}</p>
</div>
<div class="verdict ${result.ok ? 'ok' : 'bad'}">${esc(result.text)}</div>
</header>
<dl class="stats">${summaryCards(record)}</dl>
<section>
<div class="head"><h2>Timeline</h2>${timelineLegend(record)}</div>
<p class="sub">One row per job, one bar per attempt; hover a bar for its details.</p>
<div class="scroll">${timelineSvg(record, scale)}</div>
</section>
<section>
<h2>Resource utilization</h2>
<p class="sub">In use over time against the limit${limits ? ` (${esc(limits)})` : ''}.</p>
${resources.length === 0 ? '<p class="sub">No resources.</p>' : `<div class="scroll">${resources.map((r, i) => utilizationSvg(record, scale, r, i)).join('\n')}</div>`}
</section>
<section>
<h2>Jobs</h2>
<div class="scroll">${jobsTable(record)}</div>
</section>
<footer>Written by allot · ${esc(formatStart(record.startedAt))}</footer>
</main>
</body>
</html>
`;
}

/** Writes the run's HTML report ({@link reportHtml}) to `path`, creating its directory if needed. */
export async function writeReport(path: string, record: RunRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, reportHtml(record));
}
