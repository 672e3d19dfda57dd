import { formatElapsed } from './format-time.js';
import type { LiveJob, LiveState } from './live-state.js';

const FULL = '█';
const EMPTY = '░';
const ELLIPSIS = '…';

/**
 * The live area of the TTY view, as text without a trailing newline: a header with the counts and the elapsed
 * time, a gauge per resource (in use / limit), then one line per running job (name, progress bar or latest value,
 * elapsed time of the attempt, attempt number when it is a retry, devices). No line is wider than `width`.
 *
 * @param state - what the run has done so far
 * @param width - terminal columns (at least 20 are assumed)
 * @param nowMs - ms since the run began
 * @param maxRows - most lines to produce; running jobs beyond it are summed up in a last line
 */
export function renderFrame(
  state: LiveState,
  width: number,
  nowMs: number,
  maxRows = Number.POSITIVE_INFINITY,
): string {
  const w = Math.max(20, Math.floor(width));
  const lines = [header(state, nowMs), ...gauges(state, w)];
  const running = state.running();
  const rows = runningRows(running, w, nowMs);
  const room = maxRows - lines.length;
  if (rows.length <= room) lines.push(...rows);
  else if (room > 0) {
    lines.push(...rows.slice(0, room - 1), `  ${ELLIPSIS} and ${rows.length - (room - 1)} more running`);
  }
  return lines
    .slice(0, Math.max(1, maxRows))
    .map((l) => truncate(l, w))
    .join('\n');
}

/**
 * The permanent line for a job that ended, printed once above the live area: `✓ name 12.3s` when it completed,
 * `✗ name failed: why` (or `timed-out`, `cancelled`, `skipped`) otherwise. At most `width` columns.
 */
export function finishedLine(job: LiveJob, width: number): string {
  const tries = job.attempt > 1 ? ` (${job.attempt} attempts)` : '';
  const text =
    job.state === 'completed'
      ? `✓ ${job.name} ${formatElapsed(job.runMs)}${tries}`
      : `✗ ${job.name} ${job.state}${tries}${job.error === undefined ? '' : `: ${oneLine(job.error)}`}`;
  return truncate(text, Math.max(20, Math.floor(width)));
}

/** `text` cut to `width` columns, with `…` as its last column when it was cut. */
export function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}${ELLIPSIS}`;
}

/** A bar of `cells` columns filled in proportion to `value / max`; never full before `max`, never empty above 0. */
export function bar(value: number, max: number, cells: number): string {
  const ratio = max > 0 ? value / max : 0;
  let filled: number;
  if (!(ratio > 0)) filled = 0;
  else if (ratio >= 1) filled = cells;
  else filled = Math.min(cells - 1, Math.max(1, Math.round(ratio * cells)));
  return FULL.repeat(filled) + EMPTY.repeat(cells - filled);
}

function header(state: LiveState, nowMs: number): string {
  const c = state.counts();
  const parts = [`allot ${formatElapsed(nowMs)}`, `${c.queued} queued`];
  if (c.waiting > 0) parts.push(`${c.waiting} waiting`);
  parts.push(`${c.running} running`, `${c.done}/${c.total} done`, `${c.failed} failed`);
  if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
  return parts.join(' · ');
}

function gauges(state: LiveState, width: number): string[] {
  const names = [...new Set([...Object.keys(state.limits), ...Object.keys(state.inUse)])];
  if (names.length === 0) return [];
  const amounts = names.map((r) => `${amount(state.inUse[r] ?? 0)}/${amount(state.limits[r] ?? 0)}`);
  const labelW = Math.min(16, Math.max(...names.map((n) => Array.from(n).length)));
  const amountW = Math.max(...amounts.map((a) => a.length));
  // Two-space indent, label, space, brackets, space, amount.
  const cells = Math.max(4, Math.min(20, width - 2 - labelW - 1 - 2 - 1 - amountW));
  return names.map((r, i) => {
    const label = truncate(r, labelW).padEnd(labelW);
    return `  ${label} [${bar(state.inUse[r] ?? 0, state.limits[r] ?? 0, cells)}] ${amounts[i]}`;
  });
}

function runningRows(jobs: readonly LiveJob[], width: number, nowMs: number): string[] {
  if (jobs.length === 0) return [];
  const cells = Math.max(8, Math.min(24, Math.floor(width / 6)));
  const hasBar = jobs.some((j) => j.total !== undefined);
  const raws = jobs.map((j) => (j.total === undefined && j.value !== undefined ? amount(j.value) : ''));
  // The progress column: `[bar] 100%` when any job has a total, else as wide as the widest raw value.
  const progW = Math.max(hasBar ? cells + 2 + 5 : 0, ...raws.map((r) => r.length));
  const tails = jobs.map(tail);
  const longestName = Math.max(...jobs.map((j) => Array.from(j.name).length));
  const longestTail = Math.max(...tails.map((t) => t.length));
  // Indent, name, progress column, elapsed time (6 wide); the tail is cut first when space runs out.
  const fixed = 2 + (progW > 0 ? 2 + progW : 0) + 2 + 6;
  const nameW = Math.min(longestName, Math.max(8, width - fixed - Math.min(longestTail, 16)));
  return jobs.map((j, i) => {
    const name = truncate(j.name, nameW).padEnd(nameW);
    let progress = '';
    if (j.total !== undefined) {
      const value = j.value ?? 0;
      const pct = j.total > 0 ? Math.floor(Math.min(1, Math.max(0, value / j.total)) * 100) : 0;
      progress = `[${bar(value, j.total, cells)}] ${`${pct}%`.padStart(4)}`;
    } else progress = (raws[i] ?? '').padStart(hasBar ? cells + 2 : progW);
    const prog = progW > 0 ? `  ${progress.padEnd(progW)}` : '';
    const elapsed = formatElapsed(nowMs - (j.startMs ?? nowMs)).padStart(6);
    return `  ${name}${prog}  ${elapsed}${tails[i]}`;
  });
}

/** Attempt (when it is a retry) and devices, e.g. ` try 2 gpu 0,1`. */
function tail(job: LiveJob): string {
  let out = job.attempt > 1 ? `  try ${job.attempt}` : '';
  for (const [resource, ids] of Object.entries(job.devices)) {
    if (ids.length > 0) out += `  ${resource} ${ids.join(',')}`;
  }
  return out;
}

/** An amount with at most two decimals, without trailing zeros. */
function amount(n: number): string {
  return String(Number(n.toFixed(2)));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
