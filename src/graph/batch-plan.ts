import { CycleError, DuplicateKeyError, MissingDependencyError } from '../errors/graph-errors.js';
import { distinct, sameKey } from './graph-node.js';
import { findCycle, kahnOrder } from './topo-sort.js';

/** One validated batch entry. */
export interface PlannedNode<K> {
  readonly key: K;
  /** Distinct dependencies, in the order given. */
  readonly deps: readonly K[];
}

/** Scratch record per batch entry; one Map lookup per key and per edge. */
interface Entry<K> extends PlannedNode<K> {
  readonly index: number;
  deps: readonly K[];
  batchDeps: number;
  readonly dependents: Entry<K>[];
}

/**
 * Validates an `addAll` batch without touching the graph and returns its entries in topological order
 * (dependencies first), so inserting them in that order never meets an unknown dependency.
 *
 * Checks, in this order: keys already in the graph (`DuplicateKeyError`); per entry, a self-dependency
 * (`CycleError`) and dependencies neither in the graph nor in the batch (`MissingDependencyError`); then cycles
 * inside the batch (`CycleError` naming one cycle). Edges into the existing graph cannot close a cycle, because
 * existing nodes never depend on new ones. Linear in entries + edges.
 */
export function planBatch<K>(
  batch: ReadonlyMap<K, readonly K[]>,
  inGraph: (key: K) => boolean,
): readonly PlannedNode<K>[] {
  const entries = new Map<K, Entry<K>>();
  const list: Entry<K>[] = [];
  for (const [key, deps] of batch) {
    if (inGraph(key)) throw new DuplicateKeyError(key);
    const entry: Entry<K> = { key, index: list.length, deps, batchDeps: 0, dependents: [] };
    entries.set(key, entry);
    list.push(entry);
  }
  for (const entry of list) {
    entry.deps = distinct(entry.deps);
    for (const dep of entry.deps) {
      if (sameKey(dep, entry.key)) throw new CycleError([entry.key, entry.key]);
      const inBatch = entries.get(dep);
      if (inBatch !== undefined) {
        entry.batchDeps++;
        inBatch.dependents.push(entry);
      } else if (!inGraph(dep)) {
        throw new MissingDependencyError(entry.key, dep);
      }
    }
  }
  const { order, blocked } = kahnOrder(
    list,
    (e) => e.index,
    (e) => e.batchDeps,
    (e) => e.dependents,
  );
  if (order.length < list.length) {
    // Every blocked entry has a blocked dependency in the batch, so following them must loop.
    const start = list.find(blocked) as Entry<K>;
    const next = (e: Entry<K>): Entry<K> => {
      for (const dep of e.deps) {
        const d = entries.get(dep);
        if (d !== undefined && blocked(d)) return d;
      }
      throw new Error('unreachable: a blocked entry has a blocked dependency');
    };
    throw new CycleError(findCycle(start, next).map((e) => e.key));
  }
  return order;
}
