/**
 * Graph: build a `DependencyGraph` of n nodes, then drain it, timed separately; linear work shows as a flat
 * ns/node and a 2n÷n time ratio near 2.
 * Usage: graph.ts <chain|fanout|random|source-random> [sizes=100000,200000]
 *
 * Shapes (string keys `n0…`, dependency lists built before the clock starts):
 * - chain: node i depends on node i−1.
 * - fanout: one root; every other node depends on it (root → n−1 leaves, all freed by one `complete`).
 * - random: node i depends on 0–3 distinct earlier nodes, count and picks from mulberry32(11).
 * Build: `addNode(key, deps)` for every node in order, with `onReady` set first. Drain: the keys `onReady`
 * reported go to a FIFO; each is `start`ed and `complete`d, which reports the keys it frees (no scan of the
 * `ready` set). `source-random` builds the random graph the same way (without the collector), then drains it
 * through a `DependencySourceObj`: `next()` until done, `complete(key)` right after each task is yielded; its
 * drain time includes constructing the source.
 * Per size: warm-up at one tenth, gc, another warm-up, then one timed run (the orchestrator's rounds give the
 * medians). Every run checks that all n nodes completed. The headline columns are for the first size; with more
 * sizes, `timeRatio` is (build + drain) at twice the first size ÷ at the first (when that size ran, else largest
 * ÷ first), and `buildGrowth` is build ns/node at the largest size ÷ at the smallest (1.0 when build is linear).
 * Last (not for source-random, whose graph is random's), bytes retained per node at the first size: heap plus
 * ArrayBuffer memory (the graph keeps its numbers in typed arrays, which `heapUsed` does not count) after a
 * forced gc with a built, undrained graph, minus the baseline, ÷ n; the key strings and dependency lists exist
 * before the baseline, so this is the graph's own storage.
 */
import { DependencyGraph, DependencySourceObj } from '../../src/index.js';
import { median } from '../lib/stats.js';
import { emit, fail, gc, type Metrics, mulberry32 } from './common.js';

const SHAPES = ['chain', 'fanout', 'random', 'source-random'] as const;
type Shape = (typeof SHAPES)[number];
const contender = (process.argv[2] ?? '') as Shape;
if (!SHAPES.includes(contender)) fail(`unknown contender ${contender}`);
const sizes = (process.argv[3] ?? '100000,200000').split(',').map(Number);
if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) fail(`bad sizes ${process.argv[3]}`);

interface Input {
  keys: string[];
  deps: string[][];
}

/** Keys and dependency lists for `n` nodes of the contender's shape. */
function input(n: number): Input {
  const keys: string[] = new Array(n);
  for (let i = 0; i < n; i++) keys[i] = `n${i}`;
  const deps: string[][] = new Array(n);
  const rnd = mulberry32(11);
  for (let i = 0; i < n; i++) {
    if (i === 0) deps[i] = [];
    else if (contender === 'chain') deps[i] = [keys[i - 1] as string];
    else if (contender === 'fanout') deps[i] = [keys[0] as string];
    else {
      const want = Math.min(i, Math.floor(rnd() * 4));
      const picked = new Set<number>();
      while (picked.size < want) picked.add(Math.floor(rnd() * i));
      deps[i] = [...picked].map((j) => keys[j] as string);
    }
  }
  return { keys, deps };
}

/** Builds the graph; `ready` collects what `onReady` reports (no handler without it). */
function build({ keys, deps }: Input, ready?: string[]): DependencyGraph<string> {
  const graph = new DependencyGraph<string>();
  if (ready !== undefined) {
    graph.onReady = (key) => {
      ready.push(key);
    };
  }
  for (let i = 0; i < keys.length; i++) graph.addNode(keys[i] as string, deps[i]);
  return graph;
}

/** Starts and completes every key as `onReady` reports it; returns how many completed. */
function drainGraph(graph: DependencyGraph<string>, ready: string[]): number {
  let head = 0;
  while (head < ready.length) {
    const key = ready[head++] as string;
    graph.start(key);
    graph.complete(key);
  }
  return head;
}

/** Pulls every task from a DependencySourceObj and completes it once yielded; returns how many. */
async function drainSource(
  graph: DependencyGraph<string>,
  tasks: Map<string, { key: string }>,
): Promise<number> {
  const source = new DependencySourceObj(graph, tasks);
  let count = 0;
  for (;;) {
    const r = await source.next();
    if (r.done === true) break;
    source.complete(r.value.key);
    count++;
  }
  return count;
}

async function once(
  data: Input,
  tasks: Map<string, { key: string }>,
): Promise<{ build: number; drain: number }> {
  const n = data.keys.length;
  const viaSource = contender === 'source-random';
  const ready: string[] = [];
  const t0 = performance.now();
  // The source installs its own onReady; a second collector would only add work to its drain.
  const graph = build(data, viaSource ? undefined : ready);
  const t1 = performance.now();
  const done = viaSource ? await drainSource(graph, tasks) : drainGraph(graph, ready);
  const t2 = performance.now();
  if (done !== n || !graph.isDone || graph.completed.size !== n) {
    fail(`${contender}: ${done} drained, ${graph.completed.size} of ${n} completed`);
  }
  return { build: t1 - t0, drain: t2 - t1 };
}

/** Timed repetitions per size (median); the orchestrator's rounds add more. */
const REPS = 1;
const out: Metrics = { contender };
const totals: number[] = [];
for (const n of sizes) {
  const data = input(n);
  const tasks = new Map(data.keys.map((key) => [key, { key }]));
  const small = input(Math.max(1_000, Math.floor(n / 10)));
  await once(small, new Map(small.keys.map((key) => [key, { key }])));
  gc();
  await once(small, new Map(small.keys.map((key) => [key, { key }]))); // re-optimise after the forced gc
  const runs: { build: number; drain: number }[] = [];
  for (let r = 0; r < REPS; r++) runs.push(await once(data, tasks));
  const buildMs = median(runs.map((x) => x.build));
  const drainMs = median(runs.map((x) => x.drain));
  out[`buildMs_${n}`] = buildMs;
  out[`drainMs_${n}`] = drainMs;
  out[`buildNs_${n}`] = (buildMs * 1e6) / n;
  out[`drainNs_${n}`] = (drainMs * 1e6) / n;
  totals.push(median(runs.map((x) => x.build + x.drain)));
}
const first = sizes[0] as number;
for (const key of ['buildMs', 'drainMs', 'buildNs', 'drainNs']) out[key] = out[`${key}_${first}`] as number;
if (sizes.length > 1) {
  // Time ratio (build + drain) at twice the first size, else at the last, ÷ at the first: ≈ sizeRatio when linear.
  const at = sizes.includes(2 * first) ? sizes.indexOf(2 * first) : sizes.length - 1;
  out.sizeRatio = (sizes[at] as number) / first;
  out.timeRatio = (totals[at] as number) / (totals[0] as number);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  out.buildGrowth = (out[`buildNs_${largest}`] as number) / (out[`buildNs_${smallest}`] as number);
}
// source-random builds the same graph as random: its bytes per node would repeat random's.
if (contender === 'source-random') emit(out);

/** Heap plus ArrayBuffer memory: typed-array contents live outside the heap. */
function retained(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const data = input(first);
gc();
const before = retained();
const graph = build(data);
gc();
out.bytesPerNode = (retained() - before) / first;
if (graph.size !== first) fail(`memory run: ${graph.size} nodes, expected ${first}`);
emit(out);
