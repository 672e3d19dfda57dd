/**
 * Wake-up latency: how long after a task finishes does the next waiting task start? Concurrency 1 (allot:
 * budget {slots:1}, cost {slots:1}), n tasks queued up front. Each task records the time it started and the
 * time it returned; the gap between one task's return and the next one's start is the scheduler's wake-up
 * path (for allot: the run notices the result, gives the capacity back, admits the next task and starts it).
 * Reports the median (p50) and p99 gap in microseconds over the measured run.
 * Usage: latency.ts <p-queue|allot> <n>
 */
import PQueue from 'p-queue';
import { median } from '../lib/stats.js';
import {
  allotRunner,
  allotTasks,
  args,
  drainAllot,
  emit,
  expectCount,
  fail,
  gc,
  warmupSize,
} from './common.js';

function makeTask(gaps: number[]): () => Promise<number> {
  let lastEnd = -1;
  return async () => {
    const start = performance.now();
    if (lastEnd >= 0) gaps.push(start - lastEnd);
    lastEnd = performance.now();
    return 1;
  };
}

async function run(contender: string, n: number): Promise<number[]> {
  const gaps: number[] = [];
  const task = makeTask(gaps);
  if (contender === 'p-queue') {
    const queue = new PQueue({ concurrency: 1 });
    let done = 0;
    for (let i = 0; i < n; i++)
      void queue.add(task).then(() => {
        done++;
      });
    await queue.onIdle();
    expectCount('p-queue results', done, n);
  } else if (contender === 'allot') {
    const runner = allotRunner(
      allotTasks(n, () => ({ slots: 1 }), task),
      { slots: 1 },
    );
    expectCount('allot FINALs', await drainAllot(runner), n);
  } else fail(`unknown contender ${contender}`);
  return gaps;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
}

const { contender, n } = args(20_000);
await run(contender, warmupSize(n));
gc();
const gaps = await run(contender, n);
emit({
  contender,
  n,
  p50us: median(gaps) * 1000,
  p99us: percentile(gaps, 0.99) * 1000,
});
