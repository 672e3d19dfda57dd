/**
 * Runs one example program by name: `npm run example -- <name>`. Without a name, lists them.
 * Each example is also a plain script: `npx tsx examples/<file>.ts`.
 */
import { pathToFileURL } from 'node:url';

/** Example name → file and what it shows. */
export const EXAMPLES: Record<string, { file: string; scenario: string }> = {
  pipeline: { file: 'scheduler-pipeline.ts', scenario: 'the seed pipeline on the Scheduler (npm run demo)' },
  seed: { file: 'multi-resource-scheduling.ts', scenario: 'the seed pipeline on the lower-level runner' },
  'build-dag': {
    file: 'build-dag.ts',
    scenario: 'build graph: flaky step retried, failure skips dependents',
  },
  'inference-server': {
    file: 'inference-server.ts',
    scenario: 'HTTP server: premium first, cancel on disconnect',
  },
  'multi-tenant-server': {
    file: 'multi-tenant-server.ts',
    scenario: 'one server, three teams: fair GPU shares and GPU ids',
  },
  'redis-pipeline': {
    file: 'redis-pipeline.ts',
    scenario: 'the seed pipeline split across three processes on one Redis budget',
  },
  'capacity-planning': {
    file: 'capacity-planning.ts',
    scenario: 'how many GPUs? simulate budgets before buying',
  },
  hierarchy: { file: 'hierarchy.ts', scenario: 'hierarchical pools and the balancer' },
  diamond: { file: 'diamond.ts', scenario: 'dependency diamond with priorities and memory' },
  'graph-walk': { file: 'graph-walk.ts', scenario: 'walking a dependency graph by hand' },
  retry: { file: 'retry.ts', scenario: 'retries, give-up with abort, stopOnError, graceful shutdown' },
  etl: { file: 'etl.ts', scenario: 'ETL pipeline: 10 records through extract, transform, load' },
  adaptive: { file: 'adaptive-capacity.ts', scenario: 'adaptive capacity with a control loop' },
  'rate-limiting': { file: 'rate-limiting.ts', scenario: 'quotas, windows and token buckets' },
  'priority-routing': { file: 'priority-routing.ts', scenario: 'premium, standard and free requests' },
  metrics: { file: 'metrics.ts', scenario: 'capacity metrics' },
  reference: { file: 'reference-snippets.ts', scenario: 'reference snippets' },
  legacy: { file: 'legacy.ts', scenario: 'legacy single-counter runner' },
};

async function run(name: string | undefined): Promise<void> {
  const entry = name === undefined ? undefined : EXAMPLES[name];
  if (entry === undefined) {
    if (name !== undefined) console.error(`Unknown example "${name}".`);
    console.log('Usage: npm run example -- <name>\n');
    for (const [key, { scenario }] of Object.entries(EXAMPLES))
      console.log(`  ${key.padEnd(18)} ${scenario}`);
    process.exitCode = name === undefined ? 0 : 1;
    return;
  }
  const module = (await import(new URL(entry.file, import.meta.url).href)) as { main?: () => unknown };
  if (typeof module.main === 'function') await module.main();
  else if (entry.file === 'multi-resource-scheduling.ts') {
    const seed = (await import('./multi-resource-scheduling.js')) as {
      runSeedPipeline: () => Promise<unknown>;
    };
    await seed.runSeedPipeline();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv[2]);
}
