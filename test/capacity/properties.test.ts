import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import type { ResourceCost } from '../../src/capacity/types.js';
import { type Held, ResourceGate } from '../../src/runner/resource-gate.js';

// Exact model: every amount in BigInt micro-units.
type Micro = Map<string, bigint>;

const KEYS = ['a', 'b', 'c'] as const;
// Amounts in steps of 0.1 or 0.000001, so fractional accounting is exercised.
const amountArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => BigInt(n) * 100_000n),
  fc.integer({ min: 0, max: 4_000_000 }).map((n) => BigInt(n)),
);
const partialArb = fc.dictionary(fc.constantFrom(...KEYS), amountArb, { maxKeys: 3 });

const hierarchyArb = fc
  .array(
    fc.record({
      parentPick: fc.nat(),
      hasParent: fc.boolean(),
      limits: partialArb,
      quota: fc.integer({ min: 0, max: 3 }).map((n) => n === 0), // a quota one time in four
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((nodes) =>
    nodes.map((n, i) => ({
      parent: i > 0 && n.hasParent ? n.parentPick % i : -1,
      limits: n.limits,
      quota: n.quota,
    })),
  );

const opArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('acquire' as const),
      src: fc.nat(),
      cost: partialArb,
      viaRunner: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('setLimits' as const), src: fc.nat(), limits: partialArb }),
  },
);

const toNumber = (m: bigint): number => Number(m) / 1e6;
const toCost = (o: Record<string, bigint>): ResourceCost =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toNumber(v)]));
const toMicro = (x: number | undefined): bigint => BigInt(Math.round((x ?? 0) * 1e6));

describe('capacity accounting (property-based)', () => {
  it('random hierarchies (pools and quotas): acquisition never over-commits a level, the exact model agrees, and releasing everything restores every pool limit', () => {
    fc.assert(
      fc.property(hierarchyArb, fc.array(opArb, { maxLength: 40 }), (nodes, ops) => {
        const sources: ResourceCapacitySource[] = [];
        const model: Array<{ limits: Micro; inUse: Micro; parent: number; quota: boolean }> = [];
        for (const node of nodes) {
          const parent = node.parent >= 0 ? sources[node.parent] : undefined;
          const Kind = node.quota ? QuotaCapacitySource : ResourceCapacitySource;
          sources.push(new Kind(toCost(node.limits), parent));
          const limits: Micro = new Map(Object.entries(node.limits));
          model.push({
            limits,
            inUse: new Map([...limits.keys()].map((k) => [k, 0n])),
            parent: node.parent,
            quota: node.quota,
          });
        }
        const chain = (i: number): number[] => {
          const out: number[] = [];
          for (let j = i; j >= 0; j = model[j]!.parent) out.push(j);
          return out;
        };
        // What each acquisition took, level by level (the keys each level tracked at the time).
        type Taken = Array<[level: number, key: string, amount: bigint]>;
        const held: Array<{
          seq: number;
          src: number;
          cost: Record<string, bigint>;
          taken: Taken;
          gateHold?: Held;
        }> = [];
        let seq = 0;
        const gates = new Map<number, ResourceGate>();
        const gateOf = (src: number) => {
          let gate = gates.get(src);
          if (gate === undefined) {
            gate = new ResourceGate(sources[src]!);
            gates.set(src, gate);
          }
          return gate;
        };
        // A release is matched by resources and non-zero amounts, in any key order.
        const shape = (cost: Record<string, bigint>) =>
          Object.entries(cost)
            .filter(([, v]) => v !== 0n)
            .map(([k, v]) => `${k}=${v}`)
            .sort()
            .join(',');

        const release = (h: (typeof held)[number]) => {
          let taken = h.taken;
          if (h.gateHold !== undefined) gateOf(h.src).release(h.gateHold);
          else {
            sources[h.src]!.release(toCost(h.cost));
            // A direct release is matched to the oldest outstanding direct acquisition of the same cost.
            const oldest = held
              .concat(h)
              .filter((o) => o.gateHold === undefined && o.src === h.src && shape(o.cost) === shape(h.cost))
              .reduce((a, b) => (a.seq < b.seq ? a : b));
            if (oldest !== h) {
              // Swap what the two acquisitions are remembered to hold: the release gave back the oldest one's.
              taken = oldest.taken;
              oldest.taken = h.taken;
            }
          }
          for (const [j, k, amt] of taken) {
            if (model[j]!.quota) continue;
            const use = model[j]!.inUse.get(k)!;
            model[j]!.inUse.set(k, use > amt ? use - amt : 0n);
          }
        };
        const checkModel = () => {
          sources.forEach((s, j) => {
            const inUse = s.inUse;
            for (const [k, use] of model[j]!.inUse) expect(toMicro(inUse[k])).toBe(use);
            expect(Object.keys(inUse).sort()).toEqual([...model[j]!.inUse.keys()].sort());
          });
        };

        for (const op of ops) {
          if (op.kind === 'acquire') {
            const src = op.src % sources.length;
            const levels = chain(src);
            const fits = levels.every((j) =>
              Object.entries(op.cost).every(([k, amt]) => {
                const limit = model[j]!.limits.get(k);
                return amt === 0n || limit === undefined || model[j]!.inUse.get(k)! + amt <= limit;
              }),
            );
            let ok: boolean;
            let gateHold: Held | undefined;
            if (op.viaRunner) {
              const gate = gateOf(src);
              const prepared = gate.prepare('t', toCost(op.cost));
              // The runner refuses costs naming a resource no level tracks; the direct API ignores such keys.
              if (prepared instanceof Error) continue;
              gateHold = gate.take(prepared);
              ok = gateHold !== undefined;
            } else {
              ok = sources[src]!.tryAcquire(toCost(op.cost)).ok;
            }
            expect(ok).toBe(fits);
            if (ok) {
              const taken: Taken = [];
              // A release stops at the first quota: what it took there and above stays consumed.
              for (const j of levels) {
                for (const [k, amt] of Object.entries(op.cost)) {
                  const use = model[j]!.inUse.get(k);
                  if (use === undefined || amt === 0n) continue;
                  model[j]!.inUse.set(k, use + amt);
                  if (!model[j]!.quota && !levels.slice(0, levels.indexOf(j)).some((l) => model[l]!.quota))
                    taken.push([j, k, amt]);
                }
                // Acquisition never pushes a level above its limit for what it took.
                const inUse = sources[j]!.inUse;
                const limits = sources[j]!.limits;
                for (const [k, amt] of Object.entries(op.cost)) {
                  if (amt > 0n && limits[k] !== undefined)
                    expect(toMicro(inUse[k])).toBeLessThanOrEqual(toMicro(limits[k]));
                }
              }
              held.push(
                gateHold === undefined
                  ? { seq: seq++, src, cost: op.cost, taken }
                  : { seq: seq++, src, cost: op.cost, taken, gateHold },
              );
            }
          } else if (op.kind === 'release') {
            if (held.length === 0) continue;
            const [h] = held.splice(op.pick % held.length, 1);
            release(h!);
          } else {
            const src = op.src % sources.length;
            sources[src]!.setLimits(toCost(op.limits));
            for (const [k, limit] of Object.entries(op.limits)) {
              if (!model[src]!.limits.has(k)) model[src]!.inUse.set(k, 0n);
              model[src]!.limits.set(k, limit);
            }
          }
          checkModel();
        }

        for (const h of held.splice(0)) release(h);
        checkModel();
        // Every level below the first quota of every chain got everything back.
        const quotaReached = new Set<number>();
        model.forEach((_, i) => {
          let seenQuota = false;
          for (const j of chain(i)) {
            if (model[j]!.quota) seenQuota = true;
            if (seenQuota) quotaReached.add(j);
          }
        });
        sources.forEach((s, j) => {
          if (quotaReached.has(j)) return;
          expect(s.available).toEqual(s.limits);
          expect(Object.values(s.inUse).every((v) => v === 0)).toBe(true);
        });
        if (!model.some((m) => m.quota)) expect(quotaReached.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
