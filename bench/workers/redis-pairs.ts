/**
 * Acquire+release pairs per second against a budget tree in Redis, compared with the in-memory capacity.
 * Usage: redis-pairs.ts <contender> <phaseMs> <warmMs>
 *
 * Contenders:
 * - memory: in-process `ResourceCapacitySource` (a team under a cluster, as the Redis tree), through the same
 *   gate-level loop (`ResourceGate`, whose take is synchronous but is awaited the same way) and through a
 *   `Scheduler` over that source.
 * - redis-1: one process, one `RedisCapacity` on node team-a.
 * - redis-N (e.g. redis-8): N client processes started at once by this worker, each with its own
 *   `RedisCapacity` (nodes team-a and team-b alternately), doing the same phases at the same time against the
 *   same tree; figures are the sum of the processes' pairs/s.
 *
 * Three phases, each `phaseMs` long, after a warm-up of `warmMs` per kind of loop:
 * - k1 / k16: gate level, K loops in flight per process, each `take` → `release`, cost {gpu:1,cpu:1} prepared
 *   once. A pair counts once its take resolved; the clock stops once every release has reached Redis
 *   (`capacity.settled()`).
 * - sched: a `Scheduler` kept fed with 64 tasks outstanding (each completion adds the next), each task an async
 *   no-op with a fresh `{ cost: { gpu: 1, cpu: 1 } }`; limits are far above 64 so nothing waits for capacity.
 *
 * For Redis contenders it also reads the server's counters before and after each phase (script calls, µs inside
 * scripts, PUBLISH calls, server CPU), through a connection of its own.
 *
 * Internal: `redis-pairs.ts client <url> <namespace> <node> <phaseMs> <warmMs>` is one of redis-N's processes
 * (driven over the IPC channel).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CapacityGate, ResourceCapacitySource, Scheduler } from '../../src/index.js';
import { RedisCapacity } from '../../src/redis/index.js';
import { ResourceGate } from '../../src/runner/resource-gate.js';
import { workerRedis } from '../lib/redis-server.js';
import { emit, expectCount, fail, gc, type Metrics } from './common.js';
import {
  adminClient,
  benchNamespace,
  dropNamespace,
  perPair,
  type ServerCounters,
  serverCounters,
  TREE,
} from './redis-common.js';

type Phase = 'k1' | 'k16' | 'sched';
const PHASES: readonly Phase[] = ['k1', 'k16', 'sched'];
const COST = { gpu: 1, cpu: 1 } as const;
/** Tasks kept outstanding in the Scheduler phase. */
const WINDOW = 64;
const noop = async (): Promise<void> => {};

/** What one process measured in one phase. */
interface Count {
  pairs: number;
  ms: number;
  /** CPU time of this process over the phase (user + system), µs. */
  cpuUs: number;
}

/** CPU time of this process so far (user + system), µs. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** One process's view of the capacity: a gate for the loops, a scheduler factory, and settling. */
interface Side {
  gateRun(k: number, ms: number): Promise<Count>;
  schedulerRun(ms: number): Promise<Count>;
  close(): Promise<void>;
}

/** K loops of take → release on `gate` for `ms`; the clock stops once `settled` resolves. */
async function gateRun<P, H>(
  gate: CapacityGate<P, H>,
  k: number,
  ms: number,
  settled: () => Promise<void>,
): Promise<Count> {
  const prepared = gate.prepare('pair', COST);
  if (prepared instanceof Error) fail(`prepare: ${prepared.message}`);
  let pairs = 0;
  let stop = false;
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const deadline = t0 + ms;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const held = await gate.take(prepared as P);
      if (held === undefined) fail('a take took nothing: the limits should be far above what is held');
      gate.release(held);
      if ((++pairs & 31) === 0 && performance.now() >= deadline) stop = true;
    }
  };
  const loops: Promise<void>[] = [];
  for (let i = 0; i < k; i++) loops.push(loop());
  await Promise.all(loops);
  await settled();
  return { pairs, ms: performance.now() - t0, cpuUs: cpuNow() - cpu0 };
}

/** A Scheduler kept fed with WINDOW outstanding no-op tasks for `ms`; the clock stops once all settled. */
async function schedulerRun(s: Scheduler, ms: number, settled: () => Promise<void>): Promise<Count> {
  let added = 0;
  let done = 0;
  let stop = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const deadline = t0 + ms;
  const onFail = (error: unknown): void => fail(`a task failed: ${String(error)}`);
  const onDone = (): void => {
    done++;
    if (!stop && (done & 31) === 0 && performance.now() >= deadline) stop = true;
    if (!stop) add();
    else if (done === added) finish();
  };
  const add = (): void => {
    added++;
    void s.add(noop, { cost: { gpu: 1, cpu: 1 } }).then(onDone, onFail);
  };
  for (let i = 0; i < WINDOW; i++) add();
  await finished;
  await settled();
  const elapsed = performance.now() - t0;
  const cpuUs = cpuNow() - cpu0;
  expectCount('scheduler completed', s.stats.completed, done);
  await s.close();
  return { pairs: done, ms: elapsed, cpuUs };
}

function memorySide(): Side {
  const cluster = new ResourceCapacitySource({ ...TREE.cluster.limits });
  const team = new ResourceCapacitySource({ ...TREE['team-a'].limits }, cluster);
  const gate = new ResourceGate(team);
  const settled = async (): Promise<void> => {};
  return {
    gateRun: (k, ms) => gateRun(gate, k, ms, settled),
    schedulerRun: (ms) => schedulerRun(new Scheduler({ capacity: team }), ms, settled),
    close: async () => {},
  };
}

async function redisSide(url: string, namespace: string, node: string): Promise<Side> {
  const capacity = new RedisCapacity({ redis: url, namespace, node });
  await capacity.define(TREE);
  const gate = capacity.openGate();
  const settled = (): Promise<void> => capacity.settled();
  return {
    gateRun: (k, ms) => gateRun(gate, k, ms, settled),
    schedulerRun: (ms) => schedulerRun(new Scheduler({ capacity }), ms, settled),
    close: async () => {
      await gate.dispose?.();
      await capacity.close();
    },
  };
}

function runPhase(side: Side, phase: Phase, ms: number): Promise<Count> {
  switch (phase) {
    case 'k1':
      return side.gateRun(1, ms);
    case 'k16':
      return side.gateRun(16, ms);
    case 'sched':
      return side.schedulerRun(ms);
  }
}

async function warmUp(side: Side, warmMs: number): Promise<void> {
  await side.gateRun(16, warmMs);
  await side.schedulerRun(warmMs);
  gc();
}

// ---- one of redis-N's processes -------------------------------------------------------------------------------

type ToClient = { type: 'run'; phase: Phase } | { type: 'exit' };
type FromClient = { type: 'ready' } | ({ type: 'done'; phase: Phase } & Count);

async function clientMain(argv: string[]): Promise<void> {
  const [url, namespace, node, phaseMs, warmMs] = argv;
  const send = (m: FromClient): void => {
    if (process.send === undefined) fail('client: no IPC channel');
    process.send(m);
  };
  // The measuring process is gone (it failed, or the orchestrator killed it): stop too.
  process.on('disconnect', () => process.exit(1));
  const side = await redisSide(url as string, namespace as string, node as string);
  await warmUp(side, Number(warmMs));
  process.on('message', (m: ToClient) => {
    if (m.type === 'exit') {
      side.close().then(
        () => process.exit(0),
        (e: unknown) => fail(`client close: ${String(e)}`),
      );
      return;
    }
    gc();
    runPhase(side, m.phase, Number(phaseMs)).then(
      (c) => send({ type: 'done', phase: m.phase, ...c }),
      (e: unknown) => fail(`client ${m.phase}: ${String(e)}`),
    );
  });
  send({ type: 'ready' });
}

/** A client process and the next message of each kind it sends. */
class Client {
  readonly #child: ChildProcess;
  readonly #inbox: FromClient[] = [];
  #wake: (() => void) | undefined;
  #exited: string | undefined;

  constructor(args: string[]) {
    const self = fileURLToPath(import.meta.url);
    this.#child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, 'client', ...args], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.#child.on('message', (m: FromClient) => {
      this.#inbox.push(m);
      this.#wake?.();
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = `a client process exited (${code ?? signal}) before it was done`;
      this.#wake?.();
    });
  }

  send(m: ToClient): void {
    this.#child.send(m);
  }

  async next(): Promise<FromClient> {
    for (;;) {
      const m = this.#inbox.shift();
      if (m !== undefined) return m;
      if (this.#exited !== undefined) fail(this.#exited);
      await new Promise<void>((r) => {
        this.#wake = r;
      });
      this.#wake = undefined;
    }
  }

  /** Resolves once the process exited with 0. */
  exited(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null) {
        if (this.#child.exitCode !== 0) fail(`a client process exited with ${this.#child.exitCode}`);
        resolve();
        return;
      }
      this.#child.once('exit', (code) => {
        if (code !== 0) fail(`a client process exited with ${code}`);
        resolve();
      });
    });
  }
}

// ---- the measuring process ------------------------------------------------------------------------------------

/** Per-phase figures: the pairs/s, plus for Redis what the server did per pair. */
function phaseMetrics(
  phase: Phase,
  counts: Count[],
  before: ServerCounters | undefined,
  after: ServerCounters | undefined,
  wallMs: number,
): Metrics {
  const rates = counts.map((c) => (c.pairs / c.ms) * 1000);
  const pairs = counts.reduce((a, c) => a + c.pairs, 0);
  const out: Metrics = {
    [`${phase}PerSec`]: rates.reduce((a, r) => a + r, 0),
    [`${phase}Pairs`]: pairs,
    // CPU the client process(es) spent per pair, summed over processes.
    [`${phase}ClientCpuUsPerPair`]: counts.reduce((a, c) => a + c.cpuUs, 0) / pairs,
  };
  if (counts.length > 1) {
    out[`${phase}SlowestProcPerSec`] = Math.min(...rates);
    out[`${phase}FastestProcPerSec`] = Math.max(...rates);
    // Total pairs over the span from the first "go" to the last "done" (includes the processes' skew).
    out[`${phase}SpanPerSec`] = (pairs / wallMs) * 1000;
  }
  if (before !== undefined && after !== undefined) {
    for (const [k, v] of Object.entries(perPair(before, after, pairs, wallMs))) out[`${phase}${cap(k)}`] = v;
  }
  return out;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

async function main(): Promise<void> {
  const contender = process.argv[2] ?? '';
  const phaseMs = Number(process.argv[3] ?? 2000);
  const warmMs = Number(process.argv[4] ?? 500);
  if (!(phaseMs > 0) || !(warmMs > 0)) fail(`bad phase/warm-up ms: ${process.argv[3]} ${process.argv[4]}`);

  if (contender === 'memory') {
    const side = memorySide();
    await warmUp(side, warmMs);
    const out: Metrics = { contender, phaseMs, source: 'ResourceCapacitySource (in-process)' };
    for (const phase of PHASES) {
      gc();
      const c = await runPhase(side, phase, phaseMs);
      Object.assign(out, phaseMetrics(phase, [c], undefined, undefined, c.ms));
    }
    emit(out);
  }

  const m = /^redis-(\d+)$/.exec(contender);
  if (m === null) fail(`unknown contender ${contender}`);
  const processes = Number(m[1]);
  if (!(processes >= 1)) fail(`bad process count in ${contender}`);
  const server = await workerRedis();
  const admin = adminClient(server.url);
  const namespace = benchNamespace('pairs');
  const out: Metrics = { contender, phaseMs, processes };

  if (processes === 1) {
    const side = await redisSide(server.url, namespace, 'team-a');
    await warmUp(side, warmMs);
    for (const phase of PHASES) {
      gc();
      const before = await serverCounters(admin);
      const c = await runPhase(side, phase, phaseMs);
      const after = await serverCounters(admin);
      Object.assign(out, phaseMetrics(phase, [c], before, after, c.ms));
    }
    await side.close();
  } else {
    const clients: Client[] = [];
    for (let i = 0; i < processes; i++) {
      const node = i % 2 === 0 ? 'team-a' : 'team-b';
      clients.push(new Client([server.url, namespace, node, String(phaseMs), String(warmMs)]));
    }
    for (const c of clients) {
      const r = await c.next();
      if (r.type !== 'ready') fail(`client: expected ready, got ${r.type}`);
    }
    for (const phase of PHASES) {
      const before = await serverCounters(admin);
      const t0 = performance.now();
      for (const c of clients) c.send({ type: 'run', phase });
      const counts: Count[] = [];
      for (const c of clients) {
        const r = await c.next();
        if (r.type !== 'done' || r.phase !== phase) fail(`client: expected done ${phase}, got ${r.type}`);
        counts.push({ pairs: r.pairs, ms: r.ms, cpuUs: r.cpuUs });
      }
      const wallMs = performance.now() - t0;
      const after = await serverCounters(admin);
      Object.assign(out, phaseMetrics(phase, counts, before, after, wallMs));
    }
    for (const c of clients) c.send({ type: 'exit' });
    await Promise.all(clients.map((c) => c.exited()));
  }

  // Every lease was given back: nothing may be left in use anywhere in the tree.
  const check = new RedisCapacity({ redis: server.url, namespace, node: 'team-a' });
  const snap = await check.snapshot();
  await check.close();
  for (const [node, s] of Object.entries(snap)) {
    if (s.leases !== 0 || Object.values(s.inUse).some((v) => v !== 0))
      fail(`${node} still holds ${s.leases} leases / ${JSON.stringify(s.inUse)} after the run`);
  }
  await dropNamespace(admin, namespace);
  admin.disconnect();
  await server.stop();
  emit(out);
}

if (process.argv[2] === 'client') await clientMain(process.argv.slice(3));
else await main();
