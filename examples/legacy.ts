/**
 * The legacy single-counter API: `CapacitySource` and `HierarchicalTaskPoolRunner`.
 *
 * Run: npx tsx examples/legacy.ts
 *
 * Tasks are bare functions (no key, no cost); each takes one unit of its counter and of every ancestor.
 * Envelopes get keys `task-1`, `task-2`, … in the order tasks are taken, equal to their `taskId`.
 * Two ways to feed the runner, both shown in the original documentation:
 * 1. a fixed list: `new SourceBufferObj(taskRunners, true, BufferMode.FIFO)`;
 * 2. a live queue: `PushPullBufferObj.source`, where `sink.next(fn)` adds work and `sink.return()` ends the run
 *    once the queue drains.
 */
import { pathToFileURL } from 'node:url';
import { CapacitySource } from '../src/legacy/capacity-source.js';
import { HierarchicalTaskPoolRunner } from '../src/legacy/hierarchical-task-pool-runner.js';
import type { LegacyTaskRunner } from '../src/legacy/legacy-task-source.js';
import { BufferMode } from '../src/pull/buffer-mode.js';
import { PushPullBufferObj } from '../src/pull/push-pull-buffer-obj.js';
import { SourceBufferObj } from '../src/pull/source-buffer-obj.js';
import type { TaskProgressEnvelope } from '../src/runner/types.js';
import { type ExampleOptions, recordLines, resolveOptions } from './support.js';

type Task = LegacyTaskRunner<string, string>;

/** Options for tests: a deterministic `sleep` and a quiet `log`. */
export type LegacyExampleOptions = Pick<ExampleOptions, 'log' | 'sleep'>;

/** Runs both feeding patterns and returns every line it printed. */
export async function main(options: LegacyExampleOptions = {}): Promise<string[]> {
  const { log, sleep } = resolveOptions(options);
  const { lines, log: say } = recordLines(log);

  // One global pool of 3 slots; the team may use at most 2 of them.
  const global = new CapacitySource(3);
  const team = new CapacitySource(2, global);
  let running = 0;
  let peak = 0;
  const job =
    (name: string, ms: number): Task =>
    async () => {
      peak = Math.max(peak, ++running);
      try {
        await sleep(ms);
        return `${name}:done`;
      } finally {
        running--;
      }
    };
  const show = (e: TaskProgressEnvelope<string, string>): string =>
    `  [${e.type}] ${e.key} ${e.type === 'ERROR' ? String(e.error) : String(e.value)} ` +
    `(team free=${team.currentCapacity}, global free=${global.currentCapacity})`;

  say('1. SourceBufferObj(taskRunners, true, BufferMode.FIFO), team counter 2 under global 3');
  const taskRunners: Task[] = [
    job('resize', 30),
    async function* encode() {
      peak = Math.max(peak, ++running);
      try {
        await sleep(20);
        yield 'encode:50%';
        await sleep(20);
        return 'encode:done';
      } finally {
        running--;
      }
    },
    job('upload', 10),
  ];
  const fixed = new HierarchicalTaskPoolRunner(
    'fixed',
    new SourceBufferObj(taskRunners, true, BufferMode.FIFO),
    team,
  );
  for await (const e of fixed.runTasks()) say(show(e));
  say(`  at most ${peak} tasks ran at once; team free=${team.currentCapacity}`);

  say('2. PushPullBufferObj.source: jobs pushed while the run is going, sink.return() ends it');
  peak = 0;
  const queue = new PushPullBufferObj<Task>();
  const live = new HierarchicalTaskPoolRunner('live', queue.source, team);
  const producer = (async () => {
    await queue.sink.next(job('fetch', 10));
    await sleep(40);
    await queue.sink.next(job('parse', 10));
    await queue.sink.next(job('store', 10));
    await queue.sink.return();
  })();
  for await (const e of live.runTasks()) say(show(e));
  await producer;
  say(`  run ended after sink.return(); at most ${peak} at once; global free=${global.currentCapacity}`);
  return lines;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) await main();
