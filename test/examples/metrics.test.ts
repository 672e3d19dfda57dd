import { describe, expect, it } from 'vitest';
import { importQuietly } from './helpers.js';

// Imported dynamically so we can check that importing the example does not run it.
const {
  module: { main },
  printedOnImport,
} = await importQuietly(() => import('../../examples/metrics.js'));

describe('examples/metrics.ts (corrected totals)', () => {
  const lines: string[] = [];
  const result = main((line) => lines.push(line));

  it('importing the example does not run it; main() prints through the given log', () => {
    expect(printedOnImport).toBe(0);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('Demo 2: 6 accepted, 3 rejected, 6 releases; drained pool shows inFlight 0 and utilization 0', () => {
    const { accepted, rejected, snapshot: s } = result.demo2;
    expect({ accepted, rejected }).toEqual({ accepted: 6, rejected: 3 });
    expect(s.totals).toMatchObject({ acquireAccepted: 6, acquireRejected: 3, release: 6, setLimits: 1 });
    expect(s.inFlightByResource.slots).toBe(0);
    expect(s.utilizationByResource.slots).toBe(0);
    expect(s.requestedRejectedByResource.slots).toBe(3);
    expect(s.rates.acquireAcceptedPerSec).toMatchObject({ count: 6, avg: 1 });
    expect(s.rates.acquireRejectedPerSec).toMatchObject({ count: 3, avg: 1 });
    expect(s.rates.releasePerSec).toMatchObject({ count: 6, avg: 1 });
    expect(lines).toContain('  Final tally: 6 accepted, 3 rejected');
  });

  it('Demo 3: 6 sequential batches never rejected, 18 items with pool-utilization 0, totals 6/0/6', () => {
    const { items, snapshot: s } = result.demo3;
    expect(items).toHaveLength(18);
    expect(new Set(items.map((i) => i.batch))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(items.every((i) => i.poolUtilization === 0)).toBe(true);
    expect(s.totals).toMatchObject({ acquireAccepted: 6, acquireRejected: 0, release: 6 });
    expect(s.inFlightByResource.slots).toBe(0);
    expect(s.requestedRejectedByResource).toEqual({});
  });

  it('does not print the original documentation numbers, and labels counts as events, not ms', () => {
    const text = lines.join('\n');
    expect(text).not.toMatch(/\b50 (accepted|releases)\b/);
    expect(text).not.toContain('50.0/s');
    expect(text).not.toMatch(/count=\d+ ?ms/);
    expect(text).toContain('count=6 avg=1.00');
  });
});
