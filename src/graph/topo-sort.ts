/**
 * Kahn's algorithm, linear in nodes + edges. `indexOf` numbers the nodes `0..nodes.length-1` (scratch counters live
 * in a typed array, not a Map). Nodes whose `dependencyCount` is 0 come first, in input order; the rest follow
 * breadth-first as their last counted dependency is emitted. Dependents not among `nodes` must not be counted or
 * listed by the caller.
 *
 * Returns the order and a predicate for nodes left over; any left-over node means the set contains a cycle (and
 * every left-over node then has at least one left-over dependency).
 */
export function kahnOrder<N>(
  nodes: readonly N[],
  indexOf: (node: N) => number,
  dependencyCount: (node: N) => number,
  dependentsOf: (node: N) => readonly N[],
): { order: N[]; blocked: (node: N) => boolean } {
  const remaining = new Int32Array(nodes.length);
  const order: N[] = [];
  for (const node of nodes) {
    const count = dependencyCount(node);
    if (count === 0) order.push(node);
    else remaining[indexOf(node)] = count;
  }
  // `order` doubles as the FIFO queue.
  for (let i = 0; i < order.length; i++) {
    for (const dependent of dependentsOf(order[i] as N)) {
      const at = indexOf(dependent);
      const count = (remaining[at] as number) - 1;
      remaining[at] = count;
      if (count === 0) order.push(dependent);
    }
  }
  return { order, blocked: (node) => remaining[indexOf(node)] !== 0 };
}

/**
 * Follows `next` from `start` until a node repeats and returns that cycle, closed by repeating its first node
 * (`[a, b, a]`). `next` must always lead somewhere, e.g. to a blocked dependency left by {@link kahnOrder}.
 */
export function findCycle<N>(start: N, next: (node: N) => N): N[] {
  const position = new Map<N, number>();
  const path: N[] = [];
  let node = start;
  while (!position.has(node)) {
    position.set(node, path.length);
    path.push(node);
    node = next(node);
  }
  return [...path.slice(position.get(node)), node];
}

/**
 * Iterative depth-first search for a cycle (no recursion, so a 100,000-node chain cannot overflow the stack).
 * `indexOf` numbers the nodes `0..count-1`; `edgesOf` lists the nodes a node points to.
 */
export function hasCycleDfs<N>(
  nodes: Iterable<N>,
  count: number,
  indexOf: (node: N) => number,
  edgesOf: (node: N) => readonly N[],
): boolean {
  // 0 = unvisited, 1 = on the current path, 2 = finished.
  const color = new Uint8Array(count);
  const stack: N[] = [];
  const cursor: number[] = [];
  for (const root of nodes) {
    if (color[indexOf(root)] !== 0) continue;
    color[indexOf(root)] = 1;
    stack.push(root);
    cursor.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top] as N;
      const edges = edgesOf(node);
      const at = cursor[top] as number;
      if (at === edges.length) {
        color[indexOf(node)] = 2;
        stack.pop();
        cursor.pop();
        continue;
      }
      cursor[top] = at + 1;
      const next = edges[at] as N;
      const mark = color[indexOf(next)];
      if (mark === 1) return true;
      if (mark === 0) {
        color[indexOf(next)] = 1;
        stack.push(next);
        cursor.push(0);
      }
    }
  }
  return false;
}
