/**
 * Rate limiting with `QuotaCapacitySource` (from the original documentation's use case "Rate Limiting").
 *
 * Run: npx tsx examples/rate-limiting.ts   (about 9 s: three windows of 2 s, then six refills of 500 ms)
 *
 * A quota is consumed, not borrowed: the runner still calls `release` when a task ends, and on a quota that does
 * nothing. Capacity comes back only from the quota's own timer (`reset` / `increment`), which signals the
 * runner, waiting with nothing in flight, to fill again.
 *
 * - Demo 1, fixed window: 35 requests under `{ requests: 10 }` with `startPeriodicReset(2000)`. FINALs come in
 *   batches of 10, 10, 10 and 5, one per window (t ≈ 0, 2, 4, 6 s). All 10 of a window are acquired before any
 *   completes, so `remaining` is 0 at every FINAL of the full windows and 5 in the last. `pending` counts the
 *   tasks not yet taken from the source: 25, 15, 5, 0. The head the runner peeks while the quota is empty stays
 *   pending: peeking consumes nothing.
 * - Demo 2, token bucket: `{ tokens: 8 }` with `startPeriodicIncrement(500, { tokens: 2 })`, 20 tasks. Eight start
 *   at once, then two after each refill; the last two start at the sixth refill (t = 3.0 s) and the run ends
 *   about 3.1 s in. Tokens are taken as soon as they arrive, so `tokens=0` at every FINAL here (the original
 *   docs say "almost every": a FINAL shows 2 only if a refill lands while nothing is left to start, which needs
 *   tasks longer than these).
 * - Demo 3, two quotas at once: `{ requests: 100, bandwidth_mb: 500 }`, 15 tasks where upload-1/5/9/13 cost
 *   100 MB and the api tasks 1 MB. All 15 start immediately (411 MB <= 500) and every FINAL shows requests=85
 *   bandwidth=89MB. The original docs close with "bandwidth was the bottleneck"; that is false: nothing ever
 *   waited, and 89 MB were never used.
 *
 * The original docs' own variant — not run here, it takes two minutes: 250 requests of `{ requests: 1 }` lasting
 * 30–100 ms under `QuotaCapacitySource({ requests: 100 })` with `startPeriodicReset(60_000)`. They print
 * `remaining=99, 98, …, 0`. That is impossible: nothing caps concurrency, so the runner acquires
 * all 100 of a window before the first one completes, and every FINAL of the first two windows shows
 * `remaining=0`; the last 50 (third window) show `remaining=50`. Completion order within a window is random and
 * the run takes about 120.1 s. `remaining=99…0` would need a concurrency limit of 1 (a child
 * `ResourceCapacitySource({ requests: 1 }, quota)`) — and then a window would take several seconds.
 *
 * Nothing here is shifted by the runner's pacing: the runner releases a cost just before yielding its FINAL
 * and refills when the consumer asks for the next envelope, but a quota release restores nothing
 * and this consumer asks again at once, so every refill is taken the moment the timer fires.
 *
 * The quota timers use the global `setTimeout`; the `sleep` option paces only the tasks. Tests fake both.
 * While the runner is blocked on an empty quota, the quota's timer keeps the process alive; otherwise it does
 * not.
 * Durations: Demo 1 draws 30–99 ms from the classic LCG the other examples use (seed 7); Demo 2
 * uses 60–120 ms; Demo 3 uses 15 ms (api) and 50 ms (upload).
 */
import { pathToFileURL } from 'node:url';
import {
  QuotaCapacitySource,
  type ResourceCost,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
} from '../src/index.js';
import {
  type ExampleIo,
  type ExampleOptions,
  lcg,
  recordLines,
  resolveOptions,
  TaskSource,
} from './support.js';

/** A quota that counts its refills (timer-driven `reset` / `increment`), so the output can name windows. */
class ObservedQuota extends QuotaCapacitySource {
  refills = 0;

  override reset(limits?: ResourceCost): void {
    this.refills++;
    super.reset(limits);
  }

  override increment(amount: ResourceCost, cap?: ResourceCost): void {
    this.refills++;
    super.increment(amount, cap);
  }
}

/** Clock and printer, injectable so a test can drive the demo with fake timers. */
export type RateLimitOptions = ExampleOptions;

/** A task starting or finishing: when (ms since the demo began), in which refill window, with what left. */
export interface Mark {
  key: string;
  index: number;
  t: number;
  /** Refills (resets or increments) before this moment: 0 for the initial budget. */
  window: number;
  available: Readonly<ResourceCost>;
}

/** Demo 1: fixed window. */
export interface WindowReport {
  starts: Mark[];
  /** `pending` is what the source still holds; `startedSoFar` is counted by the tasks themselves. */
  finals: Array<Mark & { pending: number; startedSoFar: number }>;
  /** Per task index, the window in which the runner first peeked it. */
  firstPeekWindow: number[];
  batches: number[];
  windows: number;
  elapsed: number;
}

/** Demo 2: token bucket. */
export interface BucketReport {
  starts: Mark[];
  finals: Mark[];
  /** Tasks started with the initial tokens, then after each refill. */
  startsPerRefill: number[];
  elapsed: number;
}

/** Demo 3: two quotas. */
export interface MultiReport {
  events: Array<{ kind: 'start' | 'final'; key: string; t: number }>;
  finals: Mark[];
  startedBeforeFirstFinal: number;
  peakBandwidth: number;
  bandwidthLimit: number;
  elapsed: number;
}

/** Everything the program printed and measured. */
export interface RateLimitReport {
  lines: string[];
  demo1: WindowReport;
  demo2: BucketReport;
  demo3: MultiReport;
}

type Env = ExampleIo;

/** One task per entry, run under `quota`, recording starts and FINALs with the quota's state. */
async function runAll(
  env: Env,
  quota: ObservedQuota,
  specs: Array<{ key: string; cost: ResourceCost; ms: number }>,
  onFinal: (mark: Mark, pending: number, started: number) => void,
  onPeek: (index: number) => void = () => {},
): Promise<{ starts: Mark[]; peak: ResourceCost; elapsed: number }> {
  const t0 = env.now();
  const mark = (key: string, index: number): Mark => ({
    key,
    index,
    t: env.now() - t0,
    window: quota.refills,
    available: quota.available,
  });
  const starts: Mark[] = [];
  // What running tasks hold, tracked from inside them (a quota's `available` cannot show it: nothing comes back).
  const held: ResourceCost = {};
  const peak: ResourceCost = {};
  const hold = (cost: ResourceCost, sign: 1 | -1): void => {
    for (const [r, n] of Object.entries(cost)) {
      held[r] = (held[r] ?? 0) + sign * n;
      peak[r] = Math.max(peak[r] ?? 0, held[r] ?? 0);
    }
  };
  const tasks: Array<ScheduledTask<string, string>> = specs.map((spec, index) => ({
    key: spec.key,
    cost: spec.cost,
    runner: async () => {
      starts.push(mark(spec.key, index));
      hold(spec.cost, 1);
      try {
        await env.sleep(spec.ms);
        return spec.key;
      } finally {
        hold(spec.cost, -1);
      }
    },
  }));
  const source = new TaskSource(tasks, onPeek);
  const runner = new ScheduledTaskPoolRunner<string, string>('rate-limit', source, quota);
  const indexOf = new Map(specs.map((s, i) => [s.key, i]));
  try {
    for await (const e of runner.runTasks(false)) {
      if (e.type === 'FINAL') onFinal(mark(e.key, indexOf.get(e.key) ?? -1), source.pending, starts.length);
      if (e.type === 'ERROR') env.log(`[ERROR] ${e.key}: ${String(e.error)}`);
    }
  } finally {
    quota.stopTimer();
  }
  return { starts, peak, elapsed: env.now() - t0 };
}

/** Demo 1: 35 requests, 10 per 2 s window. */
async function fixedWindow(env: Env): Promise<WindowReport> {
  env.log('=== Demo 1: fixed window, 10 requests per 2 s, 35 requests ===');
  const rng = lcg(7);
  const specs = Array.from({ length: 35 }, (_, i) => ({
    key: `req-${i + 1}`,
    cost: { requests: 1 },
    ms: 30 + Math.floor(rng() * 70),
  }));
  const quota = new ObservedQuota({ requests: 10 });
  quota.startPeriodicReset(2000);
  const firstPeekWindow: number[] = specs.map(() => -1);
  const finals: WindowReport['finals'] = [];
  const { starts, elapsed } = await runAll(
    env,
    quota,
    specs,
    (m, pending, started) => {
      finals.push({ ...m, pending, startedSoFar: started });
      env.log(
        `[FINAL] ${m.key.padEnd(6)} window=${m.window + 1} remaining=${m.available.requests} pending=${pending}`,
      );
    },
    (index) => {
      if (firstPeekWindow[index] === -1) firstPeekWindow[index] = quota.refills;
    },
  );
  const batches: number[] = [];
  for (const f of finals) batches[f.window] = (batches[f.window] ?? 0) + 1;
  const windows = batches.filter((n) => n > 0).length;
  env.log(`done: ${finals.length} requests across ${windows} windows (batches ${batches.join(', ')})`);
  return { starts, finals, firstPeekWindow, batches, windows, elapsed };
}

/** Demo 2: token bucket, 8 tokens, +2 every 500 ms, 20 tasks. */
async function tokenBucket(env: Env): Promise<BucketReport> {
  env.log('');
  env.log('=== Demo 2: token bucket, 8 tokens, +2 every 500 ms, 20 tasks ===');
  const specs = Array.from({ length: 20 }, (_, i) => ({
    key: `task-${i + 1}`,
    cost: { tokens: 1 },
    ms: 60 + (i % 4) * 20,
  }));
  const quota = new ObservedQuota({ tokens: 8 });
  quota.startPeriodicIncrement(500, { tokens: 2 });
  const finals: Mark[] = [];
  const { starts, elapsed } = await runAll(env, quota, specs, (m) => {
    finals.push(m);
    env.log(`[FINAL] ${m.key.padEnd(7)} refill=${m.window} tokens=${m.available.tokens}`);
  });
  const startsPerRefill: number[] = [];
  for (const s of starts) startsPerRefill[s.window] = (startsPerRefill[s.window] ?? 0) + 1;
  for (let i = 0; i < startsPerRefill.length; i++) startsPerRefill[i] ??= 0;
  env.log(
    `done: ${finals.length} tasks; started ${startsPerRefill.join(', ')} per refill; finished at ${(elapsed / 1000).toFixed(1)} s`,
  );
  return { starts, finals, startsPerRefill, elapsed };
}

/** Demo 3: requests and bandwidth quotas together. */
async function twoQuotas(env: Env): Promise<MultiReport> {
  env.log('');
  env.log('=== Demo 3: two quotas, 100 requests and 500 MB per minute, 15 tasks ===');
  const specs = Array.from({ length: 15 }, (_, i) => {
    const upload = i % 4 === 0; // upload-1, -5, -9, -13
    return {
      key: `${upload ? 'upload' : 'api'}-${i + 1}`,
      cost: { requests: 1, bandwidth_mb: upload ? 100 : 1 },
      ms: upload ? 50 : 15,
    };
  });
  const bandwidthLimit = 500;
  const quota = new ObservedQuota({ requests: 100, bandwidth_mb: bandwidthLimit });
  quota.startPeriodicReset(60_000);
  const finals: Mark[] = [];
  const events: MultiReport['events'] = [];
  const { starts, peak, elapsed } = await runAll(env, quota, specs, (m) => {
    finals.push(m);
    events.push({ kind: 'final', key: m.key, t: m.t });
    env.log(
      `[FINAL] ${m.key.padEnd(9)} requests=${m.available.requests} bandwidth=${m.available.bandwidth_mb}MB`,
    );
  });
  for (const s of starts) events.push({ kind: 'start', key: s.key, t: s.t });
  // Starts are recorded as they happen, FINALs too; order them by time, starts first on a tie.
  events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? 0 : a.kind === 'start' ? -1 : 1));
  const firstFinal = finals[0]?.t ?? Number.POSITIVE_INFINITY;
  const startedBeforeFirstFinal = starts.filter((s) => s.t <= firstFinal).length;
  const peakBandwidth = peak.bandwidth_mb ?? 0;
  env.log(
    `done: ${finals.length} tasks, ${startedBeforeFirstFinal} started before the first finished; ` +
      `peak bandwidth in flight ${peakBandwidth} of ${bandwidthLimit} MB`,
  );
  env.log('bandwidth was NOT the bottleneck: no task ever waited for it (the original docs claim it was)');
  return { events, finals, startedBeforeFirstFinal, peakBandwidth, bandwidthLimit, elapsed };
}

/** Runs the three demos in turn and returns what they printed and measured. */
export async function main(options: RateLimitOptions = {}): Promise<RateLimitReport> {
  const io = resolveOptions(options);
  const { lines, log } = recordLines(io.log);
  const env: Env = { ...io, log };
  const demo1 = await fixedWindow(env);
  const demo2 = await tokenBucket(env);
  const demo3 = await twoQuotas(env);
  return { lines, demo1, demo2, demo3 };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
