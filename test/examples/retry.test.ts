import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type Attempt, main, type RetryReport } from '../../examples/retry.js';
import { runOnFakeClock } from './helpers.js';

/** Runs the demo on the fake clock until it resolves, then lets 2 s more pass (nothing may start then). */
async function runDemo(): Promise<{ report: RetryReport; startsAtEnd: number }> {
  let startsAtEnd = Number.NaN;
  const report = await runOnFakeClock(() => main({ log: () => {}, error: () => {} }), {
    stepMs: 10,
    maxSteps: 500,
    settled: async (finished) => {
      startsAtEnd = finished.shutdown.attempts.length;
      await vi.advanceTimersByTimeAsync(2000);
    },
  });
  return { report, startsAtEnd };
}

const parseAttempts = (attempts: Attempt[]) => attempts.filter((a) => a.key === 'parse');

describe('examples/retry.ts', () => {
  let report: RetryReport;
  let startsAtEnd: number;
  beforeAll(async () => {
    ({ report, startsAtEnd } = await runDemo());
  });

  describe('(b) resilient pipeline', () => {
    it('prints exactly the corrected output, Task error lines on stderr', () => {
      expect(report.resilient.transcript).toEqual([
        { stream: 'out', line: 'Task fetch-result completed' },
        { stream: 'err', line: 'Task error: Error: Transient failure in parse (attempt 1)' },
        { stream: 'err', line: 'Task error: Error: Transient failure in parse (attempt 2)' },
        { stream: 'out', line: 'Task parse-result completed' },
        { stream: 'out', line: 'Task validate-result completed' },
        { stream: 'out', line: 'Task transform-result completed' },
        { stream: 'out', line: 'Task save-result completed' },
        { stream: 'out', line: '' },
        { stream: 'out', line: 'Summary:' },
        { stream: 'out', line: '  Completed: 5' },
        { stream: 'out', line: '  Retried: 2 (3 retry attempts)' },
        { stream: 'out', line: '  Aborted: 0' },
      ]);
    });

    it('attempt 2 starts after attempt 1 failed and a 100 ms backoff, attempt 3 after 200 ms', () => {
      const [first, second, third] = parseAttempts(report.resilient.attempts);
      expect([first?.ok, second?.ok, third?.ok]).toEqual([false, false, true]);
      // The next attempt is taken only after the previous one failed, then sleeps its backoff holding the slot.
      expect(second?.taken).toBeGreaterThanOrEqual(first?.end as number);
      expect((second?.workStart as number) - (second?.taken as number)).toBe(100);
      expect((second?.workStart as number) - (first?.end as number)).toBeGreaterThanOrEqual(100);
      expect(third?.taken).toBeGreaterThanOrEqual(second?.end as number);
      expect((third?.workStart as number) - (third?.taken as number)).toBe(200);
      expect((third?.workStart as number) - (second?.end as number)).toBeGreaterThanOrEqual(200);
    });

    it('every attempt is a new start with a new numeric taskId', () => {
      const ids = report.resilient.attempts.map((a) => a.taskId);
      expect(ids).toHaveLength(7);
      expect(new Set(ids).size).toBe(7);
      for (const id of ids) expect(Number.isInteger(id)).toBe(true);
    });

    it('dependents start only after parse finally completed', () => {
      const parseDone = parseAttempts(report.resilient.attempts).at(-1)?.end as number;
      for (const a of report.resilient.attempts.filter((x) => x.key !== 'fetch' && x.key !== 'parse')) {
        expect(a.taken).toBeGreaterThanOrEqual(parseDone);
      }
      expect(report.resilient.finals).toEqual(['fetch', 'parse', 'validate', 'transform', 'save']);
    });
  });

  describe('(a) give up after MAX_RETRIES = 3', () => {
    it('the third failure aborts parse and its cascade; the graph is then done', () => {
      expect(parseAttempts(report.giveUp.attempts)).toHaveLength(3);
      expect(report.giveUp.aborted).toEqual(['parse', 'validate', 'transform', 'save']);
      expect(report.giveUp.graphDone).toBe(true);
      expect(report.giveUp.finals).toEqual(['fetch']);
      expect(report.giveUp.transcript.filter((p) => p.stream === 'err').map((p) => p.line)).toEqual([
        'Task error: Error: Transient failure in parse (attempt 1)',
        'Task error: Error: Transient failure in parse (attempt 2)',
        'Task error: Error: Transient failure in parse (attempt 3)',
      ]);
      expect(report.giveUp.transcript.map((p) => p.line)).toContain(
        'Giving up on parse after 3 failures; aborted: parse, validate, transform, save',
      );
    });

    it('no aborted task ever starts', () => {
      const started = new Set(report.giveUp.attempts.map((a) => a.key));
      expect([...started].sort()).toEqual(['fetch', 'parse']);
    });
  });

  describe('(c) stopOnError = true', () => {
    it('the first parse error is thrown out of the loop and nothing is retried', () => {
      expect(report.stopOnError.thrown).toBeInstanceOf(Error);
      expect((report.stopOnError.thrown as Error).message).toBe('Transient failure in parse (attempt 1)');
      expect(report.stopOnError.finals).toEqual(['fetch']);
      expect(parseAttempts(report.stopOnError.attempts)).toHaveLength(1);
      expect(report.stopOnError.attempts.map((a) => a.key)).toEqual(['fetch', 'parse']);
      expect(report.stopOnError.transcript.at(-1)).toEqual({
        stream: 'err',
        line: 'Run stopped: Error: Transient failure in parse (attempt 1)',
      });
    });
  });

  describe('(d) graceful shutdown', () => {
    it('after the stop, the ready keys are aborted and no further task starts', () => {
      const d = report.shutdown;
      expect(d.stopRequestedAt).toBeLessThanOrEqual(d.stoppedAt);
      for (const a of d.attempts) expect(a.taken).toBeLessThanOrEqual(d.stopRequestedAt);
      expect(d.attempts.length).toBeLessThan(7);
      expect(startsAtEnd).toBe(d.attempts.length);
      // The loop left right after the envelope that saw the flag: nothing came after it.
      expect(d.envelopes.length).toBe(d.finals.length);
      expect(d.aborted.length).toBeGreaterThan(0);
      expect(d.aborted).toContain('report');
      for (const key of d.aborted) expect(d.attempts.some((a) => a.key === key)).toBe(false);
    });

    it('a task running at the stop still finishes and completes on the graph, which ends done', () => {
      const d = report.shutdown;
      expect(d.completed.length).toBe(d.attempts.length);
      expect(d.completed.length).toBeGreaterThan(d.finals.length);
      expect(d.graphDone).toBe(true);
    });
  });
});
