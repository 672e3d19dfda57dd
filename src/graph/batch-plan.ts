import { CycleError, DuplicateKeyError, MissingDependencyError } from '../errors/graph-errors.js';
import { EdgeLists } from './edge-lists.js';
import { sameKey } from './same-key.js';
import { findCycle, kahnOrder } from './topo-sort.js';

/** One validated batch entry. */
export interface PlannedNode<K> {
  readonly key: K;
  /** Dependencies as given (repeats included; insertion counts each once). */
  readonly deps: readonly K[];
}

/**
 * Validates an `addAll` batch without touching the graph and returns its entries in topological order
 * (dependencies first), so inserting them in that order never meets an unknown dependency.
 *
 * Checks, in this order: keys already in the graph (`DuplicateKeyError`); per entry, a self-dependency
 * (`CycleError`) and dependencies neither in the graph nor in the batch (`MissingDependencyError`); then cycles
 * inside the batch (`CycleError` naming one cycle). Edges into the existing graph cannot close a cycle, because
 * existing nodes never depend on new ones. Linear in entries + edges: one Map lookup per key and per edge.
 */
export function planBatch<K>(
  batch: ReadonlyMap<K, readonly K[]>,
  inGraph: (key: K) => boolean,
): readonly PlannedNode<K>[] {
  // Entries are numbered in map order; `position` finds an entry by key.
  const position = new Map<K, number>();
  const entries: PlannedNode<K>[] = [];
  for (const [key, deps] of batch) {
    if (inGraph(key)) throw new DuplicateKeyError(key);
    position.set(key, entries.length);
    entries.push({ key, deps });
  }
  const batchDeps = new Int32Array(entries.length);
  const dependents = new EdgeLists(entries.length);
  entries.forEach(({ key, deps }, entry) => {
    for (const dep of deps) {
      if (sameKey(dep, key)) throw new CycleError([key, key]);
      const inBatch = position.get(dep);
      if (inBatch !== undefined) {
        // A repeated dependency adds a parallel edge; Kahn counts it down once per edge, so order is unaffected.
        batchDeps[entry] = (batchDeps[entry] as number) + 1;
        dependents.add(inBatch, entry);
      } else if (!inGraph(dep)) {
        throw new MissingDependencyError(key, dep);
      }
    }
  });
  const { order, blocked } = kahnOrder(entries.length, (entry) => batchDeps[entry] as number, dependents);
  if (order.length < entries.length) {
    // Every blocked entry has a blocked dependency in the batch, so following them must loop.
    let start = 0;
    while (!blocked(start)) start++;
    const next = (entry: number): number => {
      for (const dep of (entries[entry] as PlannedNode<K>).deps) {
        const at = position.get(dep);
        if (at !== undefined && blocked(at)) return at;
      }
      throw new Error('unreachable: a blocked entry has a blocked dependency');
    };
    throw new CycleError(findCycle(start, next).map((entry) => (entries[entry] as PlannedNode<K>).key));
  }
  return Array.from(order, (entry) => entries[entry] as PlannedNode<K>);
}
