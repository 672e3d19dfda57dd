import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HierarchicalBalancer } from '../../src/balancer/hierarchical-balancer.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { manualClock } from '../support/clock.js';

type Op = { kind: 'acquire' | 'release'; n: number } | { kind: 'advance'; ms: number } | { kind: 'check' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('acquire' as const, 'release' as const),
    n: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2500 }) }),
  fc.constant({ kind: 'check' as const }),
);

describe('HierarchicalBalancer properties', () => {
  it('steps follow the sampled state, stay in [min, max] and are a full period apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 6 }), fc.array(op, { maxLength: 120 }), (start, ops) => {
        const capacity = new ResourceCapacitySource({ gpu: start });
        const clock = manualClock();
        const idleMs = 1500;
        const busyMs = 1000;
        const balancer = new HierarchicalBalancer([{ capacity, min: { gpu: 3 }, max: { gpu: 6 } }], {
          idleTimeThresholdMs: idleMs,
          busyTimeThresholdMs: busyMs,
          now: clock.now,
        });
        let held = 0;
        let lastStep: number | undefined;
        for (const o of ops) {
          if (o.kind === 'acquire' && capacity.canAcquire({ gpu: o.n })) {
            capacity.acquireImmediate({ gpu: o.n });
            held += o.n;
          } else if (o.kind === 'release') {
            const n = Math.min(o.n, held);
            if (n > 0) capacity.release({ gpu: n });
            held -= n;
          } else if (o.kind === 'advance') {
            clock.advance(o.ms);
          } else if (o.kind === 'check') {
            const before = capacity.limits.gpu ?? 0;
            const u = capacity.utilization.gpu ?? 0;
            balancer.check();
            const after = capacity.limits.gpu ?? 0;
            if (after !== before) {
              expect(Math.abs(after - before)).toBe(1);
              if (after > before) expect(u).toBeGreaterThan(0.85);
              else expect(u).toBeLessThan(0.3);
              const t = clock.now();
              if (lastStep !== undefined)
                expect(t - lastStep).toBeGreaterThanOrEqual(Math.min(idleMs, busyMs));
              lastStep = t;
            }
            expect(after).toBeGreaterThanOrEqual(3);
            expect(after).toBeLessThanOrEqual(6);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
