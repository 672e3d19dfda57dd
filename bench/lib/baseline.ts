import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContenderSummary } from './report.js';

/**
 * Figures measured with this same harness on an earlier version of allot, shown beside today's so a change in
 * a ratio can be read at a glance. Made by `bench/make-baseline.ts` from a `latest.json`.
 */
export interface Baseline {
  /** Which version was measured (a commit and what it was). */
  label: string;
  /** When and where it was measured. */
  measured: string;
  /** Per scenario, per contender: the medians and paired ratios of that run. */
  scenarios: Record<string, Record<string, Pick<ContenderSummary, 'medians' | 'ratios'>>>;
}

/** The committed baseline, if there is one. */
export function loadBaseline(root: string): Baseline | undefined {
  const file = join(root, 'bench', 'baseline.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Baseline) : undefined;
}
