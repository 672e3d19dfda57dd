import { AllotError, AllotRangeError, show } from './allot-error.js';

/** A limit passed to a capacity source is negative, NaN, infinite, not a number, or too precise. */
export class InvalidLimitError extends AllotRangeError {
  constructor(
    readonly resource: string,
    readonly value: unknown,
  ) {
    super(
      'ALLOT_INVALID_LIMIT',
      `Invalid limit for resource ${show(resource)}: ${show(value)}. ` +
        'A limit must be a finite number >= 0 with at most 6 digits after the decimal point.',
    );
  }
}

/** A cost amount is negative, NaN, infinite, not a number, or has more than 6 decimal digits. */
export class InvalidCostError extends AllotRangeError {
  constructor(
    readonly resource: string,
    readonly value: unknown,
    readonly taskKey?: string,
  ) {
    super(
      'ALLOT_INVALID_COST',
      `${taskKey === undefined ? 'Cost' : `Task ${show(taskKey)}: cost`} for resource ${show(resource)} is ` +
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

/** A task's cost exceeds a total limit somewhere up the chain, so it could never start. */
export class CostExceedsLimitError extends AllotError {
  constructor(
    readonly taskKey: string,
    readonly resource: string,
    readonly requested: number,
    readonly limit: number,
    /** 0 for the runner's own capacity source, 1 for its parent, and so on. */
    readonly level: number,
  ) {
    super(
      'ALLOT_COST_EXCEEDS_LIMIT',
      `Task ${show(taskKey)} can never start: it needs ${requested} of ${show(resource)} but the limit` +
        `${level === 0 ? '' : ` at ancestor level ${level}`} is ${limit}. Lower the cost or raise the limit.`,
    );
  }
}
