/**
 * Reference snippets that double as tests (from the original documentation: the scheduling API reference's
 * "Runner with PrioritySourceObj", and the flow-control guide's two-task GPU example).
 *
 * Run: npm run example -- reference   (about 0.5 s)
 *
 * 1. Runner with a `PrioritySourceObj`: task-1 (priority 5, `{ capacity: 1, memory_gb: 4 }`, 100 ms, with an
 *    `onComplete`) is enqueued before task-2 (priority 10, streaming, `{ capacity: 2, memory_gb: 8 }`), then the
 *    source is closed. The pool is `{ capacity: 4, memory_gb: 16 }`, so both fit together. task-2 is served
 *    first — higher priority, so it is also `taskId` 1 — and task-1 starts right after it in the same fill;
 *    they run at once. task-2 yields 'step 1' and 'step 2' (two INTERMEDIATE envelopes, 40 ms apart) and
 *    returns 'final result' (FINAL, at 120 ms); task-1's `onComplete(key, result)` fires just before its FINAL.
 * 2. Flow control, under `{ gpu: 4, cpu: 16 }`: A needs 2 GPUs (100 ms), B needs 3 (50 ms). Together they
 *    would need 5, so B waits until A releases and then runs.
 *    - (a) With the runner: B is the blocked head; A's release wakes the runner, which starts B.
 *    - (b) By hand, the loop the guide describes: `canAcquire(B)` is false while A holds its GPUs; the caller
 *      waits on `capacity.waitObj`, which `release` resolves (acquiring never signals); then B fits.
 *
 * The snippets' output was not wrong in the docs; what the docs left open is pinned here. Envelopes carry
 * `key` as well as the numeric `taskId`, and the runner calls each task's callback after releasing its
 * cost and before yielding its FINAL. The reference snippet's capacity is not given in the docs; any
 * pool with at least 3 `capacity` and 12 `memory_gb` lets the two tasks overlap, as the docs say they do.
 */
import { pathToFileURL } from 'node:url';
import {
  PrioritySourceObj,
  ResourceCapacitySource,
  type ResourceCost,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  SourceBufferObj,
  type TaskContext,
} from '../src/index.js';
import { type ExampleIo, type ExampleOptions, recordLines, resolveOptions } from './support.js';

/** Clock and printer, injectable so a test can drive the demo with fake timers. */
export type ReferenceOptions = ExampleOptions;

/** One task's run as seen from inside it (ms since its snippet began), with what was left when it started. */
export interface Span {
  key: string;
  start: number;
  end: number;
  availableAtStart: Readonly<ResourceCost>;
}

/** What the snippets printed and recorded. */
export interface ReferenceReport {
  lines: string[];
  priority: {
    envelopes: Array<{ taskId: number; key: string; type: string; value: unknown }>;
    spans: Span[];
    onComplete: Array<{ key: string; result: unknown }>;
    /** Envelope count at the moment each `onComplete` fired. */
    onCompleteAfterEnvelopes: number[];
  };
  fc7: {
    runner: { spans: Span[]; finals: string[] };
    manual: {
      canAcquireBWhileAHolds: boolean;
      signalled: boolean;
      canAcquireBAfterRelease: boolean;
      steps: string[];
    };
  };
}

type Task = ScheduledTask<string, string>;

/** Runs both snippets and returns what they printed and recorded. */
export async function main(options: ReferenceOptions = {}): Promise<ReferenceReport> {
  const { sleep, now, log: print } = resolveOptions(options);
  const { lines, log } = recordLines(print);
  const io = { sleep, now, log };
  log('== runner with PrioritySourceObj ==');
  const priority = await prioritySnippet(io);
  log('');
  log('== flow control: A needs gpu 2, B needs gpu 3, pool { gpu: 4, cpu: 16 } ==');
  const runner = await fc7Runner(io);
  const manual = await fc7Manual(io);
  return { lines, priority, fc7: { runner, manual } };
}

type Io = ExampleIo;

/** Wraps a runner so the task records its span and the budget left once it took its cost. */
function observed(io: Io, spans: Span[], t0: number, capacity: ResourceCapacitySource, task: Task): Task {
  // A stream stays a stream and a promise a promise; the union is what `ScheduledTask.runner` accepts.
  const runner = (ctx: TaskContext): ReturnType<Task['runner']> => {
    const span: Span = {
      key: task.key,
      start: io.now() - t0,
      end: Number.NaN,
      availableAtStart: capacity.available,
    };
    spans.push(span);
    const result = task.runner(ctx);
    if (Symbol.asyncIterator in result) {
      return (async function* () {
        try {
          return yield* result;
        } finally {
          span.end = io.now() - t0;
        }
      })();
    }
    return result.finally(() => {
      span.end = io.now() - t0;
    });
  };
  return { ...task, runner: runner as Task['runner'] };
}

async function prioritySnippet(io: Io): Promise<ReferenceReport['priority']> {
  const capacity = new ResourceCapacitySource({ capacity: 4, memory_gb: 16 });
  const source = new PrioritySourceObj<Task>();
  const spans: Span[] = [];
  const envelopes: ReferenceReport['priority']['envelopes'] = [];
  const onComplete: ReferenceReport['priority']['onComplete'] = [];
  const onCompleteAfterEnvelopes: number[] = [];
  const t0 = io.now();

  source.enqueue(
    observed(io, spans, t0, capacity, {
      key: 'task-1',
      cost: { capacity: 1, memory_gb: 4 },
      runner: async () => {
        await io.sleep(100);
        return 'task-1 result';
      },
      onComplete: (key, result) => {
        onComplete.push({ key, result });
        onCompleteAfterEnvelopes.push(envelopes.length);
        io.log(`onComplete(${key}, ${String(result)})`);
      },
    }),
    5,
  );
  source.enqueue(
    observed(io, spans, t0, capacity, {
      key: 'task-2',
      cost: { capacity: 2, memory_gb: 8 },
      runner: async function* () {
        await io.sleep(40);
        yield 'step 1'; // INTERMEDIATE
        await io.sleep(40);
        yield 'step 2'; // INTERMEDIATE
        await io.sleep(40);
        return 'final result'; // FINAL
      },
    }),
    10,
  );
  source.closeSource();

  const runner = new ScheduledTaskPoolRunner<string, string>('reference', source, capacity);
  for await (const e of runner.runTasks()) {
    envelopes.push({ taskId: e.taskId, key: e.key, type: e.type, value: e.value });
    io.log(`[${e.type}] taskId=${e.taskId} key=${e.key} value=${String(e.value)}`);
  }
  const [first, second] = spans;
  const overlap = first !== undefined && second !== undefined && second.start < first.end;
  io.log(`started: ${spans.map((s) => s.key).join(', ')}; ran at once: ${overlap}`);
  return { envelopes, spans, onComplete, onCompleteAfterEnvelopes };
}

async function fc7Runner(io: Io): Promise<ReferenceReport['fc7']['runner']> {
  const capacity = new ResourceCapacitySource({ gpu: 4, cpu: 16 });
  const spans: Span[] = [];
  const t0 = io.now();
  const job = (key: string, cost: ResourceCost, ms: number): Task =>
    observed(io, spans, t0, capacity, {
      key,
      cost,
      runner: async () => {
        await io.sleep(ms);
        return `${key} done`;
      },
    });
  const source = new SourceBufferObj<Task>([
    job('A', { gpu: 2, cpu: 4 }, 100),
    job('B', { gpu: 3, cpu: 4 }, 50),
  ]);
  const runner = new ScheduledTaskPoolRunner<string, string>('fc7', source, capacity);
  const finals: string[] = [];
  for await (const e of runner.runTasks()) {
    if (e.type !== 'FINAL') continue;
    finals.push(e.key);
    const span = spans.find((s) => s.key === e.key);
    io.log(
      `(a) ${e.key} ran ${Math.round(span?.start ?? 0)}–${Math.round(span?.end ?? 0)} ms, ` +
        `gpu left once it started: ${span?.availableAtStart.gpu}`,
    );
  }
  return { spans, finals };
}

async function fc7Manual(io: Io): Promise<ReferenceReport['fc7']['manual']> {
  const capacity = new ResourceCapacitySource({ gpu: 4, cpu: 16 });
  const A = { gpu: 2, cpu: 4 };
  const B = { gpu: 3, cpu: 4 };
  const steps: string[] = [];
  const step = (line: string) => {
    steps.push(line);
    io.log(`(b) ${line}`);
  };

  capacity.acquireImmediate(A);
  step(`A acquired; available ${JSON.stringify(capacity.available)}`);
  const canAcquireBWhileAHolds = capacity.canAcquire(B);
  step(`canAcquire(B) = ${canAcquireBWhileAHolds}: B waits on capacity.waitObj`);
  const woken = capacity.waitObj.wait();
  void io.sleep(100).then(() => {
    capacity.release(A); // signals waitObj
    step(`A released; available ${JSON.stringify(capacity.available)}`);
  });
  const signal = await woken;
  const signalled = signal.done !== true && signal.value;
  const canAcquireBAfterRelease = capacity.canAcquire(B);
  step(`woken (value ${String(signal.value)}); canAcquire(B) = ${canAcquireBAfterRelease}`);
  if (canAcquireBAfterRelease) {
    capacity.acquireImmediate(B);
    step(`B acquired; available ${JSON.stringify(capacity.available)}`);
    await io.sleep(50);
    capacity.release(B);
    step(`B released; available ${JSON.stringify(capacity.available)}`);
  }
  return { canAcquireBWhileAHolds, signalled, canAcquireBAfterRelease, steps };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
