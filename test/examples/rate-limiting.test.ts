import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main, type RateLimitReport } from '../../examples/rate-limiting.js';
import { runOnFakeClock } from './helpers.js';

/** Runs all three demos on the fake clock (about 9 s of it) and records what timers are left. */
async function runDemo(): Promise<{ report: RateLimitReport; timersLeft: number }> {
  let timersLeft = Number.NaN;
  const report = await runOnFakeClock(() => main({ log: () => {} }), {
    stepMs: 100,
    maxSteps: 300,
    settled: () => {
      timersLeft = vi.getTimerCount();
    },
  });
  return { report, timersLeft };
}

describe('examples/rate-limiting.ts', () => {
  let report: RateLimitReport;
  let timersLeft: number;
  beforeAll(async () => {
    ({ report, timersLeft } = await runDemo());
  });

  it('stops every timer it started (quota timers and the keep-alive)', () => {
    expect(timersLeft).toBe(0);
  });

  describe('Demo 1: fixed window, 10 per 2 s, 35 requests', () => {
    it('FINALs come in batches of 10, 10, 10, 5, one batch per window', () => {
      const { batches, windows, finals } = report.demo1;
      expect(finals).toHaveLength(35);
      expect(batches).toEqual([10, 10, 10, 5]);
      expect(windows).toBe(4);
      expect(report.lines).toContain('done: 35 requests across 4 windows (batches 10, 10, 10, 5)');
    });

    it('each batch starts only after a reset, and finishes within its window', () => {
      const { starts, finals } = report.demo1;
      expect(starts).toHaveLength(35);
      for (const s of starts) expect(s.window).toBe(Math.floor(s.index / 10));
      // Windows are entered in order: no start in window k after one in window k+1.
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]?.window).toBeGreaterThanOrEqual(starts[i - 1]?.window as number);
      }
      const startWindow = new Map(starts.map((s) => [s.key, s.window]));
      for (const f of finals) expect(f.window).toBe(startWindow.get(f.key));
    });

    it('release gives nothing back, so remaining is 0, 0, 0, 5 at batch ends', () => {
      const { finals } = report.demo1;
      const lastOfWindow = [0, 1, 2, 3].map((w) => finals.filter((f) => f.window === w).at(-1));
      expect(lastOfWindow.map((f) => f?.available.requests)).toEqual([0, 0, 0, 5]);
      // All of a full window is acquired before any of it completes: never 9, 8, … .
      for (const f of finals) expect(f.available.requests).toBe(f.window < 3 ? 0 : 5);
    });

    it('pending is 25, 15, 5, 0 and always tasks.length - started', () => {
      const { finals, firstPeekWindow } = report.demo1;
      const pendingByWindow = [0, 1, 2, 3].map((w) => [
        ...new Set(finals.filter((f) => f.window === w).map((f) => f.pending)),
      ]);
      expect(pendingByWindow).toEqual([[25], [15], [5], [0]]);
      for (const f of finals) expect(f.pending).toBe(35 - f.startedSoFar);
      // req-11, -21, -31 were peeked while the quota was empty, in the window before they ran, and stayed pending.
      expect([10, 20, 30].map((i) => firstPeekWindow[i])).toEqual([0, 1, 2]);
    });
  });

  describe('Demo 2: token bucket, 8 tokens, +2 every 500 ms, 20 tasks', () => {
    it('8 start at once, then at most 2 per refill, 20 in all', () => {
      const { startsPerRefill, starts, finals } = report.demo2;
      expect(starts).toHaveLength(20);
      expect(finals).toHaveLength(20);
      expect(startsPerRefill[0]).toBe(8);
      for (const n of startsPerRefill.slice(1)) expect(n).toBeLessThanOrEqual(2);
      expect(startsPerRefill.reduce((a, b) => a + b, 0)).toBe(20);
      // The last two start at the sixth refill (t = 3.0 s): no refill is wasted while tasks wait.
      expect(starts.at(-1)?.window).toBe(6);
      expect(startsPerRefill).toEqual([8, 2, 2, 2, 2, 2, 2]);
    });

    it('tokens are never negative nor above the bucket size', () => {
      const { starts, finals } = report.demo2;
      for (const m of [...starts, ...finals]) {
        expect(m.available.tokens).toBeGreaterThanOrEqual(0);
        expect(m.available.tokens).toBeLessThanOrEqual(8);
      }
      // Tokens are spent as soon as they arrive, so FINALs see an empty bucket.
      expect(finals.every((f) => f.available.tokens === 0)).toBe(true);
    });
  });

  describe('Demo 3: requests and bandwidth quotas, 15 tasks', () => {
    it('all 15 start before the first FINAL (411 MB <= 500)', () => {
      const { events, startedBeforeFirstFinal } = report.demo3;
      expect(startedBeforeFirstFinal).toBe(15);
      expect(events.slice(0, 15).every((e) => e.kind === 'start')).toBe(true);
    });

    it('every FINAL shows requests=85 bandwidth=89MB', () => {
      const { finals } = report.demo3;
      expect(finals).toHaveLength(15);
      for (const f of finals) expect(f.available).toEqual({ requests: 85, bandwidth_mb: 89 });
      expect(report.lines.filter((l) => l.endsWith('requests=85 bandwidth=89MB'))).toHaveLength(15);
    });

    it('the 11 api FINALs precede the 4 upload FINALs', () => {
      const keys = report.demo3.finals.map((f) => f.key);
      expect(keys.slice(0, 11).every((k) => k.startsWith('api-'))).toBe(true);
      expect(keys.slice(11).sort()).toEqual(['upload-1', 'upload-13', 'upload-5', 'upload-9']);
    });

    it('bandwidth was not the bottleneck, and the output says so', () => {
      const { peakBandwidth, bandwidthLimit } = report.demo3;
      expect(peakBandwidth).toBe(411);
      expect(peakBandwidth).toBeLessThan(bandwidthLimit);
      expect(report.lines.some((l) => l.includes('bandwidth was NOT the bottleneck'))).toBe(true);
    });
  });
});
