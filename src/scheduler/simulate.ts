import { show } from '../errors/allot-error.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { AgingQueue } from '../sources/aging-queue.js';
import { Scheduler } from './scheduler.js';
import type { SchedulerOptions } from './types.js';

/** One task of a {@link simulate} run: what it costs and how long it runs. */
export interface SimulatedTask {
  /** Unique key; `deps` name other tasks by it. */
  key: string;
  /** Resources held while it runs. Default: the simulation's `defaultCost` (`{}`). */
  cost?: ResourceCost;
  /** How long it runs once started, in milliseconds (≥ 0). */
  durationMs: number;
  /** Keys that must complete first; each must arrive no later than this task. */
  deps?: readonly string[];
  /** Higher starts first among ready tasks of its tenant. Default 0. */
  priority?: number;
  /** Fairness group (with the `tenants` option). */
  tenant?: string;
  /** When it is added, in milliseconds from the start (≥ 0). Default 0. */
  arrivalMs?: number;
}

/** Options of {@link simulate}: the budget, the tasks, and the scheduler's ordering options. */
export interface SimulateOptions
  extends Pick<
    SchedulerOptions,
    'order' | 'maxBypass' | 'maxBypassMs' | 'aging' | 'defaultCost' | 'tenants'
  > {
  /** The budget. */
  limits: ResourceCost;
  /** The workload. Tasks arriving at the same instant are added together, in this order. */
  tasks: readonly SimulatedTask[];
}

/** When one task ran, on the simulated clock. */
export interface SimulatedRun {
  key: string;
  startMs: number;
  endMs: number;
  /** Start minus the moment it became ready: its arrival, or its last dependency's end if later. */
  waitMs: number;
}

/** What {@link simulate} found. */
export interface SimulationResult {
  /** When the last task ended (0 for no tasks). */
  makespanMs: number;
  /** Per resource of the budget: resource-time used ÷ (limit × makespan), from 0 to 1. */
  utilization: Record<string, number>;
  /** Every task, in start order. */
  tasks: SimulatedRun[];
}

/**
 * Runs a workload through a real {@link Scheduler} on a simulated clock: the same ordering, backfill,
 * reservations, priorities, aging, fair sharing and dependencies, but no timers and no waiting, so 100,000 tasks take
 * seconds. Use it to compare orders or to size a budget before running anything.
 *
 * Time starts at 0. Each task holds its cost for exactly `durationMs`. At one instant, tasks that end are
 * handled first, one at a time in the order they started, then the tasks arriving then are added together.
 *
 * @throws the errors `Scheduler.add` would throw (bad cost, unknown dependency, …), naming the task, and
 *   `InvalidOptionError` for a bad `durationMs` or `arrivalMs`.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const { limits, tasks } = options;
  if (!Array.isArray(tasks)) throw new InvalidOptionError('tasks', tasks, 'an array of tasks');
  const arrivals = checkedArrivals(tasks);
  let now = 0;
  const { order, maxBypass, maxBypassMs, aging, defaultCost, tenants } = options;
  const s = new Scheduler({
    limits,
    ...(order !== undefined && { order }),
    ...(maxBypass !== undefined && { maxBypass }),
    ...(maxBypassMs !== undefined && { maxBypassMs }),
    ...(aging !== undefined && { aging }),
    ...(defaultCost !== undefined && { defaultCost }),
    ...(tenants !== undefined && { tenants }),
    now: () => now,
    keepSettled: Number.POSITIVE_INFINITY, // later arrivals may depend on tasks that ended long before
  });
  // Pending ends, earliest first, equal times in the order they were scheduled: a max-priority queue on −time.
  const ends = new AgingQueue<{ at: number; run: () => void }>();
  const runs = new Map<string, SimulatedRun>();
  const started: SimulatedRun[] = [];
  const readyAt = new Map<string, number>();
  const costs = new Map<string, ResourceCost>();

  const addGroup = (group: readonly SimulatedTask[]): void => {
    const items = group.map((t) => {
      const run: SimulatedRun = { key: t.key, startMs: 0, endMs: 0, waitMs: 0 };
      return {
        key: t.key,
        ...(t.cost !== undefined && { cost: t.cost }),
        ...(t.deps !== undefined && { deps: t.deps }),
        ...(t.priority !== undefined && { priority: t.priority }),
        ...(t.tenant !== undefined && { tenant: t.tenant }),
        run: () =>
          new Promise<void>((resolve) => {
            run.startMs = now;
            run.waitMs = now - readyTime(t, readyAt, runs);
            started.push(run);
            const at = now + t.durationMs;
            ends.add(
              {
                at,
                run: () => {
                  run.endMs = now;
                  runs.set(t.key, run);
                  resolve();
                },
              },
              -at,
            );
          }),
      };
    });
    const handles = s.addAll(items);
    for (const t of group) {
      readyAt.set(t.key, now);
      costs.set(t.key, t.cost ?? options.defaultCost ?? {});
    }
    for (const h of handles) h.catch(() => {}); // simulated tasks cannot fail; nothing to report
  };

  let next = 0;
  for (;;) {
    await turn(); // the scheduler decides on microtasks: let it start what it can
    const arrival =
      next < arrivals.length ? ((arrivals[next] as SimulatedTask[])[0]?.arrivalMs ?? 0) : Infinity;
    const end = ends.peek()?.at ?? Infinity;
    if (arrival === Infinity && end === Infinity) break;
    if (end <= arrival) {
      now = end;
      ends.pop()?.run();
    } else {
      now = arrival;
      addGroup(arrivals[next++] as SimulatedTask[]);
    }
  }
  await s.close();

  if (started.length !== tasks.length) {
    const missing = tasks.find((t) => !runs.has(t.key));
    throw new Error(`simulate: task ${show(missing?.key)} never ran`);
  }
  const makespanMs = started.reduce((m, r) => Math.max(m, r.endMs), 0);
  return { makespanMs, utilization: utilization(limits, started, costs, makespanMs), tasks: started };
}

/** Groups the tasks by arrival time, earliest first, keeping input order within a group. */
function checkedArrivals(tasks: readonly SimulatedTask[]): SimulatedTask[][] {
  const byTime = new Map<number, SimulatedTask[]>();
  for (const t of tasks) {
    if (typeof t !== 'object' || t === null) throw new InvalidOptionError('task', t, 'an object');
    const where = (field: string) => `${field} of task ${show(t.key)}`;
    if (typeof t.durationMs !== 'number' || !Number.isFinite(t.durationMs) || t.durationMs < 0)
      throw new InvalidOptionError(where('durationMs'), t.durationMs, 'a finite number ≥ 0');
    const at = t.arrivalMs ?? 0;
    if (typeof at !== 'number' || !Number.isFinite(at) || at < 0)
      throw new InvalidOptionError(where('arrivalMs'), t.arrivalMs, 'a finite number ≥ 0');
    const group = byTime.get(at);
    if (group === undefined) byTime.set(at, [t]);
    else group.push(t);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, group]) => group);
}

/** When a task became ready: its arrival, or the latest end of its dependencies. */
function readyTime(
  t: SimulatedTask,
  readyAt: ReadonlyMap<string, number>,
  runs: ReadonlyMap<string, SimulatedRun>,
): number {
  let at = readyAt.get(t.key) ?? 0;
  for (const d of t.deps ?? []) at = Math.max(at, runs.get(d)?.endMs ?? at);
  return at;
}

function utilization(
  limits: ResourceCost,
  runs: readonly SimulatedRun[],
  costs: ReadonlyMap<string, ResourceCost>,
  makespanMs: number,
): Record<string, number> {
  const used: Record<string, number> = {};
  for (const r of Object.keys(limits)) used[r] = 0;
  for (const run of runs) {
    const cost = costs.get(run.key) ?? {};
    for (const [r, amount] of Object.entries(cost))
      if (r in used) used[r] = (used[r] as number) + amount * (run.endMs - run.startMs);
  }
  const out: Record<string, number> = {};
  for (const [r, limit] of Object.entries(limits)) {
    out[r] = makespanMs > 0 && limit > 0 ? (used[r] as number) / (limit * makespanMs) : 0;
  }
  return out;
}

/** One event-loop turn: every queued microtask runs first. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
