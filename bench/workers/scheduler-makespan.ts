/**
 * Scheduler makespan: a seed-like mixed workload on real timers, all n tasks added at once; time from the
 * first add to idle.
 * Usage: scheduler-makespan.ts <fifo|backfill|fifo-cpu4|backfill-cpu4> <n>
 * fifo, backfill: budget {gpu:2, cpu:3}, the seed's. fifo-cpu4, backfill-cpu4: {gpu:2, cpu:4}, where two
 * mixed tasks fit side by side, so the order matters more.
 * Kinds (equal odds; kind and duration drawn with mulberry32(21), so every process runs the same workload):
 * encode {gpu:2,cpu:1} 20–40 ms, thumbnail {cpu:1} 5–10 ms, mixed {gpu:1,cpu:2} 10–20 ms; each task has a
 * fresh cost literal and awaits a `setTimeout` of its duration.
 * Reported besides the makespan: `boundMs`, a lower bound no order can beat: the largest of each resource's
 * work (amount × ms, summed) ÷ its limit, the longest task, and the total duration of any set of kinds no two
 * of which fit side by side (a kind with itself included), since those tasks run one at a time. And, from the
 * order of `start` events, bypass counts: a task's is how many tasks added after it started before it (all
 * are ready from the start, so it was ready and waiting each time); `worstBypass` is the largest.
 * `worstHeadBypass` counts only the starts after every earlier task had started, i.e. while the task was the
 * head of the queue; `maxBypass` (default 16) bounds those that take a resource the head lacks. fifo must
 * show 0 for both.
 */
import { Scheduler } from '../../src/index.js';
import { args, emit, expectCount, fail, mulberry32 } from './common.js';

type Cost = Readonly<Record<string, number>>;

const LIMITS: Record<string, Cost> = {
  fifo: { gpu: 2, cpu: 3 },
  backfill: { gpu: 2, cpu: 3 },
  'fifo-cpu4': { gpu: 2, cpu: 4 },
  'backfill-cpu4': { gpu: 2, cpu: 4 },
};
const KINDS: readonly { cost: Cost; minMs: number; maxMs: number }[] = [
  { cost: { gpu: 2, cpu: 1 }, minMs: 20, maxMs: 40 }, // encode
  { cost: { cpu: 1 }, minMs: 5, maxMs: 10 }, // thumbnail
  { cost: { gpu: 1, cpu: 2 }, minMs: 10, maxMs: 20 }, // mixed
];

interface Job {
  cost: Cost;
  ms: number;
}

function workload(n: number): Job[] {
  const rnd = mulberry32(21);
  const jobs: Job[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = KINDS[Math.floor(rnd() * KINDS.length)] as (typeof KINDS)[number];
    const ms = kind.minMs + Math.floor(rnd() * (kind.maxMs - kind.minMs + 1));
    jobs[i] = { cost: kind.cost, ms };
  }
  return jobs;
}

/** A makespan no schedule can beat (see the header). */
function lowerBound(jobs: readonly Job[], limits: Cost): number {
  let bound = 0;
  for (const j of jobs) bound = Math.max(bound, j.ms);
  for (const [r, limit] of Object.entries(limits)) {
    let work = 0;
    for (const j of jobs) work += (j.cost[r] ?? 0) * j.ms;
    bound = Math.max(bound, work / limit);
  }
  const clash = (a: Cost, b: Cost): boolean =>
    Object.entries(limits).some(([r, limit]) => (a[r] ?? 0) + (b[r] ?? 0) > limit);
  // Every set of kinds that pairwise clash (each also with itself): its tasks run one at a time.
  for (let mask = 1; mask < 1 << KINDS.length; mask++) {
    const set = KINDS.filter((_, i) => (mask & (1 << i)) !== 0).map((k) => k.cost);
    if (!set.every((a) => set.every((b) => clash(a, b)))) continue;
    let serial = 0;
    for (const j of jobs) if (set.includes(j.cost)) serial += j.ms;
    bound = Math.max(bound, serial);
  }
  return bound;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the jobs; returns the makespan and each task's position in the start order (indexed by add order). */
async function run(
  order: 'fifo' | 'backfill',
  limits: Cost,
  jobs: readonly Job[],
): Promise<{ ms: number; pos: number[] }> {
  const n = jobs.length;
  const s = new Scheduler({ limits: { ...limits }, order });
  const pos: number[] = new Array(n).fill(-1);
  let started = 0;
  s.on('start', (e) => {
    pos[Number(e.key.slice(1))] = started++;
  });
  let done = 0;
  const count = (): void => {
    done++;
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const job = jobs[i] as Job;
    void s.add(() => sleep(job.ms), { key: `t${i}`, cost: { ...job.cost } }).then(count);
  }
  await s.onIdle();
  const ms = performance.now() - t0;
  await Promise.resolve();
  expectCount(`${order} fulfilled`, done, n);
  expectCount(`${order} starts`, started, n);
  return { ms, pos };
}

/** Worst bypass counts from the start positions (see the header). */
function bypasses(pos: readonly number[]): { worst: number; worstHead: number } {
  const n = pos.length;
  let worst = 0;
  let worstHead = 0;
  // Last start position among the tasks added before i: from then on, i was the head.
  let headSince = -1;
  for (let i = 0; i < n; i++) {
    const p = pos[i] as number;
    let later = 0;
    for (let j = i + 1; j < n; j++) if ((pos[j] as number) < p) later++;
    worst = Math.max(worst, later);
    worstHead = Math.max(worstHead, p > headSince ? p - headSince - 1 : 0);
    headSince = Math.max(headSince, p);
  }
  return { worst, worstHead };
}

const { contender, n } = args(300);
const limits = LIMITS[contender];
if (limits === undefined) fail(`unknown contender ${contender}`);
const order = contender.startsWith('fifo') ? 'fifo' : 'backfill';
const jobs = workload(n);
// Warm-up: the first tasks of the same workload at 1 ms each (compiles the paths; timers dominate anyway).
await run(
  order,
  limits,
  jobs.slice(0, Math.min(n, 30)).map((j) => ({ cost: j.cost, ms: 1 })),
);
const { ms, pos } = await run(order, limits, jobs);
const { worst, worstHead } = bypasses(pos);
if (order === 'fifo' && worst !== 0) fail(`fifo started a task before an earlier one (bypass ${worst})`);
const boundMs = lowerBound(jobs, limits);
emit({ contender, n, ms, boundMs, overBound: ms / boundMs, worstBypass: worst, worstHeadBypass: worstHead });
