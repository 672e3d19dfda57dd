import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { AttemptRecord, JobRecord, RunRecord, UsageSample } from '../run/run-record.js';
import { formatDuration, formatTick, timeTicks } from './format-time.js';

// Layout of every chart, in SVG user units. The Gantt and the utilization charts share the gutter and the
// time scale, so a moment lines up vertically across all of them.
const WIDTH = 1120;
const GUTTER = 220;
const RIGHT = 32;
const PLOT = WIDTH - GUTTER - RIGHT;
const AXIS = 30;
const ROW = 30;
const BAR = 16;
const CHART_TOP = 16;
const CHART_PLOT = 96;
const CHART_BOTTOM = 28;
/** Roughly the width of one character of the 12px monospace font, to clip labels that would not fit. */
const MONO_CHAR = 7.3;
/** The same for the bold bar labels and the italic notes (11px). */
const BOLD_CHAR = 6.4;
const NOTE_CHAR = 5.8;

/** Final states first, in the order people read them; others only show up for a run still going on. */
const STATE_ORDER = ['completed', 'failed', 'timed-out', 'cancelled', 'skipped'];
const STATE_LABEL: Record<string, string> = { 'timed-out': 'timed out' };
const stateLabel = (state: string): string => STATE_LABEL[state] ?? state;

const PALETTE = ['#6366f1', '#0ea5a4', '#f59e0b', '#ec4899', '#3b82f6', '#84cc16', '#a855f7', '#ef4444'];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Class-safe: states come from the record, which is data. */
const stateClass = (state: string): string => `st-${state.replace(/[^a-z-]/g, '')}`;

/** SVG coordinates with at most two decimals: enough for a screen, and a smaller file. */
const n = (v: number): string => String(Math.round(v * 100) / 100);
const amount = (v: number): string => String(Number(v.toFixed(3)));

function clip(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(1, maxChars - 1)).join('')}…`;
}

interface Scale {
  /** The time the plot's right edge shows, ms. */
  endMs: number;
  x(ms: number): number;
  ticks: number[];
  stepMs: number;
}

function scaleOf(record: RunRecord): Scale {
  let endMs = Math.max(1, record.durationMs);
  for (const job of record.jobs) for (const a of job.attempts) endMs = Math.max(endMs, a.endMs ?? a.startMs);
  for (const s of record.usage) endMs = Math.max(endMs, s.timeMs);
  for (const p of record.progress) endMs = Math.max(endMs, p.timeMs);
  const { stepMs, ticks } = timeTicks(endMs, Math.floor(PLOT / 110));
  return { endMs, x: (ms) => GUTTER + (Math.min(Math.max(ms, 0), endMs) / endMs) * PLOT, ticks, stepMs };
}

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

function xAxis(scale: Scale, top: number, bottom: number, labelY: number): string {
  return scale.ticks
    .map((t) => {
      const x = n(scale.x(t));
      return (
        `<line class="grid" x1="${x}" x2="${x}" y1="${n(top)}" y2="${n(bottom)}"/>` +
        `<text class="tick" x="${x}" y="${n(labelY)}" text-anchor="middle">${esc(formatTick(t, scale.stepMs))}</text>`
      );
    })
    .join('');
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

function gantt(record: RunRecord, scale: Scale): string {
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

/** The in-use amount of `resource` as steps: each sample holds until the next one. */
function steps(usage: readonly UsageSample[], resource: string): Array<{ t: number; v: number }> {
  const sorted = [...usage].sort((a, b) => a.timeMs - b.timeMs);
  const out: Array<{ t: number; v: number }> = [];
  if (sorted.length === 0 || sorted[0]!.timeMs > 0) out.push({ t: 0, v: 0 });
  for (const s of sorted) out.push({ t: Math.max(0, s.timeMs), v: s.inUse[resource] ?? 0 });
  return out;
}

function yTicks(top: number, limit: number | undefined): number[] {
  if (Number.isInteger(top) && top <= 6) return Array.from({ length: top + 1 }, (_, i) => i);
  const ticks = [0, top / 2, top];
  if (limit !== undefined && !ticks.includes(limit)) ticks.push(limit);
  return ticks;
}

function utilization(record: RunRecord, scale: Scale, resource: string, index: number): string {
  const limit = record.limits[resource];
  const points = steps(record.usage, resource);
  // A loop, not Math.max(...): a long run has more samples than a call has room for arguments.
  const peak = points.reduce((m, p) => Math.max(m, p.v), 0);
  const top = Math.max(limit ?? 0, peak) || 1;
  const height = CHART_TOP + CHART_PLOT + CHART_BOTTOM;
  const y0 = CHART_TOP + CHART_PLOT;
  const y = (v: number): number => y0 - (Math.max(0, v) / top) * CHART_PLOT;

  // Time-weighted mean of the in-use amount over the run.
  let area = 0;
  points.forEach((p, i) => {
    const next = points[i + 1]?.t ?? scale.endMs;
    area += p.v * Math.max(0, Math.min(next, scale.endMs) - Math.min(p.t, scale.endMs));
  });
  const mean = area / scale.endMs;

  let line = `M${n(scale.x(0))} ${n(y(points[0]!.v))}`;
  for (const p of points.slice(1)) line += `H${n(scale.x(p.t))}V${n(y(p.v))}`;
  line += `H${n(scale.x(scale.endMs))}`;
  const fill = `${line}V${n(y0)}H${n(scale.x(0))}Z`;

  const colour = PALETTE[index % PALETTE.length]!;
  const parts: string[] = [
    `<svg class="chart util" data-resource="${esc(resource)}" style="--c:${colour}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`${resource} in use over time`)}">`,
    `<text class="resource" x="12" y="${CHART_TOP + 12}">${esc(clip(resource, 20))}</text>`,
    `<text class="stat" x="12" y="${CHART_TOP + 32}">peak ${esc(amount(peak))}${limit === undefined ? '' : ` of ${esc(amount(limit))}`}</text>`,
    `<text class="stat" x="12" y="${CHART_TOP + 50}">${
      limit !== undefined && limit > 0
        ? `${Math.round((mean / limit) * 100)}% busy on average`
        : `${esc(amount(mean))} in use on average`
    }</text>`,
  ];
  for (const v of yTicks(top, limit)) {
    parts.push(
      `<line class="grid" x1="${GUTTER}" x2="${GUTTER + PLOT}" y1="${n(y(v))}" y2="${n(y(v))}"/>` +
        `<text class="tick" x="${GUTTER - 8}" y="${n(y(v) + 4)}" text-anchor="end">${esc(amount(v))}</text>`,
    );
  }
  parts.push(xAxis(scale, CHART_TOP, y0, height - 8));
  parts.push(`<path class="area" d="${fill}"/>`, `<path class="line" d="${line}"/>`);
  parts.push(`<line class="axis" x1="${GUTTER}" x2="${GUTTER + PLOT}" y1="${y0}" y2="${y0}"/>`);
  if (limit !== undefined) {
    const ly = n(y(limit));
    parts.push(
      `<line class="limit" x1="${GUTTER}" x2="${GUTTER + PLOT}" y1="${ly}" y2="${ly}"/>` +
        `<text class="limit-label" x="${GUTTER + PLOT}" y="${n(y(limit) - 5)}" text-anchor="end">limit ${esc(amount(limit))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function resourcesOf(record: RunRecord): string[] {
  const names = Object.keys(record.limits);
  for (const s of record.usage)
    for (const name of Object.keys(s.inUse)) if (!names.includes(name)) names.push(name);
  return names;
}

function countsByState(record: RunRecord): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const job of record.jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  const order = [...STATE_ORDER, ...[...counts.keys()].filter((s) => !STATE_ORDER.includes(s))];
  return order.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)!]);
}

function formatStart(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (v: number): string => String(v).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '−' : '+';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(
    d.getSeconds(),
  )} (UTC${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)})`;
}

function verdict(record: RunRecord): { ok: boolean; text: string } {
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
  return last.error ?? job.reason ?? '';
}

function table(record: RunRecord): string {
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

function legend(record: RunRecord): string {
  const states = [...STATE_ORDER];
  const running = record.jobs.some((j) => j.attempts.some((a) => a.outcome === undefined));
  if (running) states.push('running');
  const items = states.map(
    (s) => `<li><span class="swatch ${stateClass(s)}"></span>${esc(stateLabel(s))}</li>`,
  );
  items.push('<li><span class="swatch lifeline-swatch"></span>waiting / between attempts</li>');
  return `<ul class="legend">${items.join('')}</ul>`;
}

const CSS = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1b1f24;--muted:#6b7280;--faint:#9aa3af;--line:#e5e7eb;--grid:#eceef1;
--stripe:#f8f9fb;--completed:#22a06b;--failed:#e5484d;--timed-out:#f08c00;--cancelled:#8b95a5;--skipped:#a78bfa;
--running:#3b82f6;--waiting:#c3c9d2;--limit:#c2410c;--ok-bg:#e7f6ee;--ok-ink:#13744a;--bad-bg:#fdeced;--bad-ink:#b42318}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--ink:#e6e8eb;--muted:#9aa3af;--faint:#6b7280;
--line:#2a3039;--grid:#232932;--stripe:#1b2027;--waiting:#4b5563;--limit:#fb923c;--ok-bg:#12301f;--ok-ink:#6ee7a8;
--bad-bg:#3a1618;--bad-ink:#fca5a5}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
main{max-width:1180px;margin:0 auto;padding:32px 24px 48px}
header{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;gap:16px;margin-bottom:20px}
.eyebrow{font-size:12px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{margin:2px 0 4px;font-size:28px;line-height:1.2;letter-spacing:-.01em;word-break:break-all}
.path{margin:0;color:var(--muted);font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.when{margin:6px 0 0;color:var(--muted);font-size:13px}
.verdict{display:inline-flex;align-items:center;gap:8px;padding:6px 14px;border-radius:999px;font-weight:600}
.verdict.ok{background:var(--ok-bg);color:var(--ok-ink)}.verdict.bad{background:var(--bad-bg);color:var(--bad-ink)}
.verdict::before{content:"";width:8px;height:8px;border-radius:50%;background:currentColor}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:12px;margin:0 0 20px;padding:0}
.stat-card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 16px}
.stat-card dt{font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.stat-card dd{margin:2px 0 0;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
section{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:18px 20px 14px;margin-bottom:20px;
box-shadow:0 1px 2px rgba(16,24,40,.04)}
section h2{margin:0 0 4px;font-size:16px}
section .sub{margin:0 0 10px;color:var(--muted);font-size:13px}
.head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:8px}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;margin:0 0 8px;padding:0;font-size:12px;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:14px;height:10px;border-radius:3px}
.lifeline-swatch{height:2px;background:var(--waiting)}
.chart{display:block;width:100%;min-width:820px;height:auto;overflow:visible}
.chart text{font-size:11px;fill:var(--muted)}
.chart .tick{fill:var(--faint);font-variant-numeric:tabular-nums}
.chart .grid{stroke:var(--grid);stroke-width:1}
.chart .stripe{fill:var(--stripe)}
.chart .job{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:var(--ink)}
.chart .unrun .job{fill:var(--muted);font-style:italic}
.chart .lifeline{stroke:var(--waiting);stroke-width:2;stroke-linecap:round}
.chart .ready{fill:var(--waiting)}
.chart .bar{stroke:rgba(0,0,0,.08);stroke-width:1}
.chart .bar:hover,.chart .marker:hover{filter:brightness(1.1);stroke:var(--ink)}
.chart .bar-label{fill:#fff;font-size:11px;font-weight:600;pointer-events:none;font-variant-numeric:tabular-nums}
.chart .note{font-size:11px;font-style:italic}
.chart .plain{fill:var(--card)}
.chart .lifeline.unrun{stroke-dasharray:3 4}
.chart .resource{font-size:14px;font-weight:650;fill:var(--ink)}
.chart .stat{font-size:12px}
.chart .area{fill:var(--c);fill-opacity:.18}
.chart .line{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round}
.chart .axis{stroke:var(--faint);stroke-width:1}
.chart .limit{stroke:var(--limit);stroke-width:1.5;stroke-dasharray:6 4}
.chart .limit-label{fill:var(--limit);font-weight:600}
.util+.util{margin-top:10px;padding-top:10px;border-top:1px dashed var(--line)}
.st-completed{fill:var(--completed);background:var(--completed)}.st-failed{fill:var(--failed);background:var(--failed)}
.st-timed-out{fill:var(--timed-out);background:var(--timed-out)}.st-cancelled{fill:var(--cancelled);background:var(--cancelled)}
.st-skipped{fill:var(--skipped);background:var(--skipped)}.st-running{fill:var(--running);background:var(--running)}
.st-waiting,.st-queued,.st-backoff{fill:var(--waiting);background:var(--waiting)}
.chart .st-failed-text{fill:var(--failed)}.chart .st-timed-out-text{fill:var(--timed-out)}
table{width:100%;border-collapse:collapse;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;padding:8px 10px;border-bottom:1px solid var(--line)}
td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover{background:var(--stripe)}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name,td.devices{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:break-word}
td.why{color:var(--muted);max-width:380px}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.scroll{overflow-x:auto}
footer{color:var(--faint);font-size:12px;text-align:center;margin-top:8px}
@media print{body{background:#fff}section{box-shadow:none;break-inside:avoid}}
`;

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
  const attempts = record.jobs.reduce((sum, j) => sum + j.attempts.length, 0);
  const resources = resourcesOf(record);

  const cards = [
    `<div class="stat-card"><dt>Duration</dt><dd>${esc(formatDuration(record.durationMs))}</dd></div>`,
    `<div class="stat-card"><dt>Jobs</dt><dd>${record.jobs.length}</dd></div>`,
    `<div class="stat-card"><dt>Attempts</dt><dd>${attempts}</dd></div>`,
    ...countsByState(record).map(
      ([state, count]) =>
        `<div class="stat-card"><dt><span class="swatch ${stateClass(state)}"></span>${esc(stateLabel(state))}</dt><dd>${count}</dd></div>`,
    ),
  ];

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
<style>${CSS}</style>
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
<dl class="stats">${cards.join('')}</dl>
<section>
<div class="head"><h2>Timeline</h2>${legend(record)}</div>
<p class="sub">One row per job, one bar per attempt; hover a bar for its details.</p>
<div class="scroll">${gantt(record, scale)}</div>
</section>
<section>
<h2>Resource utilization</h2>
<p class="sub">In use over time against the limit${limits ? ` (${esc(limits)})` : ''}.</p>
${resources.length === 0 ? '<p class="sub">No resources.</p>' : `<div class="scroll">${resources.map((r, i) => utilization(record, scale, r, i)).join('\n')}</div>`}
</section>
<section>
<h2>Jobs</h2>
<div class="scroll">${table(record)}</div>
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
