/**
 * Scheduler throughput: n no-op tasks added up front, every result awaited; timed from the first add to idle.
 * Usage: scheduler-add.ts <contender> <n>
 * Contenders: p-queue (concurrency 16: `queue.add(async () => {})`), allot (`Scheduler`, limits {slot:16},
 * `s.add(async () => {}, { cost: { slot: 1 } })` with a fresh options object and cost literal per task, default
 * order `backfill`) and allot-fifo (the same with `order: 'fifo'`).
 * Both libraries are used the same way: each returned promise / handle gets a `.then` that counts fulfilments,
 * then `await onIdle()`, then the count must be n (a rejected task, or one never settled, fails the run).
 */
import PQueue from 'p-queue';
import { Scheduler } from '../../src/index.js';
import { args, emit, expectCount, fail, gc, warmupSize } from './common.js';

/** The task both libraries run: an async no-op, as a user would write it inline. */
const noop = async (): Promise<void> => {};

async function pQueue(n: number): Promise<void> {
  const queue = new PQueue({ concurrency: 16 });
  let done = 0;
  const count = (): void => {
    done++;
  };
  for (let i = 0; i < n; i++) void queue.add(noop).then(count);
  await queue.onIdle();
  expectCount('p-queue fulfilled', done, n);
}

async function allot(n: number, order: 'fifo' | 'backfill'): Promise<void> {
  const s = new Scheduler({ limits: { slot: 16 }, order });
  let done = 0;
  const count = (): void => {
    done++;
  };
  for (let i = 0; i < n; i++) void s.add(noop, { cost: { slot: 1 } }).then(count);
  await s.onIdle();
  // Each handle's callback is queued before the idle waiter resumes; one more turn keeps the check from
  // depending on that order.
  await Promise.resolve();
  expectCount('allot fulfilled', done, n);
  expectCount('allot completed', s.stats.completed, n);
}

function pick(contender: string): (n: number) => Promise<void> {
  switch (contender) {
    case 'p-queue':
      return pQueue;
    case 'allot':
      return (n) => allot(n, 'backfill');
    case 'allot-fifo':
      return (n) => allot(n, 'fifo');
    default:
      return fail(`unknown contender ${contender}`);
  }
}

const { contender, n } = args(100_000);
const run = pick(contender);
await run(warmupSize(n));
gc();
const t0 = performance.now();
await run(n);
const ms = performance.now() - t0;
emit({ contender, n, ms, tasksPerSec: (n / ms) * 1000, nsPerTask: (ms * 1e6) / n });
