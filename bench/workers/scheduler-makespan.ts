/**
 * Scheduler makespan: a mixed workload on real timers, all n tasks added at once; time from the first add to
 * idle. Usage: scheduler-makespan.ts <order>-<workload> <n>, order `fifo` or `backfill`.
 *
 * Workloads (kind and duration drawn with mulberry32(21), so every process runs the same tasks; each task has a
 * fresh cost literal and awaits a `setTimeout` of its duration):
 * - `seed`: the seed's budget {gpu:2, cpu:3} and kinds, equal odds: encode {gpu:2,cpu:1} 20–40 ms, thumbnail
 *   {cpu:1} 5–10 ms, mixed {gpu:1,cpu:2} 10–20 ms. Almost all the work is on the GPUs, so any order is close to
 *   the bound: this row shows backfill costs nothing where it cannot help.
 * - `cpu4`: the same kinds under {gpu:2, cpu:4}, where two mixed tasks fit side by side.
 * - `media`: the seed's kinds plus a CPU-only transcode {cpu:4} 20–40 ms, equal odds, under {gpu:2, cpu:8}:
 *   CPU work now weighs as much as GPU work. Under fifo, each encode waiting for both GPUs holds back the
 *   CPU-only work queued behind it.
 *
 * Reported besides the makespan: `boundMs`, a lower bound no order can beat: the largest of each resource's
 * work (amount × ms, summed) ÷ its limit, the longest task, and the total duration of any set of kinds no two
 * of which fit side by side (a kind with itself included), since those tasks run one at a time. And, from the
 * order of `start` events, bypass counts: a task's is how many tasks added after it started before it (all
 * are ready from the start, so it was ready and waiting each time); `worstBypass` is the largest.
 * `worstHeadBypass` counts only the starts after every earlier task had started, i.e. while the task was the
 * head of the queue; `maxBypass` (default 16) bounds those that take a resource the head takes. fifo must
 * show 0 for both.
 */
import { Scheduler } from '../../src/index.js';
import { args, emit, expectCount, fail, mulberry32 } from './common.js';

type Cost = Readonly<Record<string, number>>;
interface Kind {
  cost: Cost;
  minMs: number;
  maxMs: number;
}

const SEED_KINDS: readonly Kind[] = [
  { cost: { gpu: 2, cpu: 1 }, minMs: 20, maxMs: 40 }, // encode
  { cost: { cpu: 1 }, minMs: 5, maxMs: 10 }, // thumbnail
  { cost: { gpu: 1, cpu: 2 }, minMs: 10, maxMs: 20 }, // mixed
];
const WORKLOADS: Record<string, { limits: Cost; kinds: readonly Kind[] }> = {
  seed: { limits: { gpu: 2, cpu: 3 }, kinds: SEED_KINDS },
  cpu4: { limits: { gpu: 2, cpu: 4 }, kinds: SEED_KINDS },
  media: {
    limits: { gpu: 2, cpu: 8 },
    kinds: [...SEED_KINDS, { cost: { cpu: 4 }, minMs: 20, maxMs: 40 }], // plus a CPU-only transcode
  },
};

interface Job {
  cost: Cost;
  ms: number;
}

function workload(kinds: readonly Kind[], n: number): Job[] {
  const rnd = mulberry32(21);
  const jobs: Job[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = kinds[Math.floor(rnd() * kinds.length)] as Kind;
    const ms = kind.minMs + Math.floor(rnd() * (kind.maxMs - kind.minMs + 1));
    jobs[i] = { cost: kind.cost, ms };
  }
  return jobs;
}

/** A makespan no schedule can beat (see the header). */
function lowerBound(jobs: readonly Job[], limits: Cost, kinds: readonly Kind[]): number {
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
  for (let mask = 1; mask < 1 << kinds.length; mask++) {
    const set = kinds.filter((_, i) => (mask & (1 << i)) !== 0).map((k) => k.cost);
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
const [order, name] = contender.split('-') as ['fifo' | 'backfill', string];
const w = WORKLOADS[name];
if (w === undefined || (order !== 'fifo' && order !== 'backfill')) fail(`unknown contender ${contender}`);
const jobs = workload(w.kinds, n);
// Warm-up: the first tasks of the same workload at 1 ms each (compiles the paths; timers dominate anyway).
await run(
  order,
  w.limits,
  jobs.slice(0, Math.min(n, 30)).map((j) => ({ cost: j.cost, ms: 1 })),
);
const { ms, pos } = await run(order, w.limits, jobs);
const { worst, worstHead } = bypasses(pos);
if (order === 'fifo' && worst !== 0) fail(`fifo started a task before an earlier one (bypass ${worst})`);
const boundMs = lowerBound(jobs, w.limits, w.kinds);
emit({ contender, n, ms, boundMs, overBound: ms / boundMs, worstBypass: worst, worstHeadBypass: worstHead });
