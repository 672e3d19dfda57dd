import { HierarchicalBalancer, ResourceCapacitySource } from '../../src/index.js';

let now = 0;
const cluster = new ResourceCapacitySource({ gpu: 6 });
const teamA = new ResourceCapacitySource({ gpu: 4 }, cluster);
const teamB = new ResourceCapacitySource({ gpu: 4 }, cluster);
const balancer = new HierarchicalBalancer(
  [
    { capacity: teamA, min: { gpu: 2 }, max: { gpu: 6 } },
    { capacity: teamB, min: { gpu: 2 }, max: { gpu: 6 } },
  ],
  { idleTimeThresholdMs: 1000, busyTimeThresholdMs: 1000, now: () => now },
);
const tick = (ms: number) => {
  now += ms;
  balancer.check(); // start() would do this every checkIntervalMs; here the clock is ours
};

teamA.acquireImmediate({ gpu: 4 }); // team A is busy (utilization 1), team B idle (0)
tick(0);
tick(1000);
console.log(teamA.limits, teamB.limits);

teamA.acquireImmediate({ gpu: 1 }); // team A fills its new GPU and stays busy
tick(1000);
console.log(teamA.limits, teamB.limits);

// Team B is at its floor of 2, yet cannot get 2 GPUs: team A holds 5 of the cluster's 6.
console.log(cluster.available, teamB.canAcquire({ gpu: 2 }));
