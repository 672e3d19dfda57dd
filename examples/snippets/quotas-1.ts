import { QuotaCapacitySource, type ScheduledTask, ScheduledTaskPoolRunner, SourceBufferObj } from '../../src/index.js';

// A transcription API allows 3 requests per window; the window here is 50 ms so the snippet runs quickly.
const quota = new QuotaCapacitySource({ requests: 3 });
quota.startPeriodicReset(50);

const tasks: ScheduledTask<never, string>[] = Array.from({ length: 7 }, (_, i) => ({
  key: `clip-${i + 1}`,
  cost: { requests: 1 },
  runner: async () => `text of clip ${i + 1}`,
}));

const runner = new ScheduledTaskPoolRunner('transcribe', new SourceBufferObj(tasks), quota);
for await (const e of runner.runTasks()) {
  // The runner's release gave nothing back: "left" only rises when the window resets.
  console.log(e.key, e.type, 'left in window:', quota.available.requests);
}
quota.stopTimer();
