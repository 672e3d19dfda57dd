import type { RunRecord } from '../run/run-record.js';
import { formatTick, timeTicks } from './format-time.js';
import { esc } from './report-html.js';

// Layout of every chart, in SVG user units. The Gantt and the utilization charts share the gutter and the
// time scale, so a moment lines up vertically across all of them.

/** Width of every chart. */
export const WIDTH = 1120;
/** Room left of the plot for the row and axis labels. */
export const GUTTER = 220;
const RIGHT = 32;
/** Width of the time axis itself. */
export const PLOT = WIDTH - GUTTER - RIGHT;

/** SVG coordinates with at most two decimals: enough for a screen, and a smaller file. */
export const n = (v: number): string => String(Math.round(v * 100) / 100);

/** The time axis every chart shares. */
export interface Scale {
  /** The time the plot's right edge shows, ms. */
  endMs: number;
  x(ms: number): number;
  ticks: number[];
  stepMs: number;
}

/** Spans everything the record saw, not just its duration, so a late sample or attempt is not cut off. */
export function scaleOf(record: RunRecord): Scale {
  let endMs = Math.max(1, record.durationMs);
  for (const job of record.jobs) for (const a of job.attempts) endMs = Math.max(endMs, a.endMs ?? a.startMs);
  for (const s of record.usage) endMs = Math.max(endMs, s.timeMs);
  for (const p of record.progress) endMs = Math.max(endMs, p.timeMs);
  const { stepMs, ticks } = timeTicks(endMs, Math.floor(PLOT / 110));
  return { endMs, x: (ms) => GUTTER + (Math.min(Math.max(ms, 0), endMs) / endMs) * PLOT, ticks, stepMs };
}

/** Grid lines from `top` to `bottom` and tick labels at `labelY`, the same ticks in every chart. */
export function xAxis(scale: Scale, top: number, bottom: number, labelY: number): string {
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
