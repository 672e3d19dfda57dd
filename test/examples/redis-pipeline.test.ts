import { expect, it } from 'vitest';
import { main } from '../../examples/redis-pipeline.js';
import { describeRedis } from '../support/redis-server.js';

describeRedis('examples/redis-pipeline.ts', () => {
  it('three processes share one budget: every task runs once and the budget is never exceeded', async () => {
    const report = await main({ print: () => {} });
    expect(report.skipped).toBe(false);
    // Nine tasks, each started and ended once, in Redis's order.
    expect(report.marks).toHaveLength(18);
    const starts = report.marks.filter((m) => m.what === 'start').map((m) => m.task);
    expect(new Set(starts).size).toBe(9);
    for (const task of starts) {
      const [start, end] = report.marks.filter((m) => m.task === task);
      expect(start?.what).toBe('start');
      expect(end?.what).toBe('end');
    }
    expect(report.peak.gpu).toBeLessThanOrEqual(2);
    expect(report.peak.cpu).toBeLessThanOrEqual(3);
    expect(report.inUseAfter).toEqual({ gpu: 0, cpu: 0 });
  }, 60_000);
});
