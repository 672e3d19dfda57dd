import { describe, expect, it } from 'vitest';
import { type EtlOptions, type EtlReport, lcg, main } from '../../examples/etl.js';
import { runOnFakeClock } from './helpers.js';

/** Runs the demo on the fake clock until it resolves. */
const runDemo = (options: EtlOptions = {}): Promise<EtlReport> =>
  runOnFakeClock(() => main({ log: () => {}, ...options }), { stepMs: 10, maxSteps: 500 });

/** Every invariant of the ETL run (listed below), for one run. */
function checkInvariants(report: EtlReport): void {
  // Exactly 30 FINALs, one per task.
  expect(report.finals).toHaveLength(30);
  expect(new Set(report.finals).size).toBe(30);
  // Per record: extract ends before transform starts, which ends before load starts.
  for (let i = 1; i <= 10; i++) {
    const [e, t, l] = ['extract', 'transform', 'load'].map((s) => report.spans.get(`${s}-${i}`));
    expect(t?.start).toBeGreaterThanOrEqual(e?.end as number);
    expect(l?.start).toBeGreaterThanOrEqual(t?.end as number);
    const order = ['extract', 'transform', 'load'].map((s) => report.finals.indexOf(`${s}-${i}`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
  // Resource use, tracked from inside the tasks, never exceeds a limit at any moment.
  for (const sample of report.samples) {
    for (const [r, limit] of Object.entries(report.limits)) {
      expect(sample.use[r]).toBeLessThanOrEqual(limit);
      expect(sample.use[r]).toBeGreaterThanOrEqual(0);
    }
    expect(sample.running.transform).toBeLessThanOrEqual(3);
    expect(sample.running.load).toBeLessThanOrEqual(2);
  }
  // The first fill starts exactly 4 extracts (io 8 / 2), and the fifth does not overtake.
  expect(report.firstFill).toEqual(['extract-1', 'extract-2', 'extract-3', 'extract-4']);
  // The last FINAL is a load; all capacity is back.
  expect(report.finals.at(-1)).toMatch(/^load-/);
  expect(report.finalAvailable).toEqual(report.limits);
}

describe('examples/etl.ts', () => {
  it('stage order, resource limits, first fill and full release all hold for the default seed', async () => {
    const report = await runDemo();
    checkInvariants(report);
    expect(report.peakRunning.transform).toBeLessThanOrEqual(3);
    expect(report.peakRunning.load).toBeLessThanOrEqual(2);
    expect(report.lines).toContain(
      '30 FINALs in ' +
        `${Math.round(report.makespan)} ms; the first fill started extract-1, extract-2, extract-3, extract-4`,
    );
  });

  it('stage order, resource limits, first fill and full release all hold for other seeds too', async () => {
    for (const seed of [1, 7, 42, 99, 12345]) checkInvariants(await runDemo({ rng: lcg(seed) }));
  });

  it('the durations all lie in 50-150 ms', async () => {
    const report = await runDemo();
    for (const { start, end } of report.spans.values()) {
      expect(end - start).toBeGreaterThanOrEqual(50);
      expect(end - start).toBeLessThanOrEqual(150);
    }
  });

  it('an aged extract reaches 11 at 1000 ms and 21 at the cap, and beats a fresh load', async () => {
    const { aging, lines } = await runDemo();
    expect(aging).toEqual({ at1000: 11, capped: 21, servedAt1000: 'extract', servedAtCap: 'extract' });
    expect(lines.some((l) => l.includes('is at 11 > a fresh load'))).toBe(true);
  });
});
