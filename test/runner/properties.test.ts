import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask, TaskProgressEnvelope } from '../../src/runner/types.js';
import { ioTurns } from '../support/async.js';
import { TaskSource } from '../support/sources.js';

const RESOURCES = ['a', 'b', 'c'] as const;
type Behaviour = 'resolve' | 'instant' | 'throw' | 'syncThrow' | 'stream' | 'throwMidStream';

interface TaskSpec {
  cost: Record<string, number>;
  behaviour: Behaviour;
  ticks: number;
  yields: number;
}

interface Level {
  capacity: ResourceCapacitySource;
  limits: Record<string, number>;
  ledger: Record<string, number>;
}

const limitArb = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(0.5, 1.5, 2.25));
const limitsArb = fc.record({ a: limitArb, b: limitArb, c: limitArb }, { requiredKeys: [] });
const specArb = fc.record({
  amounts: fc.array(fc.constantFrom(0.25, 0.5, 1, 1, 2), { minLength: 3, maxLength: 3 }),
  mask: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  behaviour: fc.constantFrom<Behaviour>(
    'resolve',
    'instant',
    'throw',
    'syncThrow',
    'stream',
    'throwMidStream',
  ),
  ticks: fc.integer({ min: 0, max: 3 }),
  yields: fc.integer({ min: 0, max: 3 }),
});

/** Builds tasks that record, from inside, what every level holds, and fail the test on any over-commit. */
function makeTasks(
  specs: Array<{ amounts: number[]; mask: boolean[]; behaviour: Behaviour; ticks: number; yields: number }>,
  chain: Level[],
  prefix: string,
  violations: string[],
  active: { count: number },
) {
  // Every cost must fit somewhere: clamp each amount to the smallest limit along the chain that tracks it.
  const tracked = (r: string) => chain.some((l) => l.limits[r] !== undefined);
  const cap = (r: string) =>
    Math.min(...chain.filter((l) => l.limits[r] !== undefined).map((l) => l.limits[r] as number));
  const tasks: ScheduledTask<string, string>[] = [];
  const plans: TaskSpec[] = [];
  specs.forEach((s, i) => {
    const cost: Record<string, number> = {};
    RESOURCES.forEach((r, j) => {
      if (s.mask[j] && tracked(r)) cost[r] = Math.min(s.amounts[j] as number, cap(r));
    });
    const plan: TaskSpec = { cost, behaviour: s.behaviour, ticks: s.ticks, yields: s.yields };
    plans.push(plan);
    const take = (sign: 1 | -1) => {
      for (const level of chain) {
        for (const [r, amount] of Object.entries(cost)) {
          if (level.limits[r] === undefined) continue;
          level.ledger[r] = (level.ledger[r] ?? 0) + sign * amount;
          if ((level.ledger[r] as number) > (level.limits[r] as number) + 1e-9) {
            violations.push(`${prefix}${i} over-commits ${r}: ${level.ledger[r]} > ${level.limits[r]}`);
          }
        }
      }
    };
    const key = `${prefix}${i}`;
    const begin = () => {
      active.count++;
      take(1);
    };
    const end = () => {
      take(-1);
      active.count--;
    };
    let runner: ScheduledTask<string, string>['runner'];
    switch (s.behaviour) {
      case 'instant':
        runner = () => {
          begin();
          end();
          return Promise.resolve(key);
        };
        break;
      case 'syncThrow':
        runner = () => {
          begin();
          end();
          throw new Error(key);
        };
        break;
      case 'resolve':
      case 'throw':
        runner = async () => {
          begin();
          await ioTurns(s.ticks);
          end();
          if (s.behaviour === 'throw') throw new Error(key);
          return key;
        };
        break;
      default:
        runner = async function* () {
          begin();
          try {
            for (let y = 0; y < s.yields; y++) {
              await ioTurns(s.ticks);
              yield `${key}:${y}`;
            }
            if (s.behaviour === 'throwMidStream') throw new Error(key);
            return key;
          } finally {
            end();
          }
        };
    }
    tasks.push({ key, cost, runner });
  });
  return { tasks, plans };
}

function expectedEnvelopes(plan: TaskSpec): string[] {
  const streaming = plan.behaviour === 'stream' || plan.behaviour === 'throwMidStream';
  const inter = streaming ? Array.from({ length: plan.yields }, () => 'INTERMEDIATE') : [];
  const ok = plan.behaviour === 'resolve' || plan.behaviour === 'instant' || plan.behaviour === 'stream';
  return [...inter, ok ? 'FINAL' : 'ERROR'];
}

function level(limits: Record<string, number>, parent?: ResourceCapacitySource): Level {
  return { capacity: new ResourceCapacitySource(limits, parent), limits, ledger: {} };
}

const hierarchyArb = fc.record({
  root: limitsArb,
  children: fc.array(limitsArb, { minLength: 1, maxLength: 3 }),
  runnersPerPool: fc.integer({ min: 1, max: 2 }),
  tasks: fc.array(fc.array(specArb, { maxLength: 12 }), { minLength: 6, maxLength: 6 }),
});

describe('runner invariants (property-based)', () => {
  it('no level is ever over-committed; every task ends once with its envelopes; budgets return to the limits', async () => {
    await fc.assert(
      fc.asyncProperty(hierarchyArb, async ({ root, children, runnersPerPool, tasks }) => {
        const top = level(root);
        const pools = children.map((limits) => level(limits, top.capacity));
        const violations: string[] = [];
        const active = { count: 0 };
        const runs: Array<Promise<void>> = [];
        const results: Array<{ plans: TaskSpec[]; envelopes: TaskProgressEnvelope<string, string>[] }> = [];
        let n = 0;
        for (const pool of pools) {
          for (let r = 0; r < runnersPerPool; r++) {
            const specs = tasks[n % tasks.length] ?? [];
            const { tasks: list, plans } = makeTasks(specs, [pool, top], `p${n}-`, violations, active);
            n++;
            const runner = new ScheduledTaskPoolRunner<string, string>(
              `r${n}`,
              new TaskSource(list),
              pool.capacity,
            );
            const entry = { plans, envelopes: [] as TaskProgressEnvelope<string, string>[] };
            results.push(entry);
            runs.push(
              (async () => {
                for await (const e of runner.runTasks(false)) entry.envelopes.push(e);
              })(),
            );
          }
        }
        await Promise.all(runs);
        expect(violations).toEqual([]);
        for (const { plans, envelopes } of results) {
          plans.forEach((plan, i) => {
            const mine = envelopes.filter((e) => e.taskId === i + 1).map((e) => e.type);
            expect(mine).toEqual(expectedEnvelopes(plan));
          });
        }
        expect(active.count).toBe(0);
        for (const l of [top, ...pools]) expect(l.capacity.available).toEqual(l.limits);
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 60) },
    );
  });

  it('a consumer that breaks out early leaks nothing and every started task is settled once', async () => {
    await fc.assert(
      fc.asyncProperty(
        limitsArb,
        fc.array(specArb, { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 0, max: 10 }),
        async (limits, specs, breakAfter) => {
          const top = level(limits);
          const violations: string[] = [];
          const active = { count: 0 };
          const { tasks } = makeTasks(specs, [top], 't', violations, active);
          const settledCount = new Map<string, number>();
          for (const task of tasks) {
            const bump = () => settledCount.set(task.key, (settledCount.get(task.key) ?? 0) + 1);
            task.onComplete = bump;
            task.onError = bump;
          }
          const runner = new ScheduledTaskPoolRunner<string, string>(
            'r',
            new TaskSource(tasks),
            top.capacity,
          );
          let seen = 0;
          for await (const _ of runner.runTasks(false)) {
            if (seen++ >= breakAfter) break;
          }
          // Wait for stragglers: they run on I/O turns, so a bounded number of turns is enough.
          for (let i = 0; i < 50 && active.count > 0; i++) await ioTurns(1);
          await ioTurns(3);
          expect(active.count).toBe(0);
          expect(violations).toEqual([]);
          expect(top.capacity.available).toEqual(limits);
          for (const count of settledCount.values()) expect(count).toBe(1);
        },
      ),
      { numRuns: Number(process.env.PROP_RUNS ?? 80) },
    );
  });
});
