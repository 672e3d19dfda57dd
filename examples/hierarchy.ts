/**
 * Hierarchical capacity and the HierarchicalBalancer.
 *
 * Run: npx tsx examples/hierarchy.ts
 *
 * What the documentation claimed, and what really happens:
 * - The seed example: "If teamA uses 4 and teamB tries to use 5, the global check fails." teamB's own limit
 *   of 4 rejects a cost of 5 first; the global check (4 left) would fail too, but it is never the reason.
 * - The hierarchical-pools use case: after teamA shrinks, teamB can "grow (up to max 6)". teamB starts at 6,
 *   which is its max: there is nothing to grow into. It can only grow back after it has shrunk itself.
 * - The flow-control guide: "the min guarantee ensures the returning team has enough capacity". A child's `min`
 *   is a floor on its *limit*, not a reservation in the parent. Shrinking revokes nothing in flight, and a
 *   sibling can hold the parent's capacity, so a team at its min of 3 can still be unable to acquire 3.
 *   Growing does not consult the parent either, so the children's limits may add up to more than it has.
 */
import { pathToFileURL } from 'node:url';
import { HierarchicalBalancer } from '../src/balancer/hierarchical-balancer.js';
import { ResourceCapacitySource } from '../src/capacity/resource-capacity-source.js';
import { recordLines } from './support.js';

/** One balancer check that changed a limit. */
export interface BalancerStep {
  t: number;
  teamA: number;
  teamB: number;
}

/** Everything `main()` printed, as values a test can check. */
export interface HierarchyReport {
  seed: {
    teamBCanAcquire5: boolean;
    teamBLocalAvailable: number;
    globalAvailable: number;
    teamBCanAcquire4: boolean;
  };
  docs: { clusterAvailable: number; teamBCanAcquire2: boolean; teamBCanAcquire3: boolean };
  setLimits: { raised: { limit: number; available: number }; lowered: { limit: number; available: number } };
  balancer: {
    steps: BalancerStep[];
    teamBAtMinCanAcquire3: boolean;
    final: { teamA: number; teamB: number; cluster: number };
    teamAAtMinCanAcquire3: boolean;
  };
  lines: string[];
}

const gpu = (source: ResourceCapacitySource): number => source.limits.gpu ?? 0;
const free = (source: ResourceCapacitySource): number => source.available.gpu ?? 0;

/** Runs the four parts of the demo and returns what it printed. */
export function main(log: (line: string) => void = console.log): HierarchyReport {
  const { lines, log: say } = recordLines(log);

  // Seed version: global {gpu:8}, teams {gpu:4}.
  const global = new ResourceCapacitySource({ gpu: 8 });
  const seedA = new ResourceCapacitySource({ gpu: 4 }, global);
  const seedB = new ResourceCapacitySource({ gpu: 4 }, global);
  seedA.acquireImmediate({ gpu: 4 });
  const seed = {
    // teamB's own limit (4) rejects 5 first; the global check is not what stops it.
    teamBCanAcquire5: seedB.canAcquire({ gpu: 5 }),
    teamBLocalAvailable: free(seedB),
    globalAvailable: free(global),
    teamBCanAcquire4: seedB.canAcquire({ gpu: 4 }),
  };
  say(
    `[seed] teamA holds 4; global available=${seed.globalAvailable}, teamB available=${seed.teamBLocalAvailable}`,
  );
  say(`[seed] teamB.canAcquire({gpu:5})=${seed.teamBCanAcquire5} (teamB's own limit 4 rejects it first)`);
  say(`[seed] teamB.canAcquire({gpu:4})=${seed.teamBCanAcquire4}`);

  // Docs version: cluster {gpu:8}, teams {gpu:6}.
  const cluster = new ResourceCapacitySource({ gpu: 8 });
  const teamA = new ResourceCapacitySource({ gpu: 6 }, cluster);
  const teamB = new ResourceCapacitySource({ gpu: 6 }, cluster);
  teamA.acquireImmediate({ gpu: 6 });
  const docs = {
    clusterAvailable: free(cluster),
    teamBCanAcquire2: teamB.canAcquire({ gpu: 2 }),
    teamBCanAcquire3: teamB.canAcquire({ gpu: 3 }),
  };
  say(`[docs] teamA holds 6; cluster available=${docs.clusterAvailable}`);
  say(
    `[docs] teamB.canAcquire({gpu:2})=${docs.teamBCanAcquire2} canAcquire({gpu:3})=${docs.teamBCanAcquire3}`,
  );

  // setLimits on teamA while it holds 6: raising adds the delta, lowering takes it away again.
  teamA.setLimits({ gpu: 7 });
  const raised = { limit: gpu(teamA), available: free(teamA) };
  say(`[setLimits] teamA -> {gpu:7}: limit=${raised.limit} available=${raised.available}`);
  teamA.setLimits({ gpu: 6 });
  const lowered = { limit: gpu(teamA), available: free(teamA) };
  say(
    `[setLimits] teamA -> {gpu:6}: limit=${lowered.limit} available=${lowered.available} (nothing revoked)`,
  );
  teamA.release({ gpu: 6 });

  return { seed, docs, setLimits: { raised, lowered }, balancer: runBalancer(say), lines };
}

/** The balancer wiring (min 3, max 6), driven by `check()` once a second of an injected clock. */
function runBalancer(say: (line: string) => void): HierarchyReport['balancer'] {
  const cluster = new ResourceCapacitySource({ gpu: 8 });
  const teamA = new ResourceCapacitySource({ gpu: 6 }, cluster);
  const teamB = new ResourceCapacitySource({ gpu: 6 }, cluster);
  let t = 0;
  const balancer = new HierarchicalBalancer(
    [
      { capacity: teamA, min: { gpu: 3 }, max: { gpu: 6 } },
      { capacity: teamB, min: { gpu: 3 }, max: { gpu: 6 } },
    ],
    { now: () => t },
  );
  const steps: BalancerStep[] = [];
  /** Advances the clock in 1 s checks, letting `between` act after each one; records limit changes. */
  const run = (until: number, between: () => void = () => {}): void => {
    while (t < until) {
      t += balancer.options.checkIntervalMs;
      const before = [gpu(teamA), gpu(teamB)];
      balancer.check();
      if (gpu(teamA) !== before[0] || gpu(teamB) !== before[1]) {
        steps.push({ t, teamA: gpu(teamA), teamB: gpu(teamB) });
        say(`[balancer] t=${t}ms teamA limit=${gpu(teamA)} teamB limit=${gpu(teamB)}`);
      }
      between();
    }
  };

  // teamA is saturated but already at its max of 6, so it cannot grow; idle teamB shrinks to min.
  teamA.acquireImmediate({ gpu: 6 });
  say('[balancer] teamA holds 6 of 6 (busy, at max); teamB is idle at 6');
  run(20_000);

  // teamB is at its min of 3, yet teamA's in-flight 6 leave the cluster only 2: min is not a reservation.
  const teamBAtMinCanAcquire3 = teamB.canAcquire({ gpu: 3 });
  say(
    `[balancer] teamB at min 3: canAcquire({gpu:3})=${teamBAtMinCanAcquire3}; cluster available=${free(cluster)}`,
  );

  // teamA finishes; teamB fills whatever its limit allows, so it stays busy and grows back to 6.
  teamA.release({ gpu: 6 });
  const fillB = (): void => {
    const room = Math.min(free(teamB), free(cluster));
    if (room > 0) teamB.acquireImmediate({ gpu: room });
  };
  fillB();
  say('[balancer] teamA released everything; teamB now fills its limit');
  run(45_000, fillB);

  const final = { teamA: gpu(teamA), teamB: gpu(teamB), cluster: gpu(cluster) };
  const teamAAtMinCanAcquire3 = teamA.canAcquire({ gpu: 3 });
  say(
    `[balancer] final limits teamA=${final.teamA} teamB=${final.teamB} (sum ${final.teamA + final.teamB} > cluster ` +
      `${final.cluster}); teamA at min 3: canAcquire({gpu:3})=${teamAAtMinCanAcquire3}`,
  );
  return { steps, teamBAtMinCanAcquire3, final, teamAAtMinCanAcquire3 };
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) main();
