/**
 * The seed pipeline (docs: use case "Multi-Resource Scheduling"), run exactly as the seed describes it:
 * the same array-backed `TaskSource`, the same costs and durations, `runTasks(false)`, budget { gpu: 2, cpu: 3 }.
 *
 * What the original documentation printed was wrong. It showed `available={"gpu":2,"cpu":2}` after encode and
 * `{"gpu":2,"cpu":1}` after thumbs, but no task holds CPU without GPU, so those budgets are unreachable; and it
 * put features:75% before thumbs:done, although thumbs (220 ms) finishes 20 ms before features' second step
 * (240 ms). This program prints what a correct scheduler prints (see docs/original-docs.md), then a timeline
 * and a one-line summary.
 *
 * Run: npm run example -- seed   (`npm run demo` runs the same pipeline on the Scheduler: scheduler-pipeline.ts)
 */
import { pathToFileURL } from 'node:url';
import {
  type Peekable,
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  SourceObj,
} from '../src/index.js';
import { type ExampleOptions, recordLines, resolveOptions } from './support.js';

// ---- The seed's task source, verbatim. ----
class TaskSource
  extends SourceObj<ScheduledTask<string, string>>
  implements Peekable<ScheduledTask<string, string>>
{
  private idx = 0;

  constructor(private readonly tasks: Array<ScheduledTask<string, string>>) {
    super();
  }

  // Return the next task without consuming it
  peek(): ScheduledTask<string, string> | undefined {
    return this.tasks[this.idx];
  }

  // Yield tasks one at a time; the runner calls next() to consume
  protected override async *pull_impl(): AsyncGenerator<ScheduledTask<string, string>> {
    for (const task of this.tasks) {
      this.idx++;
      yield task;
    }
  }
}

/** Clock and printer, injectable so the test can drive the demo with fake timers. */
export interface DemoOptions extends Omit<ExampleOptions, 'log'> {
  /** Prints one line; default: `console.log`. */
  print?: (line: string) => void;
}

/** One task's stay in the pool: from taking its cost to giving it back. */
export interface Held {
  key: string;
  cost: Record<string, number>;
  start: number;
  end: number;
}

/** What the demo printed and measured. */
export interface DemoReport {
  lines: string[];
  envelopes: Array<{
    type: string;
    taskId: number;
    key: string;
    value: unknown;
    available: Record<string, number>;
  }>;
  held: Held[];
  makespan: number;
  peak: Record<string, number>;
}

/** Runs the seed pipeline and prints it; `main` is the name every example exports. */
export async function runSeedPipeline(options: DemoOptions = {}): Promise<DemoReport> {
  const { sleep, now, log } = resolveOptions({ sleep: options.sleep, now: options.now, log: options.print });
  const { lines, log: print } = recordLines(log);

  // ---- The seed's tasks, verbatim apart from the injectable sleep. ----
  const tasks: Array<ScheduledTask<string, string>> = [
    {
      key: 'encode',
      cost: { gpu: 2, cpu: 1 },
      runner: async () => {
        await sleep(450);
        return 'encode:done';
      },
    },
    {
      key: 'features',
      cost: { gpu: 1, cpu: 2 },
      runner: async function* () {
        await sleep(120);
        yield 'features:25%'; // INTERMEDIATE envelope
        await sleep(120);
        yield 'features:75%'; // INTERMEDIATE envelope
        await sleep(120);
        return 'features:done'; // FINAL envelope
      },
    },
    {
      key: 'thumbs',
      cost: { gpu: 1, cpu: 1 },
      runner: async () => {
        await sleep(220);
        return 'thumbs:done';
      },
    },
  ];

  // Observe when each task takes its cost, without changing what it returns (a stream stays a stream).
  const t0 = now();
  const held = new Map<string, Held>();
  const observed = tasks.map((task) => ({
    ...task,
    runner: (ctx: Parameters<ScheduledTask<string, string>['runner']>[0]) => {
      held.set(task.key, { key: task.key, cost: { ...task.cost }, start: now() - t0, end: Number.NaN });
      return task.runner(ctx);
    },
  })) as Array<ScheduledTask<string, string>>;

  // ---- Wiring and execution, as in the seed. ----
  const source = new TaskSource(observed);
  const capacity = new ResourceCapacitySource({ gpu: 2, cpu: 3 });
  const runner = new ScheduledTaskPoolRunner<string, string>('demo', source, capacity);

  const envelopes: DemoReport['envelopes'] = [];
  for await (const e of runner.runTasks(false)) {
    if (e.type === 'INTERMEDIATE') print(`[INTERMEDIATE] taskId=${e.taskId} value=${e.value}`);
    if (e.type === 'FINAL') print(`[FINAL] taskId=${e.taskId} value=${e.value}`);
    if (e.type === 'ERROR') print(`[ERROR] taskId=${e.taskId} error=${String(e.error)}`);
    print(`  available=${JSON.stringify(capacity.available)}`);
    envelopes.push({
      type: e.type,
      taskId: e.taskId,
      key: e.key,
      value: e.value,
      available: { ...capacity.available },
    });
    // The cost was released before a FINAL or ERROR envelope was yielded.
    if (e.type !== 'INTERMEDIATE') {
      const stay = held.get(e.key);
      if (stay !== undefined) stay.end = now() - t0;
    }
  }
  print('done: all scheduled tasks finished');

  const { stays, makespan, peak } = printSummary([...held.values()], capacity.limits, print);
  return { lines, envelopes, held: stays, makespan, peak };
}

/** Prints the timeline and the summary line of a pipeline run; returns the figures it printed. */
export function printSummary(
  stays: Held[],
  limits: Readonly<Record<string, number>>,
  print: (line: string) => void,
): { stays: Held[]; makespan: number; peak: Record<string, number> } {
  const makespan = Math.max(...stays.map((s) => s.end));
  const peak = peakUse(stays);
  print('');
  for (const line of timeline(stays, makespan)) print(line);
  const peakText = Object.keys(limits)
    .map((r) => `${r} ${peak[r] ?? 0}/${limits[r]}`)
    .join(', ');
  print(`summary: ${stays.length} tasks, makespan ${Math.round(makespan)} ms, peak use ${peakText}`);
  return { stays, makespan, peak };
}

export const main = runSeedPipeline;

/** Highest simultaneous use per resource, from the intervals tasks held their costs. */
export function peakUse(stays: Held[]): Record<string, number> {
  const events = stays.flatMap((s) => [
    { at: s.start, sign: 1, cost: s.cost },
    { at: s.end, sign: -1, cost: s.cost },
  ]);
  // Releases before acquisitions at the same instant: a slot freed and retaken is not double-counted.
  events.sort((a, b) => a.at - b.at || a.sign - b.sign);
  const use: Record<string, number> = {};
  const peak: Record<string, number> = {};
  for (const e of events) {
    for (const [r, amount] of Object.entries(e.cost)) {
      use[r] = (use[r] ?? 0) + e.sign * amount;
      peak[r] = Math.max(peak[r] ?? 0, use[r] as number);
    }
  }
  return peak;
}

/** One row per task: a bar across the makespan for the time it held resources. */
export function timeline(stays: Held[], makespan: number, width = 48): string[] {
  const scale = width / Math.max(makespan, 1);
  const label = (s: Held) =>
    `${s.key.padEnd(9)}${Object.entries(s.cost)
      .map(([r, a]) => `${r}${a}`)
      .join(' ')
      .padEnd(11)}`;
  const rows = [`${''.padEnd(20)} 0${`${Math.round(makespan)} ms`.padStart(width)}`];
  for (const s of [...stays].sort((a, b) => a.start - b.start)) {
    const from = Math.round(s.start * scale);
    const to = Math.max(from + 1, Math.round(s.end * scale));
    const bar = ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(Math.max(0, width - to));
    rows.push(`${label(s)}|${bar}| ${Math.round(s.start)}–${Math.round(s.end)} ms`);
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSeedPipeline();
}
