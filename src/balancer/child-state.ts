import { addAmounts, amountToNumber, parseAmount, subtractAmounts } from '../capacity/amount.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/** How a child looked at one check: every counted resource under-used, any over-used, or neither. */
export type ChildState = 'idle' | 'busy' | 'neutral';

/** Keys the balancer manages for one child: named in `min` or `max` and tracked by the child's source. */
export function countedKeys(min: ResourceCost, max: ResourceCost, limits: Readonly<ResourceCost>): string[] {
  const named = new Set([...Object.keys(min), ...Object.keys(max)]);
  return [...named].filter((key) => Object.hasOwn(limits, key));
}

/**
 * Classifies a child from its utilization. Comparisons are strict: exactly `busyThreshold` is not busy and
 * exactly `idleThreshold` is not idle. A child with no counted keys is neutral. A child that runners are
 * waiting on (`waiting > 0`: its own limit lacks room for their next task) is busy whatever its utilization,
 * so a pool shrunk while idle grows again when work that does not fit arrives.
 */
export function classify(
  utilization: Readonly<ResourceCost>,
  keys: readonly string[],
  idleThreshold: number,
  busyThreshold: number,
  waiting = 0,
): ChildState {
  if (keys.length === 0) return 'neutral';
  if (waiting > 0) return 'busy';
  const values = keys.map((key) => utilization[key] ?? 0);
  if (values.some((u) => u > busyThreshold)) return 'busy';
  if (values.every((u) => u < idleThreshold)) return 'idle';
  return 'neutral';
}

/** `value + sign × step` computed exactly in 6-decimal fixed point, so 0.3 − 0.1 stays 0.2. */
function offset(value: number, step: number, sign: 1 | -1): number {
  const a = parseAmount(value);
  const b = parseAmount(step);
  // Limits and increments are validated amounts; the float fallback only guards against a foreign source.
  if (a === undefined || b === undefined) return value + sign * step;
  return amountToNumber(sign > 0 ? addAmounts(a, b) : subtractAmounts(a, b));
}

/**
 * The limits after one grow or shrink step, holding only the keys that change. A step never moves a limit
 * the wrong way: a limit already above `max` is not cut by growing, nor one below `min` raised by shrinking.
 */
export function stepLimits(
  direction: 'grow' | 'shrink',
  limits: Readonly<ResourceCost>,
  keys: readonly string[],
  bounds: { min: ResourceCost; max: ResourceCost },
  increment: Readonly<ResourceCost>,
): ResourceCost {
  const changes: ResourceCost = {};
  for (const key of keys) {
    const current = limits[key] ?? 0;
    const step = increment[key] ?? 1;
    const next =
      direction === 'grow'
        ? Math.max(current, Math.min(offset(current, step, 1), bounds.max[key] ?? Number.POSITIVE_INFINITY))
        : Math.min(current, Math.max(offset(current, step, -1), bounds.min[key] ?? 0));
    if (next !== current) changes[key] = next;
  }
  return changes;
}
