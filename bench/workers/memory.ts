/**
 * Memory: heap retained per queued task, with nothing allowed to finish.
 * Usage: memory.ts <p-queue|p-limit|allot|allot-running> <n>
 * - p-queue: paused queue, n × add(noop).
 * - p-limit: limit(16), n calls of a task that awaits a gate that never opens (16 start, the rest queue).
 * - allot: n task objects in a SourceBufferObj plus a runner that was never drained. allot is pull-based, so
 *   this is the task definitions (unique key, shared runner, a cost literal each) plus the source's array; `taskBytes`
 *   reports the task objects alone.
 * - allot-running: like p-limit: the runner is started, 16 tasks hold the budget on a gate that never opens.
 * Each figure is heapUsed after a forced gc, minus a baseline taken the same way, divided by n.
 */
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import type { ScheduledTask } from '../../src/index.js';
import {
  allotRunner,
  allotTasks,
  args,
  emit,
  expectCount,
  fail,
  heapAfterGc,
  noop,
  turns,
} from './common.js';

const gate = new Promise<number>(() => {});
const blocked = (): Promise<number> => gate;
let started = 0;
const blockedCounting = (): Promise<number> => {
  started++;
  return gate;
};

/** Keeps what each contender built reachable until the measurement is taken. */
const keep: unknown[] = [];

async function build(contender: string, n: number): Promise<{ taskBytes?: number }> {
  switch (contender) {
    case 'p-queue': {
      const queue = new PQueue({ concurrency: 16 });
      queue.pause();
      for (let i = 0; i < n; i++) void queue.add(noop);
      expectCount('p-queue size', queue.size, n);
      keep.push(queue);
      return {};
    }
    case 'p-limit': {
      const limit = pLimit(16);
      for (let i = 0; i < n; i++) void limit(blocked);
      await turns(3);
      expectCount('p-limit active', limit.activeCount, 16);
      keep.push(limit);
      return {};
    }
    case 'allot':
    case 'allot-running': {
      const before = heapAfterGc();
      const running = contender === 'allot-running';
      const tasks: ScheduledTask<never, number>[] = allotTasks(
        n,
        () => ({ slots: 1 }),
        running ? blockedCounting : noop,
      );
      const taskBytes = heapAfterGc() - before;
      const runner = allotRunner(tasks, { slots: 16 });
      keep.push(runner);
      if (running) {
        const it = runner.runTasks(false)[Symbol.asyncIterator]();
        void it.next();
        keep.push(it);
        await turns(3);
        expectCount('allot started', started, 16);
      }
      return { taskBytes };
    }
    default:
      return fail(`unknown contender ${contender}`);
  }
}

const { contender, n } = args(100_000);
// Warm-up compiles the paths involved; its objects are dropped before the baseline.
await build(contender === 'allot-running' ? 'allot' : contender, 1_000);
keep.length = 0;
await turns(2);
const baseline = heapAfterGc();
const { taskBytes } = await build(contender, n);
const retained = heapAfterGc() - baseline;
const result = { contender, n, bytesPerTask: retained / n, retainedMB: retained / 2 ** 20 };
emit(taskBytes === undefined ? result : { ...result, taskBytesPerTask: taskBytes / n });
