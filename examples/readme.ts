import { ResourceCapacitySource, type ScheduledTask, ScheduledTaskPoolRunner, SourceBufferObj } from '../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const job = (ms: number, result: string) => async () => {
  await sleep(ms);
  return result;
};

const tasks: ScheduledTask<string, string>[] = [
  { key: 'encode', cost: { gpu: 2, cpu: 1 }, runner: job(450, 'encode:done') },
  {
    key: 'features',
    cost: { gpu: 1, cpu: 2 },
    runner: async function* () {
      await sleep(120);
      yield 'features:25%'; // an INTERMEDIATE envelope; the task keeps its resources
      await sleep(240);
      return 'features:done';
    },
  },
  { key: 'thumbs', cost: { gpu: 1, cpu: 1 }, runner: job(220, 'thumbs:done') },
];

const capacity = new ResourceCapacitySource({ gpu: 2, cpu: 3 });
const runner = new ScheduledTaskPoolRunner('media', new SourceBufferObj(tasks), capacity);
for await (const e of runner.runTasks(false)) {
  console.log(e.type, e.key, e.value ?? e.error, JSON.stringify(capacity.available));
}
