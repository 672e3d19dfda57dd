import { describe, expect, it } from 'vitest';
import { main } from '../../examples/hierarchy.js';

describe('examples/hierarchy.ts', () => {
  const report = main(() => {});

  it('seed version: teamB cannot take 5, and its own limit is what rejects it, not the global one', () => {
    expect(report.seed.teamBCanAcquire5).toBe(false);
    expect(report.seed.teamBLocalAvailable).toBe(4);
    expect(report.seed.globalAvailable).toBe(4);
    expect(report.seed.teamBCanAcquire4).toBe(true);
  });

  it('docs version: with teamA holding 6 of the cluster 8, teamB can acquire 2 but not 3', () => {
    expect(report.docs).toEqual({ clusterAvailable: 2, teamBCanAcquire2: true, teamBCanAcquire3: false });
  });

  it('setLimits 7 then 6 with 6 held gives available 1 then 0', () => {
    expect(report.setLimits).toEqual({
      raised: { limit: 7, available: 1 },
      lowered: { limit: 6, available: 0 },
    });
  });

  it('balancer: limits stay within [3, 6] and every step is one GPU, a full period after the last', () => {
    const { steps } = report.balancer;
    expect(steps.length).toBeGreaterThan(0);
    let prev = { t: Number.NEGATIVE_INFINITY, teamA: 6, teamB: 6 };
    for (const step of steps) {
      for (const limit of [step.teamA, step.teamB]) {
        expect(limit).toBeGreaterThanOrEqual(3);
        expect(limit).toBeLessThanOrEqual(6);
      }
      expect(Math.abs(step.teamA - prev.teamA)).toBeLessThanOrEqual(1);
      expect(Math.abs(step.teamB - prev.teamB)).toBeLessThanOrEqual(1);
      expect(step.t - prev.t).toBeGreaterThanOrEqual(5000);
      prev = step;
    }
  });

  it('balancer: idle teamB shrinks to its min while saturated teamA cannot grow past max 6', () => {
    const { steps } = report.balancer;
    expect(steps.every((s) => s.teamA <= 6)).toBe(true);
    expect(steps.map((s) => s.teamB).slice(0, 3)).toEqual([5, 4, 3]);
  });

  it('balancer: min is not a reservation (a team at its min cannot take what its sibling holds) and limits may add up to more than the parent', () => {
    expect(report.balancer.teamBAtMinCanAcquire3).toBe(false);
    expect(report.balancer.final).toEqual({ teamA: 3, teamB: 6, cluster: 8 });
    expect(report.balancer.teamAAtMinCanAcquire3).toBe(false);
  });

  it('prints one line per reported value', () => {
    expect(report.lines.length).toBeGreaterThanOrEqual(10);
    expect(report.lines.some((l) => l.includes('teamB.canAcquire({gpu:5})=false'))).toBe(true);
  });
});
