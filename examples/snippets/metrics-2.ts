import {
  DefaultCapacityMetricsCollector,
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  SourceBufferObj,
} from '../../src/index.js';

const metrics = new DefaultCapacityMetricsCollector();
const pool = new ResourceCapacitySource({ gpu: 1, cpu: 4 }, undefined, metrics);

// Three one-GPU upscales: they run one after another, and the runner never asks for one that cannot fit.
const tasks: ScheduledTask<never, string>[] = ['a', 'b', 'c'].map((key) => ({
  key,
  cost: { gpu: 1, cpu: 2 },
  runner: async () => `${key}: upscaled`,
}));
const runner = new ScheduledTaskPoolRunner('upscale', new SourceBufferObj(tasks), pool);
for await (const e of runner.runTasks()) console.log(e.value, metrics.snapshot().inFlightByResource);

const { totals, inFlightByResource } = metrics.snapshot();
console.log(totals.acquireAccepted, totals.acquireRejected, totals.release, inFlightByResource);
