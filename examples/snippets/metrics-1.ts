import { DefaultCapacityMetricsCollector, ResourceCapacitySource } from '../../src/index.js';

const metrics = new DefaultCapacityMetricsCollector(10_000); // rates over the last 10 s
const gpus = new ResourceCapacitySource({ gpu: 4 }, undefined, metrics);

gpus.tryAcquire({ gpu: 2 }); // accepted
gpus.tryAcquire({ gpu: 2 }); // accepted
gpus.tryAcquire({ gpu: 3 }); // rejected: insufficient_capacity
gpus.tryAcquire({ gpu: -1 }); // rejected: invalid_cost
gpus.release({ gpu: 2 });

// canAcquire and acquireImmediate are invisible to the collector.
if (gpus.canAcquire({ gpu: 1 })) gpus.acquireImmediate({ gpu: 1 });

const snap = metrics.snapshot();
console.log(snap.totals);
console.log(snap.inFlightByResource, snap.requestedRejectedByResource, snap.utilizationByResource);
console.log(snap.rates.acquireAcceptedPerSec.count, gpus.utilization);
