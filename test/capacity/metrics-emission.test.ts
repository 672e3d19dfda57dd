import { describe, expect, it } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { RecordingCollector } from './helpers.js';

describe('what a capacity source reports to its metrics collector', () => {
  it('emits onSetLimits once at construction and nothing for canAcquire / acquireImmediate', () => {
    const m = new RecordingCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, m);
    expect(m.events).toEqual([
      ['setLimits', expect.objectContaining({ limitsBefore: {}, limitsAfter: { gpu: 2 } })],
    ]);
    pool.canAcquire({ gpu: 1 });
    pool.acquireImmediate({ gpu: 1 });
    expect(m.kinds()).toEqual(['setLimits']);
  });

  it('tryAcquire emits accepted and rejected events with the documented payloads', () => {
    const m = new RecordingCollector();
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, m);
    pool.tryAcquire({ gpu: 1 });
    pool.tryAcquire({ gpu: 1 });
    pool.tryAcquire({ gpu: 1 });
    pool.tryAcquire({ gpu: -1 });
    expect(m.kinds()).toEqual(['setLimits', 'accepted', 'accepted', 'rejected', 'rejected']);
    expect(m.events[1]?.[1]).toMatchObject({ requested: { gpu: 1 }, availableAfter: { gpu: 1 } });
    expect(m.events[3]?.[1]).toMatchObject({
      requested: { gpu: 1 },
      available: { gpu: 0 },
      reason: 'insufficient_capacity',
    });
    expect(m.events[4]?.[1]).toMatchObject({ reason: 'invalid_cost' });
    for (const [, e] of m.events) expect(typeof e.atMs).toBe('number');
  });

  it('a parent collector sees the accepted event of a child acquisition and the propagated release', () => {
    const pm = new RecordingCollector();
    const cm = new RecordingCollector();
    const parent = new ResourceCapacitySource({ gpu: 4 }, undefined, pm);
    const child = new ResourceCapacitySource({ gpu: 2 }, parent, cm);
    expect(child.tryAcquire({ gpu: 2 }).ok).toBe(true);
    expect(child.tryAcquire({ gpu: 1 }).ok).toBe(false); // rejected: only the child's collector hears it
    child.release({ gpu: 2 });
    expect(child.tryAcquire({ gpu: 1 }).ok).toBe(true);
    child.release({ gpu: 1 });
    expect(pm.kinds()).toEqual(['setLimits', 'accepted', 'release', 'accepted', 'release']);
    expect(cm.kinds()).toEqual(['setLimits', 'accepted', 'rejected', 'release', 'accepted', 'release']);
    expect(pm.inFlight()).toEqual({ gpu: 0 });
    expect(cm.inFlight()).toEqual({ gpu: 0 });
    expect(pm.events[1]?.[1]).toMatchObject({ availableAfter: { gpu: 2 } });
  });

  it('each level hears what it took and what it really gave back, so in-flight figures stay exact', () => {
    const pm = new RecordingCollector();
    const cm = new RecordingCollector();
    const parent = new ResourceCapacitySource({ gpu: 4, mem: 8 }, undefined, pm);
    const child = new ResourceCapacitySource({ gpu: 2 }, parent, cm);
    child.tryAcquire({ gpu: 1, mem: 2 });
    child.tryAcquire({ gpu: 1, mem: 2 });
    expect(cm.inFlight()).toEqual({ gpu: 2 }); // the child does not track mem: it took none
    expect(pm.inFlight()).toEqual({ gpu: 2, mem: 4 });
    child.release({ gpu: 3, mem: 6 }); // more than is outstanding: only what is outstanding comes back
    expect(cm.inFlight()).toEqual({ gpu: 0 });
    expect(pm.inFlight()).toEqual({ gpu: 0, mem: 0 });
    child.release({ gpu: 1 }); // nothing outstanding: nothing given back, nothing reported
    expect(cm.events.at(-1)).toEqual(['release', expect.objectContaining({ released: {} })]);
    expect([child.available, parent.available]).toEqual([{ gpu: 2 }, { gpu: 4, mem: 8 }]);
  });

  it('a quota ancestor balances too: it hears the release that it ignores', () => {
    const qm = new RecordingCollector();
    const quota = new QuotaCapacitySource({ r: 3 }, undefined, qm);
    const pool = new ResourceCapacitySource({ r: 1 }, quota);
    expect(pool.tryAcquire({ r: 1 }).ok).toBe(true);
    pool.release({ r: 1 });
    expect(qm.kinds()).toEqual(['setLimits', 'accepted', 'release']);
    expect(qm.inFlight()).toEqual({ r: 0 });
    expect(quota.available).toEqual({ r: 2 });
  });

  it('reset, increment and setLimits emit their events', () => {
    const m = new RecordingCollector();
    const pool = new ResourceCapacitySource({ gpu: 4 }, undefined, m);
    pool.acquireImmediate({ gpu: 3 });
    pool.setLimits({ gpu: 6 });
    pool.increment({ gpu: 1 });
    pool.reset();
    expect(m.kinds()).toEqual(['setLimits', 'setLimits', 'increment', 'reset']);
    expect(m.events[1]?.[1]).toMatchObject({
      limitsBefore: { gpu: 4 },
      limitsAfter: { gpu: 6 },
      availableAfter: { gpu: 3 },
    });
    expect(m.events[2]?.[1]).toMatchObject({ incrementBy: { gpu: 1 }, availableAfter: { gpu: 4 } });
    expect(m.events[3]?.[1]).toMatchObject({ limitsAfter: { gpu: 6 }, availableAfter: { gpu: 6 } });
  });
});
