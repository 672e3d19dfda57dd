import { beforeAll, describe, expect, it } from 'vitest';
import { lcg, main, type RoutingReport } from '../../examples/priority-routing.js';
import { runOnFakeClock } from './helpers.js';

/** Runs the demo on the fake clock until it resolves. */
const runDemo = (): Promise<RoutingReport> =>
  runOnFakeClock(() => main({ log: () => {} }), { stepMs: 10, maxSteps: 1000 });

const names = (tier: string, count: number) => Array.from({ length: count }, (_, i) => `${tier}-${i + 1}`);

describe('examples/priority-routing.ts', () => {
  let report: RoutingReport;
  beforeAll(async () => {
    report = await runDemo();
  });

  it('the start order is premium-1…5, standard-1…10, free-1…15, strictly', () => {
    expect(report.starts).toEqual([...names('premium', 5), ...names('standard', 10), ...names('free', 15)]);
  });

  it('the first 4 requests started are premium', () => {
    expect(report.starts.slice(0, 4).every((k) => k.startsWith('premium-'))).toBe(true);
  });

  it('30 FINALs, one per request, never more than 4 running', () => {
    expect(report.completions).toHaveLength(30);
    expect(new Set(report.completions.map((c) => c.key)).size).toBe(30);
    expect(report.peakRunning).toBe(4);
  });

  it('latencies are 200 + floor(rng() * 300) from the seed-42 LCG, drawn in start order', () => {
    const rng = lcg(42);
    const expected = new Map(report.starts.map((key) => [key, 200 + Math.floor(rng() * 300)]));
    for (const c of report.completions) expect(c.latency).toBe(expected.get(c.key));
  });

  it('completion order is not tier order; standard-1 finishes before premium-5', () => {
    const position = (key: string) => report.completions.findIndex((c) => c.key === key);
    expect(position('standard-1')).toBeLessThan(position('premium-5'));
  });

  it('on the ideal clock, completion order and tier averages are those of seed 42 (not the original docs’ figures)', () => {
    const shown = report.completions.map((c) => `${c.key}:${c.latency}ms`);
    expect(shown.slice(0, 6)).toEqual([
      'premium-2:226ms',
      'premium-4:266ms',
      'premium-1:275ms',
      'premium-3:373ms',
      'standard-1:207ms',
      'premium-5:312ms',
    ]);
    expect(shown.at(-1)).toBe('free-14:340ms');
    expect(report.tiers.premium).toEqual({ average: 3.2, first: 1, last: 6 });
    expect(report.tiers.standard.average).toBeCloseTo(10.7, 10);
    expect(report.tiers.standard).toMatchObject({ first: 5, last: 16 });
    expect(report.tiers.free.average).toBeCloseTo(22.8, 10);
    expect(report.tiers.free).toMatchObject({ first: 13, last: 30 });
    expect(report.lines).toContain('premium  average completion position 3.2 (1–6)');
    expect(report.lines).toContain('standard average completion position 10.7 (5–16)');
    expect(report.lines).toContain('free     average completion position 22.8 (13–30)');
  });
});
