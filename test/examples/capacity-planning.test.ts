import { describe, expect, it } from 'vitest';
import { main } from '../../examples/capacity-planning.js';

describe('capacity planning example', () => {
  it('prints a table whose answer matches its rows, the same on every run', async () => {
    const lines: string[] = [];
    const rows = await main((line) => lines.push(line));
    for (const r of rows) {
      expect(r.backfillHours).toBeLessThanOrEqual(r.fifoHours + 1e-9);
      for (const u of [r.gpuBusy, r.cpuBusy]) {
        expect(u).toBeGreaterThan(0);
        expect(u).toBeLessThanOrEqual(1);
      }
    }
    // More of a resource never makes the batch slower, all else equal.
    for (const a of rows)
      for (const b of rows)
        if (b.gpu >= a.gpu && b.cpu >= a.cpu)
          expect(b.backfillHours).toBeLessThanOrEqual(a.backfillHours + 1e-9);
    const first = rows.find((r) => r.meetsGoal);
    expect(first).toBeDefined();
    expect(lines.at(-1)).toBe(
      `Smallest budget in the table under 6 h: ${first?.gpu} GPUs and ${first?.cpu} CPUs (backfill).`,
    );
    expect(await main(() => {})).toEqual(rows);
  });
});
