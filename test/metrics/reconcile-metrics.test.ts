import { describe, expect, it } from 'vitest';
import { ResourceCapacitySource } from '../../src/capacity/resource-capacity-source.js';
import { DefaultCapacityMetricsCollector } from '../../src/metrics/default-capacity-metrics-collector.js';

describe('reconcile keeps the collector in step with the source', () => {
  it('estimate, reconcile, release the actual: in flight returns to 0 at every level', () => {
    const parentMetrics = new DefaultCapacityMetricsCollector();
    const metrics = new DefaultCapacityMetricsCollector();
    const org = new ResourceCapacitySource({ tokens: 100_000 }, undefined, parentMetrics);
    const llm = new ResourceCapacitySource({ tokens: 10_000 }, org, metrics);
    for (let i = 0; i < 3; i++) {
      expect(llm.tryAcquire({ tokens: 300 }).ok).toBe(true);
      llm.reconcile({ tokens: 300 }, { tokens: 220 });
      expect(metrics.snapshot().inFlightByResource.tokens).toBe(220);
      llm.release({ tokens: 220 });
    }
    // An underestimate takes the difference, and the release of the actual balances it.
    llm.tryAcquire({ tokens: 100 });
    llm.reconcile({ tokens: 100 }, { tokens: 150 });
    expect(metrics.snapshot().inFlightByResource.tokens).toBe(150);
    llm.release({ tokens: 150 });
    expect(llm.inUse).toEqual({ tokens: 0 });
    expect(metrics.snapshot().inFlightByResource).toEqual({ tokens: 0 });
    expect(parentMetrics.snapshot().inFlightByResource).toEqual({ tokens: 0 });
    expect(metrics.snapshot().utilizationByResource.tokens).toBe(0);
  });
});
