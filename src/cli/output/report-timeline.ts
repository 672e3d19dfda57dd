import type { AttemptRecord, JobRecord, RunRecord } from '../run/run-record.js';
import { formatDuration } from './format-time.js';
import { clip, esc, STATE_ORDER, stateClass, stateLabel } from './report-html.js';
import { GUTTER, n, type Scale, WIDTH, xAxis } from './report-svg.js';

// Rows of the Gantt timeline, in SVG user units.
const AXIS = 30;
const ROW = 30;
const BAR = 16;
/** Roughly the width of one character of the 12px monospace font, to clip labels that would not fit. */
const MONO_CHAR = 7.3;
/** The same for the bold bar labels and the italic notes (11px). */
const BOLD_CHAR = 6.4;
const NOTE_CHAR = 5.8;

/** A still-running attempt is drawn up to the end of the record. */
const attemptEnd = (a: AttemptRecord, record: RunRecord): number =>
  a.endMs ?? Math.max(record.durationMs, a.startMs);

/** When a job that never ran ended: when it was given up on, else when the last of its dependencies ended. */
function endOfUnrun(job: JobRecord, record: RunRecord): number {
  if (job.readyMs !== undefined && job.waitMs !== undefined) return job.readyMs + job.waitMs;
  let latest: number | undefined;
  for (const dep of job.deps) {
    const last = record.jobs.find((j) => j.name === dep)?.attempts.at(-1);
    if (last !== undefined) latest = Math.max(latest ?? 0, attemptEnd(last, record));
  }
  return latest ?? (job.state === 'cancelled' ? record.durationMs : 0);
}

function attemptTitle(job: JobRecord, a: AttemptRecord, record: RunRecord): string {
  const lines = [
    `${job.name} — attempt ${a.attempt}: ${stateLabel(a.outcome ?? 'running')}`,
    `ran ${formatDuration(attemptEnd(a, record) - a.startMs)} (${formatDuration(a.startMs)} → ${
      a.endMs === undefined ? 'still running' : formatDuration(a.endMs)
    })`,
  ];
  if (a.exitCode !== undefined && a.exitCode !== null) lines.push(`exit code ${a.exitCode}`);
  if (a.signal) lines.push(`signal ${a.signal}`);
  for (const [resource, ids] of Object.entries(a.devices))
    if (ids.length > 0) lines.push(`${resource}: ${ids.join(', ')}`);
  if (a.error) lines.push(a.error);
  return lines.join('\n');
}

/** A few words after a job's last bar: how it ended when that was not a success. */
function endNote(job: JobRecord): string {
  const last = job.attempts.at(-1);
  if (last === undefined) return stateLabel(job.state);
  if (job.state === 'completed' || job.state === 'running') return '';
  const how = last.signal ? `signal ${last.signal}` : last.exitCode != null ? `exit ${last.exitCode}` : '';
  return [stateLabel(job.state), how].filter(Boolean).join(' · ');
}

/**
 * The Gantt timeline: a row per job, a bar per attempt coloured by how it ended, and a note for a job that
 * did not succeed. Each row is `[data-job][data-state]` with the job's final state, which tests and readers
 * of the page can select on.
 */
export function timelineSvg(record: RunRecord, scale: Scale): string {
  const height = AXIS + Math.max(1, record.jobs.length) * ROW + 10;
  const bottom = height - 6;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart gantt" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Timeline of the jobs">`,
  );
  record.jobs.forEach((_, i) => {
    if (i % 2 === 0)
      parts.push(`<rect class="stripe" x="0" y="${AXIS + i * ROW}" width="${WIDTH}" height="${ROW}"/>`);
  });
  parts.push(xAxis(scale, AXIS - 6, bottom, 16));
  if (record.jobs.length === 0)
    parts.push(`<text class="note" x="${GUTTER}" y="${AXIS + 20}">This pipeline has no jobs.</text>`);

  record.jobs.forEach((job, i) => {
    const mid = AXIS + i * ROW + ROW / 2;
    const barY = mid - BAR / 2;
    const ran = job.attempts.length > 0;
    parts.push(
      `<g class="label${ran ? '' : ' unrun'}"><title>${esc(job.name)}</title>` +
        `<circle class="${stateClass(job.state)}" cx="16" cy="${n(mid)}" r="4"/>` +
        `<text class="job" x="28" y="${n(mid + 4)}">${esc(clip(job.name, Math.floor((GUTTER - 40) / MONO_CHAR)))}</text></g>`,
    );

    const row: string[] = [];
    // Where the row's drawing starts and ends, to place its note beside it.
    let left: number;
    let right: number;
    if (ran) {
      const first = job.attempts[0]!;
      const lastEnd = job.attempts.reduce((m, a) => Math.max(m, attemptEnd(a, record)), first.startMs);
      const from = job.readyMs ?? first.startMs;
      // A thin line from ready to the last end: the wait before the first start and the gaps between retries.
      row.push(
        `<line class="lifeline" x1="${n(scale.x(from))}" x2="${n(scale.x(lastEnd))}" y1="${n(mid)}" y2="${n(mid)}"><title>${esc(
          `${job.name}: ready at ${formatDuration(from)}, waited ${formatDuration(job.waitMs ?? first.startMs - from)}`,
        )}</title></line>`,
      );
      if (job.readyMs !== undefined)
        row.push(`<circle class="ready" cx="${n(scale.x(job.readyMs))}" cy="${n(mid)}" r="2.5"/>`);
      for (const a of job.attempts) {
        const x1 = scale.x(a.startMs);
        // At least 2 units wide, so an attempt of a few ms still shows.
        const w = Math.max(2, scale.x(attemptEnd(a, record)) - x1);
        row.push(
          `<rect class="bar ${stateClass(a.outcome ?? 'running')}" data-attempt="${a.attempt}" x="${n(x1)}" y="${n(barY)}" width="${n(w)}" height="${BAR}" rx="3"><title>${esc(
            attemptTitle(job, a, record),
          )}</title></rect>`,
        );
        const label = `${job.attempts.length > 1 ? `#${a.attempt} ` : ''}${formatDuration(attemptEnd(a, record) - a.startMs)}`;
        if (w >= label.length * BOLD_CHAR + 10)
          row.push(`<text class="bar-label" x="${n(x1 + 6)}" y="${n(mid + 4)}">${esc(label)}</text>`);
      }
      left = scale.x(first.startMs);
      right = scale.x(lastEnd);
    } else {
      const end = endOfUnrun(job, record);
      const x = scale.x(end);
      if (job.readyMs !== undefined && job.readyMs < end)
        row.push(
          `<line class="lifeline unrun" x1="${n(scale.x(job.readyMs))}" x2="${n(x)}" y1="${n(mid)}" y2="${n(mid)}"><title>${esc(
            `${job.name}: ready at ${formatDuration(job.readyMs)}, never started`,
          )}</title></line>`,
        );
      row.push(
        `<rect class="marker ${stateClass(job.state)}" x="${n(x - 1.5)}" y="${n(barY - 2)}" width="3" height="${BAR + 4}" rx="1.5"><title>${esc(
          `${job.name}: ${stateLabel(job.state)}${job.reason ? ` — ${job.reason}` : ''}`,
        )}</title></rect>`,
      );
      left = x - 1.5;
      right = x + 1.5;
    }
    parts.push(
      `<g class="row" data-job="${esc(job.name)}" data-state="${esc(job.state)}">${row.join('')}</g>`,
    );

    const note = endNote(job);
    if (note) {
      const text = ran || !job.reason ? note : `${note} — ${job.reason}`;
      // After the drawing when it fits there, else before it, over the wait line: a patch of the row's
      // own background keeps the line from running through the words.
      const after = Math.floor((WIDTH - 4 - (right + 8)) / NOTE_CHAR);
      const before = Math.floor((left - 8 - (GUTTER + 4)) / NOTE_CHAR);
      const onRight = after >= text.length || after >= before;
      const room = onRight ? after : before;
      if (room >= 6) {
        const shown = clip(text, room);
        const y = n(mid + 4);
        if (onRight) {
          parts.push(
            `<text class="note ${stateClass(job.state)}-text" x="${n(right + 8)}" y="${y}">${esc(shown)}</text>`,
          );
        } else {
          const w = Array.from(shown).length * NOTE_CHAR + 8;
          parts.push(
            `<rect class="${i % 2 === 0 ? 'stripe' : 'plain'}" x="${n(left - 4 - w)}" y="${n(mid - 7)}" width="${n(w)}" height="14"/>` +
              `<text class="note ${stateClass(job.state)}-text" x="${n(left - 8)}" y="${y}" text-anchor="end">${esc(shown)}</text>`,
          );
        }
      }
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Every final state, so the key reads the same from run to run; `running` only while an attempt is going on. */
export function timelineLegend(record: RunRecord): string {
  const states = [...STATE_ORDER];
  const running = record.jobs.some((j) => j.attempts.some((a) => a.outcome === undefined));
  if (running) states.push('running');
  const items = states.map(
    (s) => `<li><span class="swatch ${stateClass(s)}"></span>${esc(stateLabel(s))}</li>`,
  );
  items.push('<li><span class="swatch lifeline-swatch"></span>waiting / between attempts</li>');
  return `<ul class="legend">${items.join('')}</ul>`;
}
