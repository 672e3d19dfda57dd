import type { RunRecord } from '../run/run-record.js';
import { formatDuration } from './format-time.js';
import { esc, STATE_ORDER, stateClass, stateLabel } from './report-html.js';

function countsByState(record: RunRecord): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const job of record.jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  const order = [...STATE_ORDER, ...[...counts.keys()].filter((s) => !STATE_ORDER.includes(s))];
  return order.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)!]);
}

/** Local time with its UTC offset spelled out, since the reader may not be where the run was. */
export function formatStart(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (v: number): string => String(v).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '−' : '+';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(
    d.getSeconds(),
  )} (UTC${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)})`;
}

/** The one-line outcome in the header: `ok` only when every job completed. */
export function verdict(record: RunRecord): { ok: boolean; text: string } {
  const bad = countsByState(record).filter(([s]) => s !== 'completed');
  if (bad.length === 0) {
    const all = record.jobs.length;
    return {
      ok: true,
      text: all === 0 ? 'No jobs' : all === 1 ? 'The job completed' : `All ${all} jobs completed`,
    };
  }
  return { ok: false, text: bad.map(([s, c]) => `${c} ${stateLabel(s)}`).join(', ') };
}

/** The summary cards: duration, jobs and attempts, then one card per state that some job ended in. */
export function summaryCards(record: RunRecord): string {
  const attempts = record.jobs.reduce((sum, j) => sum + j.attempts.length, 0);
  const cards = [
    `<div class="stat-card"><dt>Duration</dt><dd>${esc(formatDuration(record.durationMs))}</dd></div>`,
    `<div class="stat-card"><dt>Jobs</dt><dd>${record.jobs.length}</dd></div>`,
    `<div class="stat-card"><dt>Attempts</dt><dd>${attempts}</dd></div>`,
    ...countsByState(record).map(
      ([state, count]) =>
        `<div class="stat-card"><dt><span class="swatch ${stateClass(state)}"></span>${esc(stateLabel(state))}</dt><dd>${count}</dd></div>`,
    ),
  ];
  return cards.join('');
}
