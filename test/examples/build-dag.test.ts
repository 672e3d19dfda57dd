import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildDagReport, type BuildEvent, main, TransientError } from '../../examples/build-dag.js';
import { DependencyFailedError } from '../../src/index.js';
import { runOnFakeClock } from './helpers.js';

const DEPS: Record<string, string[]> = {
  fetch: [],
  'compile:core': ['fetch'],
  'compile:ui': ['fetch'],
  'compile:cli': ['fetch'],
  link: ['compile:core', 'compile:ui', 'compile:cli'],
  test: ['link'],
  package: ['test'],
};

const indexOf = (events: BuildEvent[], type: BuildEvent['type'], key: string) =>
  events.findIndex((e) => e.type === type && e.key === key);

/** Every start comes after each of its step's dependencies completed. */
function expectDepsRespected(events: BuildEvent[]): void {
  events.forEach((e, i) => {
    if (e.type !== 'start') return;
    for (const dep of DEPS[e.key] ?? []) {
      const done = indexOf(events, 'complete', dep);
      expect(done, `${dep} before ${e.key}`).toBeGreaterThanOrEqual(0);
      expect(done, `${dep} before ${e.key}`).toBeLessThan(i);
    }
  });
}

/** Most compiles running at the same time. */
function peakCompiles(events: BuildEvent[]): number {
  let running = 0;
  let peak = 0;
  for (const e of events) {
    if (!e.key.startsWith('compile:')) continue;
    if (e.type === 'start') peak = Math.max(peak, ++running);
    if (e.type === 'complete' || e.type === 'fail') running--;
  }
  return peak;
}

describe('examples/build-dag.ts', () => {
  let report: BuildDagReport;
  beforeAll(async () => {
    report = await runOnFakeClock(() => main({ log: () => {} }), { stepMs: 10, maxSteps: 500 });
  });

  describe('build 1 (a flaky step)', () => {
    it('every step starts only after its dependencies completed', () => {
      expectDepsRespected(report.flaky.events);
      expect(report.flaky.events.filter((e) => e.type === 'complete').map((e) => e.key)).toEqual([
        'fetch',
        'compile:ui',
        'compile:core',
        'compile:cli',
        'link',
        'test',
        'package',
      ]);
    });

    it('the flaky step runs twice: it fails, is retried after its backoff, then passes', () => {
      const events = report.flaky.events.filter((e) => e.key === 'test');
      expect(events.map((e) => [e.type, e.attempt])).toEqual([
        ['start', 1],
        ['retry', 1],
        ['start', 2],
        ['complete', undefined],
      ]);
      expect(events[1]?.error).toBeInstanceOf(TransientError);
      expect(events[1]?.delayMs).toBe(100);
      expect(report.flaky.events.filter((e) => e.type === 'fail')).toEqual([]);
    });

    it('two compiles at most run together, and the third says it waits for cpu', () => {
      expect(peakCompiles(report.flaky.events)).toBe(2);
      expect(report.flaky.waits).toHaveLength(1);
      expect(report.flaky.waits[0]).toMatch(/^"compile:cli" waits for cpu: needs 2, 0 free/);
    });

    it('the build produces its package', () => {
      expect(report.flaky.result).toBe('dist/app-1.0.0.tgz');
      expect(report.flaky.error).toBeUndefined();
      expect(report.lines).toContain('  result: dist/app-1.0.0.tgz (7 steps, 8 attempts)');
    });
  });

  describe('build 2 (a failing step)', () => {
    it('the failing compile is not retried; everything after it is skipped, in dependency order', () => {
      const { events } = report.broken;
      expectDepsRespected(events);
      expect(events.filter((e) => e.key === 'compile:cli').map((e) => e.type)).toEqual(['start', 'fail']);
      expect(events.some((e) => e.type === 'retry')).toBe(false);
      const fails = events.filter((e) => e.type === 'fail');
      expect(fails.map((e) => [e.key, e.state])).toEqual([
        ['compile:cli', 'failed'],
        ['link', 'skipped'],
        ['test', 'skipped'],
        ['package', 'skipped'],
      ]);
      for (const [i, e] of fails.slice(1).entries()) {
        expect(e.error).toBeInstanceOf(DependencyFailedError);
        expect((e.error as DependencyFailedError).dependency).toBe(fails[i]?.key);
      }
      for (const key of ['link', 'test', 'package']) expect(indexOf(events, 'start', key)).toBe(-1);
      expect(report.lines).toContain('  skipped   link (its dependency compile:cli ended failed)');
    });

    it('a compile that does not depend on the failure still finishes after it', () => {
      const { events } = report.broken;
      expect(indexOf(events, 'complete', 'compile:core')).toBeGreaterThan(
        indexOf(events, 'fail', 'compile:cli'),
      );
    });

    it('the result is the skip, whose causes lead to the compile error', () => {
      const error = report.broken.error;
      expect(error).toBeInstanceOf(DependencyFailedError);
      let root: unknown = error;
      while (root instanceof DependencyFailedError) root = root.cause;
      expect(String(root)).toBe('Error: syntax error in cli/main.ts');
      expect(report.lines.at(-1)).toBe(
        '  result: no package; root cause: Error: syntax error in cli/main.ts',
      );
    });
  });
});
