import type { RunRecord, UsageSample } from '../run/run-record.js';
import { amount, clip, esc } from './report-html.js';
import { GUTTER, n, PLOT, type Scale, WIDTH, xAxis } from './report-svg.js';

// One utilization chart, in SVG user units: room above for the limit label, below for the time axis.
const CHART_TOP = 16;
const CHART_PLOT = 96;
const CHART_BOTTOM = 28;

const PALETTE = ['#6366f1', '#0ea5a4', '#f59e0b', '#ec4899', '#3b82f6', '#84cc16', '#a855f7', '#ef4444'];

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

/**
 * One resource's step chart of what was in use against its limit, with its peak and time-weighted mean. The
 * `index` picks its colour, so charts side by side stay apart; the chart is `[data-resource]`.
 */
export function utilizationSvg(record: RunRecord, scale: Scale, resource: string, index: number): string {
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

/** Limited resources in the limits' order, then any seen only in usage samples: those get a chart too. */
export function resourcesOf(record: RunRecord): string[] {
  const names = Object.keys(record.limits);
  for (const s of record.usage)
    for (const name of Object.keys(s.inUse)) if (!names.includes(name)) names.push(name);
  return names;
}
