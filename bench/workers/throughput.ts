/**
 * Throughput: n no-op tasks, everything submitted up front, timed from submit to the last result.
 * Usage: throughput.ts <contender> <n>
 * Contenders: p-queue, p-limit (concurrency 16), p-queue-c2 (concurrency 2, reference for allot-seedlike),
 * allot ({slots:16}, a fresh cost literal {slots:1} per task, as the docs write tasks), allot-shared (the same
 * with one shared cost object) and allot-seedlike ({gpu:2,cpu:3}, seed-like costs, a fresh object per task).
 * allot's timing includes building its task objects (the caller must supply `{ key, runner, cost }`).
 */
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import {
  allotRunner,
  allotTasks,
  args,
  drainAllot,
  emit,
  expectCount,
  fail,
  freshSlot,
  gc,
  noop,
  SEED_BUDGET,
  seedlikeCosts,
  warmupSize,
} from './common.js';

type Cost = Readonly<Record<string, number>>;
const SLOT: Cost = { slots: 1 };

async function pQueue(n: number, concurrency: number): Promise<void> {
  const queue = new PQueue({ concurrency });
  let done = 0;
  const count = (): void => {
    done++;
  };
  for (let i = 0; i < n; i++) void queue.add(noop).then(count);
  await queue.onIdle();
  expectCount('p-queue results', done, n);
}

async function pLimitRun(n: number): Promise<void> {
  const limit = pLimit(16);
  const all: Promise<number>[] = new Array(n);
  for (let i = 0; i < n; i++) all[i] = limit(noop);
  const results = await Promise.all(all);
  expectCount('p-limit results', results.length, n);
}

async function allot(n: number, costOf: (i: number) => Cost, budget: Cost): Promise<void> {
  const runner = allotRunner(allotTasks(n, costOf), budget);
  expectCount('allot FINALs', await drainAllot(runner), n);
}

function pick(contender: string, seedCosts: Cost[]): (n: number) => Promise<void> {
  switch (contender) {
    case 'p-queue':
      return (n) => pQueue(n, 16);
    case 'p-queue-c2':
      return (n) => pQueue(n, 2);
    case 'p-limit':
      return pLimitRun;
    case 'allot':
      return (n) => allot(n, freshSlot, { slots: 16 });
    case 'allot-shared':
      return (n) => allot(n, () => SLOT, { slots: 16 });
    case 'allot-seedlike':
      // A fresh object per task, copied from the drawn shape.
      return (n) => allot(n, (i) => ({ ...(seedCosts[i] as Cost) }), SEED_BUDGET);
    default:
      return fail(`unknown contender ${contender}`);
  }
}

const { contender, n } = args(100_000);
// Costs are drawn before timing: picking a random shape is the workload's job, not the scheduler's.
const run = pick(contender, contender === 'allot-seedlike' ? seedlikeCosts(n) : []);

await run(warmupSize(n));
gc();
const t0 = performance.now();
await run(n);
const ms = performance.now() - t0;
emit({ contender, n, ms, tasksPerSec: (n / ms) * 1000, nsPerTask: (ms * 1e6) / n });
