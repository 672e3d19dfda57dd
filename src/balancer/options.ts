import { isValidAmount } from '../capacity/amount.js';
import { ResourceCapacitySource } from '../capacity/resource-capacity-source.js';
import { InvalidOptionError } from '../errors/option-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';
import type { BalancerChildConfig, HierarchicalBalancerOptions, ResolvedBalancerOptions } from './types.js';

/** Node turns a longer `setInterval` delay into 1 ms (with a warning), so it is rejected up front. */
const MAX_TIMER_MS = 2_147_483_647;

/** Documented defaults; `increment` is resolved per child keys. */
export const BALANCER_DEFAULTS = {
  checkIntervalMs: 1000,
  idleTimeThresholdMs: 5000,
  busyTimeThresholdMs: 5000,
  idleThreshold: 0.3,
  busyThreshold: 0.85,
} as const;

function checkAmounts(cost: unknown, path: string, positive: boolean): void {
  if (typeof cost !== 'object' || cost === null || Array.isArray(cost)) {
    throw new InvalidOptionError(path, cost, 'an object of resource amounts, such as { gpu: 4 }');
  }
  for (const [key, value] of Object.entries(cost)) {
    // Same rule as limits, so a clamped or stepped limit is always one setLimits accepts.
    if (!isValidAmount(value) || (positive && value === 0)) {
      throw new InvalidOptionError(
        `${path}.${key}`,
        value,
        `a finite number ${positive ? '> 0' : '>= 0'} with at most 6 decimal digits`,
      );
    }
  }
}

function checkMs(value: number, option: string, allowZero: boolean, max = Number.MAX_VALUE): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok || value > max) {
    const range = `a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'}`;
    throw new InvalidOptionError(option, value, max === Number.MAX_VALUE ? range : `${range} and <= ${max}`);
  }
}

function checkRatio(value: number, option: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidOptionError(option, value, 'a utilization between 0 and 1');
  }
}

/** Validates the children (capacity present, amounts valid, min <= max per key, no source listed twice). */
export function validateChildren(children: readonly BalancerChildConfig[]): void {
  // Test a widened copy: Array.isArray would narrow a readonly array parameter to any[].
  const list: unknown = children;
  if (!Array.isArray(list)) {
    throw new InvalidOptionError('children', children, 'an array of { capacity, min, max }');
  }
  const seen = new Set<unknown>();
  children.forEach((child, i) => {
    const capacity: unknown = child?.capacity;
    if (!(capacity instanceof ResourceCapacitySource)) {
      throw new InvalidOptionError(`children[${i}].capacity`, capacity, 'a ResourceCapacitySource');
    }
    // Two configs for one source would step it twice per check with conflicting bounds.
    if (seen.has(capacity)) {
      throw new InvalidOptionError(`children[${i}].capacity`, '(a source)', 'a source not already listed');
    }
    seen.add(capacity);
    checkAmounts(child.min, `children[${i}].min`, false);
    checkAmounts(child.max, `children[${i}].max`, false);
    for (const [key, lo] of Object.entries(child.min)) {
      const hi = child.max[key];
      if (hi !== undefined && lo > hi) {
        throw new InvalidOptionError(`children[${i}].min.${key}`, lo, `a value <= max.${key} (${hi})`);
      }
    }
  });
}

/** Merges the defaults into `options`, validates every field and returns a frozen result. */
export function resolveBalancerOptions(
  children: readonly BalancerChildConfig[],
  options: HierarchicalBalancerOptions = {},
): ResolvedBalancerOptions {
  // `?? default` so that an explicit `undefined` also means "use the default".
  const merged = {
    checkIntervalMs: options.checkIntervalMs ?? BALANCER_DEFAULTS.checkIntervalMs,
    idleTimeThresholdMs: options.idleTimeThresholdMs ?? BALANCER_DEFAULTS.idleTimeThresholdMs,
    busyTimeThresholdMs: options.busyTimeThresholdMs ?? BALANCER_DEFAULTS.busyTimeThresholdMs,
    idleThreshold: options.idleThreshold ?? BALANCER_DEFAULTS.idleThreshold,
    busyThreshold: options.busyThreshold ?? BALANCER_DEFAULTS.busyThreshold,
    now: options.now ?? Date.now,
  };
  checkMs(merged.checkIntervalMs, 'checkIntervalMs', false, MAX_TIMER_MS);
  checkMs(merged.idleTimeThresholdMs, 'idleTimeThresholdMs', true);
  checkMs(merged.busyTimeThresholdMs, 'busyTimeThresholdMs', true);
  checkRatio(merged.idleThreshold, 'idleThreshold');
  checkRatio(merged.busyThreshold, 'busyThreshold');
  if (merged.idleThreshold > merged.busyThreshold) {
    throw new InvalidOptionError(
      'idleThreshold',
      merged.idleThreshold,
      `a value <= busyThreshold (${merged.busyThreshold})`,
    );
  }
  if (typeof merged.now !== 'function') {
    throw new InvalidOptionError('now', merged.now, 'a function returning milliseconds');
  }
  if (options.increment !== undefined) checkAmounts(options.increment, 'increment', true);

  // Spell the "1 per key" default out for every key a child names, so `options` shows what will happen.
  const increment: ResourceCost = {};
  for (const child of children) {
    for (const key of [...Object.keys(child.min), ...Object.keys(child.max)]) increment[key] = 1;
  }
  Object.assign(increment, options.increment);
  return Object.freeze({ ...merged, increment: Object.freeze(increment) });
}
