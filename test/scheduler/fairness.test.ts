import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type TenantOptions } from '../../src/index.js';
import { deferred, settle } from './helpers.js';

type Cost = Record<string, number>;
const never = new Promise<void>(() => {});

/** Queues `n` never-ending tasks per tenant, in the given order, and counts how many of each start. */
async function saturate(
  tenants: Record<string, TenantOptions>,
  order: readonly [string, Cost][],
  n = 20,
): Promise<Record<string, number>> {
  const s = new Scheduler({ limits: { cpu: 9, mem: 18 }, tenants });
  const running: Record<string, number> = {};
  for (const [tenant, cost] of order) {
    running[tenant] = 0;
    for (let i = 0; i < n; i++) {
      s.add(
        () => {
          running[tenant] = (running[tenant] as number) + 1;
          return never;
        },
        { tenant, cost },
      );
    }
  }
  await settle();
  return running;
}

const A: [string, Cost] = ['A', { cpu: 1, mem: 4 }];
const B: [string, Cost] = ['B', { cpu: 3, mem: 1 }];

describe('fair sharing between tenants (weighted Dominant Resource Fairness)', () => {
  it("the DRF paper's example: A runs 3 tasks and B 2, both at a dominant share of 2/3, whoever queues first", async () => {
    expect(await saturate({}, [A, B])).toEqual({ A: 3, B: 2 });
    expect(await saturate({}, [B, A])).toEqual({ A: 3, B: 2 });
  });

  it('weights 2:1 for A: A reaches the weighted share B has before B gets a second task', async () => {
    // Weighted shares: A's is (4x/18)/2 = x/9, B's is 3y/9 = y/3. After A3 and B1 both are 1/3: a tie, which goes
    // to the tenant whose next task became ready first. A first: A4 (share 4/9); B's next would need 3 cpu of
    // the 2 left, so A4, B1. B first: B2 (2/3); A's next needs the last cpu, which B2 took, so A3, B2.
    expect(await saturate({ A: { weight: 2 } }, [A, B])).toEqual({ A: 4, B: 1 });
    expect(await saturate({ A: { weight: 2 } }, [B, A])).toEqual({ A: 3, B: 2 });
  });

  it('priorities order tasks within a tenant, never across tenants', async () => {
    const s = new Scheduler({ limits: { slot: 2 }, tenants: { B: { weight: 2 } } });
    const started: string[] = [];
    const holdA = deferred();
    const holdB = deferred();
    s.on('start', ({ key }) => started.push(key));
    s.add(() => holdA.promise, { key: 'a-hold', tenant: 'A', cost: { slot: 1 } });
    s.add(() => holdB.promise, { key: 'b-hold', tenant: 'B', cost: { slot: 1 } });
    await settle();
    s.add(() => undefined, { key: 'a-low', tenant: 'A', cost: { slot: 1 }, priority: 0 });
    s.add(() => undefined, { key: 'a-high', tenant: 'A', cost: { slot: 1 }, priority: 9 });
    s.add(() => undefined, { key: 'b', tenant: 'B', cost: { slot: 1 }, priority: -5 });
    await settle();
    // Shares: A 1/2, B (1/2) / 2 = 1/4. B goes first whatever the priorities say.
    expect(s.explain('a-high').reasons).toContainEqual({ kind: 'tenant', tenant: 'B', share: 0.25 });
    expect(s.explain('a-high').message).toContain('tenant "B" (share 0.25) goes first');
    holdB.resolve();
    await settle();
    expect(started.slice(0, 3)).toEqual(['a-hold', 'b-hold', 'b']);
    holdA.resolve();
    await s.onIdle();
    expect(started).toEqual(['a-hold', 'b-hold', 'b', 'a-high', 'a-low']);
  });

  it("explain blames fairness only when the first tenant's next task would take what this one could", async () => {
    const s = new Scheduler({ limits: { gpu: 4 }, tenants: {} });
    const hold = deferred();
    for (let i = 0; i < 6; i++)
      s.add(() => hold.promise, { key: `batch-${i}`, tenant: 'batch', cost: { gpu: 1 } });
    await settle();
    s.add(() => undefined, { key: 'big', tenant: 'product', cost: { gpu: 2 } });
    await settle();
    // product ranks first (share 0), but its 2-GPU task cannot use the single GPUs batch's tasks wait for.
    expect(s.explain('batch-4').reasons.map((r) => r.kind)).not.toContain('tenant');
    hold.resolve();
    await s.onIdle();
  });

  it('a tenant that was busy before is not held back for it once it is idle', async () => {
    const s = new Scheduler({ limits: { slot: 2 }, tenants: {} });
    for (let i = 0; i < 10; i++) s.add(() => undefined, { tenant: 'A', cost: { slot: 1 } });
    await s.onIdle(); // A used everything for a while, then ended
    const started: string[] = [];
    s.on('start', ({ key }) => started.push(key));
    const gates = [deferred(), deferred(), deferred(), deferred()];
    s.add(() => gates[0]?.promise, { key: 'a1', tenant: 'A', cost: { slot: 1 } });
    s.add(() => gates[1]?.promise, { key: 'a2', tenant: 'A', cost: { slot: 1 } });
    s.add(() => gates[2]?.promise, { key: 'b1', tenant: 'B', cost: { slot: 1 } });
    s.add(() => gates[3]?.promise, { key: 'b2', tenant: 'B', cost: { slot: 1 } });
    await settle();
    // Shares start from current holdings (both 0): A's head came first, then B at a lower share than A's 1/2.
    expect(started).toEqual(['a1', 'b1']);
    for (const g of gates) g.resolve();
    await s.onIdle();
  });

  it('without `tenants`, a task tenant is ignored: one queue in priority order', async () => {
    const s = new Scheduler({ limits: { slot: 1 } });
    const started: string[] = [];
    s.on('start', ({ key }) => started.push(key));
    s.add(() => undefined, { key: 'x', tenant: 'A', cost: { slot: 1 }, priority: 1 });
    s.add(() => undefined, { key: 'y', tenant: 'B', cost: { slot: 1 }, priority: 5 });
    await s.onIdle();
    expect(started).toEqual(['y', 'x']);
  });

  it('rejects a bad weight', () => {
    expect(() => new Scheduler({ limits: { cpu: 1 }, tenants: { A: { weight: 0 } } })).toThrow(/tenant "A"/);
  });

  it('property: no tenant whose next task fits is passed over for one with a higher weighted share', async () => {
    const SHAPES: Cost[] = [{ cpu: 1 }, { cpu: 2, mem: 1 }, { mem: 3 }, { cpu: 1, mem: 2 }];
    const LIMITS: Cost = { cpu: 4, mem: 6 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ tenant: fc.constantFrom('A', 'B', 'C'), shape: fc.nat(3), priority: fc.nat(2) }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        fc.record({ A: fc.constantFrom(1, 2), B: fc.constantFrom(1, 3), C: fc.constant(1) }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (specs, weights, endOrder) => {
          const tenants = { A: { weight: weights.A }, B: { weight: weights.B }, C: { weight: weights.C } };
          // A huge maxBypass: no reservation, so every start follows the fairness rule alone.
          const s = new Scheduler({ limits: LIMITS, tenants, maxBypass: 1e9 });
          const held: Cost = { cpu: 0, mem: 0 };
          const byTenant: Record<string, Cost> = {};
          const queued = new Map<string, { tenant: string; cost: Cost; priority: number; seq: number }>();
          const ends = new Map<string, () => void>();
          const fits = (c: Cost) =>
            Object.entries(c).every(([r, n]) => (held[r] as number) + n <= (LIMITS[r] as number));
          const share = (t: string) => {
            const h = byTenant[t] ?? {};
            const w = tenants[t as 'A'].weight;
            return Math.max(0, ...Object.entries(h).map(([r, n]) => n / (LIMITS[r] as number))) / w;
          };
          const headOf = (t: string) =>
            [...queued.values()]
              .filter((q) => q.tenant === t)
              .sort((x, y) => y.priority - x.priority || x.seq - y.seq)[0];
          const violations: string[] = [];
          s.on('start', ({ key }) => {
            const me = queued.get(key) as { tenant: string; cost: Cost };
            const mine = share(me.tenant);
            for (const t of ['A', 'B', 'C']) {
              if (t === me.tenant) continue;
              const head = headOf(t);
              if (head !== undefined && fits(head.cost) && share(t) < mine)
                violations.push(
                  `${key} of ${me.tenant} (share ${mine}) started before ${t}'s fitting head ${JSON.stringify(head)} (share ${share(t)}); held ${JSON.stringify(held)}`,
                );
            }
            queued.delete(key);
            for (const [r, n] of Object.entries(me.cost)) {
              held[r] = (held[r] as number) + n;
              const tb = byTenant[me.tenant] ?? {};
              tb[r] = (tb[r] ?? 0) + n;
              byTenant[me.tenant] = tb;
            }
          });
          specs.forEach((spec, i) => {
            const key = `k${i}`;
            const cost = SHAPES[spec.shape] as Cost;
            queued.set(key, { tenant: spec.tenant, cost, priority: spec.priority, seq: i });
            const done = deferred();
            ends.set(key, () => {
              for (const [r, n] of Object.entries(cost)) {
                held[r] = (held[r] as number) - n;
                (byTenant[spec.tenant] as Cost)[r] = ((byTenant[spec.tenant] as Cost)[r] as number) - n;
              }
              done.resolve();
            });
            s.add(() => done.promise, {
              key,
              tenant: spec.tenant,
              cost: { ...cost },
              priority: spec.priority,
            });
          });
          await settle();
          for (const pick of endOrder) {
            const running = [...ends.keys()].filter((k) => !queued.has(k));
            if (running.length === 0) break;
            const key = running[pick % running.length] as string;
            const end = ends.get(key) as () => void;
            ends.delete(key);
            end();
            await settle();
          }
          // Whatever is left finishes, one task per turn (so the model sees what the scheduler sees); none may hang.
          while (ends.size > 0) {
            await settle();
            const key = [...ends.keys()].find((k) => !queued.has(k));
            if (key === undefined) throw new Error(`stuck: ${[...ends.keys()].join(' ')} never started`);
            const end = ends.get(key) as () => void;
            ends.delete(key);
            end();
          }
          await s.onIdle();
          expect(violations).toEqual([]);
        },
      ),
      { numRuns: 80 },
    );
  });
});
