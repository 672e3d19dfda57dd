/**
 * A build as a dependency graph on the `Scheduler`: fetch → compile ×3 → link → test → package, under a
 * budget of { cpu: 4, memGb: 8 }. Each compile needs { cpu: 2, memGb: 2 }, so only two compile at once and the
 * third waits (the program prints why, from `explain`).
 *
 * - Build 1: the test step is flaky. Its first attempt fails with a `TransientError`; the retry policy allows
 *   3 attempts with a 100 ms backoff doubling each time, and retries only transient errors. The second attempt
 *   passes and the build produces its package.
 * - Build 2: compile:cli has a real error. It is not retried; link, test and package are skipped with a
 *   `DependencyFailedError` (its `cause` is the compile error), while compile:core, which does not depend on
 *   it, still finishes.
 *
 * The program prints the events of each build in order, and its result.
 *
 * Run: npm run example -- build-dag   (about 1 s)
 */
import { pathToFileURL } from 'node:url';
import { DependencyFailedError, Scheduler, type TaskHandle } from '../src/index.js';
import { type ExampleOptions, recordLines, resolveOptions } from './support.js';

/** An error worth another attempt (a busy port, a network blip). */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** A build step: what it needs, how long it takes (ms), what must finish first. */
interface Step {
  key: string;
  cost: { cpu: number; memGb: number };
  ms: number;
  deps?: string[];
}

const LIMITS = { cpu: 4, memGb: 8 };
const COMPILES = ['compile:core', 'compile:ui', 'compile:cli'];
const STEPS: Step[] = [
  { key: 'fetch', cost: { cpu: 1, memGb: 1 }, ms: 40 },
  { key: 'compile:core', cost: { cpu: 2, memGb: 2 }, ms: 120, deps: ['fetch'] },
  { key: 'compile:ui', cost: { cpu: 2, memGb: 2 }, ms: 80, deps: ['fetch'] },
  { key: 'compile:cli', cost: { cpu: 2, memGb: 2 }, ms: 60, deps: ['fetch'] },
  { key: 'link', cost: { cpu: 1, memGb: 4 }, ms: 50, deps: COMPILES },
  { key: 'test', cost: { cpu: 3, memGb: 2 }, ms: 90, deps: ['link'] },
  { key: 'package', cost: { cpu: 1, memGb: 1 }, ms: 30, deps: ['test'] },
];

/** One scheduler event, as the test reads it. */
export interface BuildEvent {
  type: 'start' | 'retry' | 'complete' | 'fail';
  key: string;
  attempt?: number;
  state?: string;
  error?: unknown;
  delayMs?: number;
}

/** What one build did. */
export interface BuildReport {
  events: BuildEvent[];
  /** The package step's value, when the build succeeded. */
  result?: unknown;
  /** Why the package step did not complete, when it did not. */
  error?: unknown;
  /** The `explain()` sentences printed for steps that had to wait for resources. */
  waits: string[];
}

export interface BuildDagReport {
  lines: string[];
  flaky: BuildReport;
  broken: BuildReport;
}

/** Runs both builds and prints them. */
export async function main(options: ExampleOptions = {}): Promise<BuildDagReport> {
  const io = resolveOptions(options);
  const { lines, log } = recordLines(io.log);
  const sleep = io.sleep;

  async function build(title: string, fault: { flaky?: string; broken?: string }): Promise<BuildReport> {
    log(title);
    const report: BuildReport = { events: [], waits: [] };
    const s = new Scheduler({ limits: LIMITS });
    watch(s, report, log);

    const handles = new Map<string, TaskHandle<string>>();
    for (const step of STEPS) {
      const handle = s.add(
        async (ctx) => {
          if (step.key === fault.broken) {
            await sleep(10); // a syntax error shows early, while the other compiles are still busy
            throw new Error(`syntax error in ${step.key.split(':')[1]}/main.ts`);
          }
          await sleep(step.ms);
          if (step.key === fault.flaky && ctx.attempt === 1) throw new TransientError('port 9229 is busy');
          return step.key === 'package' ? 'dist/app-1.0.0.tgz' : `${step.key} ok`;
        },
        {
          key: step.key,
          cost: step.cost,
          deps: step.deps ?? [],
          // Retry only what may pass next time; a compile error would fail again.
          retry: {
            attempts: 3,
            backoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
            retryOn: (error) => error instanceof TransientError,
          },
        },
      );
      handles.set(step.key, handle);
    }

    try {
      report.result = await handles.get('package');
    } catch (error) {
      report.error = error;
    }
    await s.onIdle(); // a failed build is known early, but steps that do not depend on the failure go on
    const attempts = report.events.filter((e) => e.type === 'start').length;
    if (report.error === undefined)
      log(`  result: ${report.result} (${STEPS.length} steps, ${attempts} attempts)`);
    else log(`  result: no package; root cause: ${rootCause(report.error)}`);
    return report;
  }

  const flaky = await build('build 1: the test step is flaky (fails once, then passes)', { flaky: 'test' });
  log('');
  const broken = await build('build 2: compile:cli does not compile', { broken: 'compile:cli' });
  return { lines, flaky, broken };
}

/** Prints and records each event; explains, once per step, a ready step that has to wait for resources. */
function watch(s: Scheduler, report: BuildReport, log: (line: string) => void): void {
  const record = (e: BuildEvent, line: string) => {
    report.events.push(e);
    log(`  ${line}`);
  };
  const queued = new Set<string>();
  const explained = new Set<string>();
  s.on('queued', ({ key }) => queued.add(key));
  s.on('start', ({ key, attempt }) => {
    queued.delete(key);
    record({ type: 'start', key, attempt }, `start     ${key}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    for (const other of queued) {
      const why = s.explain(other);
      if (explained.has(other) || !why.reasons.some((r) => r.kind === 'resource')) continue;
      explained.add(other);
      report.waits.push(why.message);
      log(`            ${why.message}`);
    }
  });
  s.on('retry', ({ key, attempt, error, delayMs }) =>
    record(
      { type: 'retry', key, attempt, error, delayMs },
      `retry     ${key}: attempt ${attempt} failed (${String(error)}), next attempt in ${delayMs} ms`,
    ),
  );
  s.on('complete', ({ key }) => record({ type: 'complete', key }, `complete  ${key}`));
  s.on('fail', ({ key, state, error }) => {
    const why =
      error instanceof DependencyFailedError
        ? ` (its dependency ${error.dependency} ended ${error.dependencyState})`
        : `: ${String(error)}`;
    record({ type: 'fail', key, state, error }, `${state.padEnd(9)} ${key}${why}`);
  });
}

/** Follows `cause` through the skipped steps to the error that started it. */
function rootCause(error: unknown): string {
  let e = error;
  while (e instanceof DependencyFailedError) e = e.cause;
  return String(e);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
