import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { DefaultCapacityMetricsCollector } from '../../src/metrics/default-capacity-metrics-collector.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { collect } from '../support/async.js';
import { TaskSource } from '../support/sources.js';

describe('the runner is visible to capacity metrics', () => {
  it('one accepted acquisition and one release per task; in-flight back to 0 at every level', async () => {
    const parentMetrics = new DefaultCapacityMetricsCollector();
    const childMetrics = new DefaultCapacityMetricsCollector();
    const parent = new ResourceCapacitySource({ gpu: 4, cpu: 8 }, undefined, parentMetrics);
    const child = new ResourceCapacitySource({ gpu: 2 }, parent, childMetrics);
    const tasks: ScheduledTask<string, string>[] = [
      { key: 'a', cost: { gpu: 1, cpu: 2 }, runner: async () => 'a' },
      { key: 'b', cost: { gpu: 2 }, runner: async () => Promise.reject(new Error('b')) },
      {
        key: 'c',
        cost: { gpu: 1 },
        runner: async function* () {
          yield 'half';
          return 'c';
        },
      },
    ];
    const out = await collect(new ScheduledTaskPoolRunner('m', new TaskSource(tasks), child).runTasks(false));
    expect(out.filter((e) => e.type !== 'INTERMEDIATE')).toHaveLength(3);
    for (const metrics of [childMetrics, parentMetrics]) {
      const snap = metrics.snapshot();
      expect(snap.totals.acquireAccepted).toBe(3);
      expect(snap.totals.release).toBe(3);
      expect(snap.totals.acquireRejected).toBe(0);
      for (const value of Object.values(snap.inFlightByResource)) expect(value).toBe(0);
    }
  });
});
