import { describe, expect, it } from 'vitest';
import type { PreparedCost } from '../../src/capacity/cost-cache.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import type { CapacityGate } from '../../src/runner/capacity-gate.js';
import { EnvelopeStream } from '../../src/runner/envelope-stream.js';
import { type Held, ResourceGate } from '../../src/runner/resource-gate.js';
import { RunGuard } from '../../src/runner/run-guard.js';
import { TaskRun } from '../../src/runner/task-run.js';
import type { ScheduledTask, TaskProgressEnvelope } from '../../src/runner/types.js';
import { collect, deferred } from '../support/async.js';

/**
 * A gate whose take answers after a round trip, as a remote capacity's would: the local gate's decision,
 * delivered a few turns later. Counts concurrent takes, which the run must never overlap.
 */
class RemoteLikeGate implements CapacityGate<PreparedCost, Held> {
  readonly #local: ResourceGate;
  inFlightTakes = 0;
  maxInFlightTakes = 0;
  takes = 0;

  constructor(capacity: ResourceCapacitySource) {
    this.#local = new ResourceGate(capacity);
  }
  prepare(key: string, cost: Readonly<Record<string, number>> | undefined) {
    return this.#local.prepare(key, cost);
  }
  refusal(key: string, prepared: PreparedCost) {
    return this.#local.refusal(key, prepared);
  }
  fits(prepared: PreparedCost) {
    return this.#local.fits(prepared);
  }
  async take(prepared: PreparedCost): Promise<Held | undefined> {
    this.takes++;
    this.inFlightTakes++;
    this.maxInFlightTakes = Math.max(this.maxInFlightTakes, this.inFlightTakes);
    await new Promise((r) => setImmediate(r));
    this.inFlightTakes--;
    return this.#local.take(prepared);
  }
  release(hold: Held) {
    this.#local.release(hold);
  }
  onChange(listener: () => void) {
    return this.#local.onChange(listener);
  }
}

describe('a gate whose take is asynchronous (the seam a remote capacity uses)', () => {
  it('runs every task under the budget, one take at a time, and gives everything back', async () => {
    const pool = new ResourceCapacitySource({ gpu: 2, cpu: 3 });
    const gate = new RemoteLikeGate(pool);
    let gpu = 0;
    let peak = 0;
    const shapes = [
      { gpu: 2, cpu: 1 },
      { gpu: 1, cpu: 2 },
      { gpu: 1, cpu: 1 },
    ];
    const tasks: ScheduledTask<never, number>[] = Array.from({ length: 30 }, (_, i) => {
      const cost = shapes[i % 3]!;
      return {
        key: `t${i}`,
        cost,
        runner: async () => {
          gpu += cost.gpu;
          peak = Math.max(peak, gpu);
          await new Promise((r) => setImmediate(r));
          gpu -= cost.gpu;
          return i;
        },
      };
    });
    const run = new TaskRun<never, number, PreparedCost, Held>(new SourceBufferObj(tasks), gate, false);
    const envelopes: TaskProgressEnvelope<never, number>[] = await collect(
      new EnvelopeStream(run, new RunGuard('remote')),
    );
    expect(envelopes.filter((e) => e.type === 'FINAL')).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(2);
    expect(gate.maxInFlightTakes).toBe(1);
    expect(pool.available).toEqual({ gpu: 2, cpu: 3 });
  });

  it('a take that finds no room holds the task until a release, then starts it', async () => {
    const pool = new ResourceCapacitySource({ gpu: 1 });
    const gate = new RemoteLikeGate(pool);
    const first = deferred<number>();
    const tasks: ScheduledTask<never, number>[] = [
      { key: 'a', cost: { gpu: 1 }, runner: () => first.promise },
      { key: 'b', cost: { gpu: 1 }, runner: async () => 2 },
    ];
    const run = new TaskRun<never, number, PreparedCost, Held>(new SourceBufferObj(tasks), gate, false);
    const done = collect(new EnvelopeStream(run, new RunGuard('remote')));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    first.resolve(1);
    const envelopes = await done;
    expect(envelopes.map((e) => `${e.type} ${e.key}`)).toEqual(['FINAL a', 'FINAL b']);
    expect(pool.available).toEqual({ gpu: 1 });
  });
});
