import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AllotErrorLike, type ResourceCost, Scheduler } from '../../src/index.js';
import { deferred } from '../support/async.js';
import { redisServerPath } from '../support/redis-server.js';
import { type Backend, memoryBackend, redisBackend, type Tree } from './backends.js';

// The same capacity behaviours, run against the in-memory source and against RedisCapacity, so the two cannot
// drift apart. Everything goes through the Scheduler, the front door both share. Without redis-server the Redis
// half is skipped with a visible message (and fails under CI=true, see describeRedis).

const backends: Backend[] = [memoryBackend];
if (redisServerPath !== undefined) backends.push(redisBackend());
else if (process.env.CI === 'true') throw new Error('redis-server is not installed: CI must install it');
else describe.skip('capacity conformance on Redis (skipped: redis-server is not on PATH)', () => {});

const TEAMS: Tree = {
  cluster: { limits: { gpu: 2, cpu: 3 } },
  'team-a': { parent: 'cluster', limits: { gpu: 2, cpu: 2 } },
  'team-b': { parent: 'cluster', limits: { gpu: 1, cpu: 3 } },
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Costs held right now by running task functions, per node (kept by the tasks, not by the library). */
class Ledger {
  readonly held = new Map<string, ResourceCost>();
  readonly worst: string[] = [];
  constructor(readonly tree: Tree) {}

  enter(node: string, cost: ResourceCost, sign: 1 | -1): void {
    for (const n of this.#chain(node)) {
      const h = this.held.get(n) ?? {};
      for (const [r, a] of Object.entries(cost)) {
        h[r] = Math.round(((h[r] ?? 0) + sign * a) * 1e6) / 1e6;
        const limit = this.tree[n]?.limits[r];
        if (limit !== undefined && (h[r] as number) > limit) this.worst.push(`${n}.${r}=${h[r]} > ${limit}`);
      }
      this.held.set(n, h);
    }
  }

  #chain(node: string): string[] {
    const out: string[] = [];
    for (let n: string | undefined = node; n !== undefined; n = this.tree[n]?.parent) out.push(n);
    return out;
  }
}

/** Runs `add` and reports how the task ended: its error code, or 'ok'. A synchronous throw counts too. */
async function outcome(run: () => PromiseLike<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return (error as AllotErrorLike).code ?? String(error);
  }
}

for (const backend of backends) {
  describe(`capacity conformance: ${backend.name}`, () => {
    beforeAll(async () => backend.setup?.());
    afterAll(async () => backend.teardown?.());

    it('never over-commits any resource at any node, with schedulers on several nodes at once', async () => {
      const kinds: ResourceCost[] = [{ gpu: 2, cpu: 1 }, { gpu: 1, cpu: 1 }, { cpu: 1 }, { cpu: 0.5 }];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ node: fc.constantFrom('team-a', 'team-b'), kind: fc.nat(3), ms: fc.nat(6) }), {
            minLength: 5,
            maxLength: 30,
          }),
          async (tasks) => {
            const tree = await backend.make(TEAMS);
            const ledger = new Ledger(TEAMS);
            const schedulers = new Map<string, Scheduler>();
            for (const node of ['team-a', 'team-b'])
              schedulers.set(node, new Scheduler({ capacity: tree.capacityFor(node) }));
            try {
              const handles = tasks.map((t) => {
                const cost = kinds[t.kind] as ResourceCost;
                // team-b cannot hold a 2-GPU task: that cost is never sent there.
                const node = t.node === 'team-b' && (cost.gpu ?? 0) > 1 ? 'team-a' : t.node;
                return (schedulers.get(node) as Scheduler).add(
                  async () => {
                    ledger.enter(node, cost, 1);
                    await sleep(t.ms);
                    ledger.enter(node, cost, -1);
                  },
                  { cost },
                );
              });
              await Promise.all(handles);
              expect(ledger.worst).toEqual([]);
              for (const s of schedulers.values()) await s.close();
              for (const node of Object.keys(TEAMS)) {
                const used = await tree.inUse(node);
                expect(Object.values(used).every((v) => v === 0)).toBe(true);
              }
            } finally {
              await tree.close();
            }
          },
        ),
        { numRuns: 12 },
      );
    });

    it('keeps fractional amounts exact: a thousand pairs of 0.1 leave the limits intact', async () => {
      const tree = await backend.make({ root: { limits: { cpu: 1 } } });
      const s = new Scheduler({ capacity: tree.capacityFor('root') });
      let running = 0;
      let most = 0;
      try {
        const handles = Array.from({ length: 1000 }, () =>
          s.add(
            async () => {
              running++;
              most = Math.max(most, running);
              await Promise.resolve();
              running--;
            },
            { cost: { cpu: 0.1 } },
          ),
        );
        await Promise.all(handles);
        await s.close();
        expect(most).toBeLessThanOrEqual(10);
        expect(await tree.inUse('root')).toEqual({ cpu: 0 });
        // Exactly ten tenths fit after all of that: nothing drifted.
        const t = new Scheduler({ capacity: tree.capacityFor('root') });
        let together = 0;
        const gate = deferred();
        const ten = Array.from({ length: 10 }, () =>
          t.add(
            async () => {
              together++;
              if (together === 10) gate.resolve();
              await gate.promise;
            },
            { cost: { cpu: 0.1 } },
          ),
        );
        await Promise.all(ten);
        expect(together).toBe(10);
        await t.close();
      } finally {
        await tree.close();
      }
    });

    it('wakes a waiter on another node when capacity is given back', async () => {
      const tree = await backend.make(TEAMS);
      const a = new Scheduler({ capacity: tree.capacityFor('team-a') });
      const b = new Scheduler({ capacity: tree.capacityFor('team-b') });
      try {
        const order: string[] = [];
        const hold = deferred();
        const holder = a.add(
          async () => {
            order.push('holder start');
            await hold.promise;
            order.push('holder end');
          },
          { cost: { gpu: 2 } },
        );
        await until(() => order.length === 1);
        const waiter = b.add(() => void order.push('waiter start'), { cost: { gpu: 1 } });
        await sleep(50);
        expect(order).toEqual(['holder start']);
        hold.resolve();
        await Promise.all([holder, waiter]);
        expect(order).toEqual(['holder start', 'holder end', 'waiter start']);
      } finally {
        await a.close();
        await b.close();
        await tree.close();
      }
    });

    it('shrink then grow never over-admits', async () => {
      const tree = await backend.make({ root: { limits: { cpu: 4 } } });
      const s = new Scheduler({ capacity: tree.capacityFor('root') });
      try {
        let running = 0;
        const limitNow = { cpu: 4 };
        const breaches: string[] = [];
        const release = deferred();
        const first = Array.from({ length: 4 }, () =>
          s.add(
            async () => {
              running++;
              await release.promise;
              running--;
            },
            { cost: { cpu: 1 } },
          ),
        );
        await until(() => running === 4);
        await tree.setLimits('root', { cpu: 2 });
        limitNow.cpu = 2;
        const later = Array.from({ length: 6 }, () =>
          s.add(
            async () => {
              running++;
              if (running > limitNow.cpu) breaches.push(`${running} running under ${limitNow.cpu}`);
              await sleep(2);
              running--;
            },
            { cost: { cpu: 1 } },
          ),
        );
        await sleep(30);
        expect(running).toBe(4); // nothing new starts while 4 are held under a limit of 2
        release.resolve();
        await Promise.all(first);
        limitNow.cpu = 3; // before the call: the in-memory source starts waiters at once
        await tree.setLimits('root', { cpu: 3 });
        await Promise.all(later);
        expect(breaches).toEqual([]);
        await s.close();
        expect(await tree.inUse('root')).toEqual({ cpu: 0 });
      } finally {
        await tree.close();
      }
    });

    it('refuses bad input with the same error codes', async () => {
      const tree = await backend.make(TEAMS);
      const s = new Scheduler({ capacity: tree.capacityFor('team-b') });
      try {
        expect(await outcome(() => s.add(() => 1, { key: 'neg', cost: { gpu: -1 } }))).toBe(
          'ALLOT_INVALID_COST',
        );
        expect(await outcome(() => s.add(() => 1, { key: 'nan', cost: { cpu: Number.NaN } }))).toBe(
          'ALLOT_INVALID_COST',
        );
        expect(await outcome(() => s.add(() => 1, { key: 'digits', cost: { cpu: 0.1234567 } }))).toBe(
          'ALLOT_INVALID_COST',
        );
        // Known to the in-memory source at once, to Redis at acquire time: the task fails either way.
        expect(await outcome(() => s.add(() => 1, { key: 'tpu', cost: { tpu: 1 } }))).toBe(
          'ALLOT_UNKNOWN_RESOURCE',
        );
        expect(await outcome(() => s.add(() => 1, { key: 'big', cost: { gpu: 2 } }))).toBe(
          'ALLOT_COST_EXCEEDS_LIMIT',
        );
        // Nothing was lost on the way: a good task still runs, and everything is back.
        expect(await outcome(() => s.add(() => 1, { cost: { gpu: 1, cpu: 3 } }))).toBe('ok');
        await s.close();
        for (const node of Object.keys(TEAMS))
          expect(Object.values(await tree.inUse(node)).every((v) => v === 0)).toBe(true);
      } finally {
        await tree.close();
      }
    });
  });
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(2);
  }
}
