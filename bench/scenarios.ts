/** What `npm run bench` measures: one entry per scenario, in run order. See bench/README.md. */

/** A reported figure: `key` in the worker's JSON. `ratio` adds a "÷ reference" column for it. */
export interface Column {
  key: string;
  label: string;
  /** Multiply before printing (e.g. 1e-6 for M tasks/s). */
  scale?: number;
  digits?: number;
  ratio?: boolean;
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
  const nMillion = quick ? 100_000 : 1_000_000;
  const scalingSizes = quick ? '1000,10000,100000' : '10000,100000,1000000';
  const vsPQueue = (cs: string[]): Record<string, string> =>
    Object.fromEntries(cs.map((c) => [c, 'p-queue']));
  return [
    {
      name: 'throughput',
      title: `${nThroughput.toLocaleString('en')} no-op tasks enqueued up front, concurrency 16 (seed-like: budget {gpu:2,cpu:3})`,
      worker: 'bench/workers/throughput.ts',
      contenders: [
        'p-queue',
        'p-limit',
        'allot',
        'allot-idxsrc',
        'p-queue-c2',
        'allot-seedlike',
        'allot-seedlike-idxsrc',
      ],
      reference: {
        ...vsPQueue(['p-limit', 'allot', 'allot-idxsrc']),
        'allot-seedlike': 'p-queue-c2',
        'allot-seedlike-idxsrc': 'p-queue-c2',
      },
      args: (c) => [c, String(nThroughput)],
      rounds,
      columns: [
        { key: 'tasksPerSec', label: 'tasks/s', digits: 0, ratio: true },
        { key: 'nsPerTask', label: 'ns/task', digits: 0 },
      ],
    },
    {
      name: 'memory',
      title: `heap retained per queued task, ${nMemory.toLocaleString('en')} tasks, none finished`,
      worker: 'bench/workers/memory.ts',
      contenders: ['p-queue', 'p-limit', 'allot', 'allot-running'],
      reference: vsPQueue(['p-limit', 'allot', 'allot-running']),
      args: (c) => [c, String(nMemory)],
      // Nearly deterministic (a heap count, not a timing): fewer rounds suffice.
      rounds: heavyRounds,
      columns: [
        { key: 'bytesPerTask', label: 'B/task', digits: 0, ratio: true },
        { key: 'taskBytesPerTask', label: 'of which task objects', digits: 0 },
      ],
    },
    {
      name: 'million',
      title: `${nMillion.toLocaleString('en')} no-op tasks enqueued up front, concurrency 16`,
      worker: 'bench/workers/million.ts',
      contenders: ['p-queue', 'allot', 'allot-idxsrc'],
      reference: vsPQueue(['allot', 'allot-idxsrc']),
      args: (c) => [c, String(nMillion)],
      rounds: heavyRounds,
      columns: [
        { key: 'ms', label: 'ms', digits: 0 },
        { key: 'tasksPerSec', label: 'tasks/s', digits: 0, ratio: true },
        { key: 'peakHeapMB', label: 'peak heap MB', digits: 0, ratio: true },
        { key: 'maxRssMB', label: 'max RSS MB', digits: 0 },
        { key: 'gcShare', label: 'gc share', digits: 2 },
      ],
    },
    {
      name: 'scaling',
      title: `allot ns/task by queue length (${scalingSizes}); flat is good`,
      worker: 'bench/workers/scaling.ts',
      contenders: ['allot', 'allot-idxsrc'],
      reference: {},
      args: (c) => [c, scalingSizes],
      rounds: heavyRounds,
      columns: [
        ...scalingSizes
          .split(',')
          .map((s) => ({ key: `ns_${s}`, label: `ns/task @${Number(s).toLocaleString('en')}`, digits: 0 })),
        { key: 'ratioLargestSmallest', label: 'largest÷smallest', digits: 2 },
      ],
    },
  ];
}
