/**
 * Retries and error handling (from the original documentation's tutorial "Retry and Error Handling").
 *
 * Run: npm run example -- retry   (about 2 s)
 *
 * The pipeline is fetch → parse → {validate, transform} → save under `{ capacity: 2 }`, fed by a
 * `PriorityDependencySourceObj`. Retries are a bridge, not a runner feature: the task's `onError` counts the
 * failure and either sends the key back with `source.fail(key)` (it is queued and yielded again, with a new
 * `taskId`) or gives up with `source.abort(key)`, which cascades to every dependent. Backoff is
 * slept inside the task's `runner` on the next attempt (100 ms, then 200 ms), so the slot stays held meanwhile.
 *
 * - (a) Give-up: parse always fails. With `MAX_RETRIES = 3` the first two failures are retried and the third
 *   aborts; `abort` returns the cascade `[parse, validate, transform, save]`, the graph is then done (fetch
 *   completed, the rest aborted) and the source ends by itself once its graph is done, so the run ends too.
 * - (b) Resilient pipeline: parse fails on attempts 1 and 2 and succeeds on attempt 3.
 * - (c) `stopOnError = true` (the default of `runTasks()`): the first parse error is thrown out of `for await`.
 *   `onError` still runs first (release, then `onError`, then throw), but nothing runs the retry.
 * - (d) Graceful shutdown: a stop flag (set by SIGTERM, or by a timer here) is checked after each envelope; the
 *   loop aborts every key in `graph.ready` and breaks. Leaving the loop starts nothing new: running tasks
 *   get their `signal` fired, keep their slot until they settle, and still fire their callbacks once.
 *
 * What the original documentation claimed for (b), and why the real output differs:
 * - It printed "Task fetch completed". The consumer prints the FINAL's `value`, and the tasks return
 *   `"<key>-result"`, so the line is "Task fetch-result completed" (and so on).
 * - It promised "failed (attempt n/3), retrying in …" lines. The tutorial's code never logs them; what is
 *   printed for each failure is the ERROR envelope the consumer sees with `runTasks(false)`:
 *   "Task error: Error: Transient failure in parse (attempt n)", on stderr.
 * - Its summary said "Retried: 1 (2 retry attempts)". The code counts one retry per `fail()` call — parse
 *   failed twice, so 2 — and, in parentheses, the attempts the retried tasks took in all — parse ran 3 times.
 *   The real summary is "Retried: 2 (3 retry attempts)".
 * - (d) Its comment says "Abort all non-completed tasks", but the code aborts only `graph.ready`; running
 *   tasks are left to finish (or to honour their `signal`), and what they would have freed is already aborted.
 */
import { pathToFileURL } from 'node:url';
import {
  DependencyGraph,
  PriorityDependencySourceObj,
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  type TaskContext,
} from '../src/index.js';
import { type ExampleIo, type ExampleOptions, resolveOptions } from './support.js';

/** Clock and printers, injectable so a test can drive the demo with fake timers. */
export interface RetryOptions extends ExampleOptions {
  /** Standard output. */
  log?: (line: string) => void;
  /** Standard error: the `Task error:` lines. */
  error?: (line: string) => void;
  /** (d): when the stop flag is raised, ms after part (d) began. Default 150. */
  stopAfterMs?: number;
}

/** A printed line and the stream it went to. */
export interface Printed {
  stream: 'out' | 'err';
  line: string;
}

/** One call of a task's runner (ms since its part began). */
export interface Attempt {
  key: string;
  attempt: number;
  taskId: number;
  /** When the runner was called (the slot was taken). */
  taken: number;
  /** When the work began, after the backoff. */
  workStart: number;
  end: number;
  ok: boolean;
}

/** What one part printed and recorded. */
export interface PartReport {
  /** Lines in print order, both streams interleaved (the part's heading excluded). */
  transcript: Printed[];
  attempts: Attempt[];
  /** Keys of the FINAL envelopes, in order. */
  finals: string[];
}

/** The four parts. */
export interface RetryReport {
  lines: Printed[];
  giveUp: PartReport & { aborted: string[]; graphDone: boolean };
  resilient: PartReport & { retried: number; retryAttempts: number; aborted: string[] };
  stopOnError: PartReport & { thrown: unknown };
  shutdown: PartReport & {
    /** When the loop saw the stop flag and left (ms since part (d) began). */
    stoppedAt: number;
    stopRequestedAt: number;
    aborted: string[];
    /** Envelopes the loop received, in order. */
    envelopes: string[];
    completed: string[];
    graphDone: boolean;
  };
}

/** Give up on the third failure of a key. */
export const MAX_RETRIES = 3;
const BACKOFF_MS = 100;
const DURATIONS: Record<string, number> = { fetch: 50, parse: 50, validate: 30, transform: 60, save: 40 };
const PIPELINE = new Map<string, string[]>([
  ['fetch', []],
  ['parse', ['fetch']],
  ['validate', ['parse']],
  ['transform', ['parse']],
  ['save', ['validate', 'transform']],
]);

type Task = ScheduledTask<string, string>;

/** Shared plumbing of one part: its clock origin, its printers and its attempt log. */
class Part {
  readonly transcript: Printed[] = [];
  readonly attempts: Attempt[] = [];
  readonly finals: string[] = [];
  readonly t0: number;

  constructor(
    readonly io: Pick<ExampleIo, 'sleep' | 'now'> & { print: (p: Printed) => void },
    heading: string,
  ) {
    io.print({ stream: 'out', line: heading });
    this.t0 = io.now();
  }

  get now(): number {
    return this.io.now() - this.t0;
  }

  out(line: string): void {
    this.transcript.push({ stream: 'out', line });
    this.io.print({ stream: 'out', line });
  }

  err(line: string): void {
    this.transcript.push({ stream: 'err', line });
    this.io.print({ stream: 'err', line });
  }

  report(): PartReport {
    return { transcript: this.transcript, attempts: this.attempts, finals: this.finals };
  }
}

/**
 * The tutorial's task: attempt n > 1 first sleeps its backoff (100 ms, 200 ms, …) holding the slot, then works;
 * it throws "Transient failure in <key> (attempt n)" while n <= failUntil, else returns "<key>-result".
 */
function makeRunner(part: Part, key: string, failUntil: number): (ctx: TaskContext) => Promise<string> {
  return async (ctx) => {
    const attempt = part.attempts.filter((a) => a.key === key).length + 1;
    const record: Attempt = {
      key,
      attempt,
      taskId: ctx.taskId,
      taken: part.now,
      workStart: Number.NaN,
      end: Number.NaN,
      ok: false,
    };
    part.attempts.push(record);
    if (attempt > 1) await part.io.sleep(BACKOFF_MS * 2 ** (attempt - 2));
    record.workStart = part.now;
    await part.io.sleep(DURATIONS[key] ?? 50);
    record.end = part.now;
    if (attempt <= failUntil) throw new Error(`Transient failure in ${key} (attempt ${attempt})`);
    record.ok = true;
    return `${key}-result`;
  };
}

/** The pipeline with the retry bridge: retry up to MAX_RETRIES failures per key, then abort the key. */
function retryPipeline(part: Part, parseFailsUntil: number) {
  const graph = new DependencyGraph<string>();
  graph.addAll(PIPELINE);
  const failures = new Map<string, number>();
  const state = { retried: 0, aborted: [] as string[] };
  let source: PriorityDependencySourceObj<string, Task>; // forward-declared for the bridge
  const taskMap = new Map<string, Task>();
  for (const key of PIPELINE.keys()) {
    taskMap.set(key, {
      key,
      cost: { capacity: 1 },
      runner: makeRunner(part, key, key === 'parse' ? parseFailsUntil : 0),
      onComplete: (k) => {
        source.complete(k);
      },
      onError: (k) => {
        const n = (failures.get(k) ?? 0) + 1;
        failures.set(k, n);
        if (n < MAX_RETRIES) {
          state.retried++;
          source.fail(k); // back to ready: yielded again, backoff slept by the next attempt
        } else {
          state.aborted.push(...source.abort(k)); // k and everything downstream of it
        }
      },
    });
  }
  source = new PriorityDependencySourceObj(graph, taskMap);
  const runner = new ScheduledTaskPoolRunner<string, string>(
    'retry',
    source,
    new ResourceCapacitySource({ capacity: 2 }),
  );
  return { graph, runner, state, failures };
}

/** (a) parse always fails: two retries, then the give-up cascade. */
async function giveUp(part: Part): Promise<RetryReport['giveUp']> {
  const { graph, runner, state } = retryPipeline(part, Number.POSITIVE_INFINITY);
  for await (const e of runner.runTasks(false)) {
    if (e.type === 'FINAL') {
      part.finals.push(e.key);
      part.out(`Task ${e.value} completed`);
    }
    if (e.type === 'ERROR') {
      part.err(`Task error: ${String(e.error)}`);
      if (state.aborted[0] === e.key) {
        part.out(`Giving up on ${e.key} after ${MAX_RETRIES} failures; aborted: ${state.aborted.join(', ')}`);
      }
    }
  }
  part.out(`Graph done: ${graph.isDone}; completed: ${[...graph.completed].join(', ')}`);
  return { ...part.report(), aborted: state.aborted, graphDone: graph.isDone };
}

/** (b) the tutorial's resilient pipeline, printing its corrected output. */
async function resilient(part: Part): Promise<RetryReport['resilient']> {
  const { runner, state } = retryPipeline(part, 2);
  for await (const e of runner.runTasks(false)) {
    if (e.type === 'FINAL') {
      part.finals.push(e.key);
      part.out(`Task ${e.value} completed`);
    }
    if (e.type === 'ERROR') part.err(`Task error: ${String(e.error)}`);
  }
  // Attempts of every task that needed a retry, the first try included.
  const retriedKeys = new Set(part.attempts.filter((a) => a.attempt > 1).map((a) => a.key));
  const retryAttempts = part.attempts.filter((a) => retriedKeys.has(a.key)).length;
  part.out('');
  part.out('Summary:');
  part.out(`  Completed: ${part.finals.length}`);
  part.out(`  Retried: ${state.retried} (${retryAttempts} retry attempts)`);
  part.out(`  Aborted: ${state.aborted.length}`);
  return { ...part.report(), retried: state.retried, retryAttempts, aborted: state.aborted };
}

/** (c) `runTasks()` with its default `stopOnError = true`: the first error ends the loop. */
async function stopOnError(part: Part): Promise<RetryReport['stopOnError']> {
  const { runner } = retryPipeline(part, 2);
  let thrown: unknown;
  try {
    for await (const e of runner.runTasks()) {
      if (e.type === 'FINAL') {
        part.finals.push(e.key);
        part.out(`Task ${e.value} completed`);
      }
    }
  } catch (error) {
    thrown = error;
    part.err(`Run stopped: ${String(error)}`);
  }
  return { ...part.report(), thrown };
}

/** (d) six independent jobs and a report after them; a stop flag ends the run gracefully. */
async function shutdown(part: Part, stopAfterMs: number): Promise<RetryReport['shutdown']> {
  const jobs = [80, 120, 100, 140, 90, 110];
  const graph = new DependencyGraph<string>();
  const deps = new Map<string, string[]>(jobs.map((_, i) => [`job-${i + 1}`, []]));
  deps.set('report', [...deps.keys()]);
  graph.addAll(deps);

  let source: PriorityDependencySourceObj<string, Task>;
  const inFlight = new Set<Promise<unknown>>();
  const taskMap = new Map<string, Task>();
  for (const key of deps.keys()) {
    const ms = jobs[Number(key.slice(4)) - 1] ?? 50;
    const run = async (ctx: TaskContext): Promise<string> => {
      part.attempts.push({
        key,
        attempt: 1,
        taskId: ctx.taskId,
        taken: part.now,
        workStart: part.now,
        end: 0,
        ok: false,
      });
      await part.io.sleep(ms); // does not watch ctx.signal: it finishes after the stop, and still reports
      const a = part.attempts.find((x) => x.key === key) as Attempt;
      a.end = part.now;
      a.ok = true;
      return `${key}-result`;
    };
    taskMap.set(key, {
      key,
      runner: (ctx) => {
        const p = run(ctx);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        return p;
      },
      onComplete: (k) => {
        source.complete(k);
      },
      onError: (k) => {
        source.abort(k);
      },
    });
  }
  source = new PriorityDependencySourceObj(graph, taskMap);
  const runner = new ScheduledTaskPoolRunner<string, string>(
    'shutdown',
    source,
    new ResourceCapacitySource({ capacity: 2 }),
  );

  // The flag a SIGTERM handler would set; a timer raises it here so the demo stops by itself.
  let stopRequested = false;
  let stopRequestedAt = Number.NaN;
  const requestStop = (): void => {
    if (stopRequested) return;
    stopRequested = true;
    stopRequestedAt = part.now;
    part.out(`Stop requested at ${Math.round(stopRequestedAt)} ms`);
  };
  process.once('SIGTERM', requestStop);
  void part.io.sleep(stopAfterMs).then(requestStop);

  const envelopes: string[] = [];
  const aborted: string[] = [];
  let stoppedAt = Number.NaN;
  try {
    for await (const e of runner.runTasks(false)) {
      envelopes.push(`${e.type} ${e.key}`);
      if (e.type === 'FINAL') {
        part.finals.push(e.key);
        part.out(`Task ${e.value} completed`);
      }
      if (e.type === 'ERROR') part.err(`Task error: ${String(e.error)}`);
      if (stopRequested) {
        // "Abort all non-completed tasks" — in fact only the ready ones; running tasks finish on their own.
        for (const key of [...graph.ready]) aborted.push(...source.abort(key));
        stoppedAt = part.now;
        part.out(`Shutting down: aborted ${aborted.join(', ')}; ${graph.running.size} still running`);
        break;
      }
    }
  } finally {
    process.removeListener('SIGTERM', requestStop);
  }
  // Leaving the loop fired the running tasks' signals; these ignore it, finish, and complete on the graph.
  await Promise.allSettled([...inFlight]);
  const completed = [...graph.completed];
  part.out(
    `Stopped: ${part.attempts.length} started, completed ${completed.join(', ')}; graph done: ${graph.isDone}`,
  );
  return {
    ...part.report(),
    stoppedAt,
    stopRequestedAt,
    aborted,
    envelopes,
    completed,
    graphDone: graph.isDone,
  };
}

/** Runs the four parts (a)–(d) in turn and returns what they printed and recorded. */
export async function main(options: RetryOptions = {}): Promise<RetryReport> {
  const { sleep, now, log } = resolveOptions(options);
  const lines: Printed[] = [];
  const print = (p: Printed): void => {
    lines.push(p);
    if (p.stream === 'out') log(p.line);
    else (options.error ?? console.error)(p.line);
  };
  const io = { sleep, now, print };

  const a = await giveUp(new Part(io, `== (a) give up after MAX_RETRIES = ${MAX_RETRIES} ==`));
  print({ stream: 'out', line: '' });
  const b = await resilient(new Part(io, '== (b) resilient pipeline ==')); // the tutorial's output
  print({ stream: 'out', line: '' });
  const c = await stopOnError(new Part(io, '== (c) stopOnError = true =='));
  print({ stream: 'out', line: '' });
  const d = await shutdown(new Part(io, '== (d) graceful shutdown =='), options.stopAfterMs ?? 150);
  return { lines, giveUp: a, resilient: b, stopOnError: c, shutdown: d };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
