import { AllotError, AllotRangeError, show } from './allot-error.js';

/** What is wrong with a cost or limits object as a whole, when it is not one bad number. */
export type AmountsProblem = 'not-an-object' | 'inherited';

function problemText(
  what: 'cost' | 'limits',
  resource: string,
  value: unknown,
  problem?: AmountsProblem,
): string {
  if (problem === 'not-an-object')
    return `The ${what} must be a plain object of resource amounts such as { gpu: 1 }, not ${show(value)}.`;
  if (problem === 'inherited')
    return (
      `The ${what} has an inherited property ${show(resource)}; only an object's own properties are read. ` +
      'Copy it into a plain object, e.g. { ...value }.'
    );
  return '';
}

/** A limit passed to a capacity source is negative, NaN, infinite, not a number, or too precise. */
export class InvalidLimitError extends AllotRangeError {
  constructor(
    readonly resource: string,
    readonly value: unknown,
    readonly problem?: AmountsProblem,
  ) {
    super(
      'ALLOT_INVALID_LIMIT',
      problem !== undefined
        ? problemText('limits', resource, value, problem)
        : `Invalid limit for resource ${show(resource)}: ${show(value)}. ` +
            'A limit must be a finite number >= 0 with at most 6 digits after the decimal point.',
    );
  }
}

/**
 * A cost amount is negative, NaN, infinite, not a number, or has more than 6 decimal digits; or the cost is not
 * a plain object, or it has inherited enumerable properties.
 */
export class InvalidCostError extends AllotRangeError {
  constructor(
    readonly resource: string,
    readonly value: unknown,
    readonly taskKey?: string,
    readonly problem?: AmountsProblem,
  ) {
    const who = taskKey === undefined ? '' : `Task ${show(taskKey)}: `;
    super(
      'ALLOT_INVALID_COST',
      problem !== undefined
        ? `${who}${problemText('cost', resource, value, problem)}`
        : `${who === '' ? 'Cost' : `${who}cost`} for resource ${show(resource)} is ` +
            `invalid (${show(value)}). Use a finite number >= 0 with at most 6 digits after the decimal point.`,
    );
  }
}

/** `acquireImmediate` was called for a cost that does not fit; call `canAcquire` first or use `tryAcquire`. */
export class InsufficientCapacityError extends AllotError {
  constructor(
    readonly resource: string,
    readonly requested: number,
    readonly available: number,
    /** 0 for the source itself, 1 for its parent, and so on. */
    readonly level: number,
  ) {
    super(
      'ALLOT_INSUFFICIENT_CAPACITY',
      `Insufficient capacity for resource ${show(resource)}${level === 0 ? '' : ` at ancestor level ${level}`}: ` +
        `requested ${requested}, available ${available}. Check canAcquire() first, or use tryAcquire().`,
    );
  }
}

/** A task's cost names a resource that no level of the capacity chain tracks (often a typo). */
export class UnknownResourceError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly resource: string,
    readonly tracked: readonly string[],
  ) {
    super(
      'ALLOT_UNKNOWN_RESOURCE',
      `Task ${show(taskKey)} needs resource ${show(resource)}, which no level of the capacity chain tracks ` +
        `(tracked: ${tracked.length === 0 ? 'none' : tracked.map((r) => show(r)).join(', ')}). ` +
        'Fix the cost key, or add the resource to the budget with setLimits().',
    );
  }
}

/**
 * A task's cost is above the ceiling of some level of its capacity chain, so it could never start. A level's
 * ceiling is the highest limit it has had, or a higher one declared with `setCeilings` (a balancer declares
 * each child's `max`). A cost within every ceiling waits instead, even while a limit is lower.
 */
export class CostExceedsLimitError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly resource: string,
    readonly requested: number,
    /** The ceiling of that level for `resource`: the most it can ever have. */
    readonly limit: number,
    /** 0 for the runner's own capacity source, 1 for its parent, and so on. */
    readonly level: number,
    /** The level's name, for a shared budget tree. */
    readonly node?: string,
  ) {
    const where = node !== undefined ? ` node ${show(node)}` : level === 0 ? '' : ` ancestor level ${level}`;
    super(
      'ALLOT_COST_EXCEEDS_LIMIT',
      `Task ${show(taskKey)} can never start: it needs ${requested} of ${show(resource)} but the most` +
        `${where} can ever have is ${limit} (its highest limit so far, ` +
        'or its declared ceiling). Lower the cost, or raise the limit or the ceiling.',
    );
  }
}
