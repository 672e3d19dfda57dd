const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * A duration for people: `850 ms`, `12.3 s`, `2m 05s`, `1h 02m`. Rounds to the shown precision first, so
 * 59.96 s reads `1m 00s` rather than `60.0 s`. Anything not a finite number reads `—`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const t = Math.max(0, ms);
  if (Math.round(t) < SECOND) return `${Math.round(t)} ms`;
  const tenths = Math.round(t / 100) / 10;
  if (tenths < 60) return `${tenths.toFixed(1)} s`;
  const seconds = Math.round(t / SECOND);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad2(seconds % 60)}s`;
  const minutes = Math.round(t / MINUTE);
  return `${Math.floor(minutes / 60)}h ${pad2(minutes % 60)}m`;
}

// Steps a time axis may use: round numbers in each unit, so ticks land on times people would pick.
const STEPS = [
  1,
  2,
  5,
  10,
  20,
  25,
  50,
  100,
  200,
  250,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  20 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  20 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];

/**
 * Ticks for a time axis from 0 to `spanMs`: the smallest round step that gives at most `maxTicks` intervals,
 * and every multiple of it up to `spanMs`.
 */
export function timeTicks(spanMs: number, maxTicks = 8): { stepMs: number; ticks: number[] } {
  const span = Number.isFinite(spanMs) && spanMs > 0 ? spanMs : 1;
  const limit = Math.max(1, maxTicks);
  let stepMs = STEPS.find((s) => span / s <= limit);
  if (stepMs === undefined) {
    const day = 24 * HOUR;
    stepMs = Math.ceil(span / limit / day) * day;
  }
  const ticks: number[] = [];
  // The tolerance keeps the last tick when floating-point error leaves it a hair past the span.
  for (let i = 0; i * stepMs <= span + stepMs * 1e-9; i++) ticks.push(i * stepMs);
  return { stepMs, ticks };
}

/**
 * A label for an axis tick at `ms` on an axis stepping by `stepMs`: `0`, `250 ms`, `1.5 s`, `45 s`, `2m`,
 * `2m 30s`, `1h`, `1h 30m`. Shows as many decimals as the step needs and no more.
 */
export function formatTick(ms: number, stepMs: number): string {
  if (ms === 0) return '0';
  if (ms < SECOND) return `${Math.round(ms)} ms`;
  if (ms < MINUTE) {
    const step = stepMs / SECOND;
    const decimals = [0, 1, 2].find((d) => Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) ?? 3;
    return `${(ms / SECOND).toFixed(decimals)} s`;
  }
  if (ms < HOUR) {
    const seconds = Math.round(ms / SECOND);
    const rest = seconds % 60;
    return rest === 0 ? `${Math.floor(seconds / 60)}m` : `${Math.floor(seconds / 60)}m ${pad2(rest)}s`;
  }
  const minutes = Math.round(ms / MINUTE);
  const rest = minutes % 60;
  return rest === 0 ? `${Math.floor(minutes / 60)}h` : `${Math.floor(minutes / 60)}h ${pad2(rest)}m`;
}

/**
 * Compact elapsed time for terminal lines, where columns are scarce: `12.3s`, `2m05s`, `1h02m`.
 */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 59.95) return `${s.toFixed(1)}s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad2(whole % 60)}s`;
  const minutes = Math.floor(whole / 60);
  return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`;
}
