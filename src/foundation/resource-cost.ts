/**
 * A named amount per resource, such as `{ gpu: 2, cpu: 1 }`. Used both for budgets (limits) and for task costs.
 * Amounts are finite, non-negative numbers with at most 6 digits after the decimal point. Only the object's own
 * enumerable properties count; a cost or limit with enumerable inherited properties is rejected.
 */
export type ResourceCost = Record<string, number>;

/** Why `tryAcquire` refused: the cost did not fit, or it was malformed (negative, NaN, infinite, too precise). */
export type TryAcquireRejectReason = 'insufficient_capacity' | 'invalid_cost';
