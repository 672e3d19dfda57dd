import {
  DependencyGraph,
  PriorityDependencySourceObj,
  ResourceCapacitySource,
  type ResourceCost,
  type ScheduledTask,
  ScheduledTaskPoolRunner,
} from '../../src/index.js';

type Task = ScheduledTask<never, string>;

const graph = new DependencyGraph<string>();
graph.addAll(
  new Map([
    ['download', []],
    ['transcode', ['download']],
    ['caption', ['download']],
    ['publish', ['transcode', 'caption']],
  ]),
);

const costs: Record<string, ResourceCost> = {
  download: { cpu: 1 },
  transcode: { gpu: 1, cpu: 1 },
  caption: { gpu: 1, cpu: 1 },
  publish: { cpu: 1 },
};
let captionAttempts = 0;

// The bridge: the tasks' callbacks report back to the source, which is created below them.
let source: PriorityDependencySourceObj<string, Task>;
const tasks = new Map<string, Task>(
  Object.entries(costs).map(([key, cost]): [string, Task] => [
    key,
    {
      key,
      cost,
      runner: async () => {
        if (key === 'caption' && ++captionAttempts === 1) throw new Error('speech model not warm yet');
        return `${key} ok`;
      },
      onComplete: (k) => source.complete(k),
      onError: (k) => (captionAttempts < 3 ? source.fail(k) : source.abort(k)),
    },
  ]),
);
source = new PriorityDependencySourceObj(graph, tasks);

const runner = new ScheduledTaskPoolRunner(
  'video-42',
  source,
  new ResourceCapacitySource({ gpu: 2, cpu: 4 }),
);
for await (const e of runner.runTasks(false)) {
  console.log(e.taskId, e.key, e.type, e.value ?? String(e.error));
}
console.log('done:', graph.isDone);
