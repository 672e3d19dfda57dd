import { beforeAll, describe, expect, it } from 'vitest';
import { type AdaptiveReport, lcg, main } from '../../examples/adaptive-capacity.js';
import { runOnFakeClock } from './helpers.js';

/** Runs the demo on the fake clock until it resolves. */
const runDemo = (): Promise<AdaptiveReport> =>
  runOnFakeClock(() => main({ log: () => {} }), { stepMs: 100, maxSteps: 100 });

describe('examples/adaptive-capacity.ts', () => {
  let report: AdaptiveReport;
  beforeAll(async () => {
    report = await runDemo();
  });

  it('draws 24 durations in [80, 300) from the seed-11 LCG', () => {
    expect(report.durations).toHaveLength(24);
    for (const d of report.durations) {
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(80);
      expect(d).toBeLessThan(300);
    }
    const rng = lcg(11);
    expect(report.durations[0]).toBe(80 + Math.floor(rng() * 220));
  });

  it('completes all 24 jobs and says so on the last line', () => {
    expect(report.completed).toBe(24);
    expect(report.lines.at(-1)).toMatch(/^\[done\] completed=24 finalAvailable=\{"slots":\d+\}$/);
  });

  it('concurrency never exceeds 6 - reserved, checked at every job start and control action', () => {
    expect(report.samples.length).toBeGreaterThanOrEqual(24);
    for (const s of report.samples) expect(s.running).toBeLessThanOrEqual(s.effective);
    expect(report.worstOverrun).toBeLessThanOrEqual(0);
    expect(report.peakRunning).toBeLessThanOrEqual(6);
  });

  it('the effective capacity ramps up, then down', () => {
    const effective = report.ticks.map((t) => t.effective);
    const peak = Math.max(...effective);
    const firstPeak = effective.indexOf(peak);
    expect(peak).toBeGreaterThan(3);
    // Non-decreasing up to the peak, non-increasing after it, and it does come down.
    for (let i = 1; i <= firstPeak; i++)
      expect(effective[i]).toBeGreaterThanOrEqual(effective[i - 1] as number);
    for (let i = firstPeak + 1; i < effective.length; i++) {
      expect(effective[i]).toBeLessThanOrEqual(effective[i - 1] as number);
    }
    expect(effective.at(-1)).toBeLessThan(peak);
    const actions = report.ticks.flatMap((t) => (t.action === undefined ? [] : [t.action]));
    expect(actions[0]).toBe('scale-up');
    expect(actions.at(-1)).toBe('scale-down');
  });

  it('the action is logged before the status, and the status shows the effective capacity after it', () => {
    const ctrl = report.lines.filter((l) => l.startsWith('[ctrl]'));
    expect(ctrl[0]).toMatch(/^\[ctrl\] scale-up -> effective=4$/);
    expect(ctrl[1]).toMatch(/^\[ctrl\] backlog=(24|23) completed=0 effective=4$/);
    for (let i = 0; i < ctrl.length; i++) {
      const action = /-> effective=(\d+)$/.exec(ctrl[i] as string);
      if (action !== null)
        expect(ctrl[i + 1]).toMatch(new RegExp(`^\\[ctrl\\] backlog=.* effective=${action[1]}$`));
    }
  });

  it('finalAvailable is JSON and equals 6 - reserved at the end, not 6', () => {
    expect(report.reservedFinal).toBeGreaterThan(0);
    expect(report.finalAvailable).toEqual({ slots: 6 - report.reservedFinal });
    expect(report.lines.at(-1)).toBe(
      `[done] completed=24 finalAvailable={"slots":${6 - report.reservedFinal}}`,
    );
  });

  it('backlog only falls and completed only grows from tick to tick', () => {
    for (let i = 1; i < report.ticks.length; i++) {
      const [a, b] = [report.ticks[i - 1], report.ticks[i]] as const;
      expect(b?.backlog).toBeLessThanOrEqual(a?.backlog as number);
      expect(b?.completed).toBeGreaterThanOrEqual(a?.completed as number);
    }
  });
});
