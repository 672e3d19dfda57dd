/**
 * Turns a results file of `npm run bench` into bench/baseline.json, whose figures `npm run bench` then prints
 * beside its own in the `before` columns.
 *
 * Usage: tsx bench/make-baseline.ts <results.json> "<label: which version was measured>"
 * To measure an earlier version with today's harness: check it out in a second worktree, copy today's bench/
 * over its bench/, run `npm run bench` there, and pass its bench/results/latest.json here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Baseline } from './lib/baseline.js';
import type { ContenderSummary } from './lib/report.js';

const [resultsFile, label] = process.argv.slice(2);
if (resultsFile === undefined || label === undefined) {
  console.error('usage: tsx bench/make-baseline.ts <results.json> "<label>"');
  process.exit(2);
}
interface Results {
  meta: { started: string; cpus: number; cpuModel: string; node: string; loadavgStart: number[] };
  scenarios: Array<{ name: string; summary: Record<string, ContenderSummary> }>;
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
const { meta } = results;
const baseline: Baseline = {
  label,
  measured: `${meta.started}, node ${meta.node}, ${meta.cpus}× ${meta.cpuModel}, load ${meta.loadavgStart.map((x) => x.toFixed(1)).join('/')}`,
  scenarios: Object.fromEntries(
    results.scenarios.map((s) => [
      s.name,
      Object.fromEntries(
        Object.entries(s.summary).map(([c, v]) => [c, { medians: v.medians, ratios: v.ratios }]),
      ),
    ]),
  ),
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'baseline.json');
writeFileSync(out, `${JSON.stringify(baseline, null, 2)}\n`);
console.log(`wrote ${out}`);
