import type { Scenario } from '../scenarios.js';
import type { Baseline } from './baseline.js';
import type { ChildResult } from './child.js';
import { median } from './stats.js';

/** One child run, as stored in latest.json. */
export type RoundEntry = ChildResult & { contender: string; round: number };

/** Per-contender figures for one scenario. */
export interface ContenderSummary {
  okRounds: number;
  failures: string[];
  /** Rounds cut short by the time budget. */
  truncatedRounds: number;
  medians: Record<string, number>;
  /** For each ratio column: the median over rounds of (this ÷ reference) taken within the same round. */
  ratios: Record<string, number>;
  reference?: string;
}

function num(entry: RoundEntry | undefined, key: string): number | undefined {
  if (entry === undefined || !entry.ok) return undefined;
  const v = entry.metrics[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Medians and paired ratios per contender. */
export function summarise(
  scenario: Scenario,
  entries: readonly RoundEntry[],
): Record<string, ContenderSummary> {
  const byRound = new Map<string, RoundEntry>();
  for (const e of entries) byRound.set(`${e.contender}#${e.round}`, e);
  const out: Record<string, ContenderSummary> = {};
  for (const c of scenario.contenders) {
    const mine = entries.filter((e) => e.contender === c);
    const ok = mine.filter((e): e is RoundEntry & { ok: true } => e.ok);
    const ref = scenario.reference[c];
    const s: ContenderSummary = {
      okRounds: ok.length,
      failures: mine.flatMap((e) => (e.ok ? [] : [`round ${e.round + 1}: ${e.error}`])),
      truncatedRounds: ok.filter((e) => e.metrics.truncated === true).length,
      medians: {},
      ratios: {},
      ...(ref === undefined ? {} : { reference: ref }),
    };
    for (const col of scenario.columns) {
      const vals = mine.map((e) => num(e, col.key)).filter((v): v is number => v !== undefined);
      if (vals.length > 0) s.medians[col.key] = median(vals);
      if (col.ratio && ref !== undefined) {
        const rs: number[] = [];
        for (const e of mine) {
          const a = num(e, col.key);
          const b = num(byRound.get(`${ref}#${e.round}`), col.key);
          if (a !== undefined && b !== undefined && b !== 0) rs.push(a / b);
        }
        if (rs.length > 0) s.ratios[col.key] = median(rs);
      }
    }
    out[c] = s;
  }
  return out;
}

function fmt(v: number | undefined, digits = 0, scale = 1): string {
  if (v === undefined) return '—';
  return (v * scale).toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio: two decimals, or two significant digits below 0.1 (a remote store ÷ memory is about 0.001). */
function fmtRatio(v: number | undefined): string {
  if (v === undefined || v === 0 || Math.abs(v) >= 0.1) return fmt(v, 2);
  return v.toPrecision(2);
}

/**
 * A markdown table for one scenario: medians, then paired ratios, then — for columns marked `before` — the
 * baseline's figure for the same column (its ratio for ratio columns), then notes on failures/truncation.
 */
export function table(
  scenario: Scenario,
  summary: Record<string, ContenderSummary>,
  baseline?: Baseline,
): string {
  const ratioCols = scenario.columns.filter((c) => c.ratio);
  const past = baseline?.scenarios[scenario.name];
  const beforeCols = past === undefined ? [] : scenario.columns.filter((c) => c.before);
  const head = [
    'contender',
    ...scenario.columns.map((c) => c.label),
    ...(ratioCols.length > 0 ? ['vs', ...ratioCols.map((c) => `${c.label} ÷ vs`)] : []),
    ...beforeCols.map((c) => `before: ${c.ratio ? `${c.label} ÷ vs` : c.label}`),
    'rounds ok',
  ];
  const rows = scenario.contenders.map((name) => {
    const s = summary[name] as ContenderSummary;
    const cut = s.truncatedRounds > 0 ? ` (cut ${s.truncatedRounds}×)` : '';
    const then = past?.[name];
    return [
      name + cut,
      ...scenario.columns.map((c) => fmt(s.medians[c.key], c.digits, c.scale)),
      ...(ratioCols.length > 0
        ? [s.reference ?? '', ...ratioCols.map((c) => (s.reference ? fmtRatio(s.ratios[c.key]) : ''))]
        : []),
      ...beforeCols.map((c) =>
        c.ratio
          ? s.reference
            ? fmtRatio(then?.ratios[c.key])
            : ''
          : fmt(then?.medians[c.key], c.digits, c.scale),
      ),
      `${s.okRounds}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const notes: string[] = [];
  for (const name of scenario.contenders) {
    const s = summary[name] as ContenderSummary;
    for (const f of s.failures) notes.push(`- ${name} FAILED ${f}`);
    if (s.truncatedRounds > 0) {
      notes.push(
        `- ${name}: ${s.truncatedRounds} round(s) hit the time budget; figures cover the tasks finished by then`,
      );
    }
  }
  return [line(head), sep, ...rows.map(line), ...notes].join('\n');
}
