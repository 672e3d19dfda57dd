/**
 * Scaling: allot's cost per task at queue lengths 10,000 / 100,000 / 1,000,000 (everything enqueued up front,
 * budget {slots:16}, cost {slots:1}). A scheduler whose per-decision cost does not grow with the queue shows a
 * flat ns/task and a largest/smallest ratio near 1.
 * Usage: scaling.ts allot [sizes=10000,100000,1000000]
 * Each size: gc, one untimed 20,000-task run, then timed runs without gc in between. Smaller sizes are repeated (about 300,000 tasks' worth, at most 30 reps) and the median taken. A size whose
 * run passes the time budget (BENCH_BUDGET_MS) is cut short: its ns/task covers the tasks that completed while
 * the queue was still that long, and the result is marked truncated.
 */
import {
  allotRunner,
  allotTasks,
  budgetMs,
  drainAllot,
  emit,
  expectCount,
  fail,
  gc,
  type Metrics,
} from './common.js';

const contender = process.argv[2] ?? '';
if (contender !== 'allot') fail(`unknown contender ${contender}`);
const sizes = (process.argv[3] ?? '10000,100000,1000000').split(',').map(Number);
if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) fail(`bad sizes ${process.argv[3]}`);

/** Drains `n` fresh tasks; tasks are built before the clock starts (only scheduling is measured). */
async function once(n: number, deadline: number): Promise<{ ns: number; done: number }> {
  const runner = allotRunner(
    allotTasks(n, () => ({ slots: 1 })),
    { slots: 16 },
  );
  const t0 = performance.now();
  const done = await drainAllot(runner, deadline);
  const ms = performance.now() - t0;
  return { ns: (ms * 1e6) / done, done };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

expectCount('warm-up', (await once(20_000, Infinity)).done, 20_000);
const out: Metrics = { contender };
const perSize: number[] = [];
let truncated = false;
for (const n of sizes) {
  const reps = Math.max(1, Math.min(30, Math.round(300_000 / n)));
  // gc once per size, then an untimed run: a full gc deoptimises the runner's hot path ("weak objects": the
  // previous run's objects were embedded in optimised code), and re-optimising would dominate a 10,000-task run.
  gc();
  await once(Math.min(n, 20_000), Infinity);
  const deadline = performance.now() + budgetMs();
  const samples: number[] = [];
  for (let r = 0; r < reps && performance.now() < deadline; r++) {
    const { ns, done } = await once(n, deadline);
    if (done === n) {
      samples.push(ns);
      continue;
    }
    // Out of budget. A complete earlier rep is enough; otherwise report the partial first rep.
    if (samples.length === 0) {
      samples.push(ns);
      truncated = true;
      out[`completed_${n}`] = done;
    }
    break;
  }
  const ns = median(samples);
  perSize.push(ns);
  out[`ns_${n}`] = ns;
  out[`reps_${n}`] = samples.length;
}
out.truncated = truncated;
out.ratioLargestSmallest = (perSize[perSize.length - 1] as number) / (perSize[0] as number);
emit(out);
