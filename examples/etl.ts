/**
 * An ETL pipeline (from the original documentation's tutorial "ETL Pipeline").
 *
 * Run: npm run example -- etl   (under 1 s)
 *
 * Ten records, each extract → transform → load, in one `DependencyGraph` fed to a `PriorityDependencySourceObj`
 * (load 10, transform 5, extract 1; aging 0.01 per ms capped at 20) and run under
 * `{ capacity: 6, io: 8, cpu: 12, memory_gb: 16 }`. Costs, in that key order: extract `{1, 2, 1, 1}`,
 * transform `{1, 0, 4, 4}`, load `{1, 3, 1, 2}`. Each task takes 50–150 ms, drawn from a seeded PRNG (the
 * classic LCG, seed 2024) when the graph is built, so a run is reproducible. The bridge is the `let source`
 * forward declaration: `onComplete` → `source.complete`.
 *
 * What the limits imply, and what the test checks from inside the tasks:
 * - the first fill starts exactly 4 extracts: each takes 2 of the 8 io, and the runner never skips the blocked
 *   fifth extract at the head;
 * - never more than 3 transforms at once (cpu 12 / 4) nor 2 loads (io 8 / 3); no resource is ever over its limit;
 * - per record, extract ends before transform starts, which ends before load starts; the last FINAL is a load.
 * "Typically under 1 s" holds: an idealised simulation over 200 seeds gave 656–988 ms.
 *
 * What the original documentation claimed about aging, and why it is wrong:
 * - "A 1000 ms wait gives an extract a boost of 10, matching the load priority." Effective priority is
 *   `priority + min(agingRate × waited, maxAgeBoost)` = 1 + min(0.01 × 1000, 20) = 11 — it does not match a
 *   fresh load's 10, it beats it.
 * - "maxAgeBoost 20 caps this so aged extracts do not permanently dominate loads." The cap is reached after
 *   2000 ms, where an extract stands at 1 + 20 = 21, still above a fresh load (10). The cap stops extracts from
 *   outranking loads that have waited too (a load that waited 1100 ms is at 10 + 11 = 21); it does not keep an
 *   old extract behind a new load. The program shows both numbers on a `PrioritySourceObj` with a manual clock.
 * In this run, extracts never wait that long: all ten are ready at 0 ms and the last starts a few hundred ms in.
 */
import { pathToFileURL } from 'node:url';
import {
  DependencyGraph,
  PriorityDependencySourceObj,
  PrioritySourceObj,
  ResourceCapacitySource,
  type ResourceCost,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
} from '../src/index.js';
import { lcg, recordLines, resolveOptions, type SeededExampleOptions } from './support.js';

/** The PRNG behind the default `rng` (re-exported for the test). */
export { lcg } from './support.js';

/** Clock, printer and PRNG (`rng` defaults to `lcg(2024)`), injectable so a test can use fake timers. */
export type EtlOptions = SeededExampleOptions;

/** The three stages, in pipeline order. */
export type Stage = 'extract' | 'transform' | 'load';

/** A task starting or ending, seen from inside it; `use` is the sum of the costs of running tasks after it. */
export interface UseSample {
  kind: 'start' | 'end';
  key: string;
  t: number;
  use: Readonly<ResourceCost>;
  running: Readonly<Record<Stage, number>>;
}

/** What the demo printed and measured. */
export interface EtlReport {
  lines: string[];
  limits: Readonly<ResourceCost>;
  /** FINAL keys in order. */
  finals: string[];
  /** Per key: when it started and ended (ms since the demo began). */
  spans: Map<string, { start: number; end: number }>;
  samples: UseSample[];
  peakUse: Readonly<ResourceCost>;
  peakRunning: Readonly<Record<Stage, number>>;
  /** Tasks started before any task ended: the runner's first fill. */
  firstFill: string[];
  /** How long each extract waited from 0 ms to its start. */
  extractWaits: number[];
  /** The aging claim on a manual clock: effective priorities and who a pull would serve. */
  aging: { at1000: number; capped: number; servedAt1000: string; servedAtCap: string };
  makespan: number;
  finalAvailable: Readonly<ResourceCost>;
}

const RECORDS = 10;
const LIMITS: ResourceCost = { capacity: 6, io: 8, cpu: 12, memory_gb: 16 };
const COSTS: Record<Stage, ResourceCost> = {
  extract: { capacity: 1, io: 2, cpu: 1, memory_gb: 1 },
  transform: { capacity: 1, io: 0, cpu: 4, memory_gb: 4 },
  load: { capacity: 1, io: 3, cpu: 1, memory_gb: 2 },
};
const PRIORITY: Record<Stage, number> = { load: 10, transform: 5, extract: 1 };
const STAGES: readonly Stage[] = ['extract', 'transform', 'load'];
const AGING = { agingRate: 0.01, maxAgeBoost: 20 };

type Task = ScheduledTask<string, string>;

const stageOf = (key: string): Stage => key.slice(0, key.indexOf('-')) as Stage;

/** Runs the ETL pipeline and returns what it printed and measured. */
export async function main(options: EtlOptions = {}): Promise<EtlReport> {
  const { sleep, now, log: print } = resolveOptions(options);
  const rng = options.rng ?? lcg(2024);
  const { lines, log } = recordLines(print);

  // Observe from inside the tasks: what the running tasks hold, per resource and per stage.
  const use: ResourceCost = Object.fromEntries(Object.keys(LIMITS).map((r) => [r, 0]));
  const running: Record<Stage, number> = { extract: 0, transform: 0, load: 0 };
  const peakUse: ResourceCost = { ...use };
  const peakRunning: Record<Stage, number> = { ...running };
  const samples: UseSample[] = [];
  const spans = new Map<string, { start: number; end: number }>();
  let t0 = 0;
  const track = (kind: UseSample['kind'], key: string): void => {
    const stage = stageOf(key);
    const sign = kind === 'start' ? 1 : -1;
    for (const [r, amount] of Object.entries(COSTS[stage])) use[r] = (use[r] ?? 0) + sign * amount;
    running[stage] += sign;
    for (const r of Object.keys(use)) peakUse[r] = Math.max(peakUse[r] ?? 0, use[r] ?? 0);
    for (const s of STAGES) peakRunning[s] = Math.max(peakRunning[s], running[s]);
    samples.push({ kind, key, t: now() - t0, use: { ...use }, running: { ...running } });
  };

  const graph = new DependencyGraph<string>();
  let source: PriorityDependencySourceObj<string, Task>; // forward-declared for the bridge
  const taskMap = new Map<string, Task>();
  for (let i = 1; i <= RECORDS; i++) {
    STAGES.forEach((stage, s) => {
      const key = `${stage}-${i}`;
      const ms = 50 + Math.floor(rng() * 101); // 50–150 ms
      const before = STAGES[s - 1];
      graph.addNode(key, before === undefined ? [] : [`${before}-${i}`]);
      taskMap.set(key, {
        key,
        cost: COSTS[stage],
        runner: async () => {
          spans.set(key, { start: now() - t0, end: Number.NaN });
          track('start', key);
          try {
            await sleep(ms);
            return `${key} ok`;
          } finally {
            track('end', key);
            (spans.get(key) as { end: number }).end = now() - t0;
          }
        },
        onComplete: (k) => {
          source.complete(k);
        },
        onError: (k) => {
          source.abort(k);
        },
      });
    });
  }
  source = new PriorityDependencySourceObj(graph, taskMap, {
    priorityFn: (key) => PRIORITY[stageOf(key)],
    ...AGING,
    now,
  });
  const capacity = new ResourceCapacitySource(LIMITS);
  const runner = new ScheduledTaskPoolRunner<string, string>('etl', source, capacity);

  t0 = now();
  const finals: string[] = [];
  let makespan = 0;
  for await (const e of runner.runTasks()) {
    if (e.type !== 'FINAL') continue;
    finals.push(e.key);
    makespan = now() - t0;
    log(`[FINAL] #${String(e.taskId).padStart(2)} ${e.key.padEnd(12)} t=${Math.round(makespan)} ms`);
  }

  const firstEnd = samples.findIndex((s) => s.kind === 'end');
  const firstFill = samples.slice(0, firstEnd).map((s) => s.key);
  const extractWaits = [...spans].filter(([k]) => stageOf(k) === 'extract').map(([, s]) => s.start);
  const aging = agingCheck();
  const show = (r: string) => `${r} ${peakUse[r]}/${LIMITS[r]}`;
  log('');
  log(
    `${finals.length} FINALs in ${Math.round(makespan)} ms; the first fill started ${firstFill.join(', ')}`,
  );
  log(`peak use: ${Object.keys(LIMITS).map(show).join(', ')}`);
  log(
    `most at once: ${peakRunning.extract} extracts, ${peakRunning.transform} transforms, ${peakRunning.load} loads`,
  );
  log(`longest extract wait: ${Math.round(Math.max(...extractWaits))} ms`);
  log(
    `aging: an extract that waited 1000 ms is at ${aging.at1000} > a fresh load's 10 (served first: ${aging.servedAt1000});`,
  );
  log(`  at the cap it is at ${aging.capped}, still above a fresh load (served first: ${aging.servedAtCap})`);
  return {
    lines,
    limits: LIMITS,
    finals,
    spans,
    samples,
    peakUse,
    peakRunning,
    firstFill,
    extractWaits,
    aging,
    makespan,
    finalAvailable: capacity.available,
  };
}

/** The aging claim on a `PrioritySourceObj` with a hand-moved clock: an aged extract against a fresh load. */
function agingCheck(): EtlReport['aging'] {
  const served = (waited: number): string => {
    let t = 0;
    const queue = new PrioritySourceObj<string>({ ...AGING, now: () => t });
    queue.enqueue('extract', PRIORITY.extract);
    t = waited;
    queue.enqueue('load', PRIORITY.load);
    return queue.peek() ?? 'nothing';
  };
  const effective = (waited: number) =>
    PRIORITY.extract + Math.min(AGING.agingRate * waited, AGING.maxAgeBoost);
  return {
    at1000: effective(1000),
    capped: effective(AGING.maxAgeBoost / AGING.agingRate + 1000),
    servedAt1000: served(1000),
    servedAtCap: served(AGING.maxAgeBoost / AGING.agingRate + 1000),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
