import type { AttemptRecord, JobRecord, RunRecord } from '../run/run-record.js';
import { formatDuration } from './format-time.js';
import { esc, stateClass, stateLabel } from './report-html.js';

function devicesText(a: AttemptRecord | undefined): string {
  if (a === undefined) return '';
  return Object.entries(a.devices)
    .filter(([, ids]) => ids.length > 0)
    .map(([resource, ids]) => `${resource} ${ids.join(',')}`)
    .join(' · ');
}

function noteOf(job: JobRecord): string {
  const last = job.attempts.at(-1);
  if (last === undefined) return job.reason ?? '';
  if (job.state === 'completed') {
    const failed = job.attempts.length - 1;
    return failed === 0 ? '' : `completed after ${failed} failed attempt${failed === 1 ? '' : 's'}`;
  }
  return job.reason ?? last.error ?? '';
}

/** The jobs table: one row per job, in the record's order, with the devices its last attempt held. */
export function jobsTable(record: RunRecord): string {
  const rows = record.jobs.map((job) => {
    const cells = [
      `<td class="name">${esc(job.name)}</td>`,
      `<td><span class="pill ${stateClass(job.state)}">${esc(stateLabel(job.state))}</span></td>`,
      `<td class="num">${job.attempts.length}</td>`,
      `<td class="num">${job.waitMs === undefined ? '—' : esc(formatDuration(job.waitMs))}</td>`,
      `<td class="num">${job.attempts.length === 0 ? '—' : esc(formatDuration(job.runMs))}</td>`,
      `<td class="devices">${esc(devicesText(job.attempts.at(-1)))}</td>`,
      `<td class="why">${esc(noteOf(job))}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  return (
    '<table><thead><tr><th>Job</th><th>State</th><th class="num">Attempts</th><th class="num">Waited</th>' +
    `<th class="num">Ran</th><th>Devices</th><th>Notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
