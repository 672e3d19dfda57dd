import type { RunRecord } from '../run/run-record.js';
import { formatDuration } from './format-time.js';

/** The end-of-run table: each job's state, attempts, wait and run time, and why a job that never ran did not. */
export function formatSummary(record: RunRecord): string {
  const rows = record.jobs.map((j) => [
    j.name,
    j.state,
    String(j.attempts.length),
    j.waitMs === undefined ? '—' : formatDuration(j.waitMs),
    j.attempts.length === 0 ? '—' : formatDuration(j.runMs),
    j.reason ?? j.attempts.at(-1)?.error ?? '',
  ]);
  const head = ['job', 'state', 'tries', 'wait', 'run', 'why'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  // The last column is free text: not padded.
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const counts = new Map<string, number>();
  for (const j of record.jobs) counts.set(j.state, (counts.get(j.state) ?? 0) + 1);
  const tally = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  return [
    line(head),
    ...rows.map(line),
    `${record.jobs.length} jobs in ${formatDuration(record.durationMs)}: ${tally}`,
    '',
  ].join('\n');
}
