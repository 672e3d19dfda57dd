/**
 * `simulate`: n tasks of the `media` mix (the seed's kinds plus a CPU-only transcode {cpu:4}, equal odds,
 * drawn with mulberry32(21) as in scheduler-makespan) under {gpu:2, cpu:8}, all arriving at 0, run through the
 * real Scheduler on a simulated clock. Reports the wall time of the simulation and the simulated makespan.
 * Usage: scheduler-simulate.ts <fifo|backfill|backfill-drf> <n>
 * backfill-drf: the same with three tenants taking turns (video, audio, web; weights 2, 1, 1) and fair sharing.
 */
import { type SimulatedTask, simulate } from '../../src/index.js';
import { args, emit, fail, gc, mulberry32 } from './common.js';

type Cost = Readonly<Record<string, number>>;
const KINDS: readonly { cost: Cost; minMs: number; maxMs: number }[] = [
  { cost: { gpu: 2, cpu: 1 }, minMs: 20, maxMs: 40 }, // encode
  { cost: { cpu: 1 }, minMs: 5, maxMs: 10 }, // thumbnail
  { cost: { gpu: 1, cpu: 2 }, minMs: 10, maxMs: 20 }, // mixed
  { cost: { cpu: 4 }, minMs: 20, maxMs: 40 }, // transcode
];
const TENANTS = ['video', 'audio', 'web'];

function workload(n: number, fair: boolean): SimulatedTask[] {
  const rnd = mulberry32(21);
  const out: SimulatedTask[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = KINDS[Math.floor(rnd() * KINDS.length)] as (typeof KINDS)[number];
    const durationMs = kind.minMs + Math.floor(rnd() * (kind.maxMs - kind.minMs + 1));
    out[i] = {
      key: `t${i}`,
      cost: { ...kind.cost },
      durationMs,
      ...(fair && { tenant: TENANTS[i % 3] as string }),
    };
  }
  return out;
}

const { contender, n } = args(100_000);
if (contender !== 'fifo' && contender !== 'backfill' && contender !== 'backfill-drf')
  fail(`unknown contender ${contender}`);
const order = contender === 'fifo' ? 'fifo' : 'backfill';
const fair = contender === 'backfill-drf';
const tenants = fair ? { video: { weight: 2 }, audio: { weight: 1 }, web: { weight: 1 } } : undefined;
const limits = { gpu: 2, cpu: 8 };
await simulate({ limits, order, ...(tenants && { tenants }), tasks: workload(2_000, fair) }); // warm-up
gc();
const tasks = workload(n, fair);
const t0 = performance.now();
const r = await simulate({ limits, order, ...(tenants && { tenants }), tasks });
const ms = performance.now() - t0;
if (r.tasks.length !== n) fail(`simulated ${r.tasks.length} of ${n} tasks`);
emit({
  contender,
  n,
  seconds: ms / 1000,
  makespanMs: r.makespanMs,
  gpuUtil: r.utilization.gpu as number,
  cpuUtil: r.utilization.cpu as number,
});
