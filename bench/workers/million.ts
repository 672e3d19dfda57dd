/**
 * One million no-op tasks enqueued up front: wall time, peak heap, peak RSS and time spent in gc.
 * Usage: million.ts <allot|allot-shared|p-queue> [n=1000000]
 * allot: budget {slots:16}, a fresh cost literal {slots:1} in every task (as the docs write tasks);
 * allot-shared: the same with one shared cost object. p-queue: concurrency 16.
 * Peak heapUsed is sampled every 50 ms (an unref'd interval; it only fires when the loop yields to timers) and
 * also from inside the task every 65,536 calls and after the enqueue step, because both schedulers may run
 * entirely on microtasks. An allot run that passes the time budget (BENCH_BUDGET_MS) is cut short and marked.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import PQueue from 'p-queue';
import {
  allotRunner,
  allotTasks,
  args,
  budgetMs,
  drainAllot,
  emit,
  expectCount,
  fail,
  gc,
} from './common.js';

let peakHeap = 0;
const sample = (): void => {
  const h = process.memoryUsage().heapUsed;
  if (h > peakHeap) peakHeap = h;
};
let calls = 0;
const task = async (): Promise<number> => {
  if ((++calls & 0xffff) === 0) sample();
  return 1;
};
const SLOT = { slots: 1 };

/** Returns how many tasks completed (n unless the budget cut an allot run short). */
async function run(contender: string, n: number, deadline: number): Promise<number> {
  if (contender === 'p-queue') {
    const queue = new PQueue({ concurrency: 16 });
    let done = 0;
    const count = (): void => {
      done++;
    };
    for (let i = 0; i < n; i++) void queue.add(task).then(count);
    sample();
    await queue.onIdle();
    return done;
  }
  if (contender === 'allot' || contender === 'allot-shared') {
    const tasks = allotTasks(n, contender === 'allot' ? () => ({ slots: 1 }) : () => SLOT, task);
    sample();
    return drainAllot(allotRunner(tasks, { slots: 16 }), deadline);
  }
  return fail(`unknown contender ${contender}`);
}

const { contender, n } = args(1_000_000);
expectCount('warm-up', await run(contender, 20_000, Infinity), 20_000);
gc();
let gcMs = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
obs.observe({ entryTypes: ['gc'] });
peakHeap = 0;
const timer = setInterval(sample, 50);
timer.unref();
const t0 = performance.now();
const done = await run(contender, n, t0 + budgetMs());
const ms = performance.now() - t0;
sample();
clearInterval(timer);
// gc entries are delivered on a later timer tick; wait for it, then collect anything still buffered.
await new Promise((resolve) => setTimeout(resolve, 20));
for (const e of obs.takeRecords()) gcMs += e.duration;
obs.disconnect();
const truncated = done < n;
if (!truncated) expectCount(`${contender} results`, done, n);
emit({
  contender,
  n,
  completed: done,
  truncated,
  ms,
  tasksPerSec: (done / ms) * 1000,
  peakHeapMB: peakHeap / 2 ** 20,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  gcShare: gcMs / ms,
});
