import { compileCost, invalidCost, parseLimitsOrThrow } from '../capacity/compiled-cost.js';
import { InvalidCostError, InvalidLimitError } from '../errors/capacity-errors.js';
import type { ResourceCost } from '../foundation/resource-cost.js';

/**
 * Amounts are kept in Redis as integers: the user's amount times this scale. Six decimals, as the in-memory
 * capacity keeps, so the same costs are exact in both; an amount may be at most 9,007,199,254 (its scaled form
 * must stay an exact integer for Lua's numbers).
 */
export const SCALE = 1_000_000;
const MAX_SCALED = Number.MAX_SAFE_INTEGER;

/** A validated cost in the store's units, made once per cost shape. */
export class RemoteCost {
  constructor(
    /** The cost as the user wrote it (non-zero amounts only), frozen. */
    readonly amounts: Readonly<ResourceCost>,
    /** Resources with a non-zero amount. */
    readonly names: readonly string[],
    /** Their scaled amounts, parallel to `names`. */
    readonly scaled: readonly number[],
    /** `[resource, scaled amount, …]`, ready to send. */
    readonly args: readonly string[],
    /** Equal for two costs that take the same amounts of the same resources, in any order. */
    readonly shape: string,
  ) {}
}

/** Turns a cost into a {@link RemoteCost}, or the validation error the in-memory capacity gives it. */
export function remoteCost(cost: unknown, key: string): RemoteCost | Error {
  const compiled = compileCost(cost);
  if (!compiled.ok) return invalidCost(compiled, key);
  const c = compiled.compiled;
  const names: string[] = [];
  const scaled: number[] = [];
  const args: string[] = [];
  const amounts: ResourceCost = {};
  for (let i = 0; i < c.keys.length; i++) {
    const name = c.keys[i] as string;
    const value = (c.whole[i] as number) * SCALE + (c.micro[i] as number);
    if (value === 0) continue;
    if (value > MAX_SCALED) return new InvalidCostError(name, value / SCALE, key);
    names.push(name);
    scaled.push(value);
    args.push(name, String(value));
    amounts[name] = value / SCALE;
  }
  return new RemoteCost(Object.freeze(amounts), names, scaled, args, c.shape);
}

/** Limits in the store's units: `[resource, scaled amount, …]`. Throws the in-memory capacity's limit errors. */
export function scaledLimits(limits: unknown): string[] {
  const out: string[] = [];
  for (const [name, a] of parseLimitsOrThrow(limits)) {
    const value = a.whole * SCALE + a.micro;
    if (value > MAX_SCALED) throw new InvalidLimitError(name, limits === null ? undefined : value / SCALE);
    out.push(name, String(value));
  }
  return out;
}
