import type { Adjacency } from './edge-lists.js';

/**
 * Kahn's algorithm over nodes `0..count-1`, linear in nodes + edges. `dependencyCount(i)` is how many edges lead
 * into node i (counting only edges listed in `dependents`). Nodes with none come first, in index order; the rest
 * follow breadth-first as their last counted dependency is emitted, dependents in list order.
 *
 * Returns the order and a predicate for nodes left over; any left-over node means the graph has a cycle (and
 * every left-over node then has at least one left-over dependency).
 */
export function kahnOrder(
  count: number,
  dependencyCount: (node: number) => number,
  dependents: Adjacency,
): { order: Int32Array; blocked: (node: number) => boolean } {
  const remaining = new Int32Array(count);
  // `queue` doubles as the result: entries before `emitted` are final.
  const queue = new Int32Array(count);
  let emitted = 0;
  for (let node = 0; node < count; node++) {
    const deps = dependencyCount(node);
    if (deps === 0) queue[emitted++] = node;
    else remaining[node] = deps;
  }
  for (let i = 0; i < emitted; i++) {
    for (let edge = dependents.first(queue[i] as number); edge !== -1; edge = dependents.next(edge)) {
      const node = dependents.target(edge);
      const left = (remaining[node] as number) - 1;
      remaining[node] = left;
      if (left === 0) queue[emitted++] = node;
    }
  }
  return { order: queue.subarray(0, emitted), blocked: (node) => remaining[node] !== 0 };
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
 * Iterative depth-first search for a cycle over nodes `0..count-1` and the edges in `edges` (no recursion, so a
 * 100,000-node chain cannot overflow the stack). Edges may point either way: a graph has a cycle exactly when
 * its reverse does.
 */
export function hasCycleDfs(count: number, edges: Adjacency): boolean {
  // 0 = unvisited, 1 = on the current path, 2 = finished.
  const color = new Uint8Array(count);
  // Per stack level: the node, and the next of its edges to follow.
  const stack = new Int32Array(count);
  const cursor = new Int32Array(count);
  for (let root = 0; root < count; root++) {
    if (color[root] !== 0) continue;
    color[root] = 1;
    stack[0] = root;
    cursor[0] = edges.first(root);
    let top = 0;
    while (top >= 0) {
      const edge = cursor[top] as number;
      if (edge === -1) {
        color[stack[top] as number] = 2;
        top--;
        continue;
      }
      cursor[top] = edges.next(edge);
      const next = edges.target(edge);
      const mark = color[next];
      if (mark === 1) return true;
      if (mark === 0) {
        color[next] = 1;
        stack[++top] = next;
        cursor[top] = edges.first(next);
      }
    }
  }
  return false;
}
