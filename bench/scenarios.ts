/** What `npm run bench` measures: one entry per scenario, in run order. See bench/README.md. */

/** A reported figure: `key` in the worker's JSON. `ratio` adds a "÷ reference" column for it. */
export interface Column {
  key: string;
  label: string;
  /** Multiply before printing (e.g. 1e-6 for M tasks/s). */
  scale?: number;
  digits?: number;
  ratio?: boolean;
  /** Also show the baseline's figure for this column (bench/baseline.json), when there is one. */
  before?: boolean;
}

export interface Scenario {
  name: string;
  title: string;
  worker: string;
  contenders: string[];
  /** Each contender's reference for ratio columns; contenders absent here get no ratio. */
  reference: Record<string, string>;
  args: (contender: string) => string[];
  rounds: number;
  columns: Column[];
  /**
   * Something the scenario needs from the machine. `redis-server`: the orchestrator starts one (from PATH) before
   * the scenario and passes its URL in `BENCH_REDIS_URL`; without redis-server the scenario is skipped.
   */
  needs?: 'redis-server';
}

export interface Settings {
  rounds: number;
  heavyRounds: number;
  quick: boolean;
}

/** Builds the scenario list for the given settings (quick mode: one round, smaller sizes). */
export function scenarios({ rounds, heavyRounds, quick }: Settings): Scenario[] {
  const nThroughput = quick ? 20_000 : 100_000;
  const nMemory = quick ? 20_000 : 100_000;
  const nLatency = quick ? 5_000 : 50_000;
  const nMillion = quick ? 100_000 : 1_000_000;
  const scalingSizes = quick ? '1000,10000,100000' : '10000,100000,1000000';
  const [prioSmall, prioLarge] = quick ? [10_000, 100_000] : [100_000, 1_000_000];
  const [graphSmall, graphLarge] = quick ? [20_000, 40_000] : [100_000, 200_000];
  const nSchedAdd = quick ? 20_000 : 100_000;
  const nSchedMemory = quick ? 100_000 : 1_000_000;
  const nSchedBackfill = quick ? 20_000 : 100_000;
  const nMakespan = quick ? 60 : 300;
  const nSimulate = quick ? 10_000 : 100_000;
  const [redisPhaseMs, redisWarmMs] = quick ? [500, 200] : [2_000, 500];
  const heartbeatWindowMs = quick ? 1_000 : 2_000;
  const k = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`);
  const vsPQueue = (cs: string[]): Record<string, string> =>
    Object.fromEntries(cs.map((c) => [c, 'p-queue']));
  return [
    {
      name: 'throughput',
      title: `${nThroughput.toLocaleString('en')} no-op tasks enqueued up front, concurrency 16 (allot: a cost literal per task; allot-shared: one shared cost object; seed-like: budget {gpu:2,cpu:3})`,
      worker: 'bench/workers/throughput.ts',
      contenders: ['p-queue', 'p-limit', 'allot', 'allot-shared', 'p-queue-c2', 'allot-seedlike'],
      reference: { ...vsPQueue(['p-limit', 'allot', 'allot-shared']), 'allot-seedlike': 'p-queue-c2' },
      args: (c) => [c, String(nThroughput)],
      rounds,
      columns: [
        { key: 'tasksPerSec', label: 'tasks/s', digits: 0, ratio: true, before: true },
        { key: 'nsPerTask', label: 'ns/task', digits: 0 },
      ],
    },
    {
      name: 'latency',
      title: `wake-up latency: a task ends, how soon does the next one start? concurrency 1, ${nLatency.toLocaleString('en')} tasks (lower is better)`,
      worker: 'bench/workers/latency.ts',
      contenders: ['p-queue', 'allot'],
      reference: vsPQueue(['allot']),
      args: (c) => [c, String(nLatency)],
      rounds,
      columns: [
        { key: 'p50us', label: 'p50 µs', digits: 2, ratio: true, before: true },
        { key: 'p99us', label: 'p99 µs', digits: 2, ratio: true },
      ],
    },
    {
      name: 'memory',
      title: `heap retained per queued task, ${nMemory.toLocaleString('en')} tasks, none finished`,
      worker: 'bench/workers/memory.ts',
      contenders: ['p-queue', 'p-limit', 'allot', 'allot-running'],
      reference: vsPQueue(['p-limit', 'allot', 'allot-running']),
      args: (c) => [c, String(nMemory)],
      // Nearly deterministic (a heap count, not a timing): two rounds suffice.
      rounds: Math.min(heavyRounds, 2),
      columns: [
        { key: 'bytesPerTask', label: 'B/task', digits: 0, ratio: true, before: true },
        { key: 'taskBytesPerTask', label: 'of which task objects', digits: 0 },
      ],
    },
    {
      name: 'million',
      title: `${nMillion.toLocaleString('en')} no-op tasks enqueued up front, concurrency 16 (allot: a cost literal per task; allot-shared: one shared cost object)`,
      worker: 'bench/workers/million.ts',
      contenders: ['p-queue', 'allot-shared', 'allot'],
      reference: { 'allot-shared': 'p-queue', allot: 'allot-shared' },
      args: (c) => [c, String(nMillion)],
      rounds: heavyRounds,
      columns: [
        { key: 'ms', label: 'ms', digits: 0, before: true },
        { key: 'tasksPerSec', label: 'tasks/s', digits: 0, ratio: true },
        { key: 'peakHeapMB', label: 'peak heap MB', digits: 0, ratio: true, before: true },
        { key: 'maxRssMB', label: 'max RSS MB', digits: 0 },
        { key: 'gcShare', label: 'gc share', digits: 2 },
      ],
    },
    {
      name: 'scaling',
      title: `allot ns/task by queue length (${scalingSizes}); flat is good`,
      worker: 'bench/workers/scaling.ts',
      contenders: ['allot'],
      reference: {},
      args: (c) => [c, scalingSizes],
      rounds: heavyRounds,
      columns: [
        ...scalingSizes
          .split(',')
          .map((s) => ({ key: `ns_${s}`, label: `ns/task @${Number(s).toLocaleString('en')}`, digits: 0 })),
        { key: 'ratioLargestSmallest', label: 'largest÷smallest', digits: 2, before: true },
      ],
    },
    {
      name: 'priority',
      title: `${prioLarge.toLocaleString('en')} enqueues then a full drain (peek + next), agingRate 0.01, maxAgeBoost 20, priorities 0–99`,
      worker: 'bench/workers/priority.ts',
      contenders: ['PrioritySourceObj', 'AgingQueue'],
      reference: { PrioritySourceObj: 'AgingQueue' },
      args: (c) => [c, `${prioSmall},${prioLarge}`],
      rounds: heavyRounds,
      columns: [
        { key: 'ms', label: `ms @${k(prioLarge)} (enq+drain)`, digits: 0, ratio: true, before: true },
        { key: 'enqueueMs', label: 'of which enqueue', digits: 0 },
        { key: 'drainMs', label: 'drain', digits: 0, ratio: true },
        { key: `ns_${prioSmall}`, label: `ns/item @${k(prioSmall)}`, digits: 0 },
        { key: `ns_${prioLarge}`, label: `ns/item @${k(prioLarge)}`, digits: 0 },
        { key: 'scaling', label: `${k(prioLarge)}÷${k(prioSmall)}`, digits: 2 },
        { key: 'bytes', label: 'B/item', digits: 0 },
        { key: 'queueBytes', label: 'of which queue', digits: 0 },
      ],
    },
    {
      name: 'graph',
      title: `DependencyGraph of ${graphSmall.toLocaleString('en')} nodes: build (addNode), then drain (start + complete); ${k(graphLarge)}÷${k(graphSmall)} ≈ 2 and build ${k(graphLarge * 2)}÷${k(graphSmall / 2)} ≈ 1 are linear`,
      worker: 'bench/workers/graph.ts',
      contenders: ['chain', 'fanout', 'random', 'source-random'],
      reference: { 'source-random': 'random' },
      // The graph shapes also run at half and twice the sizes (after the headline size, which the worker reports
      // first): build ns/node at the smallest and largest shows whether building stays linear. source-random
      // drains random's graph through a source, so one size is enough.
      args: (c) =>
        c === 'source-random'
          ? [c, `${graphSmall}`]
          : [c, `${graphSmall},${graphLarge},${graphSmall / 2},${graphLarge * 2}`],
      rounds: heavyRounds,
      columns: [
        { key: 'buildMs', label: 'build ms', digits: 0 },
        { key: 'drainMs', label: 'drain ms', digits: 0, ratio: true },
        { key: 'buildNs', label: 'build ns/node', digits: 0, before: true },
        { key: 'drainNs', label: 'drain ns/node', digits: 0 },
        { key: 'bytesPerNode', label: 'B/node', digits: 0, before: true },
        { key: 'timeRatio', label: `${k(graphLarge)}÷${k(graphSmall)} time`, digits: 2 },
        { key: `buildNs_${graphSmall / 2}`, label: `build ns @${k(graphSmall / 2)}`, digits: 0 },
        { key: `buildNs_${graphLarge * 2}`, label: `build ns @${k(graphLarge * 2)}`, digits: 0 },
        {
          key: 'buildGrowth',
          label: `build ${k(graphLarge * 2)}÷${k(graphSmall / 2)}`,
          digits: 2,
          before: true,
        },
      ],
    },
    {
      name: 'scheduler-add',
      title: `Scheduler: ${nSchedAdd.toLocaleString('en')} no-op tasks added up front, every result awaited, concurrency 16 (allot: limits {slot:16}, a cost literal per task)`,
      worker: 'bench/workers/scheduler-add.ts',
      contenders: ['p-queue', 'allot', 'allot-fifo'],
      reference: vsPQueue(['allot', 'allot-fifo']),
      args: (c) => [c, String(nSchedAdd)],
      rounds,
      columns: [
        { key: 'tasksPerSec', label: 'tasks/s', digits: 0, ratio: true, before: true },
        { key: 'nsPerTask', label: 'ns/task', digits: 0 },
      ],
    },
    {
      name: 'scheduler-memory',
      title: `Scheduler: heap retained per queued task, ${nSchedMemory.toLocaleString('en')} queued, none started, the caller keeping every handle`,
      worker: 'bench/workers/scheduler-memory.ts',
      contenders: ['p-queue', 'allot', 'allot-blocked'],
      reference: vsPQueue(['allot', 'allot-blocked']),
      args: (c) => [c, String(nSchedMemory)],
      // A heap count, not a timing: two rounds suffice.
      rounds: Math.min(heavyRounds, 2),
      columns: [
        { key: 'bytesPerTask', label: 'B/task', digits: 0, ratio: true, before: true },
        { key: 'handleBytesPerTask', label: 'of which handles', digits: 0 },
      ],
    },
    {
      name: 'scheduler-backfill',
      title: `Scheduler: ${nSchedBackfill.toLocaleString('en')} no-op tasks in five cost classes over {gpu:4,cpu:16,mem:64}, backfill vs fifo, and backfill with four tenants vs one`,
      worker: 'bench/workers/scheduler-backfill.ts',
      contenders: ['fifo', 'backfill', 'backfill-4-tenants'],
      reference: { backfill: 'fifo', 'backfill-4-tenants': 'backfill' },
      args: (c) => [c, String(nSchedBackfill)],
      rounds,
      columns: [
        { key: 'tasksPerSec', label: 'tasks/s', digits: 0, ratio: true, before: true },
        { key: 'nsPerTask', label: 'ns/task', digits: 0 },
      ],
    },
    {
      name: 'scheduler-simulate',
      title: `simulate: ${nSimulate.toLocaleString('en')} tasks of the media mix under {gpu:2,cpu:8} on a simulated clock: wall time, and the simulated makespan of fifo, backfill and backfill with three tenants (DRF)`,
      worker: 'bench/workers/scheduler-simulate.ts',
      contenders: ['fifo', 'backfill', 'backfill-drf'],
      reference: { backfill: 'fifo', 'backfill-drf': 'fifo' },
      args: (c) => [c, String(nSimulate)],
      rounds: heavyRounds,
      columns: [
        { key: 'seconds', label: 'wall s', digits: 2 },
        { key: 'makespanMs', label: 'simulated makespan ms', digits: 0, ratio: true },
        { key: 'gpuUtil', label: 'gpu util', digits: 3 },
        { key: 'cpuUtil', label: 'cpu util', digits: 3 },
      ],
    },
    {
      name: 'scheduler-makespan',
      title: `Scheduler: makespan of ${nMakespan} mixed tasks on real timers: the seed's kinds under {gpu:2,cpu:3} (seed) and {gpu:2,cpu:4} (cpu4), and the seed's kinds plus a CPU-only transcode {cpu:4} under {gpu:2,cpu:8} (media); lower is better`,
      worker: 'bench/workers/scheduler-makespan.ts',
      contenders: [
        'fifo-seed',
        'backfill-seed',
        'fifo-cpu4',
        'backfill-cpu4',
        'fifo-media',
        'backfill-media',
      ],
      reference: {
        'backfill-seed': 'fifo-seed',
        'backfill-cpu4': 'fifo-cpu4',
        'backfill-media': 'fifo-media',
      },
      args: (c) => [c, String(nMakespan)],
      rounds: heavyRounds,
      columns: [
        { key: 'ms', label: 'makespan ms', digits: 0, ratio: true, before: true },
        { key: 'boundMs', label: 'lower bound ms', digits: 0 },
        { key: 'overBound', label: '÷ bound', digits: 3 },
        { key: 'worstBypass', label: 'worst bypass', digits: 0 },
        { key: 'worstHeadBypass', label: 'worst as head', digits: 0 },
      ],
    },
    {
      name: 'redis-pairs',
      title: `acquire+release pairs/s on a 2-level tree in Redis (cluster → team, gpu and cpu), cost {gpu:1,cpu:1}, nothing ever waits: gate loops with K=1 and K=16 takes in flight per process, and a Scheduler fed 64 no-op tasks at a time; ${redisPhaseMs / 1000} s per phase. memory: in-process ResourceCapacitySource (same loops, same Scheduler); redis-1: one client process; redis-8: eight client processes at once, pairs/s summed`,
      worker: 'bench/workers/redis-pairs.ts',
      needs: 'redis-server',
      contenders: ['memory', 'redis-1', 'redis-8'],
      reference: { 'redis-1': 'memory', 'redis-8': 'memory' },
      args: (c) => [c, String(redisPhaseMs), String(redisWarmMs)],
      rounds,
      columns: [
        { key: 'k1PerSec', label: 'gate K=1 pairs/s', digits: 0, ratio: true },
        { key: 'k16PerSec', label: 'gate K=16 pairs/s', digits: 0, ratio: true },
        { key: 'schedPerSec', label: 'Scheduler pairs/s', digits: 0, ratio: true },
        { key: 'k1ServerCpuUsPerPair', label: 'server CPU µs/pair K=1', digits: 0 },
        { key: 'k16ServerCpuUsPerPair', label: 'K=16', digits: 0 },
        { key: 'k16ServerUsPerPair', label: 'in scripts µs/pair K=16', digits: 0 },
        { key: 'k16ClientCpuUsPerPair', label: 'client CPU µs/pair K=16', digits: 1 },
        { key: 'k16CallsPerPair', label: 'calls/pair K=16', digits: 2 },
      ],
    },
    {
      name: 'redis-heartbeat',
      title: `heartbeat cost: one process holding 1,000 (and 10,000) live leases in Redis, heartbeatMs 100: renewal calls per heartbeat, lease ids per call, and the time of one renewal call (server: SLOWLOG over ${heartbeatWindowMs / 1000} s of heartbeats; client: direct EVALSHA of the RENEW script with one call's ids, at most 1,000; the library renews in calls of at most 1,000 ids)`,
      worker: 'bench/workers/redis-heartbeat.ts',
      needs: 'redis-server',
      contenders: ['leases-1k', 'leases-10k'],
      reference: { 'leases-10k': 'leases-1k' },
      args: (c) => [c, String(heartbeatWindowMs)],
      rounds: heavyRounds,
      columns: [
        { key: 'callsPerBeat', label: 'calls/heartbeat', digits: 2 },
        { key: 'idsPerCall', label: 'ids/call', digits: 0 },
        { key: 'serverUs', label: 'server µs/call', digits: 0 },
        { key: 'serverUsPerBeat', label: 'server µs/heartbeat', digits: 0, ratio: true },
        { key: 'serverUsPerLease', label: 'server µs/lease', digits: 2, ratio: true },
        { key: 'renewUs', label: 'client µs/call p50', digits: 0 },
        { key: 'renewP99Us', label: 'p99', digits: 0 },
        { key: 'usPerLease', label: 'client µs/lease', digits: 2, ratio: true },
      ],
    },
  ];
}
