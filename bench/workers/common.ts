/**
 * Shared helpers for bench workers: the allot task builder and drain loop, a seeded PRNG, gc and output.
 * Each worker prints exactly one JSON line on stdout; the orchestrator parses the last line.
 */
import {
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  SourceBufferObj,
} from '../../src/index.js';

/** A flat record of numbers (and a few labels) a worker reports. */
export type Metrics = Record<string, number | string | boolean>;

/** The no-op task every scenario runs. */
export const noop = async (): Promise<number> => 1;

/** Deterministic PRNG so every process draws the same seed-like costs. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed's three task shapes. Workers that model how the docs write tasks give each task a fresh copy
 * (`cost: { gpu: 2, cpu: 1 }` in every literal); `…-shared` contenders reuse these objects.
 */
export const SEED_SHAPES = [
  { gpu: 2, cpu: 1 },
  { gpu: 1, cpu: 2 },
  { gpu: 1, cpu: 1 },
] as const;
export const SEED_BUDGET = { gpu: 2, cpu: 3 };

/** Runs `global.gc()`; exits with a clear message when node was started without --expose-gc. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) fail('run with --expose-gc');
  g();
  g();
}

/** Reports a correctness failure and exits non-zero. */
export function fail(message: string): never {
  process.stderr.write(`bench worker failed: ${message}\n`);
  process.exit(1);
}

/** Prints the single JSON result line and exits (so a stuck handle cannot keep the process alive). */
export function emit(result: Metrics): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Positional args after the script: `<contender> <n>`. */
export function args(defaultN: number): { contender: string; n: number } {
  const contender = process.argv[2] ?? '';
  const n = Number(process.argv[3] ?? defaultN);
  if (!Number.isInteger(n) || n <= 0) fail(`bad n: ${process.argv[3]}`);
  return { contender, n };
}

type Cost = Readonly<Record<string, number>>;

/** Builds `n` allot tasks: unique keys, shared runner, costs from `costOf`. */
export function allotTasks(
  n: number,
  costOf: (i: number) => Cost,
  runner: () => Promise<number> = noop,
): ScheduledTask<never, number>[] {
  const tasks: ScheduledTask<never, number>[] = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = { key: `t${i}`, runner, cost: costOf(i) };
  return tasks;
}

/** A runner over a FIFO `SourceBufferObj` of `tasks` under `budget`. */
export function allotRunner(
  tasks: ScheduledTask<never, number>[],
  budget: Cost,
): ScheduledTaskPoolRunner<never, number> {
  const source = new SourceBufferObj<ScheduledTask<never, number>>(tasks);
  return new ScheduledTaskPoolRunner('bench', source, new ResourceCapacitySource({ ...budget }));
}

/**
 * Drains a runner; returns the FINAL count (any other envelope is a failure). With `deadline` (a
 * `performance.now()` value) it leaves the loop once past it, so a run that degrades with queue length still
 * ends; the caller then reports the count it reached as truncated.
 */
export async function drainAllot(
  runner: ScheduledTaskPoolRunner<never, number>,
  deadline = Infinity,
): Promise<number> {
  let finals = 0;
  for await (const e of runner.runTasks(false)) {
    if (e.type !== 'FINAL') fail(`unexpected ${e.type} envelope for ${e.key}: ${String(e.error)}`);
    finals++;
    if ((finals & 1023) === 0 && performance.now() > deadline) break;
  }
  return finals;
}

/** Warm-up size for a measured run of `n`: enough for the JIT, small enough to stay cheap. */
export function warmupSize(n: number): number {
  return Math.min(n, Math.max(10_000, Math.floor(n / 10)));
}

/** Per-run time budget in ms for scenarios that may degrade (env BENCH_BUDGET_MS, default 5 s). */
export function budgetMs(): number {
  const v = Number(process.env.BENCH_BUDGET_MS ?? 5_000);
  return Number.isFinite(v) && v > 0 ? v : 5_000;
}

/** Fails unless `got === want`. */
export function expectCount(what: string, got: number, want: number): void {
  if (got !== want) fail(`${what}: expected ${want}, got ${got}`);
}

/** A fresh `{ slots: 1 }` per call: a cost literal in each task, as the docs write it. */
export const freshSlot = (): Cost => ({ slots: 1 });

/** Seed-like costs drawn with a fresh mulberry32(42), so every run sees the same sequence. */
export function seedlikeCosts(n: number): Cost[] {
  const rnd = mulberry32(42);
  const costs: Cost[] = new Array(n);
  for (let i = 0; i < n; i++) costs[i] = SEED_SHAPES[Math.floor(rnd() * 3)] as Cost;
  return costs;
}

/** Heap in use after a forced gc (run with `--expose-gc`). */
export function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Waits `k` turns of the event loop (`setImmediate`): queued microtasks and due timers run in between. */
export function turns(k: number): Promise<void> {
  return new Promise((resolve) => {
    let left = k;
    const step = (): void => {
      if (--left <= 0) resolve();
      else setImmediate(step);
    };
    setImmediate(step);
  });
}
