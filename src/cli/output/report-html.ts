// Text helpers shared by every part of the HTML report: escaping, clipping, amounts and how job states read.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in text and in quoted attributes alike: names, errors and paths in the record are data. */
export const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Counts characters, not UTF-16 units, so a cut never splits a surrogate pair. */
export function clip(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(1, maxChars - 1)).join('')}…`;
}

/** A resource amount to three decimals at most, so float noise from summed costs does not show. */
export const amount = (v: number): string => String(Number(v.toFixed(3)));

/** Final states first, in the order people read them; others only show up for a run still going on. */
export const STATE_ORDER: readonly string[] = ['completed', 'failed', 'timed-out', 'cancelled', 'skipped'];

const STATE_LABEL: Record<string, string> = { 'timed-out': 'timed out' };

/** A state as people write it (`timed out`, not `timed-out`). */
export const stateLabel = (state: string): string => STATE_LABEL[state] ?? state;

/** Class-safe: states come from the record, which is data. */
export const stateClass = (state: string): string => `st-${state.replace(/[^a-z-]/g, '')}`;
