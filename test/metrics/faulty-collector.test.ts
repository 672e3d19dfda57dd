import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuotaCapacitySource } from '../../src/capacity/quota-capacity-source.js';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { DefaultCapacityMetricsCollector } from '../../src/metrics/default-capacity-metrics-collector.js';
import { SourceBufferObj } from '../../src/pull/source-buffer-obj.js';
import { ScheduledTaskPoolRunner } from '../../src/runner/scheduled-task-pool-runner.js';
import type { ScheduledTask } from '../../src/runner/types.js';
import { collect } from '../support/async.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A collector whose every handler throws. */
function brokenCollector(): DefaultCapacityMetricsCollector {
  const m = new DefaultCapacityMetricsCollector();
  const boom = () => {
    throw new Error('collector bug');
  };
  m.onTryAcquireAccepted = boom;
  m.onTryAcquireRejected = boom;
  m.onRelease = boom;
  m.onReset = boom;
  m.onIncrement = boom;
  m.onReconcile = boom;
  return m;
}

describe('a collector that throws never changes admission or accounting', () => {
  it('direct acquisitions and releases account exactly; the fault is reported once', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const pool = new ResourceCapacitySource({ gpu: 2 }, undefined, brokenCollector());
    expect(pool.tryAcquire({ gpu: 2 }).ok).toBe(true);
    expect(pool.available).toEqual({ gpu: 0 });
    expect(pool.tryAcquire({ gpu: 1 }).ok).toBe(false);
    pool.release({ gpu: 2 });
    expect(pool.available).toEqual({ gpu: 2 });
    pool.increment({ gpu: 1 });
    pool.reconcile({ gpu: 1 }, { gpu: 1 });
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toContain('onTryAcquireAccepted');
  });

  it('a runner under a throwing collector runs every task and leaks nothing', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const cluster = new ResourceCapacitySource({ gpu: 2 }, undefined, brokenCollector());
    const pool = new ResourceCapacitySource({ gpu: 2 }, cluster, brokenCollector());
    const tasks: ScheduledTask<never, string>[] = Array.from({ length: 20 }, (_, i) => ({
      key: `t${i}`,
      cost: { gpu: 1 },
      runner: async () => 'ok',
    }));
    const envelopes = await collect(
      new ScheduledTaskPoolRunner('r', new SourceBufferObj(tasks), pool).runTasks(),
    );
    expect(envelopes.filter((e) => e.type === 'FINAL')).toHaveLength(20);
    expect([pool.available, cluster.available]).toEqual([{ gpu: 2 }, { gpu: 2 }]);
  });

  it('a throwing onReset in a quota timer does not crash the process; the quota still refills', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.useFakeTimers();
    const quota = new QuotaCapacitySource({ calls: 1 }, undefined, brokenCollector());
    quota.acquireImmediate({ calls: 1 });
    quota.startPeriodicReset(1_000);
    expect(() => vi.advanceTimersByTime(3_000)).not.toThrow();
    expect(quota.available).toEqual({ calls: 1 });
    expect(error).toHaveBeenCalledTimes(1);
    quota.stopTimer();
  });
});
