import { beforeAll, describe, expect, it } from 'vitest';
import { type DiamondReport, main } from '../../examples/diamond.js';
import { runOnFakeClock } from './helpers.js';

/** Runs the demo on the fake clock until it resolves. */
const runDemo = (): Promise<DiamondReport> =>
  runOnFakeClock(() => main({ log: () => {} }), { stepMs: 10, maxSteps: 100 });

describe('examples/diamond.ts', () => {
  let report: DiamondReport;
  beforeAll(async () => {
    report = await runDemo();
  });

  it('FINALs arrive in the order A, B, C, D (B always before C: FIFO tie-break, C does not fit beside B)', () => {
    expect(report.finals.map((f) => f.key)).toEqual(['A', 'B', 'C', 'D']);
    expect(report.lines.at(-1)).toMatch(/^order: A, B, C, D; about \d+ ms$/);
  });

  it('taskId is numeric, so the lines read "[DONE] 1: A done", not "[DONE] A: A done"', () => {
    for (const f of report.finals) expect(typeof f.taskId).toBe('number');
    expect(report.finals.map((f) => f.taskId)).toEqual([1, 2, 3, 4]);
    expect(report.lines.slice(0, 4)).toEqual([
      '[DONE] 1: A done',
      '[DONE] 2: B done',
      '[DONE] 3: C done',
      '[DONE] 4: D done',
    ]);
  });

  it('B and C never overlap (4 + 6 GB > 8 GB)', () => {
    const b = report.spans.find((s) => s.key === 'B');
    const c = report.spans.find((s) => s.key === 'C');
    expect(b).toBeDefined();
    expect(c).toBeDefined();
    expect(c?.start).toBeGreaterThanOrEqual(b?.end as number);
  });

  it('the bridge frees dependents; each task starts after all its dependencies ended', () => {
    const span = (key: string) => report.spans.find((s) => s.key === key);
    expect(report.spans).toHaveLength(4);
    expect(span('B')?.start).toBeGreaterThanOrEqual(span('A')?.end as number);
    expect(span('C')?.start).toBeGreaterThanOrEqual(span('A')?.end as number);
    expect(span('D')?.start).toBeGreaterThanOrEqual(Math.max(span('B')?.end ?? 0, span('C')?.end ?? 0));
  });

  it('runs strictly in sequence on the ideal clock (100 + 200 + 150 + 50 ms) and returns all capacity', () => {
    expect(report.makespan).toBe(500);
    expect(report.finalAvailable).toEqual({ capacity: 2, memory_gb: 8 });
  });
});
