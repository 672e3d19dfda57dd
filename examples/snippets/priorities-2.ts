import {
  PrioritySourceObj,
  ResourceCapacitySource,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
} from '../../src/index.js';

type Task = ScheduledTask<never, string>;
const settle = () => new Promise((resolve) => setImmediate(resolve)); // let the runner react

let finishTraining!: () => void;
const job = (key: string, run: () => Promise<string> = async () => key): Task => ({
  key,
  cost: { gpu: 1 },
  runner: () => {
    console.log('start', key);
    return run();
  },
});

const source = new PrioritySourceObj<Task>();
const runner = new ScheduledTaskPoolRunner('gpu', source, new ResourceCapacitySource({ gpu: 1 }));
const run = (async () => {
  for await (const e of runner.runTasks()) console.log(e.type, e.key);
})();

source.enqueue(
  job('training', () => new Promise((resolve) => (finishTraining = () => resolve('trained')))),
  1,
);
await settle(); // training holds the only GPU; the runner waits for the source
source.enqueue(job('batch-report'), 1);
await settle(); // the runner took batch-report from its pending next(); it does not fit yet, so it is held
source.enqueue(job('urgent-preview'), 10);
await settle();
console.log('queued:', source.peek()?.key);

finishTraining();
source.closeSource();
await run;
