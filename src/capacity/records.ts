import type { ResourceCost } from './types.js';

/**
 * Sets `out[key] = value` as an own data property. Plain assignment would treat a resource named `__proto__`
 * as the prototype setter and drop it silently.
 */
export function defineAmount(out: ResourceCost, key: string, value: number): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
