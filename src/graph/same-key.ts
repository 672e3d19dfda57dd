/** True when `a` and `b` are the same key under Map/Set equality (SameValueZero, so NaN equals NaN). */
export function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
