import { ResourceCapacitySource, type ScheduledTask, ScheduledTaskPoolRunner, SourceBufferObj } from '../../src/index.js';

// A cluster of 8 GPUs shared by two teams, each allowed up to 6.
const cluster = new ResourceCapacitySource({ gpu: 8 });
const teamA = new ResourceCapacitySource({ gpu: 6 }, cluster);
const teamB = new ResourceCapacitySource({ gpu: 6 }, cluster);

teamA.acquireImmediate({ gpu: 6 }); // team A's training run: charged to team A and to the cluster
console.log(cluster.available, teamB.available, teamB.peek(), teamB.canAcquire({ gpu: 3 }));

// Team B's render needs 3 GPUs. Its own pool has 6, but the cluster has only 2, so it waits.
const tasks: ScheduledTask<never, string>[] = [
  { key: 'render', cost: { gpu: 3 }, runner: async () => 'done' },
];
const runner = new ScheduledTaskPoolRunner('team-b', new SourceBufferObj(tasks), teamB);

// Team A finishing wakes team B's runner, although the two pools only share a parent.
setTimeout(() => teamA.release({ gpu: 6 }), 10);
for await (const e of runner.runTasks()) console.log(e.key, e.type, e.value, cluster.available);
