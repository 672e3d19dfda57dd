import { beforeAll, describe, expect, it } from 'vitest';
import { main, type ReferenceReport } from '../../examples/reference-snippets.js';
import { runOnFakeClock } from './helpers.js';

/** Runs the demo on the fake clock until it resolves. */
const runDemo = (): Promise<ReferenceReport> =>
  runOnFakeClock(() => main({ log: () => {} }), { stepMs: 10, maxSteps: 100 });

describe('examples/reference-snippets.ts', () => {
  let report: ReferenceReport;
  beforeAll(async () => {
    report = await runDemo();
  });

  describe('runner with PrioritySourceObj', () => {
    it('task-2 (priority 10) starts before task-1 (priority 5), and both run at once', () => {
      const [first, second] = report.priority.spans;
      expect([first?.key, second?.key]).toEqual(['task-2', 'task-1']);
      expect(second?.start).toBeLessThan(first?.end as number);
      expect(first?.start).toBeLessThan(second?.end as number);
      // Both hold their cost together: 3 of 4 capacity, 12 of 16 GB taken once task-1 started.
      expect(second?.availableAtStart).toEqual({ capacity: 1, memory_gb: 4 });
    });

    it('task-2 streams 2 INTERMEDIATEs, then its FINAL "final result"', () => {
      const task2 = report.priority.envelopes.filter((e) => e.key === 'task-2');
      expect(task2.map((e) => [e.type, e.value])).toEqual([
        ['INTERMEDIATE', 'step 1'],
        ['INTERMEDIATE', 'step 2'],
        ['FINAL', 'final result'],
      ]);
    });

    it('taskIds are numeric, in the order tasks were taken (task-2 is 1)', () => {
      const ids = new Map(report.priority.envelopes.map((e) => [e.key, e.taskId]));
      expect(ids.get('task-2')).toBe(1);
      expect(ids.get('task-1')).toBe(2);
    });

    it('task-1 fires onComplete with its result once, before its FINAL is yielded', () => {
      expect(report.priority.onComplete).toEqual([{ key: 'task-1', result: 'task-1 result' }]);
      const finalIndex = report.priority.envelopes.findIndex((e) => e.key === 'task-1' && e.type === 'FINAL');
      expect(finalIndex).toBeGreaterThanOrEqual(0);
      expect(report.priority.onCompleteAfterEnvelopes).toEqual([finalIndex]);
      expect(report.priority.envelopes[finalIndex]?.value).toBe('task-1 result');
    });
  });

  describe('flow control: { gpu: 4, cpu: 16 }, A needs gpu 2, B needs gpu 3', () => {
    it('with the runner, B waits until A releases, then runs', () => {
      const { spans, finals } = report.fc7.runner;
      const a = spans.find((s) => s.key === 'A');
      const b = spans.find((s) => s.key === 'B');
      expect(finals).toEqual(['A', 'B']);
      expect(b?.start).toBeGreaterThanOrEqual(a?.end as number);
      expect(a?.availableAtStart.gpu).toBe(2);
      expect(b?.availableAtStart.gpu).toBe(1);
    });

    it('by hand, canAcquire(B) is false while A holds; release signals waitObj; then B fits', () => {
      const { manual } = report.fc7;
      expect(manual.canAcquireBWhileAHolds).toBe(false);
      expect(manual.signalled).toBe(true);
      expect(manual.canAcquireBAfterRelease).toBe(true);
      expect(manual.steps).toEqual([
        'A acquired; available {"gpu":2,"cpu":12}',
        'canAcquire(B) = false: B waits on capacity.waitObj',
        'A released; available {"gpu":4,"cpu":16}',
        'woken (value true); canAcquire(B) = true',
        'B acquired; available {"gpu":1,"cpu":12}',
        'B released; available {"gpu":4,"cpu":16}',
      ]);
    });
  });
});
