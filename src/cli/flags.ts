import { InvalidArgumentError } from 'commander';
import type { ResourceCost } from '../foundation/resource-cost.js';
import { MAX_TIMER_DELAY_MS } from '../foundation/timers.js';

/** `gpu=2,cpu=3` → `{ gpu: 2, cpu: 3 }`. */
export function parseResources(text: string): ResourceCost {
  const out: ResourceCost = {};
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*([0-9.]+)\s*$/.exec(part);
    const amount = m === null ? Number.NaN : Number(m[2]);
    if (m === null || !Number.isFinite(amount) || amount < 0)
      throw new InvalidArgumentError(`"${part}" is not resource=amount (e.g. gpu=2,cpu=3)`);
    out[m[1] as string] = amount;
  }
  return out;
}

/**
 * `a,b,f[part=1,size=a]` → its names. Commas inside `[…]` belong to a matrix instance's name, so they do not
 * separate names. An empty list is refused: a selection that names nothing would run nothing and "succeed".
 */
export function parseJobList(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      names.push(current.trim());
      current = '';
    } else current += ch;
  }
  names.push(current.trim());
  const kept = names.filter((n) => n !== '');
  if (kept.length === 0) throw new InvalidArgumentError('names no job (e.g. --jobs encode,thumbs)');
  return kept;
}

/** A TCP port, 0–65535. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`"${text}" is not a port number (0–65535)`);
  return port;
}

/** A non-negative number of seconds that a timer can wait (at most about 24.8 days). */
export function parseSeconds(text: string): number {
  const s = Number(text);
  if (text.trim() === '' || !Number.isFinite(s) || s < 0 || s * 1000 > MAX_TIMER_DELAY_MS)
    throw new InvalidArgumentError(
      `"${text}" is not a number of seconds (0 to ${MAX_TIMER_DELAY_MS / 1000})`,
    );
  return s;
}
