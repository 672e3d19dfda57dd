/**
 * The seed pipeline split across three worker processes that share one budget in Redis: `{ gpu: 2, cpu: 3 }`.
 * Worker 1 encodes ({ gpu: 2, cpu: 1 }, 450 ms), worker 2 extracts features ({ gpu: 1, cpu: 2 }, 360 ms) and
 * worker 3 makes thumbnails ({ gpu: 1, cpu: 1 }, 220 ms), each for three files. No worker knows about the others:
 * each has its own `Scheduler` over a `RedisCapacity`, and Redis decides, one script call per start, whether the
 * whole cost fits. So an encode never runs beside anything that needs a GPU, while features and thumbnails run
 * side by side.
 *
 * Every task records its start and end with a Redis counter, which gives one order across the processes; the
 * parent replays that record and checks that the budget was never exceeded.
 *
 * Run: npm run example -- redis-pipeline (uses REDIS_URL, or starts a private redis-server from PATH).
 * One worker by hand: npx tsx examples/redis-pipeline.ts --worker redis://127.0.0.1:6390 demo encode
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Scheduler } from '../src/index.js';
import { RedisCapacity } from '../src/redis/index.js';
import { LocalRedis, redisServerPath } from './local-redis.js';

const LIMITS = { gpu: 2, cpu: 3 };
const KINDS = {
  encode: { cost: { gpu: 2, cpu: 1 }, ms: 450 },
  features: { cost: { gpu: 1, cpu: 2 }, ms: 360 },
  thumbs: { cost: { gpu: 1, cpu: 1 }, ms: 220 },
} as const;
type Kind = keyof typeof KINDS;
const FILES = ['a.mp4', 'b.mp4', 'c.mp4'];

/** One line of the record: which task started or ended, in the order Redis counted. */
export interface Mark {
  seq: number;
  at: number;
  what: 'start' | 'end';
  task: string;
  kind: Kind;
}

/** What the example printed and saw. */
export interface RedisPipelineReport {
  lines: string[];
  marks: Mark[];
  /** The most of each resource in use at once, replayed from the record. */
  peak: Record<string, number>;
  /** What the tree held after the workers exited (all zeros when everything was given back). */
  inUseAfter: Record<string, number>;
  skipped: boolean;
}

/** Runs the three workers against one budget and prints a timeline. */
export async function main(
  options: { print?: (line: string) => void; redisUrl?: string } = {},
): Promise<RedisPipelineReport> {
  const lines: string[] = [];
  const print = (line: string): void => {
    lines.push(line);
    (options.print ?? console.log)(line);
  };
  let local: LocalRedis | undefined;
  let url = options.redisUrl ?? process.env.REDIS_URL;
  if (url === undefined) {
    if (redisServerPath === undefined) {
      print('skipped: set REDIS_URL or install redis-server to run this example');
      return { lines, marks: [], peak: {}, inUseAfter: {}, skipped: true };
    }
    local = await LocalRedis.start();
    url = local.url;
  }
  const namespace = `example-${process.pid}-${Date.now()}`;
  const admin = new RedisCapacity({ redis: url, namespace, node: 'cluster' });
  try {
    await admin.define({ cluster: { limits: LIMITS } });
    const kinds = Object.keys(KINDS) as Kind[];
    await Promise.all(kinds.map((kind) => runWorker(url as string, namespace, kind)));
    const client = new Redis(url);
    const raw = await client.lrange(`example:{${namespace}}:marks`, 0, -1);
    client.disconnect();
    const marks = raw.map((s) => JSON.parse(s) as Mark).sort((a, b) => a.seq - b.seq);
    const peak = replay(marks, print);
    const inUseAfter = (await admin.snapshot()).cluster?.inUse ?? {};
    print(
      `peak use: gpu ${peak.gpu}/${LIMITS.gpu}, cpu ${peak.cpu}/${LIMITS.cpu}; in use after: ${JSON.stringify(inUseAfter)}`,
    );
    return { lines, marks, peak, inUseAfter, skipped: false };
  } finally {
    await admin.close();
    await local?.stop();
  }
}

/** Starts one worker process and waits for it to finish. */
function runWorker(url: string, namespace: string, kind: Kind): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, '--worker', url, namespace, kind], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`worker ${kind} exited with ${code}`)),
    );
  });
}

/** A worker: its own scheduler over the shared budget, three tasks of one kind. */
async function worker(url: string, namespace: string, kind: Kind): Promise<void> {
  const capacity = new RedisCapacity({ redis: url, namespace, node: 'cluster' });
  // Every worker may define the tree: the first call creates it, the others find it there.
  await capacity.define({ cluster: { limits: LIMITS } });
  const marks = new Redis(url);
  const t0 = Date.now();
  const mark = async (what: Mark['what'], task: string): Promise<void> => {
    const seq = await marks.incr(`example:{${namespace}}:seq`);
    const line: Mark = { seq, at: Date.now() - t0, what, task, kind };
    await marks.rpush(`example:{${namespace}}:marks`, JSON.stringify(line));
  };
  const scheduler = new Scheduler({ capacity });
  const { cost, ms } = KINDS[kind];
  await Promise.all(
    FILES.map((file) =>
      scheduler.add(
        async () => {
          await mark('start', `${kind} ${file}`);
          await new Promise((r) => setTimeout(r, ms));
          await mark('end', `${kind} ${file}`);
        },
        { key: `${kind} ${file}`, cost },
      ),
    ),
  );
  await scheduler.close();
  await capacity.close();
  marks.disconnect();
}

/** Prints the record in Redis's order with the budget in use after each step; returns the peak use. */
function replay(marks: readonly Mark[], print: (line: string) => void): Record<string, number> {
  const used = { gpu: 0, cpu: 0 };
  const peak = { gpu: 0, cpu: 0 };
  for (const m of marks) {
    const sign = m.what === 'start' ? 1 : -1;
    const cost = KINDS[m.kind].cost;
    used.gpu += sign * cost.gpu;
    used.cpu += sign * cost.cpu;
    peak.gpu = Math.max(peak.gpu, used.gpu);
    peak.cpu = Math.max(peak.cpu, used.cpu);
    print(
      `${String(m.seq).padStart(2)} ${m.what.padEnd(5)} ${m.task.padEnd(16)} in use gpu ${used.gpu}/2 cpu ${used.cpu}/3`,
    );
  }
  return peak;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--worker');
  if (i >= 0) {
    const [url, namespace, kind] = process.argv.slice(i + 1) as [string, string, Kind];
    await worker(url, namespace, kind);
  } else await main();
}
