/**
 * Capacity metrics: Demo 2 and Demo 3 of the original documentation's metrics-observability use case, with
 * the numbers the code really produces.
 *
 * What the original documentation claimed: its "What to Observe" block promised 50 accepted and 3 rejected
 * acquisitions on a 4-slot pool, 50 releases, and an acceptance rate of "50.0/s".
 *
 * Why the output here differs: no code in that example makes 50 acquisitions. Its capacity
 * demos make 9 attempts in Demo 2 (4 accepted, 3 rejected, then 2 more accepted after releasing 2) and 6
 * sequential batches in Demo 3, so the real totals are 6 accepted / 3 rejected / 6 releases and 6 / 0 / 6.
 * Its banner said "20 tasks", and its formatter labelled counts as "ms". Rates are `RollingWindowStats`
 * in which every event observes the value 1: `count` is the number of events in the window (default 60 s)
 * and `avg` is always 1.00. Neither is "per second"; events per second is `count / (windowMs / 1000)`.
 *
 * Run with `npx tsx examples/metrics.ts`.
 */
import { pathToFileURL } from 'node:url';
import { ResourceCapacitySource } from '../src/capacity/resource-capacity-source.js';
import { DefaultCapacityMetricsCollector } from '../src/metrics/default-capacity-metrics-collector.js';
import type { CapacityMetricsSnapshot, RollingWindowStats } from '../src/metrics/types.js';

/** One item produced by a Demo 3 batch, tagged with the pool's utilization when it was handed on. */
export interface BatchItem {
  batch: number;
  index: number;
  poolUtilization: number;
}

/** What {@link main} printed, for checking. */
export interface MetricsDemoResult {
  demo2: { accepted: number; rejected: number; snapshot: CapacityMetricsSnapshot };
  demo3: { items: BatchItem[]; snapshot: CapacityMetricsSnapshot };
}

type Log = (line: string) => void;

const SLOT = { slots: 1 };

/** Demo 2: a 4-slot pool takes 7 requests (4 fit, 3 are rejected), frees 2 slots, takes 2 more, then drains. */
function demo2(log: Log): MetricsDemoResult['demo2'] {
  log('=== Demo 2: 4-slot pool, accept / reject / release ===');
  const metrics = new DefaultCapacityMetricsCollector();
  const pool = new ResourceCapacitySource({ slots: 4 }, undefined, metrics);
  let accepted = 0;
  let rejected = 0;
  let held = 0;

  const request = (n: number): void => {
    const r = pool.tryAcquire(SLOT);
    if (r.ok) {
      accepted++;
      held++;
      log(`  request ${n}: accepted (slots available after: ${r.availableAfter.slots})`);
    } else {
      rejected++;
      log(`  request ${n}: rejected, ${r.reason} (slots available: ${r.available.slots})`);
    }
  };
  const release = (count: number): void => {
    for (let i = 0; i < count; i++) pool.release(SLOT);
    held -= count;
    log(`  released ${count} slot(s)`);
  };

  for (let n = 1; n <= 7; n++) request(n);
  release(2);
  for (let n = 8; n <= 9; n++) request(n);
  log(`  Final tally: ${accepted} accepted, ${rejected} rejected`);
  release(held);

  const snapshot = metrics.snapshot();
  printSnapshot(log, snapshot, 'slots');
  return { accepted, rejected, snapshot };
}

/** Demo 3: a 3-slot pool serves 6 sequential batches of 3 items each, one slot per batch; nothing waits. */
function demo3(log: Log): MetricsDemoResult['demo3'] {
  log('=== Demo 3: 3-slot pool, 6 sequential batches ===');
  const metrics = new DefaultCapacityMetricsCollector();
  const pool = new ResourceCapacitySource({ slots: 3 }, undefined, metrics);
  const items: BatchItem[] = [];

  for (let batch = 1; batch <= 6; batch++) {
    const r = pool.tryAcquire(SLOT);
    if (!r.ok)
      throw new Error(`batch ${batch} was rejected (${r.reason}); sequential batches should always fit`);
    const fetched = [1, 2, 3].map((index) => ({ batch, index }));
    pool.release(SLOT);
    // Items are handed on after the batch has released its slot, so the pool is idle again (utilization 0).
    const poolUtilization = metrics.snapshot().utilizationByResource.slots ?? 0;
    for (const item of fetched) items.push({ ...item, poolUtilization });
    log(`  batch ${batch}: ${fetched.length} items, pool-utilization ${poolUtilization.toFixed(4)}`);
  }

  const snapshot = metrics.snapshot();
  log(`  ${items.length} items in total`);
  printSnapshot(log, snapshot, 'slots');
  return { items, snapshot };
}

function printSnapshot(log: Log, s: CapacityMetricsSnapshot, resource: string): void {
  const t = s.totals;
  log(`  Snapshot: accepted ${t.acquireAccepted}, rejected ${t.acquireRejected}, releases ${t.release}`);
  log(
    `  ${resource}: inFlight ${s.inFlightByResource[resource] ?? 0}, ` +
      `utilization ${(s.utilizationByResource[resource] ?? 0).toFixed(4)}, ` +
      `rejected ${s.requestedRejectedByResource[resource] ?? 0}`,
  );
  log(`  rates: accepted ${fmtRate(s.rates.acquireAcceptedPerSec)}`);
  log(`         rejected ${fmtRate(s.rates.acquireRejectedPerSec)}`);
  log(`         release  ${fmtRate(s.rates.releasePerSec)}`);
}

// Counts are events, not milliseconds (the original labelled them "ms").
function fmtRate(w: RollingWindowStats): string {
  const perSec = w.count / (w.windowMs / 1000);
  return `count=${w.count} avg=${w.avg.toFixed(2)} (${perSec.toFixed(2)} events/s over ${w.windowMs / 1000} s)`;
}

/** Runs Demo 2 and Demo 3, printing through `log`, and returns the snapshots it printed. */
export function main(log: Log = console.log): MetricsDemoResult {
  const d2 = demo2(log);
  log('');
  const d3 = demo3(log);
  return { demo2: d2, demo3: d3 };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
