/**
 * Priority: n enqueues, then a full drain, through `PrioritySourceObj` with aging and a finite cap
 * (`agingRate: 0.01, maxAgeBoost: 20`), and through its internal `AgingQueue` alone, filled with `add` as the
 * source fills it (the floor: the gap between the two rows is what the source's `next()` costs).
 * Usage: priority.ts <PrioritySourceObj|AgingQueue> [sizes=100000,1000000]
 *
 * Items are allot tasks (`{ key, runner, cost }`, unique key, shared runner and cost), built before the clock
 * starts; priorities are integers 0–99 from mulberry32(7). The fake clock advances 1 ms every 1,000 enqueues
 * and every 1,000 pops, so entries age during the whole run (1M: 2,000 ms in all, just enough for the first
 * entries to reach the cap). Drain: `peek()` then `next()` (`pop()` for the queue), as the runner does; every
 * step checks that the pulled item is the one peeked (the sources promise it, whatever the clock does).
 * Order of work: warm-up (5 × 20,000 items); per size gc, one untimed 20,000-item run (a forced gc deoptimises
 * the hot path), then timed runs (100,000: median of 3; 1,000,000: one). Then, at the largest size, bytes
 * retained per queued item: (heapUsed + arrayBuffers) after a forced gc minus a baseline, ÷ n, once with a fresh task object
 * per item (`bytes`: what a caller's queue costs) and once with one shared item (`queueBytes`: the queue's own
 * storage). Last, a 2,000-item run with enqueues and pulls interleaved checks every peek against a brute-force
 * maximum of the effective priority (clock 1 ms per operation, so entries both age and reach the cap; one of
 * those ms passes between each peek and its pull, which must still deliver the peeked item).
 */
import { PrioritySourceObj, type ScheduledTask } from '../../src/index.js';
import { AgingQueue } from '../../src/sources/aging-queue.js';
import { median } from '../lib/stats.js';
import { allotTasks, emit, fail, gc, type Metrics, mulberry32, noop } from './common.js';

type Task = ScheduledTask<never, number>;
const SLOT = { slots: 1 };
const RATE = 0.01;
const CAP = 20;

// The fake clock every queue in this process reads.
let clock = 0;
const now = (): number => clock;
const OPTS = { agingRate: RATE, maxAgeBoost: CAP, now };

const contender = process.argv[2] ?? '';
if (contender !== 'PrioritySourceObj' && contender !== 'AgingQueue') fail(`unknown contender ${contender}`);
const viaSource = contender === 'PrioritySourceObj';
const sizes = (process.argv[3] ?? '100000,1000000').split(',').map(Number);
if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) fail(`bad sizes ${process.argv[3]}`);

/** Integer priorities 0–99, the same sequence in every process. */
function priorities(n: number): Uint8Array {
  const rnd = mulberry32(7);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 100);
  return out;
}

/** The operations the order check needs, so that it serves both contenders. */
interface Q<T> {
  push(item: T, priority: number): void;
  peek(): T | undefined;
  /** Removes the next item; `undefined` once empty. */
  take(): Promise<T | undefined> | T | undefined;
  /** Keeps the queue reachable and tells its size. */
  readonly size: number;
}

function makeQ<T>(): Q<T> {
  if (viaSource) {
    const s = new PrioritySourceObj<T>(OPTS);
    return {
      push: (item, p) => s.enqueue(item, p),
      peek: () => s.peek(),
      take: async () => {
        if (s.size === 0) s.closeSource();
        const r = await s.next();
        return r.done === true ? undefined : r.value;
      },
      get size() {
        return s.size;
      },
    };
  }
  const q = new AgingQueue<T>(OPTS);
  return {
    push: (item, p) => q.add(item, p),
    peek: () => q.peek(),
    take: () => q.pop(),
    get size() {
      return q.size;
    },
  };
}

/**
 * Drains a mix of enqueues and pulls, checking each peek against the brute-force best effective priority
 * (within 1e-9: the queue compares by differences, so rounding may decide between near-equal effective
 * priorities).
 */
async function checkOrder(n: number): Promise<void> {
  clock = 0;
  const q = makeQ<Task>();
  const tasks = allotTasks(n, () => SLOT);
  const index = new Map(tasks.map((t, i) => [t, i]));
  const prio = priorities(n);
  const at = new Float64Array(n);
  const live = new Uint8Array(n);
  const eff = (i: number): number => prio[i]! + Math.min(RATE * (clock - at[i]!), CAP);
  const push = (i: number): void => {
    at[i] = clock;
    live[i] = 1;
    q.push(tasks[i]!, prio[i]!);
    clock++;
  };
  let pushed = 0;
  while (pushed < (n * 3) / 4) push(pushed++);
  for (let taken = 0; taken < n; taken++) {
    if (pushed < n && taken % 2 === 0) push(pushed++);
    const head = q.peek();
    const h = head === undefined ? -1 : (index.get(head) ?? -1);
    if (h < 0 || live[h] !== 1) fail(`order check: peek gave ${head?.key} at step ${taken}`);
    let best = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < pushed; j++) if (live[j] === 1 && eff(j) > best) best = eff(j);
    if (eff(h) < best - 1e-9) {
      fail(`order check: step ${taken} peeked effective ${eff(h)} while ${best} was queued`);
    }
    clock++; // time passes between the peek and the pull, as it may for the runner
    const got = await q.take();
    if (got !== head) fail(`order check: peeked ${head?.key}, pulled ${got?.key}`);
    live[h] = 0;
  }
  if ((await q.take()) !== undefined) fail('order check: queue not empty after n pulls');
}

/** Heap plus typed-array storage (AgingQueue keeps part of each entry in typed arrays, outside `heapUsed`). */
function used(): number {
  gc(); // the double collection: a single one gave unstable baselines (even negative deltas)
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Bytes retained per queued item; `fresh` builds a task object per item, otherwise one item is shared.
 * Calls the classes directly: a wrapper closure kept in call-site feedback would keep the queue alive into
 * the next measurement's baseline.
 */
function bytesPerItem(n: number, prio: Uint8Array, fresh: boolean): number {
  clock = 0;
  const shared: Task = { key: 'shared', runner: noop, cost: SLOT };
  const before = used();
  let size: number;
  if (viaSource) {
    const source = new PrioritySourceObj<Task>(OPTS);
    for (let i = 0; i < n; i++) {
      source.enqueue(fresh ? { key: `t${i}`, runner: noop, cost: SLOT } : shared, prio[i]!);
      if (i % 1000 === 999) clock++;
    }
    size = used() - before;
    if (source.size !== n) fail(`memory run: ${source.size} queued, expected ${n}`);
  } else {
    const queue = new AgingQueue<Task>(OPTS);
    for (let i = 0; i < n; i++) {
      queue.add(fresh ? { key: `t${i}`, runner: noop, cost: SLOT } : shared, prio[i]!);
      if (i % 1000 === 999) clock++;
    }
    size = used() - before;
    if (queue.size !== n) fail(`memory run: ${queue.size} queued, expected ${n}`);
  }
  return size / n;
}

/** One timed run through PrioritySourceObj: enqueue all, close, then peek + next until done. */
async function timeSource(items: Task[], prio: Uint8Array): Promise<{ enqueueMs: number; drainMs: number }> {
  const n = items.length;
  clock = 0;
  const source = new PrioritySourceObj<Task>(OPTS);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    source.enqueue(items[i]!, prio[i]!);
    if (i % 1000 === 999) clock++;
  }
  source.closeSource();
  const t1 = performance.now();
  let count = 0;
  for (;;) {
    const head = source.peek();
    const r = await source.next();
    if (r.done === true) break;
    if (r.value !== head) fail(`pulled ${r.value.key}, but peek showed ${head?.key}`);
    if (++count % 1000 === 0) clock++;
  }
  const t2 = performance.now();
  if (count !== n) fail(`drained ${count} of ${n}`);
  return { enqueueMs: t1 - t0, drainMs: t2 - t1 };
}

/** The same through AgingQueue: add all, then peek + pop until empty. */
function timeQueue(items: Task[], prio: Uint8Array): { enqueueMs: number; drainMs: number } {
  const n = items.length;
  clock = 0;
  const queue = new AgingQueue<Task>(OPTS);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    queue.add(items[i]!, prio[i]!);
    if (i % 1000 === 999) clock++;
  }
  const t1 = performance.now();
  let count = 0;
  while (queue.size > 0) {
    const head = queue.peek();
    const got = queue.pop();
    if (got !== head) fail(`popped ${got?.key}, but peek showed ${head?.key}`);
    if (++count % 1000 === 0) clock++;
  }
  const t2 = performance.now();
  if (count !== n) fail(`drained ${count} of ${n}`);
  return { enqueueMs: t1 - t0, drainMs: t2 - t1 };
}

async function timed(items: Task[], prio: Uint8Array): Promise<{ enqueueMs: number; drainMs: number }> {
  return viaSource ? timeSource(items, prio) : timeQueue(items, prio);
}

const largest = Math.max(...sizes);
const warmN = 20_000;
const warmItems = allotTasks(warmN, () => SLOT);
const warmPrio = priorities(warmN);
for (let i = 0; i < 5; i++) await timed(warmItems, warmPrio);

// Timed runs come first: anything else done with the queue beforehand (the memory runs, even a 20-item order
// check) leaves the process in a state where the 1M drain takes about twice as long (see bench/README.md).
const out: Metrics = { contender, agingRate: RATE, maxAgeBoost: CAP };
const nsBySize: number[] = [];
for (const n of sizes) {
  const prio = priorities(n);
  const items = allotTasks(n, () => SLOT);
  gc();
  await timed(warmItems, warmPrio); // re-optimise after the forced gc
  const reps = n >= 1_000_000 ? 1 : 3;
  const runs: { enqueueMs: number; drainMs: number }[] = [];
  for (let r = 0; r < reps; r++) runs.push(await timed(items, prio));
  const ms = median(runs.map((x) => x.enqueueMs + x.drainMs));
  const ns = (ms * 1e6) / n;
  nsBySize.push(ns);
  out[`ms_${n}`] = ms;
  out[`enqueueMs_${n}`] = median(runs.map((x) => x.enqueueMs));
  out[`drainMs_${n}`] = median(runs.map((x) => x.drainMs));
  out[`ns_${n}`] = ns;
}
out.scaling = (nsBySize[nsBySize.length - 1] as number) / (nsBySize[0] as number);
// Bytes per item at the largest size only (storage grows by doubling: smaller sizes mostly show slack).
const prio = priorities(largest);
out.bytes = bytesPerItem(largest, prio, true);
out.queueBytes = bytesPerItem(largest, prio, false);
for (const key of ['ms', 'enqueueMs', 'drainMs']) out[key] = out[`${key}_${largest}`] as number;
// Correctness last, for the reason above; a wrong order still fails the row.
await checkOrder(2_000);
emit(out);
