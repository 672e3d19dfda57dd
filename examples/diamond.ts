/**
 * The scheduling-fundamentals diamond (from the original documentation's tutorial "Scheduling Fundamentals").
 *
 * Run: npm run example -- diamond   (about 0.5 s)
 *
 * Graph: A; B and C after A; D after B and C. Budget `{ capacity: 2, memory_gb: 8 }`. A and D use the default
 * cost `{ capacity: 1 }` (100 ms and 50 ms); B costs `{ capacity: 1, memory_gb: 4 }` (200 ms) and C
 * `{ capacity: 1, memory_gb: 6 }` (150 ms). `priorityFn` gives D 10 and everything else 1, aging 0.001 per ms
 * capped at 5. The bridge is the `let source` forward declaration the ETL and retry tutorials use (the
 * original "Bridge Pattern" page puts two sources on one graph, which never ends): `onComplete` →
 * `source.complete`, which frees dependents; the runner itself never touches the graph.
 *
 * What the original documentation claimed, and why the real output differs:
 * - It printed `[DONE] A: A done`, using `taskId` as if it were the key. `taskId` is a number — 1-based, in
 *   the order the runner takes tasks from the source — so the line is `[DONE] 1: A done`, and so on up
 *   to `[DONE] 4: D done`. (Envelopes also carry `key`; this program prints the id as the docs' code did.)
 * - It said B and C may finish "(or C first)". They cannot: B and C become ready together when A completes, at
 *   the same priority and the same age, so the FIFO tie-break serves B first; then C (6 GB) does not fit
 *   beside B (4 + 6 > 8), and the runner never skips a blocked head. C starts only when B releases, so the
 *   FINALs are always A, B, C, D, about 100 + 200 + 150 + 50 = 500 ms in all.
 * D's priority of 10 never matters here: D is never ready at the same time as another task.
 */
import { pathToFileURL } from 'node:url';
import {
  DependencyGraph,
  PriorityDependencySourceObj,
  ResourceCapacitySource,
  type ResourceCost,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
} from '../src/index.js';
import { type ExampleOptions, recordLines, resolveOptions } from './support.js';

/** Clock and printer, injectable so a test can drive the demo with fake timers. */
export type DiamondOptions = ExampleOptions;

/** One task's run, as seen from inside it (ms since the demo began). */
export interface Span {
  key: string;
  cost: Readonly<ResourceCost>;
  start: number;
  end: number;
}

/** What the demo printed and measured. */
export interface DiamondReport {
  lines: string[];
  finals: Array<{ taskId: number; key: string; value: string }>;
  spans: Span[];
  /** Time of the last FINAL, ms since the demo began. */
  makespan: number;
  /** `capacity.available` after the run: equal to the limits. */
  finalAvailable: Readonly<ResourceCost>;
}

type Task = ScheduledTask<string, string>;

/** Runs the diamond and returns what it printed and measured. */
export async function main(options: DiamondOptions = {}): Promise<DiamondReport> {
  const { sleep, now, log: print } = resolveOptions(options);
  const { lines, log } = recordLines(print);
  const t0 = now();
  const spans: Span[] = [];

  const graph = new DependencyGraph<string>();
  graph.addNode('A');
  graph.addNode('B', ['A']);
  graph.addNode('C', ['A']);
  graph.addNode('D', ['B', 'C']);

  // Forward-declared: the tasks' callbacks need the source, and the source needs the tasks.
  let source: PriorityDependencySourceObj<string, Task>;
  const task = (key: string, ms: number, cost?: ResourceCost): Task => ({
    key,
    ...(cost === undefined ? {} : { cost }),
    runner: async () => {
      const span: Span = { key, cost: cost ?? { capacity: 1 }, start: now() - t0, end: Number.NaN };
      spans.push(span);
      await sleep(ms);
      span.end = now() - t0;
      return `${key} done`;
    },
    onComplete: (k) => {
      source.complete(k); // the bridge: frees B and C after A, D after both
    },
    onError: (k) => {
      source.abort(k); // nothing here fails; if it did, give up on it and its dependents
    },
  });
  const taskMap = new Map<string, Task>([
    ['A', task('A', 100)],
    ['B', task('B', 200, { capacity: 1, memory_gb: 4 })],
    ['C', task('C', 150, { capacity: 1, memory_gb: 6 })],
    ['D', task('D', 50)],
  ]);
  source = new PriorityDependencySourceObj(graph, taskMap, {
    priorityFn: (key) => (key === 'D' ? 10 : 1),
    agingRate: 0.001,
    maxAgeBoost: 5,
    now,
  });

  const capacity = new ResourceCapacitySource({ capacity: 2, memory_gb: 8 });
  const runner = new ScheduledTaskPoolRunner<string, string>('diamond', source, capacity);

  const finals: DiamondReport['finals'] = [];
  let makespan = 0;
  for await (const e of runner.runTasks()) {
    if (e.type !== 'FINAL') continue;
    const value = String(e.value);
    finals.push({ taskId: e.taskId, key: e.key, value });
    makespan = now() - t0;
    log(`[DONE] ${e.taskId}: ${value}`);
  }
  log(`order: ${finals.map((f) => f.key).join(', ')}; about ${Math.round(makespan)} ms`);
  return { lines, finals, spans, makespan, finalAvailable: capacity.available };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
