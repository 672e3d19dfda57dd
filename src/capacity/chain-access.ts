import type { Chain } from './cost-binding.js';

/**
 * How the runner reaches a capacity source's chain without a public method for it: the source class registers
 * a reader here once (from a static block, so it can read its private fields). Internal to the package.
 */
let reader: ((source: object) => Chain) | undefined;

/** Called once by `ResourceCapacitySource`. */
export function registerChainReader(read: (source: object) => Chain): void {
  reader = read;
}

/** The resolved chain of a `ResourceCapacitySource`. */
export function chainOf(source: object): Chain {
  if (reader === undefined) throw new Error('unreachable: ResourceCapacitySource is not loaded');
  return reader(source);
}
