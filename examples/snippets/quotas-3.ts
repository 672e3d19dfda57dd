import {
  QuotaCapacitySource,
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
  SourceBufferObj,
} from '../../src/index.js';

// At most 5 calls per 100 ms window (the quota), and at most 2 in flight at once (a pool under it).
const perWindow = new QuotaCapacitySource({ calls: 5 });
perWindow.startPeriodicReset(100);
const inFlight = new ResourceCapacitySource({ calls: 2 }, perWindow);

let running = 0;
let peak = 0;
const tasks: ScheduledTask<never, string>[] = Array.from({ length: 7 }, (_, i) => ({
  key: `embed-${i + 1}`,
  cost: { calls: 1 },
  runner: async ({ key }) => {
    peak = Math.max(peak, ++running);
    console.log(key, 'starts; calls left in window:', perWindow.available.calls);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    return key;
  },
}));

const runner = new ScheduledTaskPoolRunner('embed', new SourceBufferObj(tasks), inFlight);
for await (const _ of runner.runTasks()) {
  // consume the envelopes
}
console.log('peak concurrency:', peak, '| slots free:', inFlight.available.calls);
perWindow.stopTimer();
